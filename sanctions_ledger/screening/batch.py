"""Batch screening: a CSV file in, JSON lines, CSV or XLSX out (:mod:`sanctions_ledger.screening.output`),
one output row per input row, in input order.

Rows stream through in chunks; with ``workers > 1`` the chunks are screened by forked worker processes
that inherit the index already built in the parent (copy-on-write), and a bounded window of chunks in
flight keeps memory constant however long the file is. A row that cannot be screened (broken CSV,
bytes that are not UTF-8, an empty or oversized name) gets an error record, never a silent gap.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing as mp
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from sanctions_ledger.errors import InputError, SanctionsError
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

_WORKER: Screener | None = None


def read_rows(path: Path, max_rows: int = MAX_FILE_ROWS) -> Iterator[Row]:
    """Rows of a screening CSV: ``(row_number, values, None)`` or ``(row_number, None, error)``.

    Raises :class:`InputError` naming the file when it cannot be read or has no ``name`` column, and
    :class:`~sanctions_ledger.errors.RequestTooLargeError` on reaching a row past ``max_rows``.
    """
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


def _work(chunk: list[Row], encode: Encode) -> list[Done]:
    assert _WORKER is not None
    return [encode_record(screen_row(_WORKER, *r), encode) for r in chunk]


def screen_rows(screener: Screener, rows: Iterable[Row], workers: int = 1) -> Iterator[dict[str, Any]]:
    """Screen rows in order, in this process (the Python API; see :func:`screen_file` for batches)."""
    for r in rows:
        yield screen_row(screener, *r)


def _screen_encoded(
    screener: Screener, rows: Iterable[Row], workers: int, chunk_size: int, encode: Encode
) -> Iterator[Done]:
    """Screened rows, each encoded by ``encode``, in input order; with ``workers > 1`` in forked processes
    that share the parent's index, with at most ``3 * workers`` chunks in flight."""
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for r in rows:
            yield encode_record(screen_row(screener, *r), encode)
        return
    global _WORKER
    _WORKER = screener
    # Keep the collector off the inherited index: scanning it would copy every shared page per worker.
    gc.collect()
    gc.freeze()
    ctx = mp.get_context("fork")
    window: deque[AsyncResult[list[Done]]] = deque()
    with ctx.Pool(workers) as pool:
        for chunk in _chunks(rows, chunk_size):
            window.append(pool.apply_async(_work, (chunk, encode)))
            if len(window) >= workers * 3:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()


def screen_file(
    screener: Screener,
    in_path: Path,
    out_path: Path,
    workers: int = 2,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
    max_rows: int = MAX_FILE_ROWS,
) -> dict[str, int]:
    """Screen ``in_path`` into ``out_path`` (JSON lines, CSV or XLSX by its extension, see
    :func:`~sanctions_ledger.screening.output.format_of`); returns counts.

    The file is read once before anything is screened or written, so one over a bound (see
    :mod:`sanctions_ledger.screening.limits`) is refused whole; an output that is the input itself is
    refused before that."""
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
        for item, error, matched in _screen_encoded(screener, all_rows(), workers, chunk_size, encode):
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
