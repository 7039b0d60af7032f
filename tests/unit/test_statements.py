"""Statement checking: references, zone-aware date resolution, and the March 2019 statements."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sanctions_ledger.actions.facts import import_facts
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.statements import check_statement
from sanctions_ledger.statements.references import extract, sentences
from sanctions_ledger.statements.timerefs import resolve
from tests.conftest import SHARED

FACTS = SHARED / "facts" / "dprk-actions-2017-2019.json"
TWEET = (
    "It was announced today by the U.S. Treasury that additional large scale Sanctions would be added to "
    "those already existing Sanctions on North Korea. I have today ordered the withdrawal of those "
    "additional Sanctions!"
)
FRI = datetime(2019, 3, 22, 17, 20, tzinfo=UTC)  # 13:20 EDT, 02:20 KST Saturday


@pytest.mark.parametrize(
    ("expr", "zone", "start", "end"),
    [
        ("today", "America/New_York", date(2019, 3, 22), date(2019, 3, 22)),
        ("today", "Asia/Seoul", date(2019, 3, 23), date(2019, 3, 23)),
        ("yesterday", "America/New_York", date(2019, 3, 21), date(2019, 3, 21)),
        ("Thursday", "America/New_York", date(2019, 3, 21), date(2019, 3, 21)),
        ("Friday", "America/New_York", date(2019, 3, 22), date(2019, 3, 22)),
        ("last Friday", "America/New_York", date(2019, 3, 15), date(2019, 3, 15)),
        ("21 March", "America/New_York", date(2019, 3, 21), date(2019, 3, 21)),
        ("March 21, 2019", "Asia/Seoul", date(2019, 3, 21), date(2019, 3, 21)),
        ("last week", "America/New_York", date(2019, 3, 11), date(2019, 3, 17)),
    ],
)
def test_resolve_in_zone(expr: str, zone: str, start: date, end: date) -> None:
    r = resolve(expr, FRI, zone, "author")
    assert r is not None and (r.start, r.end) == (start, end)


def test_extract_references() -> None:
    sents, refs = extract(TWEET)
    assert [s.text[:9] for s in sents] == ["It was an", "I have to"]  # "U.S." does not end a sentence
    kinds = {(r.kind, r.text) for r in refs}
    assert ("authority", "the U.S. Treasury") in kinds and ("country", "North Korea") in kinds
    assert ("verb", "withdrawal") in kinds and ("verb", "announced") in kinds
    assert [r.text for r in refs if r.kind == "time"] == ["today", "today"]
    nk = next(r for r in refs if r.kind == "country")
    assert "DPRK3" in nk.value["programs"]
    _, un = extract("The UN Security Council added 3 ships on Thursday, 21 March 2019.")
    assert any(r.kind == "authority" and "UNSC" in r.value["authorities"] for r in un)
    assert any(r.kind == "time" and r.text == "Thursday, 21 March 2019" for r in un)
    assert len(sentences("Mr. Kim met Dr. Lee. They spoke.")) == 2


@pytest.fixture
def facts(ledger: Ledger) -> Ledger:
    if not FACTS.is_file():
        pytest.skip(f"facts file not found at {FACTS}")
    import_facts(ledger, FACTS)
    return ledger


def test_tweet_is_contradicted_with_the_seoul_subtlety(facts: Ledger) -> None:
    r = check_statement(facts, TWEET, "2019-03-22T13:20:00-04:00")
    assert r["verdict"] == "contradicted"
    assert r["candidates"][0]["action_id"] == "us-ofac-2019-03-21-dprk"
    assert {"action_id", "announced_at", "score", "reasons"} <= set(r["candidates"][0])
    text = " ".join(r["findings"])
    assert "No U.S. Treasury action concerning North Korea was announced on Friday 22 March 2019" in text
    assert "which in Asia/Seoul fell on Friday 22 March" in text
    assert "us-ofac-2019-03-22-venezuela-bandes" in text  # Treasury was not idle that Friday
    assert "No withdrawal or revocation" in text


def test_seoul_report_is_supported_and_notes_the_zones(facts: Ledger) -> None:
    r = check_statement(
        facts,
        "The U.S. Treasury Department announced today sanctions on two Chinese shipping "
        "companies for helping North Korea evade sanctions.",
        "2019-03-22T09:00:00+09:00",
        "Asia/Seoul",
    )
    assert r["verdict"] == "supported"
    assert r["claims"][0]["matched_actions"][0] == "us-ofac-2019-03-21-dprk"
    today = next(x for x in r["references"] if x["kind"] == "time")
    assert today["zones_differ"] is True
    assert any("Asia/Seoul" in f and "America/New_York" in f and "today" in f for f in r["findings"])


@pytest.mark.parametrize(
    ("text", "at", "verdict", "first"),
    [
        (
            "Treasury imposed sanctions on North Korea-linked shipping firms on Thursday.",
            "2019-03-22T10:00:00-04:00",
            "supported",
            "us-ofac-2019-03-21-dprk",
        ),
        (
            "OFAC announced sanctions on Venezuela's BANDES today.",
            "2019-03-22T18:00:00-04:00",
            "supported",
            "us-ofac-2019-03-22-venezuela-bandes",
        ),
        ("Treasury announced new sanctions on Thursday.", "2019-03-22T15:00:00-04:00", "ambiguous", None),
        (
            "Treasury lifted the North Korea sanctions announced on 21 March.",
            "2019-03-25T10:00:00-04:00",
            "contradicted",
            "us-ofac-2019-03-21-dprk",
        ),
        (
            "The UN Security Council will impose new sanctions on North Korea next week.",
            "2019-03-22T10:00:00-04:00",
            "unverifiable",
            None,
        ),
        (
            "President Trump likes Chairman Kim and he doesn't think these sanctions will be necessary.",
            "2019-03-22T16:00:00-04:00",
            "unverifiable",
            None,
        ),
    ],
)
def test_other_march_2019_statements(
    facts: Ledger, text: str, at: str, verdict: str, first: str | None
) -> None:
    r = check_statement(facts, text, at)
    assert r["verdict"] == verdict, r["findings"]
    assert r["findings"]
    if first:
        assert r["candidates"][0]["action_id"] == first


def test_bad_input(ledger: Ledger) -> None:
    with pytest.raises(InputError, match="no time zone"):
        check_statement(ledger, TWEET, "2019-03-22T13:20:00")
    with pytest.raises(InputError, match="no time zone"):
        check_statement(ledger, TWEET, "2019-03-22")
    with pytest.raises(InputError, match="nothing to check"):
        check_statement(ledger, "hello, how are you", "2019-03-22T13:20:00Z")
    with pytest.raises(InputError, match="empty"):
        check_statement(ledger, "  ", "2019-03-22T13:20:00Z")
    with pytest.raises(InputError, match="unknown time zone"):
        check_statement(ledger, TWEET, "2019-03-22T13:20:00Z", "Mars/Olympus")


def test_cli_check_statement(facts: Ledger, db_url: str) -> None:
    from click.testing import CliRunner

    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    r = CliRunner().invoke(
        cli, ["--db", db_url, "check-statement", TWEET, "--at", "2019-03-22T13:20:00-04:00", "--json"]
    )
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"references", "candidates", "findings", "verdict"} <= set(out)
    bad = CliRunner().invoke(cli, ["--db", db_url, "check-statement", TWEET, "--at", "2019-03-22T13:20:00"])
    assert bad.exit_code == 2 and "no time zone" in bad.stderr
    assert Path(db_url.removeprefix("sqlite:///")).exists() or db_url.startswith("postgresql")
