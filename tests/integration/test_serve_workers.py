"""`sanctions serve` as a real command with two uvicorn worker processes: the contract's requests, and batch
jobs polled over fresh connections (answered by either worker) from upload to download."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sanctions_ledger.ledger import open_ledger
from tests.integration.serving import SANCTIONS, serve
from tests.unit.test_api import fill


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(d.name))
    return out


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[bytes]]]:
    tmp = tmp_path_factory.mktemp("serve")
    db = f"sqlite:///{tmp / 'ledger.db'}"
    with open_ledger(db) as lg:
        fill(lg)
    env = {**os.environ, "SANCTIONS_DB": db, "SANCTIONS_DATA_DIR": str(tmp / "data")}
    env.pop("SANCTIONS_API_JOBS_DIR", None)
    with serve(env, workers=2) as (base, proc):
        yield base, env, proc


def test_contract_healthz_and_screen_equal_the_cli(
    served: tuple[str, dict[str, str], subprocess.Popen[bytes]],
) -> None:
    base, env, proc = served
    # the uvicorn supervisor's worker processes (and its resource tracker); the first worker may answer
    # before the supervisor has started the second on a busy machine, so wait for it (a hang stops at 600 s)
    deadline = time.monotonic() + 600
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_children(proc.pid)) >= 2
    assert httpx.get(f"{base}/healthz", timeout=300).json() == {"status": "ok"}
    body = {"name": "Dalian Haibo International Freight", "type": "organization", "country": "CN", "limit": 3}
    r = httpx.post(f"{base}/screen", json=body, timeout=300)
    assert r.status_code == 200, r.text
    cli = subprocess.run(
        [
            str(SANCTIONS),
            "screen",
            body["name"],
            "--type",
            "organization",
            "--country",
            "CN",
            "--limit",
            "3",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert r.json() == json.loads(cli.stdout)
    assert r.json()["matches"][0]["entity_id"] == "ofac-sdn:26243"


def test_jobs_are_seen_by_every_worker(
    served: tuple[str, dict[str, str], subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    base, env, _ = served
    rows = ["id,name"] + [
        f"r{i},{n}" for i, n in enumerate(["Kim Jong Un", "Acme Bakery", "Korea Daesong Bank"] * 40)
    ]
    r = httpx.post(
        f"{base}/screen/jobs",
        files={"file": ("people.csv", "\n".join(rows).encode(), "text/csv")},
        timeout=300,
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    statuses = []
    deadline = time.monotonic() + 600  # only stops a hung test: a busy machine screens slower
    while time.monotonic() < deadline:
        # a new connection each time: the kernel hands it to either worker
        g = httpx.get(f"{base}/screen/jobs/{job_id}", headers={"Connection": "close"}, timeout=300)
        assert g.status_code == 200, g.text
        statuses.append(g.json()["status"])
        if statuses[-1] == "done" and len(statuses) >= 40:
            break
        time.sleep(0.02)
    assert statuses[-1] == "done"
    res = httpx.get(f"{base}/screen/jobs/{job_id}/result", timeout=300)
    lines = [json.loads(x) for x in res.text.splitlines()]
    assert len(lines) == 120 and lines[0]["matches"][0]["entity_id"] == "ofac-sdn:20285"
    # the job's files are in the data folder's jobs/ (shared by the workers, kept across restarts)
    assert (Path(env["SANCTIONS_DATA_DIR"]) / "jobs" / job_id / "result.jsonl").is_file()


def test_metrics_add_up_every_worker(served: tuple[str, dict[str, str], subprocess.Popen[bytes]]) -> None:
    base, _, _ = served

    def screens() -> float:
        text = httpx.get(f"{base}/metrics", headers={"Connection": "close"}, timeout=300).text
        found = re.findall(
            r'^sanctions_http_requests_total\{method="POST",route="/screen",status="200"\} (\S+)$', text, re.M
        )
        return sum(float(x) for x in found)

    before = screens()
    for _ in range(40):  # new connections: both workers answer some
        r = httpx.post(
            f"{base}/screen", json={"name": "Kim Jong Un"}, headers={"Connection": "close"}, timeout=300
        )
        assert r.status_code == 200
    # whichever worker answers /metrics counts the other's requests too
    assert screens() - before == 40
    assert screens() - before == 40
