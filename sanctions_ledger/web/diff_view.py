"""The diff page's view: one row per added, removed or changed entity, filtered (kind of change, program,
text) and paged, with what changed inside a record shown as items added and removed (names, addresses,
identifiers, programs) or words inserted and deleted (remarks), and the per-program counts as bars."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Diff

PER_PAGE = 100
KINDS = ("all", "added", "removed", "changed")


@dataclass
class FieldChange:
    name: str
    removed: list[str] = field(default_factory=list)  # list items no longer there
    added: list[str] = field(default_factory=list)  # list items new
    kept: int = 0  # list items unchanged
    words: list[tuple[str, str]] = field(default_factory=list)  # (op, text): op in "", "del", "ins"


@dataclass
class Row:
    kind: str
    entity_id: str
    caption: str
    programs: list[str]
    fields: list[FieldChange] = field(default_factory=list)


def _item(value: Any) -> str:
    if isinstance(value, dict):
        if "name" in value and "kind" in value:  # a name
            extra = f" ({value['kind']}" + (
                f", {value['script']}" if value.get("script") not in (None, "Latn") else ""
            )
            return f"{value['name']}{extra})"
        if "type" in value and "value" in value:  # an identifier
            tail = f" ({value['country']})" if value.get("country") else ""
            return f"{value['type']}: {value['value']}{tail}"
        if value.get("full"):  # an address
            return str(value["full"])
        parts = [str(v) for k, v in value.items() if v and k not in ("country",)]
        return ", ".join(parts) if parts else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _words(old: str, new: str) -> list[tuple[str, str]]:
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


def field_change(name: str, old: Any, new: Any) -> FieldChange:
    """What changed in one field, as an analyst reads it."""
    fc = FieldChange(name)
    if isinstance(old, list) or isinstance(new, list) or isinstance(old, dict) or isinstance(new, dict):
        if isinstance(old, dict) or isinstance(new, dict):  # properties: key -> list
            o = {f"{k}: {v}" for k, vs in (old or {}).items() for v in (vs if isinstance(vs, list) else [vs])}
            n = {f"{k}: {v}" for k, vs in (new or {}).items() for v in (vs if isinstance(vs, list) else [vs])}
        else:
            o = {_item(x) for x in old or []}
            n = {_item(x) for x in new or []}
        fc.removed, fc.added, fc.kept = sorted(o - n), sorted(n - o), len(o & n)
        return fc
    fc.words = _words("" if old is None else str(old), "" if new is None else str(new))
    return fc


def build(
    d: Diff, kind: str = "all", program: str | None = None, text: str | None = None, page: int = 1
) -> dict[str, Any]:
    if kind not in KINDS:
        raise InputError(f"unknown kind of change {kind!r}", hint="one of: " + ", ".join(KINDS))
    if page < 1:
        raise InputError("page must be 1 or more")
    wanted = [(k, ids) for k, ids in (("added", d.added), ("removed", d.removed)) if kind in ("all", k)]
    rows: list[tuple[str, str]] = [(k, i) for k, ids in wanted for i in ids]
    changes = {c["entity_id"]: c for c in d.changed}
    if kind in ("all", "changed"):
        rows += [("changed", c["entity_id"]) for c in d.changed]
    needle = (text or "").strip().casefold()
    prog = (program or "").strip().upper()
    kept: list[tuple[str, str]] = []
    for k, eid in rows:
        progs = d.programs.get(eid, [])
        if prog and prog not in {p.upper() for p in progs}:
            continue
        if needle:
            hay = f"{eid} {d.captions.get(eid, '')}".casefold()
            if k == "changed":
                hay += " " + json.dumps(changes[eid]["changes"], ensure_ascii=False).casefold()
            if needle not in hay:
                continue
        kept.append((k, eid))
    pages = max(1, (len(kept) + PER_PAGE - 1) // PER_PAGE)
    if page > pages:
        raise InputError(f"page {page} is past the last page ({pages})")
    out_rows = []
    for k, eid in kept[(page - 1) * PER_PAGE : page * PER_PAGE]:
        row = Row(k, eid, d.captions.get(eid, eid), d.programs.get(eid, []))
        if k == "changed":
            c = changes[eid]
            row.fields = [
                field_change(f, c["changes"][f]["old"], c["changes"][f]["new"]) for f in c["fields"]
            ]
        out_rows.append(row)
    return {
        "rows": out_rows,
        "total": len(kept),
        "page": page,
        "pages": pages,
        "kind": kind,
        "program": program or "",
        "text": text or "",
        "programs": sorted(d.by_program),
        "chart": program_bars(d.by_program),
    }


@dataclass(frozen=True)
class ProgramBar:
    program: str
    added: int
    removed: int
    changed: int
    # widths in percent of the widest row
    w_added: float
    w_removed: float
    w_changed: float


def program_bars(by_program: dict[str, dict[str, int]], limit: int = 30) -> list[ProgramBar]:
    """Per-program counts, most changed first, as bar widths."""
    items = sorted(
        by_program.items(), key=lambda kv: (-(kv[1]["added"] + kv[1]["removed"] + kv[1]["changed"]), kv[0])
    )[:limit]
    top = max((c["added"] + c["removed"] + c["changed"] for _, c in items), default=0) or 1
    return [
        ProgramBar(
            p,
            c["added"],
            c["removed"],
            c["changed"],
            round(100 * c["added"] / top, 2),
            round(100 * c["removed"] / top, 2),
            round(100 * c["changed"] / top, 2),
        )
        for p, c in items
    ]
