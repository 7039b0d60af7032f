"""Where batch work runs: the one batch engine's pluggable executors.

Every batch — ``sanctions screen-file``, the API's screening jobs, monitoring's full and delta re-screens —
is the same shape: one large read-only object (a screener, or a monitoring index) and many chunks of work
(rows, customer records). An executor applies ``fn(shared, chunk)`` to every chunk and yields the results
**in input order**, with a bounded number of chunks in flight, so memory stays flat however long the input:

- :class:`InProcess`: here, one chunk after another (small inputs, the API's job thread, tests);
- :class:`ForkPool`: forked worker processes of this machine, which inherit ``shared`` from the parent
  (copy-on-write: the index is neither pickled nor rebuilt per worker);
- :class:`DaskCluster`: the workers of a Dask cluster (``dask.distributed``; a LocalCluster or one given by
  its scheduler address) — the engine for work past one machine. ``shared`` is sent once to every worker
  (``scatter(broadcast=True)``) and each task ships only its chunk.

``fn`` must be a module-level function (worker processes find it by name).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sanctions_ledger.errors import InputError

S = TypeVar("S")
C = TypeVar("C")
R = TypeVar("R")

AUTO_DASK_BYTES = int(os.environ.get("SANCTIONS_DASK_AUTO_BYTES", str(256 << 20)))


class Executor(Protocol):
    """Applies ``fn(shared, chunk)`` to each chunk; results in input order."""

    @property
    def workers(self) -> int: ...

    def map(self, fn: Callable[[S, C], R], shared: S, chunks: Iterable[C]) -> Iterator[R]: ...


class InProcess:
    """Every chunk in this process, in turn."""

    workers = 1

    def map(self, fn: Callable[[S, C], R], shared: S, chunks: Iterable[C]) -> Iterator[R]:
        for chunk in chunks:
            yield fn(shared, chunk)


_SHARED: dict[int, Any] = {}  # what forked workers inherit, by token
_TOKENS = itertools.count(1)


def _call_shared(fn: Callable[[Any, Any], Any], token: int, chunk: Any) -> Any:
    return fn(_SHARED[token], chunk)


class ForkPool:
    """Forked worker processes that inherit ``shared`` (falls back to this process where fork is missing)."""

    def __init__(self, workers: int = 2, window: int = 3) -> None:
        if workers < 1:
            raise InputError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self.window = window

    def map(self, fn: Callable[[S, C], R], shared: S, chunks: Iterable[C]) -> Iterator[R]:
        if self.workers <= 1 or "fork" not in mp.get_all_start_methods():
            yield from InProcess().map(fn, shared, chunks)
            return
        token = next(_TOKENS)
        _SHARED[token] = shared
        # Keep the collector off the inherited object: scanning it would copy every shared page per worker.
        gc.collect()
        gc.freeze()
        try:
            window: deque[AsyncResult[R]] = deque()
            with mp.get_context("fork").Pool(self.workers) as pool:
                for chunk in chunks:
                    window.append(pool.apply_async(_call_shared, (fn, token, chunk)))
                    if len(window) >= self.workers * self.window:
                        yield window.popleft().get()
                while window:
                    yield window.popleft().get()
        finally:
            gc.unfreeze()
            del _SHARED[token]


Client = Any  # distributed.Client (the package has no type information)


class DaskCluster:
    """The workers of a Dask cluster. ``shared`` is broadcast once per object (kept while it is the same
    object, so repeated maps over one index send it once)."""

    def __init__(self, client: Client, window: int = 4) -> None:
        self.client = client
        self.window = window
        self._scattered: tuple[int, Any, Any] | None = None  # (id, object kept alive, future)

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def _share(self, shared: Any) -> Any:
        if self._scattered is None or self._scattered[0] != id(shared) or self._scattered[1] is not shared:
            future = self.client.scatter(shared, broadcast=True, hash=False)
            self._scattered = (id(shared), shared, future)
        return self._scattered[2]

    def map(self, fn: Callable[[S, C], R], shared: S, chunks: Iterable[C]) -> Iterator[R]:
        remote = self._share(shared)
        limit = self.workers * self.window
        window: deque[Any] = deque()
        for chunk in chunks:
            window.append(self.client.submit(fn, remote, chunk, pure=False))
            if len(window) >= limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


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


def wants_dask(in_path: Path, scheduler: str | None, force: bool) -> bool:
    """Dask for: an explicit scheduler or ``--dask``, Parquet input, or a CSV of AUTO_DASK_BYTES or more."""
    if scheduler or force or in_path.suffix.lower() in (".parquet", ".pq"):
        return True
    try:
        return in_path.stat().st_size >= AUTO_DASK_BYTES
    except OSError:
        return False
