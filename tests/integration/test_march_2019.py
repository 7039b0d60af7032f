"""March 2019 end to end: real OFAC SDN snapshots (2019-01-04 and 2021-06-29), the facts file, inferred
observed changes linked to the imported actions, and the statements checked through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_ledger.actions.facts import import_facts
from sanctions_ledger.actions.infer import infer
from sanctions_ledger.actions.store import get_action
from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ledger import Ledger, open_ledger
from tests.conftest import SHARED

pytestmark = pytest.mark.integration

FACTS = SHARED / "facts" / "dprk-actions-2017-2019.json"
TWEET = (
    "It was announced today by the U.S. Treasury that additional large scale Sanctions would be added to "
    "those already existing Sanctions on North Korea. I have today ordered the withdrawal of those "
    "additional Sanctions!"
)


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, str]:
    if not FACTS.is_file():
        pytest.skip("facts file missing")
    url = f"sqlite:///{tmp_path_factory.mktemp('m2019') / 'ledger.db'}"
    ledger = open_ledger(url)
    try:
        ledger.load_paths([shared_data / "ofac-sdn" / "2019-01-04"], "2019-01-04")
        ledger.load_paths([shared_data / "ofac-sdn" / "2021-06-29"], "2021-06-29")
    except (SanctionsError, ImportError, NotImplementedError) as exc:
        pytest.skip(f"OFAC parser not usable yet: {exc}")
    import_facts(ledger, FACTS)
    infer(ledger, "ofac-sdn")
    return ledger, url


def test_inferred_additions_link_to_the_21_march_designations(loaded: tuple[Ledger, str]) -> None:
    ledger, _ = loaded
    added = get_action(ledger, "observed:ofac-sdn:1-2:designation")
    ids = {t.entity_id for t in added.targets}
    assert {"ofac-sdn:26243", "ofac-sdn:26244"} <= ids
    assert added.events[0].kind == "observed" and added.events[0].when.at.date().isoformat() == "2021-06-29"
    names = {t.entity_id: t.name for t in added.targets}
    assert "DALIAN HAIBO" in names["ofac-sdn:26243"]
    link = next(x for x in added.links if x["action_id"] == "us-ofac-2019-03-21-dprk")
    assert link["matched"] == ["ofac-sdn:26243", "ofac-sdn:26244"] and link["missing"] == []
    assert link["timing"] == "in-window"
    # the designations before the first snapshot are already in it: not linked as additions
    assert not any(x["action_id"] == "us-ofac-2017-01-11-dprk-human-rights" for x in added.links)
    linked = {x["action_id"] for x in added.links}
    assert {"us-ofac-2019-09-13-dprk-cyber", "us-ofac-2019-03-22-venezuela-bandes"} <= linked
    removed = get_action(ledger, "observed:ofac-sdn:1-2:delisting")
    assert len(removed.targets) > 0 and not (
        {"ofac-sdn:26243", "ofac-sdn:26244"} & {t.entity_id for t in removed.targets}
    )
    assert get_action(ledger, "us-ofac-2019-03-21-dprk").links[0]["role"] == "observed_in"


def test_tweet_via_cli_with_the_record(loaded: tuple[Ledger, str]) -> None:
    _, url = loaded
    register_all()
    r = CliRunner().invoke(
        cli, ["--db", url, "check-statement", TWEET, "--at", "2019-03-22T13:20:00-04:00", "--json"]
    )
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["verdict"] == "contradicted"
    assert out["candidates"][0]["action_id"] == "us-ofac-2019-03-21-dprk"
    findings = " ".join(out["findings"])
    assert "which in Asia/Seoul fell on Friday 22 March" in findings
    assert "ofac-sdn:26243, ofac-sdn:26244 are still listed" in findings


def test_list_contract_and_entity_actions(loaded: tuple[Ledger, str]) -> None:
    _, url = loaded
    register_all()
    r = CliRunner().invoke(
        cli,
        [
            "--db",
            url,
            "actions",
            "list",
            "--announced-on",
            "2019-03-21",
            "--tz",
            "America/New_York",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.stderr
    ids = [a["id"] for a in json.loads(r.stdout)]
    assert set(ids) == {
        "us-ofac-2019-03-21-dprk",
        "us-ofac-2019-03-21-advisory-shipping",
        "us-ofac-2019-03-21-drc",
    }
    r = CliRunner().invoke(cli, ["--db", url, "actions", "list", "--entity", "ofac-sdn:26243", "--json"])
    assert {a["id"] for a in json.loads(r.stdout)} == {
        "us-ofac-2019-03-21-dprk",
        "observed:ofac-sdn:1-2:designation",
    }
