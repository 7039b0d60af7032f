"""Load time and peak memory of each list format against its file size.

    python bench/formats_bench.py                 # every format below whose file is present
    python bench/formats_bench.py --only us-csl   # formats whose name contains this text
    python bench/formats_bench.py --readers       # also: spreadsheet readers compared on the real files

Each entry of ``FORMATS`` (format, path under the shared data folder) is measured in a fresh Python process
so that peak memory (``ru_maxrss``: the process's resident high-water mark, native libraries included) is
that file's alone: parse time (detect + parse), then load time (parse + record into a new SQLite ledger),
and the peak RSS above the interpreter's baseline after imports. Prints a Markdown table.

``--readers`` times reading every row of the DFAT xlsx and the MOF xls with python-calamine (what the
parsers use), openpyxl (read-only mode) and xlrd, each in a fresh process, best of three.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SANCTIONS_SHARED_DATA", REPO.parent / "shared" / "data"))

# (format, path relative to the shared data folder)
FORMATS: list[tuple[str, str]] = [
    ("us-csl (CSV.gz)", "us-csl/2022-05/consolidated_2022-05.csv.gz"),
    ("au-dfat-xlsx", "au-dfat/2024-11-11/regulation8_consolidated.xlsx"),
    ("ca-sema-xml", "ca-sema/2022-05/sema-lmes_2022-05.xml"),
    ("jp-mof-xls", "jp-mof/2022-07-05/shisantouketsu_2022-07-05.xls"),
    ("ch-seco-xml (excerpt)", "ch-seco/2026-08-15-excerpt/swiss-sanctions-list_excerpt_2026-08-15.xml"),
]

_CHILD = r"""
import json, resource, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.parsers import parse_paths
path = Path(sys.argv[1])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
(parsed,) = parse_paths([path])
parse_s = time.perf_counter() - t0
with tempfile.TemporaryDirectory() as tmp:
    ledger = open_ledger(f"sqlite:///{tmp}/bench.db")
    t1 = time.perf_counter()
    ledger.record(parsed, datetime(2024, 1, 1, tzinfo=timezone.utc))
    record_s = time.perf_counter() - t1
    ledger.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"entities": len(parsed.entities), "parse_s": parse_s, "load_s": parse_s + record_s,
                  "peak_mb": (peak - base) / 1024}))
"""


_READER = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
n = 0
if kind == "calamine":
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        n += sum(1 for _ in book.get_sheet_by_name(name).iter_rows())
elif kind == "openpyxl":
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        n += sum(1 for _ in ws.iter_rows(values_only=True))
else:
    import xlrd
    book = xlrd.open_workbook(path, on_demand=True)
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        n += sum(1 for r in range(sh.nrows) if sh.row_values(r) is not None)
        book.unload_sheet(i)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": n, "s": time.perf_counter() - t0, "peak_mb": (peak - base) / 1024}))
"""


def readers() -> None:
    cases = [
        ("au-dfat xlsx", "au-dfat/2024-11-11/regulation8_consolidated.xlsx", ("calamine", "openpyxl")),
        ("jp-mof xls", "jp-mof/2022-07-05/shisantouketsu_2022-07-05.xls", ("calamine", "xlrd")),
    ]
    print("| file | reader | rows | read (s, best of 3) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for label, rel, kinds in cases:
        path = SHARED / rel
        if not path.exists():
            continue
        for kind in kinds:
            runs = []
            for _ in range(3):
                out = subprocess.run(
                    [sys.executable, "-c", _READER, kind, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            best = min(runs, key=lambda r: r["s"])
            print(f"| {label} | {kind} | {best['rows']} | {best['s']:.2f} | {best['peak_mb']:.0f} |")


def measure(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="only formats whose name contains this text")
    ap.add_argument("--readers", action="store_true", help="also compare spreadsheet readers")
    args = ap.parse_args()
    rows = []
    for fmt, rel in FORMATS:
        if args.only and args.only not in fmt:
            continue
        path = SHARED / rel
        if not path.exists():
            print(f"skipped {fmt}: {path} not found", file=sys.stderr)
            continue
        size_mb = path.stat().st_size / 1e6
        r = measure(path)
        rows.append(
            f"| {fmt} | {path.name} | {size_mb:.2f} | {int(r['entities'])} | {r['parse_s']:.2f} | "
            f"{r['load_s']:.2f} | {r['peak_mb']:.0f} | {r['peak_mb'] / size_mb:.0f} |"
        )
    print("| format | file | size (MB) | entities | parse (s) | load (s) | peak RSS (MB) | RSS / file size |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if args.readers:
        print()
        readers()


if __name__ == "__main__":
    main()
