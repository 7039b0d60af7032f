"""Batch screening jobs: a CSV upload screened in the background, with progress and a JSONL result.

A job's state is a row of ``screen_jobs`` in the ledger database, so every worker process of
``sanctions serve --workers N`` sees every job; its files (``input.csv``, ``result.jsonl``) are in a folder
of the jobs directory, which the workers share. Any worker may accept an upload; each worker runs a
background thread that claims queued jobs one at a time (an ``UPDATE ... WHERE status = 'queued'``, so two
workers never run the same job), screens the rows in input order and writes one JSON line per row, exactly as
``sanctions screen-file`` does (the same row reader and record builder): ``{"id", "query", "matches"}``, or
``{"id", "error"}`` for a row that cannot be screened, so the result always has one line per input row.

Progress and a heartbeat are written at most every ``PROGRESS_EVERY`` seconds. A running job whose heartbeat
is older than ``stale_after`` seconds belonged to a worker that died (or a server that was stopped): it is
queued again and screened from the start, up to ``MAX_ATTEMPTS`` runs, then failed with the reason. Each
run writes a part file of its own and renames it to ``result.jsonl`` when complete, and only while its worker
still holds the job, so a result that can be downloaded is always whole and from one run.

The result can also be had as CSV or an Excel workbook (:mod:`sanctions_ledger.screening.output`): written
from ``result.jsonl`` on the first request for it, kept beside it as ``result.csv`` / ``result.xlsx``.

A job belongs to the actor that uploaded it (``api-key:<name>``, or ``anonymous`` on a server with open
reads): :meth:`JobManager.get` and :meth:`JobManager.result_path` given a viewer answer only for that actor
and admins, and not found for anyone else. Errors name the file as it was uploaded, never the jobs folder.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, func, or_, select, update

from sanctions_ledger.errors import ConflictError, InputError, NotFoundError, SanctionsError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.jobs_tables import screen_jobs as J
from sanctions_ledger.model.times import iso
from sanctions_ledger.screening.batch import read_rows, screen_rows
from sanctions_ledger.screening.output import WRITERS, convert_jsonl
from sanctions_ledger.screening.service import ScreeningService

log = logging.getLogger("sanctions_ledger.services.jobs")

COLUMNS = ("id", "name", "type", "dob", "country", "imo", "id_number")
STATUSES = ("queued", "running", "done", "failed")
PROGRESS_EVERY = 0.5  # seconds between progress (and heartbeat) writes while a job runs
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    """A job as stored: read from the database, never kept in memory between requests."""

    id: str
    filename: str
    status: str
    rows_total: int
    rows_done: int
    rows_failed: int
    rows_with_matches: int
    attempts: int
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        pct = 100.0 if self.rows_total == 0 else round(100.0 * self.rows_done / self.rows_total, 1)
        return {
            "id": self.id,
            "status": self.status,
            "filename": self.filename,
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "rows_failed": self.rows_failed,
            "rows_with_matches": self.rows_with_matches,
            "progress": pct,
            "attempts": self.attempts,
            "created_by": self.created_by,
            "created_at": _z(self.created_at),
            "started_at": _z(self.started_at),
            "finished_at": _z(self.finished_at),
            "error": self.error,
            "result": f"/screen/jobs/{self.id}/result" if self.status == "done" else None,
        }


def _z(at: datetime | None) -> str | None:
    """``2024-05-01T10:00:00Z``: whole seconds in UTC."""
    return iso(at.replace(microsecond=0)) if at is not None else None


_JOB_FIELDS = tuple(f.name for f in fields(Job))


def _job(r: Any) -> Job:
    """A job from its ``screen_jobs`` row (the columns only the runner reads are left out)."""
    return Job(**{name: r._mapping[name] for name in _JOB_FIELDS})


class JobManager:
    """Jobs of one ledger. One instance per worker process; they coordinate through the database."""

    def __init__(
        self,
        ledger: Ledger,
        screening: ScreeningService,
        root: str | None,
        max_jobs: int,
        rows_max: int,
        *,
        keep: int = 50,
        stale_after: float = 60.0,
        poll: float = 1.0,
    ) -> None:
        self.ledger = ledger
        self.screening = screening
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="sanctions-jobs-")
        self.root = Path(root) if root else Path(self._tmp.name)  # type: ignore[union-attr]
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_jobs = max_jobs
        self.rows_max = rows_max
        self.keep = keep
        self.stale_after = stale_after
        self.poll = poll
        self.worker_name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the runner thread ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start this worker's runner thread (idempotent): it claims queued and abandoned jobs."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="screen-jobs", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the runner (a job it was running is left ``running``; another worker or the next start
        takes it over once its heartbeat is stale) and remove a temporary jobs folder."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._claim()
                if job_id is not None:
                    self._run(job_id)
                    continue
            except Exception:  # the database went away for a moment: try again at the next poll
                log.exception("screening jobs: claiming or running a job failed")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _claim(self) -> str | None:
        """Take the oldest queued job (after re-queueing abandoned ones); None when there is none."""
        now = t.utcnow()
        stale = now - timedelta(seconds=self.stale_after)
        with self.ledger.engine.begin() as conn:
            abandoned = conn.execute(
                select(J.c.id, J.c.attempts, J.c.worker).where(
                    J.c.status == "running", or_(J.c.heartbeat_at.is_(None), J.c.heartbeat_at < stale)
                )
            ).all()
            for r in abandoned:
                if r.attempts >= MAX_ATTEMPTS:
                    values: dict[str, Any] = {
                        "status": "failed",
                        "finished_at": now,
                        "error": f"the job was interrupted {r.attempts} times (the worker running it "
                        "stopped); upload it again",
                    }
                else:
                    values = {"status": "queued", "worker": None}
                    log.warning("screening job %s: worker %s stopped; queued again", r.id, r.worker)
                conn.execute(update(J).where(J.c.id == r.id, J.c.status == "running").values(**values))
        with self.ledger.engine.begin() as conn:
            cand = conn.execute(
                select(J.c.id).where(J.c.status == "queued").order_by(J.c.created_at, J.c.id).limit(1)
            ).first()
            if cand is None:
                return None
            won = conn.execute(
                update(J)
                .where(J.c.id == cand.id, J.c.status == "queued")
                .values(
                    status="running",
                    worker=self.worker_name,
                    started_at=now,
                    heartbeat_at=now,
                    attempts=J.c.attempts + 1,
                    rows_done=0,
                    rows_failed=0,
                    rows_with_matches=0,
                )
            )
            return str(cand.id) if won.rowcount == 1 else None

    def _progress(self, job_id: str, **values: Any) -> bool:
        """Write progress and the heartbeat; False when this worker no longer holds the job (another took it
        over, thinking this one had stopped): then this run must end without touching the result."""
        with self.ledger.engine.begin() as conn:
            res = conn.execute(
                update(J)
                .where(J.c.id == job_id, J.c.worker == self.worker_name, J.c.status == "running")
                .values(heartbeat_at=t.utcnow(), **values)
            )
            return res.rowcount == 1

    def _run(self, job_id: str) -> None:
        workdir = self.root / job_id
        # a part file of this worker's own: a worker that lost the job cannot write into the new run's
        part = workdir / f"result.{self.worker_name.replace(':', '-')}.part"
        done = failed = matched = 0
        try:
            if not (workdir / "input.csv").is_file():
                log.error("screening job %s: %s is missing", job_id, workdir / "input.csv")
                raise InputError(
                    f"the uploaded file of job {job_id} is no longer in the jobs folder",
                    hint="the jobs folder must be shared by all workers and kept; upload it again",
                )
            screener = self.screening.screener()
            last = time.monotonic()
            with part.open("w", encoding="utf-8") as out:
                for rec in screen_rows(screener, read_rows(workdir / "input.csv")):
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    done += 1
                    if "error" in rec:
                        failed += 1
                    elif rec.get("matches"):
                        matched += 1
                    if time.monotonic() - last >= PROGRESS_EVERY:
                        if self._stop.is_set():
                            return  # the server is stopping: leave the job to be taken over
                        counts = {"rows_done": done, "rows_failed": failed, "rows_with_matches": matched}
                        if not self._progress(job_id, **counts):
                            self._lost(job_id, part)
                            return
                        last = time.monotonic()
            if not self._progress(job_id):  # still this worker's: only then does its result count
                self._lost(job_id, part)
                return
            part.replace(workdir / "result.jsonl")
            self._finish(job_id, "done", done, failed, matched)
        except Exception as exc:  # a broken file or store: the job fails with the reason
            log.warning("screening job %s failed: %s", job_id, exc)
            reason = exc.message if isinstance(exc, SanctionsError) else f"{type(exc).__name__}"
            reason = reason.replace(str(workdir / "input.csv"), "the uploaded file").replace(
                str(self.root), ""
            )
            self._finish(job_id, "failed", done, failed, matched, reason)

    def _lost(self, job_id: str, part: Path) -> None:
        log.warning("screening job %s was taken over by another worker; this run stops", job_id)
        part.unlink(missing_ok=True)

    def _finish(
        self, job_id: str, status: str, done: int, failed: int, matched: int, error: str | None = None
    ) -> None:
        self._progress(
            job_id,
            status=status,
            rows_done=done,
            rows_failed=failed,
            rows_with_matches=matched,
            finished_at=t.utcnow(),
            error=error,
        )

    # -- requests ---------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        with self.ledger.engine.connect() as conn:
            for status, n in conn.execute(select(J.c.status, func.count()).group_by(J.c.status)):
                out[str(status)] = int(n)
        return out

    def submit(self, upload: BinaryIO, filename: str, created_by: str = "anonymous") -> Job:
        """Copy the upload into a job folder, check its header, count its rows, queue it."""
        active = self.counts()
        busy = active["queued"] + active["running"]
        if busy >= self.max_jobs:
            raise ConflictError(
                f"{busy} batch jobs are already queued or running",
                hint="wait for one to finish, then upload again",
            )
        job_id = uuid.uuid4().hex
        workdir = self.root / job_id
        workdir.mkdir(parents=True)
        try:
            with (workdir / "input.csv").open("wb") as out:
                shutil.copyfileobj(upload, out, 1 << 20)
            rows = self._count_rows(workdir / "input.csv", filename or "upload.csv")
            with self.ledger.engine.begin() as conn:
                conn.execute(
                    J.insert().values(
                        id=job_id,
                        filename=(filename or "upload.csv")[:500],
                        status="queued",
                        rows_total=rows,
                        created_by=created_by,
                        created_at=t.utcnow(),
                    )
                )
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        self._trim()
        self.start()
        self._wake.set()
        return self.get(job_id)

    def _count_rows(self, path: Path, filename: str) -> int:
        """The rows of the upload; its errors name the uploaded file, never where the server keeps it."""
        n = 0
        try:
            for n, _values, _error in read_rows(path):
                if n > self.rows_max:
                    raise InputError(
                        f"the CSV has more than {self.rows_max} rows; split it into several jobs"
                    )
        except InputError as exc:
            raise InputError(exc.message.replace(str(path), filename[:200]), hint=exc.hint) from None
        return n

    def _trim(self) -> None:
        """Keep the newest ``keep`` finished jobs; remove older ones and their files."""
        with self.ledger.engine.begin() as conn:
            old = conn.execute(
                select(J.c.id)
                .where(J.c.status.in_(("done", "failed")))
                .order_by(J.c.created_at.desc(), J.c.id.desc())
                .offset(self.keep)
            ).all()
            if old:
                conn.execute(delete(J).where(J.c.id.in_([r.id for r in old])))
        for r in old:
            shutil.rmtree(self.root / str(r.id), ignore_errors=True)

    def get(self, job_id: str, viewer: str | None = None, admin: bool = False) -> Job:
        """The job; with ``viewer`` (an actor such as ``api-key:NAME`` or ``anonymous``) only when it is
        theirs or ``admin`` is set, else it is not found (whether it exists is not revealed)."""
        with self.ledger.engine.connect() as conn:
            r = conn.execute(select(J).where(J.c.id == job_id)).first()
        if r is None or not (viewer is None or admin or r.created_by == viewer):
            raise NotFoundError(
                f"no batch job {job_id!r}",
                hint=f"the newest {self.keep} finished jobs are kept; upload the file again",
            )
        return _job(r)

    def recent(self, limit: int = 20, created_by: str | None = None) -> list[Job]:
        """The newest jobs (of ``created_by`` only, when given)."""
        q = select(J).order_by(J.c.created_at.desc(), J.c.id.desc()).limit(limit)
        if created_by is not None:
            q = q.where(J.c.created_by == created_by)
        with self.ledger.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [_job(r) for r in rows]

    def result_path(
        self, job_id: str, viewer: str | None = None, admin: bool = False, fmt: str = "jsonl"
    ) -> Path:
        """The finished job's result file in ``fmt`` (``jsonl``, ``csv`` or ``xlsx``), for the viewer
        :meth:`get` would show the job to."""
        if fmt not in WRITERS:
            raise InputError(f"unknown result format {fmt!r}; one of {', '.join(WRITERS)}")
        job = self.get(job_id, viewer, admin)
        if job.status != "done":
            raise ConflictError(
                f"job {job_id} is {job.status}, not done ({job.rows_done}/{job.rows_total} rows)",
                hint=f"poll /screen/jobs/{job_id} until status is done",
            )
        path = self.root / job_id / "result.jsonl"
        if not path.is_file():
            log.error("screening job %s: %s is missing", job_id, path)
            raise NotFoundError(
                f"the result of job {job_id} is no longer in the jobs folder",
                hint="the jobs folder must be shared by all workers and kept; upload the file again",
            )
        return path if fmt == "jsonl" else _derived(path, fmt)


def _derived(result: Path, fmt: str) -> Path:
    """``result.<fmt>`` beside the JSON-lines result, written from it when missing or older. Each request
    writes a part file of its own and renames it, so two at once never read a half-written file."""
    dest = result.with_name(f"result.{fmt}")
    try:
        if dest.stat().st_mtime_ns >= result.stat().st_mtime_ns:
            return dest
    except FileNotFoundError:
        pass
    part = result.with_name(f"result.{uuid.uuid4().hex}.{fmt}.part")
    try:
        convert_jsonl(result, part, fmt)
        part.replace(dest)
    finally:
        part.unlink(missing_ok=True)
    return dest


def csv_text(rows: list[dict[str, str]]) -> bytes:
    """A CSV upload from rows (used by tests and examples)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[c for c in COLUMNS if any(c in r for r in rows)])
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()
