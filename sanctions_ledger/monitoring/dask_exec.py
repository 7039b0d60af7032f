"""Batch screening and full watchlist re-screens on Dask (``dask.distributed``).

The same matcher as the single-process batch (:func:`sanctions_ledger.screening.batch.screen_row`, the same
output encoding) runs on partitions of the input, on a :class:`distributed.LocalCluster` by default or on
an existing cluster given by its scheduler address. The code path is the same either way: a
``LocalCluster`` is a real scheduler with real worker processes on this machine.

How the index gets to the workers: it is built once in the client, then ``client.scatter(...,
broadcast=True)`` sends one pickled copy to every worker, which keeps it in memory; each task receives
the worker's copy by reference, so a task ships only its rows. Alternatives and why not (docs/monitoring.md):
rebuilding on each worker from the ledger URL needs every worker to reach the database and costs a
build per worker (about a second per 10,000 entities) but no transfer; pickling into each task would
send the index once per task.

Input: CSV rows are read by the client (the same reader as the single-process batch, so broken rows
get the same error records) and shipped in chunks with a bounded window of tasks in flight. Parquet
files are read by the workers themselves, one row group per task (the path must be visible to the
workers: a shared file system or an fsspec URL). Output is written by the client in input order.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import InputError
from sanctions_ledger.monitoring.engine import Hit, MonitorIndex, Work, screen_records
from sanctions_ledger.monitoring.records import CustomerRecord
from sanctions_ledger.screening.batch import CSV_OUT, Done, Row, encode_row, read_rows, screen_row
from sanctions_ledger.screening.screen import Screener

Client = Any  # distributed.Client (the package has no type information)

CHUNK_ROWS = 1000
AUTO_BYTES = int(os.environ.get("SANCTIONS_DASK_AUTO_BYTES", str(256 << 20)))


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2, processes: bool = True) -> Iterator[Client]:
    """A client of the cluster at ``scheduler`` (``tcp://host:8786``), or of a new LocalCluster."""
    try:
        import distributed as _distributed
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("Dask is not installed", hint="pip install 'dask[distributed]'") from exc
    distributed: Any = _distributed
    if scheduler:
        try:
            timeout = os.environ.get("SANCTIONS_DASK_CONNECT_TIMEOUT", "10s")
            client: Any = distributed.Client(scheduler, timeout=timeout)
        except OSError as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`",
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    cluster: Any = distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _screen_chunk(screener: Screener, rows: list[Row], as_csv: bool) -> list[Done]:
    return [encode_row(screen_row(screener, *r), as_csv) for r in rows]


def _screen_row_group(screener: Screener, path: str, group: int, offset: int, as_csv: bool) -> list[Done]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    table = pq.ParquetFile(path).read_row_group(group)
    rows: list[Row] = []
    for i, rec in enumerate(table.to_pylist()):
        values = {str(k).strip().lower(): "" if v is None else str(v) for k, v in rec.items()}
        rows.append((offset + i + 1, values, None))
    return _screen_chunk(screener, rows, as_csv)


def _parquet_groups(path: Path) -> list[tuple[int, int]]:
    """(row group, rows before it) of a Parquet file; checks the ``name`` column first."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    cols = [c.strip().lower() for c in pf.schema_arrow.names]
    if "name" not in cols:
        raise InputError(f"{path}: no 'name' column ({', '.join(cols)})")
    out, offset = [], 0
    for g in range(pf.num_row_groups):
        out.append((g, offset))
        offset += pf.metadata.row_group(g).num_rows
    return out


def _chunks(rows: Iterator[Row], n: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def screen_file_dask(
    screener: Screener,
    in_path: Path,
    out_path: Path,
    client: Client,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool = False,
) -> dict[str, int]:
    """Screen ``in_path`` (CSV or Parquet) into ``out_path`` (JSONL, or CSV if it ends ``.csv``) on the
    cluster of ``client``; same lines, same order as :func:`~sanctions_ledger.screening.batch.screen_file`."""
    as_csv = out_path.suffix.lower() == ".csv"
    parquet = in_path.suffix.lower() in (".parquet", ".pq")
    if parquet:
        groups = _parquet_groups(in_path)
    else:
        rows = read_rows(in_path)
        first = next(rows, None)  # a bad header fails here, before any output or cluster work
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    shared = client.scatter(screener, broadcast=True, hash=False)
    counts = {"rows": 0, "errors": 0, "with_matches": 0, "tasks": 0}
    try:
        out = out_path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{out_path}: cannot write the output ({exc.strerror})") from exc

    def submissions() -> Iterator[Any]:
        if parquet:
            for g, offset in groups:
                yield client.submit(_screen_row_group, shared, str(in_path), g, offset, as_csv, pure=False)
        else:

            def all_rows() -> Iterator[Row]:
                if first is not None:
                    yield first
                yield from rows

            for chunk in _chunks(all_rows(), chunk_rows):
                yield client.submit(_screen_chunk, shared, chunk, as_csv, pure=False)

    with out:
        if as_csv:
            import csv

            csv.writer(out).writerow(CSV_OUT)
        window: deque[Any] = deque()

        def drain(fut: Any) -> None:
            for line, error, matched in fut.result():
                counts["rows"] += 1
                counts["errors"] += error
                counts["with_matches"] += matched
                out.write(line)
            if progress:
                print(f"\rscreened {counts['rows']} rows", end="", file=sys.stderr)

        for fut in submissions():
            counts["tasks"] += 1
            window.append(fut)
            if len(window) >= 4 * n_workers:
                drain(window.popleft())
        while window:
            drain(window.popleft())
    if progress:
        print(file=sys.stderr)
    return counts


def use_dask(in_path: Path, scheduler: str | None, force: bool) -> bool:
    """Dask for: an explicit scheduler or ``--dask``, Parquet input, or a CSV of ``AUTO_BYTES`` or more."""
    if scheduler or force or in_path.suffix.lower() in (".parquet", ".pq"):
        return True
    try:
        return in_path.stat().st_size >= AUTO_BYTES
    except OSError:
        return False


class DaskExecutor:
    """A :data:`~sanctions_ledger.monitoring.monitor.Executor` that screens watchlist records on a cluster:
    the index is broadcast once per index, the records go in chunks."""

    def __init__(self, client: Client, chunk_records: int = 2000) -> None:
        self.client = client
        self.chunk_records = chunk_records
        self._shared: tuple[int, Any] | None = None

    def __call__(
        self, index: MonitorIndex, records: Sequence[CustomerRecord], threshold: float
    ) -> tuple[list[Hit], Work]:
        if self._shared is None or self._shared[0] != id(index):
            self._shared = (id(index), self.client.scatter(index, broadcast=True, hash=False))
        shared = self._shared[1]
        n = self.chunk_records
        futures = [
            self.client.submit(screen_records, shared, list(records[i : i + n]), threshold, pure=False)
            for i in range(0, len(records), n)
        ]
        hits: list[Hit] = []
        work = Work(index_entities=len(index.entities))
        for h, w in self.client.gather(futures):
            hits += h
            work.add(w)
        return hits, work
