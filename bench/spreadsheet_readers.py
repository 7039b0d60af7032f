"""Spreadsheet readers compared on the official workbooks: openpyxl in read-only mode (xlsx) and xlrd
(legacy xls) against python-calamine, reading every cell of the first sheet, each in a fresh process (time,
and the peak resident set above the interpreter's). The parsers' choice of calamine rests on it
(docs/BENCHMARKS.md, "Formats").

Run: ``.venv/bin/python bench/spreadsheet_readers.py`` (shared/data beside the repository, or
``SANCTIONS_SHARED_DATA``). openpyxl and xlrd are development dependencies (the tests' independent readers).
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
# (workbook, the other reader it is compared with)
WORKBOOKS = [
    ("uk-ofsi-conlist/2025-04-10/ConList_2022format_2025-04-10.xlsx", "openpyxl"),
    ("au-dfat/2024-11-11/regulation8_consolidated.xlsx", "openpyxl"),
    ("jp-mof/2022-07-05/shisantouketsu_2022-07-05.xls", "xlrd"),
]


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _child(reader: str, path: str) -> dict[str, object]:
    base = _status_kib("VmRSS")
    t0 = time.perf_counter()
    cells = 0
    if reader == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for row in wb.worksheets[0].iter_rows(values_only=True):
            cells += len(row)
        wb.close()
    elif reader == "xlrd":
        import xlrd

        sheet = xlrd.open_workbook(path).sheet_by_index(0)
        for i in range(sheet.nrows):
            cells += len(sheet.row_values(i))
    else:
        from python_calamine import CalamineWorkbook

        for row in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows():
            cells += len(row)
    return {
        "seconds": time.perf_counter() - t0,
        "cells": cells,
        "peak_mib": (_status_kib("VmHWM") - base) / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child[0], a.child[1])))
        return
    print("| workbook | reader | cells | read s | peak MiB above baseline |")
    print("|---|---|---:|---:|---:|")
    for rel, other in WORKBOOKS:
        path = DATA / rel
        if not path.exists():
            continue
        for reader in (other, "calamine"):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", reader, str(path)],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            if proc.returncode != 0:
                print(f"| {path.name} | {reader} | not available | | |")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"| {path.name} | {reader} | {r['cells']} | {r['seconds']:.2f} | {r['peak_mib']:.1f} |")


if __name__ == "__main__":
    main()
