"""Load test of the HTTP API: POST /screen against a real uvicorn server, driven by wrk.

    python bench/api_load.py                      # 10 s per run at concurrency 1 and 16
    python bench/api_load.py --duration 300       # the real 5-minute run
    python bench/api_load.py --db sqlite:///x.db --concurrency 1 16 64 --workers 2
    python bench/api_load.py --db sqlite:///ledger.db --baseline-src /tmp/old   # also another checkout

Without --db, a temporary SQLite ledger is filled with the OFAC SDN publication of 2019-01-04 from the shared
data folder. The server runs as its own process, started as users
start it (``sanctions serve --workers N``);
wrk (``apt-get install wrk``) sends screening requests that rotate through the 1,325 queries of the shared
screening benchmark's dev split (people, companies and vessels, listed and not, in several scripts and
spellings; ``--queries`` for another CSV with a ``name`` column, or the 12 built-in ones when there is none).
``--baseline-src DIR`` runs the same load against the server of another checkout of the code (``git worktree
add DIR REV``; started with ``PYTHONPATH=DIR``) and reports the ratio. Prints a
Markdown section with req/s, p50, p99 and errors per run, and exits non-zero when a target is missed
(>= 500 req/s and p99 <= 20 ms at c=16, no errors) unless ``--no-targets``.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SANCTIONS_SHARED_DATA", REPO.parent / "shared" / "data"))
DEV_QUERIES = SHARED.parent / "bench" / "screening" / "dev" / "queries.csv"

QUERIES = [
    {"name": "Kim Jong Un", "type": "person"},
    {"name": "Dalian Haibo International Freight", "type": "organization"},
    {"name": "Acme Bakery GmbH", "type": "organization"},
    {"name": "Ri Su Yong", "type": "person", "dob": "1940"},
    {"name": "Korea Kwangson Banking Corporation"},
    {"name": "Maria Gonzalez", "type": "person", "country": "ES"},
    {"name": "Wan Heng 11", "type": "vessel"},
    {"name": "Banco Nacional de Cuba"},
    {"name": "Ahmed Hassan Mohamed"},
    {"name": "Rosneft Trading SA"},
    {"name": "Choe Ryong Hae", "type": "person"},
    {"name": "Smith & Sons Logistics Ltd"},
]

LUA = """
local bodies = {}
%s
local requests = {}
for i, body in ipairs(bodies) do
  requests[i] = wrk.format("POST", "/screen", {["Content-Type"] = "application/json"}, body)
end
local i = 0
request = function()
  i = i + 1
  return requests[(i %% #requests) + 1]
end
"""


def load_queries(path: Path | None) -> tuple[list[dict[str, str]], str]:
    """Request bodies from a CSV with ``name`` and optional ``type``, ``dob``, ``country`` columns."""
    if path is None or not path.is_file():
        return QUERIES, f"{len(QUERIES)} built-in rotating queries (listed and unlisted names)"
    with path.open(encoding="utf-8", newline="") as f:
        bodies = [
            {k: v for k, v in row.items() if k in ("name", "type", "dob", "country") and v}
            for row in csv.DictReader(f)
        ]
    bodies = [b for b in bodies if b.get("name")]
    return bodies, f"{len(bodies)} rotating queries from {path.name} ({path.parent.name} split)"


@dataclass
class Run:
    variant: str
    concurrency: int
    duration_s: int
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text.strip())
    if not m:
        raise ValueError(f"cannot read a latency from {text!r}")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def parse_wrk(out: str, variant: str, concurrency: int, duration: int) -> Run:
    pct = {p: _ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return Run(variant, concurrency, duration, total, rps, pct["50"], pct["90"], pct["99"], errors)


def make_ledger(url: str | None) -> tuple[str, tempfile.TemporaryDirectory[str] | None]:
    if url:
        return url, None
    tmp = tempfile.TemporaryDirectory(prefix="api-load-")
    url = f"sqlite:///{tmp.name}/ledger.db"
    src = SHARED / "ofac-sdn" / "2019-01-04"
    if not src.is_dir():
        sys.exit(f"no --db given and no shared data at {src}")
    from sanctions_ledger.ledger import open_ledger

    with open_ledger(url) as lg:
        lg.load_paths([src], "2019-01-04")
    return url, tmp


def start_server(
    db_url: str, port: int, workers: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SANCTIONS_DB": db_url, **(extra_env or {})}
    # the server as users start it: `sanctions serve` (its jobs folder and metrics folder in a temporary one)
    data_dir = tempfile.mkdtemp(prefix="api-load-data-")
    atexit.register(shutil.rmtree, data_dir, True)
    env["SANCTIONS_DATA_DIR"] = data_dir
    cmd = [
        str(Path(sys.executable).with_name("sanctions")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}")
        try:
            # every worker builds its own index: screen until a few answers come back fast
            r = httpx.post(f"{base}/screen", json={"name": "Kim Jong Un"}, timeout=60)
            if r.status_code == 200:
                for _ in range(20 * workers):
                    httpx.post(f"{base}/screen", json={"name": "warm up"}, timeout=60)
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    sys.exit("the server did not become ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def run_wrk(base: str, variant: str, concurrency: int, duration: int, script: Path) -> Run:
    threads = max(1, min(concurrency, 2))
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{duration}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(script),
        base,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return parse_wrk(out, variant, concurrency, duration)


THIS = "this code"


def markdown(runs: list[Run], workers: int, entities: str, queries: str) -> str:
    cpu = os.cpu_count()
    lines = [
        "## HTTP API load (bench/api_load.py)",
        "",
        f"`POST /screen` on a real uvicorn server ({workers} worker process{'es' if workers > 1 else ''}), "
        f"driven by wrk on the same machine ({cpu} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}); {entities}; {queries}.",
        "",
        "| server | concurrency | duration | requests | req/s | p50 ms | p90 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r.variant} | {r.concurrency} | {r.duration_s} s | {r.requests} | {r.rps:.0f} | "
            f"{r.p50_ms:.2f} | {r.p90_ms:.2f} | {r.p99_ms:.2f} | {r.errors} |"
        )
    base = {r.concurrency: r for r in runs if r.variant != THIS}
    for r in runs:
        b = base.get(r.concurrency)
        if r.variant == THIS and b is not None and b.rps:
            lines.append(
                f"\nAt concurrency {r.concurrency}: {r.rps / b.rps:.2f}x the baseline's throughput, "
                f"p99 {r.p99_ms:.1f} ms against {b.p99_ms:.1f} ms."
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="ledger URL (default: a temporary one with OFAC SDN 2019-01-04)")
    ap.add_argument(
        "--duration", type=int, default=10, help="seconds per run (default 10; 300 for the real run)"
    )
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    ap.add_argument("--queries", type=Path, default=DEV_QUERIES, help="CSV of queries (default: dev split)")
    ap.add_argument("--baseline-src", type=Path, help="also run the server of this other checkout (baseline)")
    ap.add_argument("--json", dest="json_out", type=Path, help="also write the results as JSON here")
    ap.add_argument("--no-targets", action="store_true", help="do not fail when a target is missed")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    db_url, tmp = make_ledger(args.db)
    queries, described = load_queries(args.queries)
    entities = "ledger " + db_url.split("/")[-1]
    runs: list[Run] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        bodies = "\n".join(f"bodies[{i + 1}] = {json.dumps(json.dumps(q))}" for i, q in enumerate(queries))
        f.write(LUA % bodies)
        script = Path(f.name)
    variants: list[tuple[str, dict[str, str]]] = [(THIS, {})]
    if args.baseline_src:
        variants.append(
            (f"baseline ({args.baseline_src.name})", {"PYTHONPATH": str(args.baseline_src.resolve())})
        )
    try:
        for variant, extra_env in variants:
            port = _free_port()
            proc = start_server(db_url, port, args.workers, extra_env)
            try:
                stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()
                entities = ", ".join(f"{n}: {v['entities_now']} entities" for n, v in stats["lists"].items())
                base = f"http://127.0.0.1:{port}"
                runs += [run_wrk(base, variant, c, args.duration, script) for c in args.concurrency]
            finally:
                stop(proc)
    finally:
        script.unlink()
        if tmp is not None:
            tmp.cleanup()
    print(markdown(runs, args.workers, entities, described))
    if args.json_out:
        args.json_out.write_text(json.dumps([asdict(r) for r in runs], indent=2))
    missed = [
        r
        for r in runs
        if r.variant == THIS and (r.errors or (r.concurrency == 16 and (r.rps < 500 or r.p99_ms > 20)))
    ]
    if missed and not args.no_targets:
        print(
            f"\ntargets missed at concurrency {', '.join(str(r.concurrency) for r in missed)}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
