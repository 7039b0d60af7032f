"""Delta re-screening versus full re-screens over a month of the daily OFAC SDN archive.

    python bench/monitoring_bench.py --rows 100000 --month 2022-03 [--archive-dir DIR] [--out report.json]

1. A watchlist of ``--rows`` customers is built from real names: US Congress members (OpenSanctions),
   and given-name x surname combinations drawn from the individuals of the UK HMT list (another list than
   the one monitored), plus planted parties: SDN entries that OFAC adds during the month (their names
   as listed, some re-ordered or lower-cased).
2. The month's first observation is loaded and processed; then each later observation is loaded and the
   monitor processes it (delta: only the added and changed entities are screened).
3. After each day, a full re-screen of every customer against that day's list (same scoring baseline)
   is computed and its alert set compared with the alerts the deltas maintain: they must be equal.

Reported per day and in total: entities added/changed/removed, customers screened (queries), candidate
entities scored, wall seconds, for delta and full, and the ratio. The integration test runs a small
version (tests/integration/test_monitoring_real.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tarfile
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.ledger.archive import read_observations
from sanctions_ledger.monitoring import Monitor
from sanctions_ledger.monitoring.alerts import open_keys
from sanctions_ledger.parsers import ofac_csv
from sanctions_ledger.parsers.ofac_csv import RecordMemo

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
ARCHIVE = SHARED / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz"
CONGRESS = SHARED / "negatives" / "opensanctions-us_congress" / "us_congress_senzing.json"
UK = SHARED / "uk-hmt" / "2016-03-23" / "ConList.csv"


def raw_sdn(path: Path) -> dict[str, tuple[str, str]]:
    """ent_num -> (name, type) straight from an sdn.csv (to pick planted parties before loading)."""
    text = path.read_bytes().rstrip(b"\x1a").decode("cp1252")
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if row and row[0].strip().isdigit() and len(row) > 2:
            kind = row[2].strip().strip('"').replace("-0-", "").strip()
            out[row[0].strip()] = (row[1].strip(), kind)
    return out


def name_pools() -> tuple[list[str], list[str], list[str]]:
    """(full names, given names, surnames) from real name resources other than the monitored list."""
    full: list[str] = []
    given: list[str] = []
    family: list[str] = []
    if CONGRESS.is_file():
        for line in CONGRESS.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            for n in d.get("NAMES", [])[:1]:
                name = n.get("NAME_FULL", "").strip()
                if name:
                    full.append(name)
                    parts = name.replace(".", "").split()
                    if len(parts) >= 2:
                        given.append(parts[0])
                        family.append(parts[-1])
    if UK.is_file():
        text = UK.read_text(encoding="latin-1")
        rows = list(csv.reader(io.StringIO(text)))
        header = rows[1]
        ix = {h: i for i, h in enumerate(header)}
        for r in rows[2:]:
            if len(r) < len(header) or r[ix["Group Type"]] != "Individual":
                continue
            g, s = r[ix["Name 1"]].strip(), r[ix["Name 6"]].strip()
            if g and s and g.isascii() and s.isascii():
                given.append(g.split()[0].title())
                family.append(s.title())
    return full, sorted(set(given)), sorted(set(family))


def build_watchlist(path: Path, rows: int, planted: list[tuple[str, str]], seed: int = 7) -> int:
    """Write a watchlist CSV of ``rows`` customers (planted parties included); returns planted count."""
    rng = random.Random(seed)
    full, given, family = name_pools()
    if not given or not family:
        raise SystemExit("no name resources found under ../shared/data")
    seen: set[str] = set()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "name", "type", "dob", "country", "segment"])
    n = 0
    for name, kind in planted:
        variant = name
        r = rng.random()
        if r < 0.3:
            variant = name.title()
        elif r < 0.5 and "," in name:
            last, _, first = name.partition(",")
            variant = f"{first.strip()} {last.strip()}"
        typ = "person" if kind == "individual" else ("vessel" if kind == "vessel" else "organization")
        w.writerow([f"P{n:06d}", variant, typ, "", "", "planted"])
        n += 1
    n_planted = n
    for name in full:
        if n >= rows:
            break
        w.writerow([f"C{n:06d}", name, "person", "", "US", "congress"])
        seen.add(name)
        n += 1
    while n < rows:
        name = f"{rng.choice(given)} {rng.choice(family)}"
        if rng.random() < 0.15:
            name = f"{rng.choice(given)} {rng.choice(given)} {rng.choice(family)}"
        if name in seen:
            continue
        seen.add(name)
        dob = f"{rng.randint(1940, 2002)}" if rng.random() < 0.4 else ""
        w.writerow([f"C{n:06d}", name, "person", dob, "", "retail"])
        n += 1
    path.write_text(out.getvalue(), encoding="utf-8")
    return n_planted


def unpack(archive_dir: Path | None, tmp: Path) -> Path:
    if archive_dir is not None:
        return archive_dir
    with tarfile.open(ARCHIVE) as tf:
        tf.extractall(tmp, filter="data")
    return tmp


def month_rows(root: Path, month: str | None, limit: int | None) -> list[dict[str, str]]:
    rows = read_observations(root)
    if month:
        rows = [r for r in rows if r["observed_at_utc"].startswith(month)]
    if limit:
        rows = rows[:limit]
    if not rows:
        raise SystemExit(f"no observations for {month!r}")
    return rows


def record(ledger: Ledger, root: Path, row: dict[str, str], memo: RecordMemo) -> str:
    parsed = ofac_csv.parse(root / row["file"], list_name="ofac-sdn", memo=memo)
    at = datetime.fromisoformat(row["observed_at_utc"].replace("Z", "+00:00"))
    return ledger.record(parsed, at, source=row["file"], actor="bench").status


def run(
    root: Path,
    rows: list[dict[str, str]],
    n_customers: int,
    db_url: str,
    workdir: Path,
    compare_every: int = 1,
    log: Any = print,
    drift: bool = True,
) -> dict[str, Any]:
    first = raw_sdn(root / rows[0]["file"])
    last = raw_sdn(root / rows[-1]["file"])
    planted = [last[k] for k in sorted(set(last) - set(first), key=int)]
    wl_path = workdir / "watchlist.csv"
    n_planted = build_watchlist(wl_path, n_customers, planted)
    ledger = open_ledger(db_url)
    mon = Monitor(ledger)
    memo = RecordMemo()
    record(ledger, root, rows[0], memo)
    t0 = time.perf_counter()
    wl = mon.load_watchlist("customers", wl_path, create=True, actor="bench")
    first_run = mon.run(actor="bench")
    log(
        f"day 0 {rows[0]['observed_at_utc']}: watchlist {wl['rows']} rows ({n_planted} planted) loaded; "
        f"initial screen {first_run['work']['queries']} queries, {first_run['work']['candidates_scored']} "
        f"candidates, {time.perf_counter() - t0:.1f} s; open alerts {len(_open(ledger))}"
    )
    days = []
    tot = {
        "delta_queries": 0,
        "delta_scored": 0,
        "delta_s": 0.0,
        "full_queries": 0,
        "full_scored": 0,
        "full_s": 0.0,
    }
    for i, row in enumerate(rows[1:], start=1):
        status = record(ledger, root, row, memo)
        t = time.perf_counter()
        r = mon.run(actor="bench")
        delta_s = time.perf_counter() - t
        day: dict[str, Any] = {
            "observed_at": row["observed_at_utc"],
            "load": status,
            "snapshots": len(r["processed"]),
        }
        ents = {"added": 0, "changed": 0, "removed": 0}
        raised = closed = 0
        for p in r["processed"]:
            for k in ents:
                ents[k] += p["entities"][k]
            raised += p["alerts"]["raised"] + p["alerts"]["reopened"]
            closed += p["alerts"]["closed"]
        day.update(entities=ents, raised=raised, closed=closed)
        day["delta"] = {**r["work"], "wall_seconds": round(delta_s, 3)}
        tot["delta_queries"] += r["work"]["queries"]
        tot["delta_scored"] += r["work"]["candidates_scored"]
        tot["delta_s"] += delta_s
        if status == "created" and i % compare_every == 0:
            t = time.perf_counter()
            hits, work, _, _ = mon.full_hits(refresh_baseline=False)
            full_s = time.perf_counter() - t
            want = {(w, *h.key) for w, hs in hits.items() for h in hs}
            have = _open(ledger)
            day["full"] = {**work.to_dict(), "wall_seconds": round(full_s, 3)}
            day["equal"] = want == have
            day["only_full"] = len(want - have)
            day["only_delta"] = len(have - want)
            day["open_alerts"] = len(have)
            tot["full_queries"] += work.queries
            tot["full_scored"] += work.scored
            tot["full_s"] += full_s
        days.append(day)
        log(_line(i, day))
    compared = [d for d in days if "full" in d]
    summary = {
        "customers": n_customers,
        "planted": n_planted,
        "observations": len(rows),
        "days_compared": len(compared),
        "all_equal": all(d["equal"] for d in compared),
        "delta_total": {
            "queries": tot["delta_queries"],
            "candidates_scored": tot["delta_scored"],
            "seconds": round(tot["delta_s"], 2),
        },
        "full_total_on_compared_days": {
            "queries": tot["full_queries"],
            "candidates_scored": tot["full_scored"],
            "seconds": round(tot["full_s"], 2),
        },
    }
    dq = sum(d["delta"]["queries"] for d in compared)
    ds = sum(d["delta"]["candidates_scored"] for d in compared)
    dt = sum(d["delta"]["wall_seconds"] for d in compared)
    if compared:
        summary["ratio_on_compared_days"] = {
            "queries": round(dq / max(1, tot["full_queries"]), 5),
            "candidates_scored": round(ds / max(1, tot["full_scored"]), 5),
            "wall_time": round(dt / max(1e-9, tot["full_s"]), 5),
        }
    # how far the frozen baseline is from fresh statistics after the month
    hits, _, _, _ = mon.full_hits(refresh_baseline=True)
    fresh = {(w, *h.key) for w, hs in hits.items() for h in hs}
    have = _open(ledger)
    summary["baseline_drift"] = {
        "only_fresh": len(fresh - have),
        "only_frozen": len(have - fresh),
        "open": len(have),
    }
    ledger.close()
    return {"summary": summary, "days": days}


def _open(ledger: Ledger) -> set[tuple[int, str, str, int]]:
    with ledger.engine.connect() as c:
        return open_keys(c)


def _line(i: int, d: dict[str, Any]) -> str:
    e = d["entities"]
    s = f"day {i} {d['observed_at']} {d['load']:>9}: +{e['added']} ~{e['changed']} -{e['removed']}"
    dl = d["delta"]
    s += f" | delta {dl['queries']} q {dl['candidates_scored']} c {dl['wall_seconds']:.2f}s"
    if "full" in d:
        f = d["full"]
        s += f" | full {f['queries']} q {f['candidates_scored']} c {f['wall_seconds']:.2f}s"
        s += f" | equal={d['equal']} open={d['open_alerts']}"
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--month", default="2022-03", help="YYYY-MM of the archive to replay")
    ap.add_argument("--observations", type=int, default=None, help="at most this many observations")
    ap.add_argument("--archive-dir", type=Path, default=None, help="an already unpacked archive")
    ap.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--compare-every", type=int, default=1, help="full re-screen every Nth day")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="monbench-") as tmp:
        root = unpack(args.archive_dir, Path(tmp) / "archive")
        rows = month_rows(root, args.month, args.observations)
        db = args.db or f"sqlite:///{tmp}/bench.db"
        report = run(
            root, rows, args.rows, db, Path(tmp), args.compare_every, log=lambda s: print(s, flush=True)
        )
    print(json.dumps(report["summary"], indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))
    sys.exit(0 if report["summary"]["all_equal"] else 1)


if __name__ == "__main__":
    main()
