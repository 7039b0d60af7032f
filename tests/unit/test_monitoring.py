"""Monitoring: watchlists, delta re-screening (== full), alerts, decisions, bad input, resumability."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import monitoring_tables as mt
from sanctions_ledger.matching.index import Baseline, MatchIndex
from sanctions_ledger.matching.normalize import normalize_name
from sanctions_ledger.model import Entity, Identifier, Name
from sanctions_ledger.monitoring import Monitor, WatchlistFileError, decide, get_alert, list_alerts
from sanctions_ledger.monitoring import alerts as alerts_mod
from sanctions_ledger.monitoring.engine import CustomerKeys, MonitorIndex, screen_records
from sanctions_ledger.monitoring.records import CustomerRecord, read_records
from sanctions_ledger.parsers.base import ParsedList

BASE: dict[str, tuple[str, str]] = {
    "1": ("Dalian Haibo International Freight Co Ltd", "organization"),
    "2": ("Liaoning Danxing International Forwarding", "organization"),
    "3": ("KIM Jong Example", "person"),
    "4": ("Mohammed Al Rashid", "person"),
    "5": ("Pak Chol Su", "person"),
    "6": ("Ocean Star Shipping Company", "organization"),
}


def entity(sid: str, name: str, schema: str, extra: str = "") -> Entity:
    e = Entity(list="ofac-sdn", source_id=sid, schema=schema, names=[Name(name)], programs=["DPRK3"])
    if extra:
        e.remarks = extra
    return e


def load(
    ledger: Ledger, day: int, members: dict[str, tuple[str, str]], remarks: dict[str, str] | None = None
) -> int:
    remarks = remarks or {}
    ents = [entity(s, n, k, remarks.get(s, "")) for s, (n, k) in members.items()]
    parsed = ParsedList(
        list="ofac-sdn", format="test", entities=ents, files=[], counts={"records": len(ents)}
    )
    return ledger.record(parsed, datetime(2024, 1, day, 12, tzinfo=UTC), actor="test").snapshot.id


CUSTOMERS = """id,name,type,dob,country,segment
c1,Dalian Haibo International Freight,organization,,CN,shipping
c2,Jane Smith,person,1970,US,retail
c3,Kim Jong Example,person,,,retail
c4,Acme Widgets,organization,,,
c5,Olga Petrova,person,,,
c6,Pak Chol Su,person,,,
"""


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def keys_open(ledger: Ledger) -> set[tuple[str, str]]:
    a = mt.alerts
    with ledger.engine.connect() as c:
        return {
            (r[0], r[1])
            for r in c.execute(select(a.c.customer_id, a.c.entity_id).where(a.c.status == "open"))
        }


def full_keys(mon: Monitor) -> set[tuple[int, str, str, int]]:
    hits, _, _, _ = mon.full_hits(refresh_baseline=False)
    return {(w, *h.key) for w, hs in hits.items() for h in hs}


def delta_keys(ledger: Ledger) -> set[tuple[int, str, str, int]]:
    from sanctions_ledger.monitoring.alerts import open_keys

    with ledger.engine.connect() as c:
        return open_keys(c)


# ---- watchlist files -------------------------------------------------------------------------------


def test_read_records_ok(tmp_path: Path) -> None:
    recs, fmt, sha = read_records(write(tmp_path, "w.csv", CUSTOMERS))
    assert fmt == "csv" and len(sha) == 64
    assert [r.customer_id for r in recs] == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert recs[0].extra == {"segment": "shipping"} and recs[0].line == 2
    # the version is the screened fields only
    assert recs[0].content_hash == CustomerRecord("c1", recs[0].name, "organization", "", "CN").content_hash


def test_read_records_reports_every_bad_row(tmp_path: Path) -> None:
    text = (
        "id,name,dob\n"
        "a1,Good Name,1970\n"
        ",No Id,\n"  # line 3: missing id
        "a1,Duplicate,\n"  # line 4: duplicate
        "a3,Broken,1970,extra\n"  # line 5: field count
        "a4,,\n"  # line 6: empty name
        "a5,Bad Date,1970-13-45\n"  # line 7
    )
    with pytest.raises(WatchlistFileError) as ei:
        read_records(write(tmp_path, "bad.csv", text))
    lines = [ln for ln, _ in ei.value.problems]
    assert lines == [3, 4, 5, 6, 7]
    msg = str(ei.value)
    assert "bad.csv, line 4: duplicate id 'a1' (first at line 2)" in msg
    assert "line 3: missing id" in msg


def test_read_records_header_problems(tmp_path: Path) -> None:
    with pytest.raises(WatchlistFileError, match="missing column"):
        read_records(write(tmp_path, "h.csv", "name\nx\n"))
    with pytest.raises(WatchlistFileError, match="empty"):
        read_records(write(tmp_path, "e.csv", ""))
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "nope.csv")


def test_read_records_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    table = pa.table(
        {
            "id": ["p1", "p2", None],
            "name": ["Kim Jong Example", "Jane Doe", "Nobody"],
            "imo": [None, "9187629", None],
        }
    )
    pq.write_table(table, tmp_path / "w.parquet")
    with pytest.raises(WatchlistFileError, match="line 3: missing id"):
        read_records(tmp_path / "w.parquet")
    pq.write_table(table.slice(0, 2), tmp_path / "ok.parquet")
    recs, fmt, _ = read_records(tmp_path / "ok.parquet")
    assert fmt == "parquet" and recs[1].imo == "9187629"


# ---- the engine: delta == full by construction -----------------------------------------------------


def test_monitor_index_candidates_equal_screening_index_without_cut() -> None:
    ents = [entity(s, n, k) for s, (n, k) in BASE.items()]
    plain = MatchIndex(ents, top_n=10**9)
    mon = MonitorIndex.build(ents)
    for q in ("Dalian Haibo", "Kim Jong", "Mohamed Rashid", "Pak Chol", "Ocean Shipping", "Liaoning Danxng"):
        form = normalize_name(q)
        assert mon.index.candidates(form) == plain.candidates(form), q


def test_delta_index_scores_like_full_index() -> None:
    ents = [entity(s, n, k) for s, (n, k) in BASE.items()]
    full = MonitorIndex.build(ents)
    base = full.baseline
    recs = [CustomerRecord(f"c{i}", n) for i, (n, _) in enumerate(BASE.values())] + [
        CustomerRecord("x", "Kim Jong")
    ]
    fh, fw = screen_records(full, recs)
    union = []
    scored = 0
    for e in ents:
        delta = MonitorIndex.build([e], base)
        h, w = screen_records(delta, recs)
        union += h
        scored += w.scored
    assert {(h.customer_id, h.entity_id, h.score) for h in fh} == {
        (h.customer_id, h.entity_id, h.score) for h in union
    }
    assert scored == fw.scored


COMMON = [
    "Golden Star Trading Company",
    "Golden Ocean Trading Company",
    "Blue Star Shipping Company",
    "Star Maritime Trading",
    "Red Star Holding Company",
    "Golden Lion Mining",
    "Ocean Lion Shipping",
    "Mohammed Al Rashid",
    "Mohammed Al Hakim",
    "Ahmad Al Rashid Trading",
]


def test_monitor_index_weights_are_the_baselines() -> None:
    """Every statistic a score reads comes from the baseline, whatever the index holds (this guards against
    caches the screening index may add: each must follow the baseline too)."""
    ents = [entity(str(i), n, "organization") for i, n in enumerate(COMMON)]
    full = MatchIndex(ents)
    base = full.baseline()
    tokens = [*sorted(full.df), "goldan", "tradng", "unknownword", "al", "star"]
    for sub in (ents[:1], ents[3:5], ents[-2:]):
        d = MatchIndex(sub, base)
        for tok in tokens:
            assert d.token_weight(tok) == full.token_weight(tok), tok
            assert d.neighbours(tok) == full.neighbours(tok), tok
        for n in [*COMMON, "Golden Star", "Star Trading Co", "Mohamed Rashid"]:
            form = normalize_name(n)
            assert d.weights(form, False) == full.weights(form, False)
            assert d.weights(form, True) == full.weights(form, True)
        # the weights stored on each listed name at build time follow the baseline too
        by_tokens = {n.form.tokens: n.weights for n in full.names}
        for n in d.names:
            assert n.weights == by_tokens[n.form.tokens] == tuple(full.weights(n.form, False))


def test_delta_equals_full_with_shared_tokens() -> None:
    ents = [entity(str(i), n, "organization") for i, n in enumerate(COMMON)]
    full = MonitorIndex.build(ents)
    recs = [CustomerRecord(f"c{i}", n) for i, n in enumerate(COMMON)]
    recs += [CustomerRecord("q1", "Golden Star Trading"), CustomerRecord("q2", "Star Trading Company")]
    recs += [CustomerRecord("q3", "Mohamed Al Rashid"), CustomerRecord("q4", "Ocean Star")]
    fh, _ = screen_records(full, recs, threshold=0.5)
    union = []
    for i in range(0, len(ents), 3):
        h, _ = screen_records(MonitorIndex.build(ents[i : i + 3], full.baseline), recs, threshold=0.5)
        union += h
    assert sorted((h.customer_id, h.entity_id, h.score) for h in fh) == sorted(
        (h.customer_id, h.entity_id, h.score) for h in union
    )


def test_customer_keys_prefilter_keeps_every_hit() -> None:
    ents = [entity(s, n, k) for s, (n, k) in BASE.items()]
    full = MonitorIndex.build(ents)
    recs = [CustomerRecord(f"c{i}", n) for i, (n, _) in enumerate(BASE.values())]
    recs += [CustomerRecord("typo", "Dalain Haibo Freight"), CustomerRecord("other", "Jane Smith")]
    keys = CustomerKeys.build(recs, full)
    for e in ents:
        delta = MonitorIndex.build([e], full.baseline)
        all_hits, _ = screen_records(delta, recs)
        some, _ = screen_records(delta, [recs[p] for p in keys.affected(delta)])
        assert {h.key for h in all_hits} == {h.key for h in some}
        assert len(keys.affected(delta)) < len(recs)


def test_identifier_only_match_reaches_customer() -> None:
    e = entity("9", "Artavil", "vessel")
    e.identifiers.append(Identifier("imo", "9187629"))
    full = MonitorIndex.build([e, *[entity(s, n, k) for s, (n, k) in BASE.items()]])
    rec = CustomerRecord("v1", "Blue Whale", "vessel", imo="IMO 9187629")
    keys = CustomerKeys.build([rec], full)
    delta = MonitorIndex.build([e], full.baseline)
    assert keys.affected(delta) == [0]
    hits, _ = screen_records(delta, [rec])
    assert hits and hits[0].entity_id == "ofac-sdn:9"


def test_baseline_is_frozen_statistics() -> None:
    ents = [entity(s, n, k) for s, (n, k) in BASE.items()]
    b = MatchIndex(ents).baseline("2024-01-01T00:00:00Z")
    assert isinstance(b, Baseline)
    d = MonitorIndex.build(ents[:1], b).index
    assert d.df is b.df and d.n_names == b.n_names


# ---- the monitor over a ledger ------------------------------------------------------------------------


def test_watchlist_add_update_versioning(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    s1 = mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    assert s1["added"] == 6 and s1["upload"] == 1
    with pytest.raises(ConflictError):
        mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    with pytest.raises(NotFoundError):
        mon.load_watchlist("nope", write(tmp_path, "a.csv", CUSTOMERS), create=False, actor="t")
    v2 = CUSTOMERS.replace("c2,Jane Smith", "c2,Jane Smythe").replace("c5,Olga Petrova,person,,,\n", "")
    v2 += "c7,New Customer,person,,,\n"
    v2 = v2.replace("c4,Acme Widgets,organization,,,", "c4,Acme Widgets,organization,,,different note")
    s2 = mon.load_watchlist("bank", write(tmp_path, "b.csv", v2), create=False, actor="t")
    assert (s2["added"], s2["changed"], s2["removed"], s2["unchanged"]) == (1, 1, 1, 4)
    wr = mt.watchlist_records
    with ledger.engine.connect() as c:
        rows = list(
            c.execute(select(wr.c.customer_id, wr.c.first_upload, wr.c.last_upload).order_by(wr.c.id))
        )
    assert ("c2", 1, 1) in rows and ("c2", 2, None) in rows and ("c5", 1, 1) in rows  # nothing deleted
    [wl] = mon.watchlists()
    assert wl["records"] == 6 and wl["uploads"] == 2


def test_bad_watchlist_file_writes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    with pytest.raises(WatchlistFileError):
        mon.load_watchlist("bank", write(tmp_path, "bad.csv", "id,name\nx,\nx,Dup\n"), create=True, actor="t")
    with ledger.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(mt.watchlists)).scalar() == 0
        assert c.execute(select(func.count()).select_from(mt.watchlist_records)).scalar() == 0


def test_delta_run_equals_full_and_closes_removed(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    r1 = mon.run(actor="t")
    assert [p["snapshot"] for p in r1["processed"]] == [1]
    assert ("c1", "ofac-sdn:1") in keys_open(ledger) and ("c3", "ofac-sdn:3") in keys_open(ledger)
    assert delta_keys(ledger) == full_keys(mon)
    # day 2: one added (matches c5), one removed (c3's match), one changed (c6's match)
    day2 = dict(BASE)
    day2["7"] = ("Olga Petrova", "person")
    del day2["3"]
    load(ledger, 2, day2, remarks={"5": "amended"})
    load(ledger, 3, day2, remarks={"5": "amended"})  # identical content: an observation, no snapshot
    r2 = mon.run(actor="t")
    [p] = r2["processed"]
    assert p["entities"] == {"added": 1, "changed": 1, "removed": 1}
    opened = keys_open(ledger)
    assert ("c5", "ofac-sdn:7") in opened and ("c3", "ofac-sdn:3") not in opened
    assert delta_keys(ledger) == full_keys(mon)
    # far less work than a full re-screen
    assert p["work"]["queries"] < 6 and p["work"]["index_entities"] == 2
    # idempotent: nothing pending, running again does nothing
    assert mon.run(actor="t")["processed"] == []
    a = mt.alerts
    with ledger.engine.connect() as c:
        closed = dict(c.execute(select(a.c.entity_id, a.c.closed_reason).where(a.c.status == "closed")).all())
    assert "removed" in closed["ofac-sdn:3"] and "changed" in closed["ofac-sdn:5"]


def test_watchlist_update_screens_against_processed_state(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    load(ledger, 1, BASE)
    mon.load_watchlist(
        "bank", write(tmp_path, "a.csv", "id,name\nz1,Nobody Special\n"), create=True, actor="t"
    )
    mon.run(actor="t")
    assert keys_open(ledger) == set()
    s = mon.load_watchlist("bank", write(tmp_path, "b.csv", CUSTOMERS), create=False, actor="t")
    assert s["alerts"]["raised"] >= 3
    assert delta_keys(ledger) == full_keys(mon)
    # the customer changes: its alert closes and the new record version gets its own alert
    v3 = CUSTOMERS.replace("c1,Dalian Haibo International Freight", "c1,Dalian Haibo Intl Freight Company")
    s3 = mon.load_watchlist("bank", write(tmp_path, "c.csv", v3), create=False, actor="t")
    assert s3["changed"] == 1 and s3["alerts"]["closed"] == 1 and s3["alerts"]["raised"] == 1
    # removed customers' alerts close
    s4 = mon.load_watchlist(
        "bank", write(tmp_path, "d.csv", "id,name\nz1,Nobody Special\n"), create=False, actor="t"
    )
    assert s4["removed"] == 6 and keys_open(ledger) == set()


def _first_alert(ledger: Ledger, customer: str, status: str = "open") -> dict[str, Any]:
    res = list_alerts(ledger, status=status, customer_id=customer)
    assert res["alerts"], (customer, status)
    first: dict[str, Any] = res["alerts"][0]
    return first


def test_false_positive_suppressed_until_entity_or_record_changes(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    mon.run(actor="t")
    al = _first_alert(ledger, "c6")  # Pak Chol Su
    with pytest.raises(InputError, match="reason"):
        decide(ledger, al["id"], "false_positive", " ", "analyst:ann")
    with pytest.raises(InputError, match="unknown decision"):
        decide(ledger, al["id"], "maybe", "x", "analyst:ann")
    out = decide(ledger, al["id"], "false_positive", "different person: DOB 1988", "analyst:ann")
    assert out["decision"] == "false_positive" and out["events"][-1]["kind"] == "decision"
    assert all(a["customer_id"] != "c6" for a in list_alerts(ledger)["alerts"])  # out of the queue
    audit = ledger.audit_entries(action="alerts.decide")
    assert audit[0]["detail"]["decision"] == "false_positive" and audit[0]["actor"] == "analyst:ann"
    # the entity is delisted and relisted unchanged: same versions, the clearance holds
    load(ledger, 2, {k: v for k, v in BASE.items() if k != "5"})
    load(ledger, 3, BASE)
    r = mon.run(actor="t")
    assert sum(p["alerts"]["suppressed"] for p in r["processed"]) == 1
    assert get_alert(ledger, al["id"])["decision"] == "false_positive"
    assert all(a["customer_id"] != "c6" for a in list_alerts(ledger)["alerts"])
    # a full re-screen does not bring it back either
    assert mon.full(actor="t")["alerts"]["raised"] == 0
    assert all(a["customer_id"] != "c6" for a in list_alerts(ledger)["alerts"])
    # the entity changes: a new open alert
    load(ledger, 4, BASE, remarks={"5": "new remarks"})
    mon.run(actor="t")
    again = _first_alert(ledger, "c6")
    assert again["id"] != al["id"] and again["decision"] is None
    decide(ledger, again["id"], "false_positive", "still not him", "analyst:ann")
    # the customer record changes: a new open alert again
    v2 = CUSTOMERS.replace("c6,Pak Chol Su,person,,,", "c6,Pak Chol Su,person,1988,,")
    mon.load_watchlist("bank", write(tmp_path, "b.csv", v2), create=False, actor="t")
    third = _first_alert(ledger, "c6")
    assert third["id"] not in (al["id"], again["id"]) and third["decision"] is None


def test_decisions_true_match_and_escalate(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    mon.run(actor="t")
    a1 = _first_alert(ledger, "c1")
    decide(ledger, a1["id"], "escalate", "needs senior review", "analyst:bob")
    assert any(a["id"] == a1["id"] for a in list_alerts(ledger)["alerts"])  # escalated stays queued
    decide(ledger, a1["id"], "true_match", "same company, same address", "analyst:sue")
    assert all(a["id"] != a1["id"] for a in list_alerts(ledger)["alerts"])
    shown = get_alert(ledger, a1["id"])
    assert [e["kind"] for e in shown["events"]] == ["raised", "decision", "decision"]
    assert shown["match"]["explanation"]["matched_name"] and shown["customer"]["id"] == "c1"
    assert shown["entity_version_id"] > 0 and len(shown["entity_hash"]) == 64 and shown["snapshot_id"] == 1
    with pytest.raises(NotFoundError):
        decide(ledger, 99999, "true_match", "x", "a")
    assert list_alerts(ledger, status="all", decision="true_match")["total"] == 1


def test_interrupted_run_resumes_without_duplicates(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    day2 = dict(BASE)
    day2["7"] = ("Olga Petrova", "person")
    load(ledger, 2, day2)
    load(ledger, 3, {**day2, "8": ("Jane Smith", "person")})
    real = alerts_mod.upsert_hits
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> dict[str, int]:
        calls["n"] += 1
        out: dict[str, int] = real(*args, **kwargs)  # written ... then the process dies mid-transaction
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return out

    monkeypatch.setattr(alerts_mod, "upsert_hits", flaky)
    with pytest.raises(KeyboardInterrupt):
        mon.run(actor="t")
    assert mon.status()["pending_snapshots"] == [2, 3]
    monkeypatch.setattr(alerts_mod, "upsert_hits", real)
    r = Monitor(ledger).run(actor="t")  # a fresh process resumes
    assert [p["snapshot"] for p in r["processed"]] == [2, 3]
    a = mt.alerts
    with ledger.engine.connect() as c:
        rows = list(c.execute(select(a.c.customer_id, a.c.record_hash, a.c.entity_version_id)))
        raised = c.execute(
            select(func.count()).select_from(mt.alert_events).where(mt.alert_events.c.kind == "raised")
        ).scalar()
    assert len(rows) == len(set(rows)) == raised
    assert delta_keys(ledger) == full_keys(Monitor(ledger))


def test_concurrent_writer_makes_operation_retry(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    other = Monitor(ledger)
    real = mon._process
    state = {"raced": False}

    def racing(snap: Any, actor: str) -> dict[str, Any]:
        if not state["raced"]:
            state["raced"] = True
            other.load_watchlist(
                "other", write(tmp_path, "o.csv", "id,name\no1,Kim Jong Example\n"), create=True, actor="t"
            )
        return real(snap, actor)

    mon._process = racing  # type: ignore[method-assign]
    mon.run(actor="t")
    # the run recomputed after the other writer: the new watchlist's customer was screened too
    assert ("o1", "ofac-sdn:3") in keys_open(ledger)
    assert delta_keys(ledger) == full_keys(mon)


def test_full_rescreen_refreshes_baseline_and_marks_processed(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    load(ledger, 2, {**BASE, "7": ("Olga Petrova", "person")})
    out = mon.full(actor="t")
    assert out["marked_processed"] == 2 and mon.status()["pending_snapshots"] == []
    assert out["alerts"]["raised"] >= 4
    # every alert names the snapshot it was screened against (its list's latest), never None
    with ledger.engine.connect() as c:
        from sanctions_ledger.ledger import monitoring_tables as mt

        sids = {r[0] for r in c.execute(mt.alerts.select().with_only_columns(mt.alerts.c.snapshot_id))}
    assert sids == {ledger.snapshots("ofac-sdn")[-1].id}
    assert mon.status()["baseline_at"] == "2024-01-02T12:00:00Z"
    again = mon.full(actor="t")
    assert again["alerts"]["raised"] == 0 and again["alerts"]["closed"] == 0
    # an open alert the full re-screen does not find (e.g. scored under an older baseline) is closed
    from sanctions_ledger.monitoring.engine import Hit

    ghost = Hit("c4", "h" * 64, "Acme Widgets", "ofac-sdn:6", 999, "x" * 64, "ofac-sdn", "Ocean", 0.81, {})
    with ledger.engine.begin() as c:
        from sanctions_ledger.monitoring.alerts import upsert_hits

        assert upsert_hits(c, 1, [ghost], {}, None, "t")["raised"] == 1
    assert mon.full(actor="t")["alerts"]["closed"] == 1
    assert ("c4", "ofac-sdn:6") not in keys_open(ledger)
    assert ledger.audit_entries(action="monitor.full")


def test_out_of_order_snapshot_is_superseded(ledger: Ledger, tmp_path: Path) -> None:
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    load(ledger, 1, BASE)
    load(ledger, 5, BASE | {"7": ("Olga Petrova", "person")})
    mon.run(actor="t")
    before = delta_keys(ledger)
    load(ledger, 3, {k: v for k, v in BASE.items() if k != "1"})  # filled in behind
    r = mon.run(actor="t")
    assert r["processed"][0].get("superseded") is True
    assert delta_keys(ledger) == before
