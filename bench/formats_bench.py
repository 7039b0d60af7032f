"""Format benchmarks: for each official file in ``FILES``, parse time, load time (parse + store in a fresh
SQLite ledger) and peak memory, against the file's size.

    .venv/bin/python bench/formats_bench.py [--shared ../shared] [--repeat 3] [--only FORMAT] [--scale N]
                                            [--out FILE]

Each file is measured in a fresh child process, so one file's memory does not colour the next: the child
reports the growth of its peak resident set (``VmHWM``) over the interpreter with the package imported,
and, in a second pass, the peak of Python allocations during the parse (``tracemalloc``). Times are the best
of ``--repeat`` runs. Prints a Markdown table (the rows of docs/BENCHMARKS.md, section "Formats") and, with
``--out``, writes the raw numbers as JSON.

``--scale N`` adds synthetic OFAC files of N and 4N times the real parties (under new ids), to see time and
memory grow with the size beyond the few MiB of the real files. To add a format: add a
``(format, path under shared/data, list)`` row to ``FILES``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

# (format, file under ../shared/data, list)
FILES: list[tuple[str, str, str]] = [
    ("ofac-xml", "ofac-cons-xml/2020-03-17/consolidated_2020-03-17.xml", "ofac-cons"),
    ("ofac-advanced-xml", "ofac-cons-advanced/2020-03-17/cons_advanced.xml", "ofac-cons"),
    ("ofac-enhanced-xml", "ofac-cons-enhanced/2025-01-10/CONS_ENHANCED.ZIP", "ofac-cons"),
    ("ofac-enhanced-xml", "ofac-sdn-enhanced-irgc/2024-08-28/IRGC_program_export_2024-08-28.xml", "ofac-sdn"),
    ("eu-fsf-xml", "eu-fsf/2022-03-18-prefix/eu_fsf_v1.1_2022-03-18_first1044entities.xml", "eu-fsf"),
    ("uk-fcdo-xml", "uk-fcdo/2026-08-14-excerpt/UK-Sanctions-List_excerpt_2026-08-14.xml", "uk-fcdo"),
    ("uk-ofsi-xlsx", "uk-ofsi-conlist/2025-04-10/ConList_2022format_2025-04-10.xlsx", "uk-hmt"),
    ("uk-hmt-csv", "uk-hmt/2016-03-23/ConList.csv", "uk-hmt"),  # the same list in its 2016 layout, for scale
    ("us-csl", "us-csl/2022-05/consolidated_2022-05.csv.gz", "us-csl"),
    ("au-dfat-xlsx", "au-dfat/2024-11-11/regulation8_consolidated.xlsx", "au-dfat"),
    ("ca-sema-xml", "ca-sema/2022-05/sema-lmes_2022-05.xml", "ca-sema"),
    ("jp-mof-xls", "jp-mof/2022-07-05/shisantouketsu_2022-07-05.xls", "jp-mof"),
    ("ch-seco-xml", "ch-seco/2026-08-15-excerpt/swiss-sanctions-list_excerpt_2026-08-15.xml", "ch-seco"),
]

_CHILD = r"""
import json, sys, tempfile, time, tracemalloc
from pathlib import Path
from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.parsers import parse_paths

def hwm_kib():  # peak resident set of this process since exec (ru_maxrss also counts the parent's)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")

path, list_name, repeat = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
base_rss = hwm_kib()
parse_s = []
for _ in range(repeat):
    t0 = time.perf_counter()
    parsed = parse_paths([path], list_name)[0]
    parse_s.append(time.perf_counter() - t0)
rss_kib = hwm_kib() - base_rss
load_s = []
for _ in range(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(f"sqlite:///{tmp}/ledger.db")
        t0 = time.perf_counter()
        ledger.load_paths([path], "2026-01-01", list_name=list_name)
        load_s.append(time.perf_counter() - t0)
        ledger.close()
del parsed
tracemalloc.start()
parsed = parse_paths([path], list_name)[0]
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({
    "format": parsed.format, "entities": len(parsed.entities), "names": parsed.counts.get("names"),
    "parse_s": min(parse_s), "load_s": min(load_s), "rss_growth_mib": rss_kib / 1024,
    "traced_peak_mib": peak / 2**20,
}))
"""


def measure(path: Path, list_name: str, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), list_name, str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    row["file"] = str(path)
    row["size_mib"] = path.stat().st_size / 2**20
    row["xml_mib"] = row["size_mib"]
    if zipfile.is_zipfile(path):  # the parser reads the XML inside: that is the size that matters
        with zipfile.ZipFile(path) as zf:
            row["xml_mib"] = sum(i.file_size for i in zf.infolist()) / 2**20
    return row


# Synthetic files for the scaling rows: the real parties repeated ``n`` times under new ids (every id-like
# attribute of the party blocks shifted by a multiple of 10**8, reference-table ids untouched).
_ADV_ID_ATTRS = (
    "FixedRef|ID|ProfileID|From-ProfileID|To-ProfileID|IdentityID|LocationID|NamePartGroupID|DocumentedNameID"
    "|FeatureVersionID|SanctionsEntryID|IssuedIn-LocationID"
)
_ADV_ID = re.compile(rf'(\s(?:{_ADV_ID_ATTRS})=")(\d+)(")')
_ENH_ID = re.compile(r'(<entity id="|entityId=")(\d+)(")')


def _shift(pattern: re.Pattern[str], text: str, k: int) -> str:
    return pattern.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + k * 10**8}{m.group(3)}", text)


def scaled_advanced(src: Path, n: int, out: Path) -> Path:
    text = src.read_text(encoding="utf-8")
    head, rest = text.split("<Locations>", 1)
    body, tail = rest.rsplit("</SanctionsEntries>", 1)
    body = "<Locations>" + body + "</SanctionsEntries>"
    blocks = {}
    for name in (
        "Locations",
        "IDRegDocuments",
        "DistinctParties",
        "ProfileRelationships",
        "SanctionsEntries",
    ):
        blocks[name] = body[body.index(f"<{name}>") + len(name) + 2 : body.index(f"</{name}>")]
    parts = [head]
    for name, inner in blocks.items():
        parts.append(f"<{name}>" + "".join(_shift(_ADV_ID, inner, k) for k in range(n)) + f"</{name}>")
    parts.append(tail)
    out.write_text("".join(parts), encoding="utf-8")
    return out


def scaled_enhanced(src: Path, n: int, out: Path) -> Path:
    text = src.read_text(encoding="utf-8")
    head, rest = text.split("<entities>", 1)
    inner, tail = rest.split("</entities>", 1)
    out.write_text(
        head + "<entities>" + "".join(_shift(_ENH_ID, inner, k) for k in range(n)) + "</entities>" + tail,
        encoding="utf-8",
    )
    return out


def markdown(rows: list[dict[str, Any]], data: Path) -> str:
    lines = [
        "| format | file | file MiB | XML MiB | entities | parse s | load s | XML MiB/s (parse) "
        "| peak RSS growth MiB | traced peak MiB | traced peak / XML size |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rel = r["file"] if r["file"].startswith("synthetic") else os.path.relpath(r["file"], data)
        lines.append(
            f"| {r['format']} | `{rel}` | {r['size_mib']:.2f} | {r['xml_mib']:.2f} | {r['entities']:,} "
            f"| {r['parse_s']:.3f} | {r['load_s']:.3f} | {r['xml_mib'] / r['parse_s']:.1f} "
            f"| {r['rss_growth_mib']:.1f} | {r['traced_peak_mib']:.1f} "
            f"| {r['traced_peak_mib'] / r['xml_mib']:.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="Only rows of this format.")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--scale", type=int, default=0, help="Also measure synthetic files of N and 4N copies.")
    args = ap.parse_args()
    data = args.shared / "data"
    rows = []
    for fmt, rel, list_name in FILES:
        if args.only and fmt != args.only:
            continue
        path = data / rel
        if not path.exists():
            print(f"skipped (missing): {path}", file=sys.stderr)
            continue
        row = measure(path, list_name, args.repeat)
        if row["format"] != fmt:
            raise SystemExit(f"{rel}: detected as {row['format']}, the table says {fmt}")
        rows.append(row)
        print(f"measured {fmt} {rel}", file=sys.stderr)
    if args.scale:
        with tempfile.TemporaryDirectory() as tmp:
            adv = data / FILES[1][1]
            enh = data / FILES[3][1]
            for n in (args.scale, 4 * args.scale):
                for fn, src, name in (
                    (scaled_advanced, adv, f"cons_advanced_x{n}.xml"),
                    (scaled_enhanced, enh, f"sdn_enhanced_x{n}.xml"),
                ):
                    path = fn(src, n, Path(tmp) / name)
                    row = measure(path, "ofac-cons" if "cons" in name else "ofac-sdn", 1)
                    row["file"] = f"synthetic: {src.name} x{n}"
                    rows.append(row)
                    print(f"measured {name}", file=sys.stderr)
    print(markdown(rows, data))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
