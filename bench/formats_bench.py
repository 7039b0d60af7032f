"""Parser cost per format: load (detect + parse) time and peak memory against the file size.

Each (format, path) entry of ``FORMATS`` runs in a fresh Python process, so that one file's memory does
not hide another's: the process imports the package, notes its resident set (VmRSS), parses the file
``--repeat`` times and reports the best time and the peak resident set (VmHWM) above that baseline, which
counts memory held by native readers (expat, calamine) as well as Python objects.

``--xlsx-readers`` also compares the spreadsheet libraries on the OFSI workbook (reading every cell of the
first sheet): openpyxl in read-only mode against python-calamine; the choice of calamine rests on it.

Run: ``.venv/bin/python bench/formats_bench.py [--repeat 3] [--xlsx-readers]`` (shared/data beside the
repository, or ``SANCTIONS_SHARED_DATA``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SANCTIONS_SHARED_DATA", REPO.parent / "shared" / "data"))

# (format, path under shared/data)
FORMATS: list[tuple[str, str]] = [
    ("eu-fsf-xml", "eu-fsf/2022-03-18-prefix/eu_fsf_v1.1_2022-03-18_first1044entities.xml"),
    ("uk-fcdo-xml", "uk-fcdo/2026-08-14-excerpt/UK-Sanctions-List_excerpt_2026-08-14.xml"),
    ("uk-ofsi-xlsx", "uk-ofsi-conlist/2025-04-10/ConList_2022format_2025-04-10.xlsx"),
    ("uk-hmt-csv", "uk-hmt/2016-03-23/ConList.csv"),  # the same list in its 2016 CSV layout, for scale
]


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _child_parse(path: str, repeat: int) -> dict[str, object]:
    from sanctions_ledger.parsers import detect, parse_set

    base = _status_kib("VmRSS")
    best = float("inf")
    entities = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        parsed = [parse_set(ls) for ls in detect([Path(path)])]
        best = min(best, time.perf_counter() - t0)
        entities = sum(len(p.entities) for p in parsed)
        del parsed
    return {"seconds": best, "entities": entities, "peak_mib": (_status_kib("VmHWM") - base) / 1024}


def _child_xlsx(reader: str, path: str) -> dict[str, object]:
    base = _status_kib("VmRSS")
    t0 = time.perf_counter()
    cells = 0
    if reader == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for row in wb.worksheets[0].iter_rows(values_only=True):
            cells += len(row)
        wb.close()
    else:
        from python_calamine import CalamineWorkbook

        for row in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows():
            cells += len(row)
    return {
        "seconds": time.perf_counter() - t0,
        "cells": cells,
        "peak_mib": (_status_kib("VmHWM") - base) / 1024,
    }


def _run(args: list[str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=REPO
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--xlsx-readers", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--child-xlsx", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child_parse(a.child[0], int(a.child[1]))))
        return
    if a.child_xlsx:
        print(json.dumps(_child_xlsx(a.child_xlsx[0], a.child_xlsx[1])))
        return
    print(f"| format | file | size MiB | entities | load s (best of {a.repeat}) | MiB/s | peak MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for fmt, rel in FORMATS:
        path = DATA / rel
        if not path.exists():
            print(f"| {fmt} | {rel} | missing | | | | |")
            continue
        size = path.stat().st_size / 2**20
        r = _run(["--child", str(path), str(a.repeat)])
        secs = float(r["seconds"])  # type: ignore[arg-type]
        print(
            f"| {fmt} | {Path(rel).name} | {size:.2f} | {r['entities']} | {secs:.2f} | {size / secs:.2f} "
            f"| {float(r['peak_mib']):.1f} |"  # type: ignore[arg-type]
        )
    if a.xlsx_readers:
        path = DATA / dict(FORMATS)["uk-ofsi-xlsx"]
        print("\n| reader | cells | read s | peak MiB above baseline |")
        print("|---|---:|---:|---:|")
        for reader in ("openpyxl", "calamine"):
            try:
                r = _run(["--child-xlsx", reader, str(path)])
            except subprocess.CalledProcessError as exc:
                print(f"| {reader} | not available ({exc.stderr.strip().splitlines()[-1]}) | | |")
                continue
            print(
                f"| {reader} | {r['cells']} | {float(r['seconds']):.2f} "  # type: ignore[arg-type]
                f"| {float(r['peak_mib']):.1f} |"  # type: ignore[arg-type]
            )


if __name__ == "__main__":
    main()
