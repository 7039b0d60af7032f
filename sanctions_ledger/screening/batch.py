"""Batch screening: a CSV (or Parquet) file in, JSON lines, CSV or XLSX out
(:mod:`sanctions_ledger.screening.output`), one output row per input row, in input order.

Rows stream through in chunks on an executor (:mod:`.executors`: in this process, forked workers that
inherit the index, or a Dask cluster); a bounded window of chunks in flight keeps memory constant however
long the file is. A row that cannot be screened (broken CSV, bytes that are not UTF-8, an empty or oversized
name) gets an error record, never a silent gap.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from sanctions_ledger.errors import InputError, SanctionsError
from sanctions_ledger.screening.executors import Executor, ForkPool, InProcess
from sanctions_ledger.screening.limits import MAX_FILE_ROWS, check_file_rows
from sanctions_ledger.screening.output import CSV_OUT as CSV_OUT
from sanctions_ledger.screening.output import Done as Done
from sanctions_ledger.screening.output import Encode, check_out_path, encode_record, open_writer
from sanctions_ledger.screening.output import encode_row as encode_row
from sanctions_ledger.screening.query import ScreeningQuery
from sanctions_ledger.screening.screen import Screener

FIELDS = ("name", "type", "dob", "country", "imo", "id_number")
CHUNK_SIZE = 200
Row = tuple[int, dict[str, str] | None, str | None]  # (row number, values, error)
PARQUET = (".parquet", ".pq")


def read_rows(path: Path, max_rows: int = MAX_FILE_ROWS) -> Iterator[Row]:
    """Rows of a screening CSV: ``(row_number, values, None)`` or ``(row_number, None, error)``.

    Raises :class:`InputError` naming the file when it cannot be read or has no ``name`` column, and
    :class:`~sanctions_ledger.errors.RequestTooLargeError` on reaching a row past ``max_rows``. A Parquet
    file (``.parquet``, ``.pq``) is read one row group at a time.
    """
    if path.suffix.lower() in PARQUET:
        yield from _parquet_rows(path, max_rows)
        return
    try:
        f = path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from exc
    with f:
        yield from _rows(f, str(path), max_rows)


def _rows(f: TextIO, where: str, max_rows: int = MAX_FILE_ROWS) -> Iterator[Row]:
    csv.field_size_limit(1 << 20)
    reader = csv.reader(f)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{where}: the file is empty; expected a CSV header with a 'name' column") from None
    except csv.Error as exc:
        raise InputError(f"{where}: the CSV header cannot be read ({exc})") from exc
    cols = [h.strip().lower() for h in header]
    if "name" not in cols:
        raise InputError(
            f"{where}: no 'name' column in the header ({', '.join(cols) or 'empty'})",
            hint="the first line must name the columns: name, and optionally id, type, dob, country, imo,"
            " id_number",
        )
    n = 0
    while True:
        n += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            check_file_rows(n, where, max_rows)
            yield n, None, f"row {n} is not valid CSV: {exc}"
            continue
        check_file_rows(n, where, max_rows)
        if not values or all(not v.strip() for v in values):
            yield n, None, f"row {n} is empty"
            continue
        row = dict(zip(cols, values, strict=False))
        if len(values) > len(cols):
            yield n, row, f"row {n} has {len(values)} fields, the header has {len(cols)}"
        elif any(_has_bad_bytes(v) for v in values):
            clean = {
                k: v.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for k, v in row.items()
            }
            yield n, clean, f"row {n} holds bytes that are not UTF-8"
        else:
            yield n, row, None


def _parquet_rows(path: Path, max_rows: int) -> Iterator[Row]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    cols = [c.strip().lower() for c in pf.schema_arrow.names]
    if "name" not in cols:
        raise InputError(f"{path}: no 'name' column ({', '.join(cols)})")
    n = 0
    for g in range(pf.num_row_groups):
        for rec in pf.read_row_group(g).to_pylist():
            n += 1
            check_file_rows(n, str(path), max_rows)
            yield n, {str(k).strip().lower(): "" if v is None else str(v) for k, v in rec.items()}, None


def _has_bad_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def row_id(n: int, values: dict[str, str] | None) -> str | int:
    if values:
        for key in ("id", "qid"):
            v = (values.get(key) or "").strip()
            if v:
                return v
    return n


def screen_row(
    screener: Screener, n: int, values: dict[str, str] | None, error: str | None
) -> dict[str, Any]:
    """One output record for one input row."""
    rid = row_id(n, values)
    rec: dict[str, Any] = {"id": rid}
    if values and "qid" in values:
        rec["qid"] = values.get("qid") or rid
    if error is not None or values is None:
        rec["error"] = error or f"row {n} could not be read"
        return rec
    try:
        query = ScreeningQuery.build(
            values.get("name"),
            schema=values.get("type"),
            dob=values.get("dob"),
            country=values.get("country"),
            imo=values.get("imo"),
            id_number=values.get("id_number"),
        )
        result = screener.screen(query)
    except SanctionsError as exc:
        rec["error"] = f"row {n}: {exc.message}"
        return rec
    rec.update(result.to_dict())
    return rec


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _screen_chunk(job: tuple[Screener, Encode | None], chunk: list[Row]) -> list[Any]:
    """One chunk's records (``encode`` None), or each encoded by ``encode`` where it was screened."""
    screener, encode = job
    recs = [screen_row(screener, *r) for r in chunk]
    return recs if encode is None else [encode_record(rec, encode) for rec in recs]


def screen_rows(
    screener: Screener,
    rows: Iterable[Row],
    executor: Executor | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, Any]]:
    """Screened records in input order, on ``executor`` (default: this process)."""
    for out in (executor or InProcess()).map(_screen_chunk, (screener, None), _chunks(rows, chunk_size)):
        yield from out


def _screen_encoded(
    screener: Screener, rows: Iterable[Row], executor: Executor, chunk_size: int, encode: Encode
) -> Iterator[Done]:
    """Screened rows, each encoded by ``encode`` where it was screened, in input order."""
    for out in executor.map(_screen_chunk, (screener, encode), _chunks(rows, chunk_size)):
        yield from out


def screen_file(
    screener: Screener,
    in_path: Path,
    out_path: Path,
    workers: int = 2,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
    max_rows: int = MAX_FILE_ROWS,
    executor: Executor | None = None,
) -> dict[str, int]:
    """Screen ``in_path`` into ``out_path`` (JSON lines, CSV or XLSX by its extension, see
    :func:`~sanctions_ledger.screening.output.format_of`); returns counts.

    ``executor``: where the rows are screened (default: ``workers`` forked processes, see
    :mod:`.executors`). The file is read once before anything is screened or written, so one over a bound
    (see :mod:`sanctions_ledger.screening.limits`) is refused whole; an output that is the input itself is
    refused before that."""
    executor = executor or ForkPool(workers)
    check_out_path(in_path, out_path)
    for _row in read_rows(in_path, max_rows):
        pass
    rows = read_rows(in_path)
    first = next(rows, None)  # raises InputError for a bad header before any output is written
    counts = {"rows": 0, "errors": 0, "with_matches": 0}

    def all_rows() -> Iterator[Row]:
        if first is not None:
            yield first
        yield from rows

    out = open_writer(out_path)
    bar = tqdm(desc=f"screening {in_path.name}", unit=" rows", file=sys.stderr, disable=not progress)
    with out, bar:
        encode = type(out).encode
        for item, error, matched in _screen_encoded(screener, all_rows(), executor, chunk_size, encode):
            counts["rows"] += 1
            counts["errors"] += error
            counts["with_matches"] += matched
            out.write_encoded(item)
            bar.update(1)
    return counts


def screen_text(screener: Screener, text: str, max_rows: int = MAX_FILE_ROWS) -> list[dict[str, Any]]:
    """Screen CSV given as text (tests, API uploads); read whole first, so one over a bound is refused
    before any row is screened."""
    rows = list(_rows(io.StringIO(text), "<input>", max_rows))
    return list(screen_rows(screener, rows))
