"""Batch screening jobs kept in the database: every worker sees every job, and a job whose worker stopped is
taken over by another (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from sanctions_ledger.errors import ConflictError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.jobs_tables import screen_jobs
from sanctions_ledger.screening.service import ScreeningService
from sanctions_ledger.services.jobs import MAX_ATTEMPTS, Job, JobManager
from tests.unit.test_api import fill

CSV = b"id,name,type\nc1,Kim Jong Un,person\nc2,Acme Bakery,organization\nc3,,person\n"


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    fill(ledger)
    return ledger


@pytest.fixture
def workers(
    filled: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[JobManager, JobManager]]:
    """Two workers' job managers over one ledger and one jobs folder, as `serve --workers 2` makes them.

    Their runner threads do not start by themselves (an upload would otherwise start one at once, racing
    the test): a test runs jobs with :func:`run_queued`, in its own thread, or starts a runner explicitly
    with :func:`start_runner`. Nothing depends on how fast the machine is."""
    root = str(tmp_path / "jobs")
    a = JobManager(filled, ScreeningService(filled), root, max_jobs=4, rows_max=1000, poll=0.05)
    b = JobManager(filled, ScreeningService(filled), root, max_jobs=4, rows_max=1000, poll=0.05)
    for jm in (a, b):
        monkeypatch.setattr(jm, "start", lambda: None)
    yield a, b
    a.close()
    b.close()


def start_runner(jm: JobManager) -> None:
    JobManager.start(jm)


def run_queued(jm: JobManager) -> None:
    """What one pass of ``jm``'s runner does, here and now: claim and run jobs until none is queued."""
    while (job_id := jm._claim()) is not None:
        jm._run(job_id)


def wait(jm: JobManager, job_id: str) -> Job:
    """Wait for a runner thread to finish the job. The bound only stops a hung test; a loaded machine is
    slower, never wrong."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = jm.get(job_id)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish: {jm.get(job_id)}")


def finished(jm: JobManager) -> Job:
    """A job of CSV's three rows, uploaded to ``jm`` and screened to the end (no runner thread left)."""
    job_id = jm.submit(io.BytesIO(CSV), "people.csv").id
    run_queued(jm)
    return jm.get(job_id)


def set_jobs(ledger: Ledger, **values: object) -> None:
    """Rewrite every job row: the state a worker would leave behind at some moment."""
    with ledger.engine.begin() as conn:
        conn.execute(update(screen_jobs).values(**values))


def test_a_job_accepted_by_one_worker_is_seen_by_another(workers: tuple[JobManager, JobManager]) -> None:
    a, b = workers
    job = a.submit(io.BytesIO(CSV), "people.csv", created_by="api-key:onboarding")
    assert job.status == "queued" and job.rows_total == 3
    seen = b.get(job.id)
    assert seen.status == "queued"
    assert seen.filename == "people.csv" and seen.created_by == "api-key:onboarding"
    run_queued(b)
    done = b.get(job.id)
    assert (done.status, done.rows_done, done.rows_failed, done.attempts) == ("done", 3, 1, 1)
    lines = [json.loads(x) for x in b.result_path(job.id).read_text().splitlines()]
    assert [x["id"] for x in lines] == ["c1", "c2", "c3"]
    assert lines[0]["matches"][0]["entity_id"] == "ofac-sdn:20285"
    assert [j.id for j in b.recent()] == [job.id]
    assert b.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_a_queued_job_is_run_by_whichever_worker_is_up(
    filled: Ledger, workers: tuple[JobManager, JobManager]
) -> None:
    a, b = workers
    job = finished(a)
    # as if a worker accepted the upload and stopped before running it
    set_jobs(filled, status="queued", rows_done=0, finished_at=None)
    (Path(a.root) / job.id / "result.jsonl").unlink()
    a.close()
    start_runner(b)  # b's real runner thread finds it
    done = wait(b, job.id)
    assert done.status == "done" and done.rows_done == 3 and done.attempts == 2
    assert len(b.result_path(job.id).read_text().splitlines()) == 3


def test_a_job_whose_worker_stopped_is_taken_over(
    filled: Ledger, workers: tuple[JobManager, JobManager]
) -> None:
    a, b = workers
    job = finished(a)
    a.close()
    # as if the worker running it died halfway: status running, an old heartbeat, a partial result
    old = t.utcnow() - timedelta(minutes=5)
    set_jobs(filled, status="running", worker="gone:1:abc", heartbeat_at=old, rows_done=1)
    (Path(a.root) / job.id / "result.jsonl").unlink()
    (Path(a.root) / job.id / "result.gone-1-abc.part").write_text('{"id": "c1"}\n')
    with pytest.raises(ConflictError, match="running, not done"):
        b.result_path(job.id)
    run_queued(b)
    done = b.get(job.id)
    assert (done.status, done.rows_done, done.attempts) == ("done", 3, 2)
    assert len(b.result_path(job.id).read_text().splitlines()) == 3


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(
    filled: Ledger, workers: tuple[JobManager, JobManager]
) -> None:
    a, b = workers
    job = finished(a)
    set_jobs(filled, status="running", worker="busy:1:abc", heartbeat_at=t.utcnow())
    assert b._claim() is None
    assert b.get(job.id).status == "running"


def test_a_job_interrupted_too_often_fails_with_the_reason(
    filled: Ledger, workers: tuple[JobManager, JobManager]
) -> None:
    a, b = workers
    job = finished(a)
    old = t.utcnow() - timedelta(minutes=5)
    set_jobs(filled, status="running", worker="gone:1:abc", heartbeat_at=old, attempts=MAX_ATTEMPTS)
    assert b._claim() is None
    failed = b.get(job.id)
    assert failed.status == "failed" and "interrupted 3 times" in str(failed.error)


def test_missing_upload_fails_the_job_clearly(filled: Ledger, workers: tuple[JobManager, JobManager]) -> None:
    a, b = workers
    job = finished(a)
    set_jobs(filled, status="queued")
    (Path(a.root) / job.id / "input.csv").unlink()
    run_queued(b)
    failed = b.get(job.id)
    assert failed.status == "failed" and "no longer in" in str(failed.error)


def test_limits_and_retention(filled: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jm = JobManager(filled, ScreeningService(filled), str(tmp_path / "j"), max_jobs=1, rows_max=1000, keep=2)
    monkeypatch.setattr(jm, "start", lambda: None)  # jobs are run by run_queued, in this thread
    try:
        # a queued job counts against the limit, whichever worker holds it (the runner is not started here)
        with filled.engine.begin() as conn:
            conn.execute(
                screen_jobs.insert().values(
                    id="f" * 32, filename="x.csv", status="queued", created_at=t.utcnow()
                )
            )
        with pytest.raises(ConflictError, match="1 batch jobs are already queued or running"):
            jm.submit(io.BytesIO(CSV), "people.csv")
        set_jobs(filled, status="failed")
        ids = []
        for _ in range(4):
            ids.append(jm.submit(io.BytesIO(CSV), "people.csv").id)
            run_queued(jm)
        # each upload keeps the newest two finished jobs (and the new one); older ones go, files too
        assert [j.id for j in jm.recent()] == [ids[3], ids[2], ids[1]]
        with pytest.raises(NotFoundError):
            jm.get(ids[0])
        assert not (tmp_path / "j" / ids[0]).exists()
        assert (tmp_path / "j" / ids[-1] / "result.jsonl").is_file()
    finally:
        jm.close()


def test_a_worker_that_lost_its_job_leaves_the_result_alone(
    filled: Ledger, workers: tuple[JobManager, JobManager]
) -> None:
    a, b = workers
    job = finished(a)
    result = Path(a.root) / job.id / "result.jsonl"
    result.write_text("the newer run's result\n")
    # b runs the job, but meanwhile another worker took it over (b's heartbeat was thought stale)
    set_jobs(filled, status="running", worker="newer:2:def", heartbeat_at=t.utcnow())
    b._run(job.id)
    assert result.read_text() == "the newer run's result\n"
    assert not list((Path(a.root) / job.id).glob("*.part"))
    j = b.get(job.id)
    assert j.status == "running"  # still the newer worker's
