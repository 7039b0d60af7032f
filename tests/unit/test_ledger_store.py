"""The ledger store on synthetic publications: snapshots, shared versions, spans, diffs, as-of, history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from sanctions_ledger.errors import ConflictError, NotFoundError, ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.model import Entity, Name, Provenance
from sanctions_ledger.parsers import ParsedList


def ent(
    n: int, name: str, programs: list[str] | None = None, remarks: str | None = None, line: int = 1
) -> Entity:
    return Entity(
        list="ofac-sdn",
        source_id=str(n),
        schema="organization",
        names=[Name(name)],
        programs=programs or ["SDGT"],
        remarks=remarks,
        provenance=Provenance("sdn.csv", line=line),
    )


def pub(*entities: Entity) -> ParsedList:
    return ParsedList(
        list="ofac-sdn",
        format="ofac-csv",
        entities=list(entities),
        files=[],
        counts={"records": len(entities)},
    )


def at(day: int, month: int = 1) -> datetime:
    return datetime(2020, month, day, 12, tzinfo=UTC)


def count(ledger: Ledger, table: t.Table) -> int:
    with ledger.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def test_identical_content_makes_no_new_snapshot(ledger: Ledger) -> None:
    r1 = ledger.record(pub(ent(1, "A"), ent(2, "B")), at(1))
    r2 = ledger.record(pub(ent(2, "B", line=1), ent(1, "A", line=2)), at(2))  # order and lines differ
    assert r1.status == "created" and r2.status == "unchanged"
    assert r2.snapshot.id == r1.snapshot.id
    snaps = ledger.snapshots("ofac-sdn")
    assert len(snaps) == 1 and snaps[0].observation_count == 2
    assert snaps[0].last_observed_at == at(2)


def test_unchanged_entities_share_one_version(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(1))
    ledger.record(pub(ent(1, "A"), ent(2, "B2"), ent(3, "C")), at(2))
    ledger.record(pub(ent(1, "A"), ent(3, "C")), at(3))
    assert count(ledger, t.entity_versions) == 4  # A, B, B2, C
    assert count(ledger, t.spans) == 4  # A 1..3, B 1..1, B2 2..2, C 2..3


def test_diff_added_removed_changed(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A"), ent(2, "B", ["DPRK3"])), at(1))
    ledger.record(pub(ent(1, "A", remarks="new"), ent(3, "C", ["DPRK4"])), at(2))
    d = ledger.diff("ofac-sdn", "2020-01-01", "2020-01-02")
    assert d.added == ["ofac-sdn:3"]
    assert d.removed == ["ofac-sdn:2"]
    assert [c["entity_id"] for c in d.changed] == ["ofac-sdn:1"]
    assert d.changed[0]["fields"] == ["remarks"]
    assert d.by_program["DPRK4"]["added"] == 1 and d.by_program["DPRK3"]["removed"] == 1


def test_asof_and_program_filter(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A", ["DPRK3"]), ent(2, "B")), at(1))
    ledger.record(pub(ent(2, "B")), at(5))
    snap, ids = ledger.asof("ofac-sdn", at(3))
    assert ids == ["ofac-sdn:1", "ofac-sdn:2"] and snap.observed_at == at(1)
    _, ids = ledger.asof("ofac-sdn", at(3), "DPRK3")
    assert ids == ["ofac-sdn:1"]
    _, ids = ledger.asof("ofac-sdn", at(6))
    assert ids == ["ofac-sdn:2"]
    with pytest.raises(NotFoundError):
        ledger.asof("ofac-sdn", datetime(2019, 1, 1, tzinfo=UTC))


def test_entity_as_of_and_history(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A", line=7)), at(1))
    ledger.record(pub(ent(1, "A2", line=9)), at(2))
    ledger.record(pub(ent(2, "B")), at(3))
    e, _snap = ledger.entity("ofac-sdn:1", at(1))
    assert e.caption == "A" and e.provenance is not None and e.provenance.line == 7
    e, _ = ledger.entity("ofac-sdn:1", at(2))
    assert e.caption == "A2" and e.provenance is not None and e.provenance.line == 9
    with pytest.raises(NotFoundError):
        ledger.entity("ofac-sdn:1")  # removed in the latest snapshot
    h = ledger.history("ofac-sdn:1")
    assert h["first_seen"].startswith("2020-01-01") and h["last_seen"].startswith("2020-01-02")
    assert [v["caption"] for v in h["versions"]] == ["A", "A2"]
    assert h["versions"][1]["changes"] == ["names"]
    assert h["versions"][1]["ended_at"].startswith("2020-01-03")
    assert h["on_latest_snapshot"] is False


def test_return_to_older_content_reuses_version_and_is_a_change(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    ledger.record(pub(ent(1, "A2")), at(2))
    r = ledger.record(pub(ent(1, "A")), at(3))
    assert r.status == "created" and r.versions_created == 0
    assert len(ledger.snapshots()) == 3
    assert count(ledger, t.entity_versions) == 2


def test_out_of_order_load_splits_spans(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(1))
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(2))  # unchanged: observation only
    ledger.record(pub(ent(1, "A"), ent(2, "B"), ent(3, "C")), at(9))
    # now a publication observed in between, where 2 was briefly changed and 1 absent
    r = ledger.record(pub(ent(2, "B-mid")), at(5))
    assert r.status == "created"
    assert ledger.asof("ofac-sdn", at(5))[1] == ["ofac-sdn:2"]
    assert ledger.asof("ofac-sdn", at(9))[1] == ["ofac-sdn:1", "ofac-sdn:2", "ofac-sdn:3"]
    assert ledger.asof("ofac-sdn", at(1))[1] == ["ofac-sdn:1", "ofac-sdn:2"]
    assert ledger.entity("ofac-sdn:2", at(6))[0].caption == "B-mid"
    assert ledger.entity("ofac-sdn:2", at(9))[0].caption == "B"
    # the later snapshot's change counts are now relative to the inserted one
    latest = ledger.snapshots()[-1]
    assert (latest.added_count, latest.removed_count, latest.changed_count) == (2, 0, 1)
    h = ledger.history("ofac-sdn:2")
    assert [v["caption"] for v in h["versions"]] == ["B", "B-mid", "B"]


def test_out_of_order_load_that_matches_both_neighbours_merges(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(9))
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(5))
    assert count(ledger, t.spans) == 2
    assert ledger.history("ofac-sdn:2")["first_seen"].startswith("2020-01-05")


def test_same_instant_different_content_conflicts(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    with pytest.raises(ConflictError):
        ledger.record(pub(ent(1, "Z")), at(1))
    assert ledger.record(pub(ent(1, "A")), at(1)).status == "already_observed"


def test_loading_again_at_the_same_instant_adds_no_observation(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    assert ledger.record(pub(ent(1, "A")), at(2)).status == "unchanged"  # an observation of snapshot #1
    again = ledger.record(pub(ent(1, "A")), at(2))  # re-running the same load
    assert again.status == "already_observed" and again.snapshot.observation_count == 2
    assert count(ledger, t.observations) == 2 and count(ledger, t.snapshots) == 1
    # other content at an instant the list was already observed at is a conflict, not a second snapshot
    with pytest.raises(ConflictError, match="already observed"):
        ledger.record(pub(ent(1, "Z")), at(2))
    assert count(ledger, t.observations) == 2 and count(ledger, t.snapshots) == 1


def test_migration_removes_duplicate_observations_and_forbids_them(ledger: Ledger) -> None:
    from sanctions_ledger.ledger.migrations import migrate

    ledger.record(pub(ent(1, "A")), at(1))
    ledger.record(pub(ent(1, "A")), at(2))
    o = t.observations
    # a database from before the constraint, holding the duplicates an old re-run left behind
    with ledger.engine.begin() as c:
        c.execute(text("DROP INDEX uq_observations_snapshot_observed"))
        c.execute(delete(t.schema_version).where(t.schema_version.c.version == 8))
        rows = [r._asdict() for r in c.execute(select(o).order_by(o.c.id))]
        for r in rows + rows[1:]:
            c.execute(insert(o).values({k: v for k, v in r.items() if k != "id"}))
    assert count(ledger, o) == 5
    assert migrate(ledger.engine) == [8]
    with ledger.engine.connect() as c:
        kept = [(r.id, r.observed_at) for r in c.execute(select(o).order_by(o.c.id))]
    assert kept == [(rows[0]["id"], at(1)), (rows[1]["id"], at(2))]
    audit = ledger.audit_entries(action="migration.observations_deduplicated")
    assert audit and audit[0]["detail"]["removed"] == 3
    with pytest.raises(IntegrityError), ledger.engine.begin() as c:
        c.execute(insert(o).values({k: v for k, v in rows[0].items() if k != "id"}))


def test_lost_records_are_refused_and_nothing_written(ledger: Ledger) -> None:
    p = pub(ent(1, "A"))
    p.counts["records"] = 2
    with pytest.raises(ParseError, match="refusing to store a partial list"):
        ledger.record(p, at(1))
    assert count(ledger, t.snapshots) == 0 and count(ledger, t.entity_versions) == 0


def test_failed_load_rolls_back(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    before = {tb.name: count(ledger, tb) for tb in (t.snapshots, t.entity_versions, t.spans, t.observations)}
    import sanctions_ledger.ledger.load as load_mod

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("killed midway")

    monkeypatch.setattr(load_mod, "_place_spans", boom)
    with pytest.raises(RuntimeError):
        ledger.record(pub(ent(1, "A"), ent(2, "B")), at(2))
    after = {tb.name: count(ledger, tb) for tb in (t.snapshots, t.entity_versions, t.spans, t.observations)}
    assert after == before


def test_audit_log_records_loads(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1), actor="test:me")
    rows = ledger.audit_entries()
    assert rows[0]["action"] == "load" and rows[0]["actor"] == "test:me"


def test_naive_time_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.record(pub(ent(1, "A")), datetime(2020, 1, 1))


def test_unknown_entity_and_list(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A")), at(1))
    with pytest.raises(NotFoundError):
        ledger.history("ofac-sdn:999")
    with pytest.raises(NotFoundError):
        ledger.entity("nolist:1")


def test_migrations_are_recorded(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.engine.connect() as c:
        versions = [r[0] for r in c.execute(select(t.schema_version.c.version))]
    assert versions[:2] == [1, 2]


def test_diff_between_full_set_and_main_file_only_ignores_unknown_parts(ledger: Ledger) -> None:
    from sanctions_ledger.model import Address
    from sanctions_ledger.parsers.base import SourceFile

    def files(*roles: str) -> list[SourceFile]:
        return [SourceFile(r, Path(r), 1, "0" * 64) for r in roles]

    full = ent(1, "A")
    full.names.append(Name("A-ALIAS", kind="alias"))
    full.addresses.append(Address(city="Havana", country="CU"))
    renamed = ent(2, "B-NEW")
    p1 = pub(full, ent(2, "B"))
    p1.files = files("sdn.csv", "alt.csv", "add.csv")
    ledger.record(p1, at(1))
    p2 = pub(ent(1, "A"), renamed)  # the main file alone: no alias rows, no addresses
    p2.files = files("sdn.csv")
    ledger.record(p2, at(2))
    d = ledger.diff("ofac-sdn", "1", "2")
    assert [c["entity_id"] for c in d.changed] == ["ofac-sdn:2"]  # a real change is still reported
    assert d.not_compared is not None and d.not_compared["parts"] == ["add", "alt"]
    assert d.not_compared["entities_differing_only_there"] == 1
