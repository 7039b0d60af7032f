"""Batch screening jobs: a CSV upload screened in the background, with progress and a JSONL result.

The upload is already on disk when a job is created (the request body is spooled, never held whole in
memory). One worker thread screens the rows in input order and writes one JSON line per row, exactly as
``sanctions screen-file`` does (the same row reader and record builder): ``{"id", "query", "matches"}``, or
``{"id", "error"}`` for a row that cannot be screened, so the output always has one line per input row.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sanctions_ledger.api.services import ScreeningService
from sanctions_ledger.errors import ConflictError, InputError, NotFoundError, SanctionsError
from sanctions_ledger.screening.batch import read_rows, screen_row

COLUMNS = ("id", "name", "type", "dob", "country", "imo", "id_number")
KEEP_FINISHED = 50


@dataclass
class Job:
    id: str
    filename: str
    created_at: float
    rows_total: int
    status: str = "queued"  # queued | running | done | failed
    rows_done: int = 0
    rows_failed: int = 0
    matched_rows: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    workdir: Path = field(default_factory=Path)

    @property
    def input_path(self) -> Path:
        return self.workdir / "input.csv"

    @property
    def result_path(self) -> Path:
        return self.workdir / "result.jsonl"

    def to_dict(self) -> dict[str, Any]:
        def ts(x: float | None) -> str | None:
            return None if x is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(x))

        pct = 100.0 if self.rows_total == 0 else round(100.0 * self.rows_done / self.rows_total, 1)
        return {
            "id": self.id,
            "status": self.status,
            "filename": self.filename,
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "rows_failed": self.rows_failed,
            "rows_with_matches": self.matched_rows,
            "progress": pct,
            "created_at": ts(self.created_at),
            "started_at": ts(self.started_at),
            "finished_at": ts(self.finished_at),
            "error": self.error,
            "result": f"/screen/jobs/{self.id}/result" if self.status == "done" else None,
        }


class JobManager:
    def __init__(self, screening: ScreeningService, root: str | None, max_jobs: int, rows_max: int) -> None:
        self.screening = screening
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="sanctions-jobs-")
        self.root = Path(root) if root else Path(self._tmp.name)  # type: ignore[union-attr]
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_jobs = max_jobs
        self.rows_max = rows_max
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """Stop the worker and remove a temporary jobs folder (it starts again on the next upload)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if self._tmp is not None:
            self._tmp.cleanup()

    def _worker(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen-job")
            return self._pool

    def counts(self) -> dict[str, int]:
        out = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        for j in list(self.jobs.values()):
            out[j.status] += 1
        return out

    def submit(self, upload: BinaryIO, filename: str) -> Job:
        """Copy the upload into a job folder, check its header, count its rows, queue it."""
        with self._lock:
            active = sum(1 for j in self.jobs.values() if j.status in ("queued", "running"))
            if active >= self.max_jobs:
                raise ConflictError(
                    f"{active} batch jobs are already queued or running",
                    hint="wait for one to finish, then upload again",
                )
        job_id = uuid.uuid4().hex
        workdir = self.root / job_id
        workdir.mkdir(parents=True)
        job = Job(
            id=job_id,
            filename=filename or "upload.csv",
            created_at=time.time(),
            rows_total=0,
            workdir=workdir,
        )
        try:
            with job.input_path.open("wb") as out:
                shutil.copyfileobj(upload, out, 1 << 20)
            job.rows_total = self._count_rows(job.input_path)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        with self._lock:
            self.jobs[job_id] = job
            self._trim()
        self._worker().submit(self._run, job)
        return job

    def _count_rows(self, path: Path) -> int:
        n = 0
        for n, _values, _error in read_rows(path):
            if n > self.rows_max:
                raise InputError(f"the CSV has more than {self.rows_max} rows; split it into several jobs")
        return n

    def _trim(self) -> None:
        finished = [j for j in self.jobs.values() if j.status in ("done", "failed")]
        for j in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self.jobs.pop(j.id, None)
            shutil.rmtree(j.workdir, ignore_errors=True)

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"no batch job {job_id!r}", hint="jobs are kept while the server runs; upload again"
            )
        return job

    def result_path(self, job_id: str) -> Path:
        job = self.get(job_id)
        if job.status != "done":
            raise ConflictError(
                f"job {job_id} is {job.status}, not done ({job.rows_done}/{job.rows_total} rows)",
                hint=f"poll /screen/jobs/{job_id} until status is done",
            )
        return job.result_path

    def _run(self, job: Job) -> None:
        job.status = "running"
        job.started_at = time.time()
        try:
            screener = self.screening.screener()
            with job.result_path.open("w", encoding="utf-8") as out:
                for n, values, error in read_rows(job.input_path):
                    rec = screen_row(screener, n, values, error)
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    job.rows_done += 1
                    if "error" in rec:
                        job.rows_failed += 1
                    elif rec.get("matches"):
                        job.matched_rows += 1
            job.status = "done"
        except Exception as exc:  # a broken file or store: the job fails with the reason
            job.status = "failed"
            job.error = exc.message if isinstance(exc, SanctionsError) else f"{type(exc).__name__}: {exc}"
        finally:
            job.finished_at = time.time()


def csv_text(rows: list[dict[str, str]]) -> bytes:
    """A CSV upload from rows (used by tests and examples)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[c for c in COLUMNS if any(c in r for r in rows)])
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()
