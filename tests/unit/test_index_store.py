"""The screening service's index provider and the index file: same answers from memory, from a file read
lazily and from a file read whole; keyed on the ledger's state and instant; a file that is damaged or that
someone else could have written is never trusted."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.store import IndexFileError, open_index, save_index
from sanctions_ledger.model import Entity, Identifier, Name
from sanctions_ledger.parsers import ParsedList
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.service import IndexProvider, ScreeningService

NAMES = [
    ("1", "DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD.", "organization"),
    ("2", "KIM, Jong Un", "person"),
    ("3", "LIAONING DANXING INTERNATIONAL FORWARDING CO., LTD.", "organization"),
    ("4", "KOREA MINING DEVELOPMENT TRADING CORPORATION (KOMID)", "organization"),
    ("5", "محمد رضا", "person"),
    ("6", "PAK, Chol Su", "person"),
]
QUERIES = [
    "Dalian Haibo International Freight",
    "Kim Jong-un",
    "Liaoning Danxing Intl Forwarding",
    "KOMID",
    "Korea Mining Development",
    "Mohammad Reza",
    "Pak Cholsu",
    "Nobody At All",
]


def entities(list_name: str = "ofac-sdn") -> list[Entity]:
    out = []
    for sid, name, schema in NAMES:
        e = Entity(list_name, sid, schema, [Name(name)], programs=["DPRK3"])
        if sid == "1":
            e.identifiers.append(Identifier("imo", "9187629"))
        out.append(e)
    return out


def answers(index: MatchIndex) -> list[dict[str, object]]:
    s = Screener(index)
    out = [s.screen(ScreeningQuery.build(q, threshold=0.3)).to_dict() for q in QUERIES]
    out.append(s.screen(ScreeningQuery.build("Blue Whale", imo="IMO 9187629")).to_dict())
    return out


def test_file_answers_as_memory_lazy_and_whole(tmp_path: Path) -> None:
    index = MatchIndex(entities() + entities("un"))
    path = tmp_path / "i.index"
    save_index(index, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    expected = answers(index)
    assert any(r["matches"] for r in expected)
    lazy = open_index(path, lazy=True)
    assert answers(lazy) == expected
    assert answers(lazy) == expected  # again, from what it has read
    assert answers(open_index(path, lazy=False)) == expected
    assert answers(open_index(path, lazy=True, keys_in_memory=True)) == expected
    assert len(lazy.entities) == len(index.entities) and lazy.entities[3].id == index.entities[3].id


def test_damaged_or_foreign_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.index"
    bad.write_bytes(b"not an index")
    with pytest.raises(IndexFileError):
        open_index(bad)
    other = tmp_path / "other.index"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', 'something-else/9')")
    db.commit()
    db.close()
    with pytest.raises(IndexFileError, match="not a screening index"):
        open_index(other)


def pub(ents: list[Entity]) -> ParsedList:
    return ParsedList(ents[0].list, "ofac-csv", ents, [], counts={"records": len(ents)})


def test_provider_builds_once_then_every_process_opens_the_file(ledger: Ledger, tmp_path: Path) -> None:
    ledger.record(pub(entities()), datetime(2019, 3, 1, tzinfo=UTC))
    first = IndexProvider(ledger, tmp_path)
    index = first.index()
    assert (first.builds, first.loads) == (1, 0)
    assert first.index() is index  # kept open in this process
    second = IndexProvider(ledger, tmp_path)  # another process: opens the file
    again = second.index()
    assert (second.builds, second.loads) == (0, 1)
    assert answers(again) == answers(MatchIndex(entities()))
    # a new snapshot changes the key: the next index is built again and holds the new entity
    ledger.record(
        pub([*entities(), Entity("ofac-sdn", "7", "person", [Name("NEW, Person")])]),
        datetime(2019, 3, 2, tzinfo=UTC),
    )
    fresh = second.index()
    assert second.builds == 1 and len(fresh.entities) == 7
    # as of the first day: the first snapshot's six entities, its own key
    assert len(second.index(datetime(2019, 3, 1, 12, tzinfo=UTC)).entities) == 6


def test_file_others_may_write_is_not_opened(ledger: Ledger, tmp_path: Path) -> None:
    ledger.record(pub(entities()), datetime(2019, 3, 1, tzinfo=UTC))
    IndexProvider(ledger, tmp_path).index()
    (path,) = tmp_path.glob("*.index")
    os.chmod(path, 0o666)
    p = IndexProvider(ledger, tmp_path)
    p.index()
    assert (p.builds, p.loads) == (1, 0)  # built again, and the file replaced by a private one
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_bytes(b"damaged")
    os.chmod(path, 0o600)
    p2 = IndexProvider(ledger, tmp_path)
    assert len(p2.index().entities) == 6 and p2.builds == 1


def test_list_filter_never_changes_a_score(ledger: Ledger, tmp_path: Path) -> None:
    ledger.record(pub(entities()), datetime(2019, 3, 1, tzinfo=UTC))
    ledger.record(pub(entities("un")), datetime(2019, 3, 1, tzinfo=UTC))
    svc = ScreeningService(ledger, tmp_path)
    for q in QUERIES:
        everything = svc.screen(ScreeningQuery.build(q, threshold=0.3))
        only_un = svc.screen(ScreeningQuery.build(q, threshold=0.3, lists=["un"]))
        want = {m.entity_id.split(":")[1]: m.score for m in everything.matches if m.list == "un"}
        assert {m.entity_id.split(":")[1]: m.score for m in only_un.matches} == want
        assert all(m.list == "un" for m in only_un.matches)


def test_a_database_made_again_never_gets_the_old_index(tmp_path: Path) -> None:
    """Same path, same counts (one snapshot, six entities), other content: the identity of the database
    (when its schema was created) is part of the key, so the old index file is not opened."""
    from sanctions_ledger.ledger import open_ledger

    url = f"sqlite:///{tmp_path / 'l.db'}"
    first = open_ledger(url)
    first.record(pub(entities()), datetime(2019, 3, 1, tzinfo=UTC))
    old = IndexProvider(first, tmp_path / "ix").index()
    assert any(e.caption.startswith("KIM") for e in old.entities)
    token = first.state_token()
    first.close()
    (tmp_path / "l.db").unlink()
    again = open_ledger(url)
    others = [Entity("ofac-sdn", str(i), "person", [Name(f"OTHER, Person {i}")]) for i in range(1, 7)]
    again.record(pub(others), datetime(2019, 3, 1, tzinfo=UTC))
    assert again.state_token() == token  # the counts alike: only the identity tells them apart
    p = IndexProvider(again, tmp_path / "ix")
    fresh = p.index()
    assert p.builds == 1 and not any(e.caption.startswith("KIM") for e in fresh.entities)
    again.close()
