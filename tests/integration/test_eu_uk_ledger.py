"""EU and UK lists in the ledger: the OFSI list's history runs from the 2016 CSV to the 2025 xlsx under one
list (``uk-hmt``, also named ``uk-ofsi``), OFSI and FCDO records name each other in ``show``/``history``,
and screening, diff and as-of work over the EU and UK files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import Screener, ScreeningQuery
from tests.unit.test_api import make_client

pytestmark = pytest.mark.integration

UK_2016 = "uk-hmt/2016-03-23/ConList.csv"
OFSI_2025 = "uk-ofsi-conlist/2025-04-10/ConList_2022format_2025-04-10.xlsx"
FCDO_2026 = "uk-fcdo/2026-08-14-excerpt/UK-Sanctions-List_excerpt_2026-08-14.xml"
EU_2022 = "eu-fsf/2022-03-18-prefix/eu_fsf_v1.1_2022-03-18_first1044entities.xml"
EU_2026 = "eu-fsf/2026-08-05-excerpt/eu_fsf_v1.1_excerpt_2026-08-05.xml"


def test_uk_history_from_2016_to_today(ledger: Ledger, shared_data: Path) -> None:
    ledger.load_paths([shared_data / UK_2016], "2016-03-23")
    [ofsi] = ledger.load_paths([shared_data / OFSI_2025], "2025-04-10")
    assert ofsi.snapshot.list == "uk-hmt" and ofsi.snapshot.format == "uk-ofsi-xlsx"
    ledger.load_paths([shared_data / FCDO_2026], "2026-08-14")

    # one list, two names
    assert [s.id for s in ledger.snapshots("uk-ofsi")] == [s.id for s in ledger.snapshots("uk-hmt")]
    assert len(ledger.snapshots("uk-hmt")) == 2
    d = ledger.diff("uk-ofsi", "2016-03-23", "2025-04-10")
    assert d.added and d.removed  # nine years apart: both happen

    # the Taliban governor: OFSI Group ID 7270 since 2016, FCDO AFG0011 today
    h = ledger.history("uk-ofsi:7270")
    assert h["entity_id"] == "uk-hmt:7270"
    assert h["first_seen"].startswith("2016-03-23")
    assert len(h["versions"]) == 2  # the 2022 layout says more about the same target
    assert h["linked_ids"] == ["uk-fcdo:AFG0011"]
    assert ledger.history("uk-fcdo:AFG0011")["linked_ids"] == ["uk-hmt:7270"]
    entity, _ = ledger.entity("uk-ofsi:7270")
    assert entity.id == "uk-hmt:7270"

    # as of 2020 the list is the 2016 one
    snap, ids = ledger.asof("uk-ofsi", datetime(2020, 1, 1, tzinfo=UTC))
    assert snap.observed_at.year == 2016 and "uk-hmt:7270" in ids

    # the CLI says it too
    register_all()
    runner = CliRunner()
    url = ledger.url
    show = runner.invoke(cli, ["--db", url, "show", "uk-ofsi:7270"])
    assert show.exit_code == 0, show.output
    assert "same party on: uk-fcdo:AFG0011" in show.output
    hist = runner.invoke(cli, ["--db", url, "history", "uk-fcdo:AFG0011", "--json"])
    assert hist.exit_code == 0, hist.output
    assert json.loads(hist.stdout)["linked_ids"] == ["uk-hmt:7270"]
    snaps = runner.invoke(cli, ["--db", url, "snapshots", "--list", "uk-ofsi", "--json"])
    assert snaps.exit_code == 0, snaps.output
    assert len(json.loads(snaps.stdout)) == 2

    # and the HTTP API
    with make_client(ledger) as client:
        r = client.get("/entities/uk-ofsi:7270/history")
        assert r.status_code == 200, r.text
        assert r.json()["entity_id"] == "uk-hmt:7270" and r.json()["linked_ids"] == ["uk-fcdo:AFG0011"]
        assert client.get("/entities/uk-ofsi:7270").json()["id"] == "uk-hmt:7270"


def test_eu_and_uk_screening_diff_and_asof(ledger: Ledger, shared_data: Path) -> None:
    ledger.load_paths([shared_data / EU_2022], "2022-03-18")
    ledger.load_paths([shared_data / EU_2026], "2026-08-05")
    ledger.load_paths([shared_data / FCDO_2026], "2026-08-14")
    d = ledger.diff("eu-fsf", "2022-03-18", "2026-08-05")
    # the 2026 excerpt holds 4 of the 1,024 entities of the 2022 prefix (13, 191, 330, 980)
    assert (len(d.added), len(d.removed)) == (0, 1024 - 4)
    assert "eu-fsf:516" in d.removed
    snap, ids = ledger.asof("eu-fsf", datetime(2023, 1, 1, tzinfo=UTC), "TAQA")
    assert snap.observed_at.year == 2022 and "eu-fsf:516" in ids

    index = MatchIndex(list(ledger.entities_at(["eu-fsf", "uk-fcdo"])))
    screener = Screener(index)
    hits = screener.screen(ScreeningQuery.build("Khalid Sheikh Mohammed", schema="person")).matches
    assert hits and hits[0].entity_id == "eu-fsf:191"
    hits = screener.screen(ScreeningQuery.build("Abdul Latif Mansur", lists=["uk-fcdo"])).matches
    assert hits and hits[0].entity_id == "uk-fcdo:AFG0011"
    # 516 left the EU file of 2026 (an excerpt): screened as of 2023 it is found, today it is not
    query = ScreeningQuery.build("Sayed Ghiasuddin Sayed Ghousuddin")
    then = Screener(MatchIndex(list(ledger.entities_at(["eu-fsf"], datetime(2023, 1, 1, tzinfo=UTC)))))
    assert [m.entity_id for m in then.screen(query).matches][:1] == ["eu-fsf:516"]
    assert all(m.entity_id != "eu-fsf:516" for m in screener.screen(query).matches)
