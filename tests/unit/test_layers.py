"""The layer contract, checked on every run: packages import only from layers below them (or their own
package), entry points do not import each other, and no package uses another package's private names.

Every import in the source is read with ``ast`` (including imports inside functions and under
TYPE_CHECKING), so a lazy import cannot hide a dependency. Exceptions that exist today are listed in
``KNOWN``, each with the reason; the test fails on any new one, and on a listed one that has gone (so the list
only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sanctions_ledger"

# Lowest first. A package may import its own modules and any package of a lower layer.
LAYERS: list[set[str]] = [
    {"errors"},
    {"settings"},
    {"model"},
    {"ftm"},  # the FollowTheMoney format: ids, mapping, reading, validation
    {"parsers"},
    {"ledger"},
    {"matching"},
    {"actions"},
    {"screening"},
    {"statements", "monitoring", "opensanctions"},
    # use cases that span the packages below: loading snapshots with post-load steps, API keys and web
    # sessions, batch screening jobs, the services an app is built over
    {"services"},
    {"api", "web"},  # the HTTP API and the pages, side by side over the services
    {"server"},  # the two assembled into one app
    {"cli"},  # the command line (``sanctions serve`` runs the server)
]

# (importing package, imported package): why it is still there. To be removed (issue 11).
KNOWN: dict[tuple[str, str], str] = {}


def _layer_of() -> dict[str, int]:
    return {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _package(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every sanctions_ledger import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("sanctions_ledger"):
                out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("sanctions_ledger"):
                    out.append((a.name, [], node.lineno))
    return out


def _sources() -> list[Path]:
    top = {PACKAGE / "__init__.py", PACKAGE / "__main__.py"}
    return sorted(p for p in PACKAGE.rglob("*.py") if p not in top)


def _violations() -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    layer = _layer_of()
    upward: dict[tuple[str, str], list[str]] = {}
    private: list[str] = []
    for path in _sources():
        src = _package(path)
        if src not in layer:
            continue
        for module, names, line in _imports(path):
            parts = module.split(".")
            if len(parts) < 2:
                continue
            dst = parts[1]
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if dst != src and dst in layer:
                ok = layer[dst] < layer[src]
                if not ok:
                    upward.setdefault((src, dst), []).append(where)
                # another package's private module or names
                if any(p.startswith("_") and not p.startswith("__") for p in parts[2:]):
                    private.append(f"{where}: {module}")
                for n in names:
                    if n.startswith("_") and not n.startswith("__"):
                        private.append(f"{where}: {module}.{n}")
    return upward, private


def test_every_package_has_a_layer() -> None:
    layer = _layer_of()
    packages = {_package(p) for p in _sources()}
    assert packages <= set(layer), f"give these a layer in LAYERS: {sorted(packages - set(layer))}"


def test_imports_go_downward_only() -> None:
    upward, _ = _violations()
    new = {k: v for k, v in upward.items() if k not in KNOWN}
    assert not new, "imports upward or across entry points:\n" + "\n".join(
        f"  {a} -> {b}: {', '.join(w[:3])}" for (a, b), w in sorted(new.items())
    )
    gone = sorted(set(KNOWN) - set(upward))
    assert not gone, f"these known exceptions are gone; remove them from KNOWN: {gone}"


def test_no_package_uses_another_packages_private_names() -> None:
    _, private = _violations()
    assert not private, "private names used across packages:\n  " + "\n  ".join(private)
