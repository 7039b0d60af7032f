"""Reviewing alerts (issue 10, item 3): one definition of an open alert, the earlier decision beside a
re-raised alert, a new watchlist screened at once, and the decision form of the web pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.monitoring import Monitor, decide, get_alert, list_alerts
from sanctions_ledger.server import ApiSettings, create_app
from sanctions_ledger.services.keys import create_key
from tests.unit.test_monitoring import BASE, CUSTOMERS, load, write


def alert_of(ledger: Ledger, customer: str, status: str = "open") -> dict[str, Any]:
    res = list_alerts(ledger, status=status, customer_id=customer)
    assert res["alerts"], (customer, status)
    first: dict[str, Any] = res["alerts"][0]
    return first


@pytest.fixture
def monitored(ledger: Ledger, tmp_path: Path) -> Ledger:
    load(ledger, 1, BASE)
    Monitor(ledger).add_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), actor="t")
    return ledger


def test_a_cleared_alert_is_not_counted_open_anywhere(monitored: Ledger) -> None:
    mon = Monitor(monitored)
    before = mon.watchlists()[0]
    assert before["open_alerts"] == list_alerts(monitored, status="open")["total"] >= 3
    cleared = alert_of(monitored, "c6")
    decide(monitored, int(cleared["id"]), "false_positive", "different person", "analyst:ann")
    matched = alert_of(monitored, "c1")
    decide(monitored, int(matched["id"]), "true_match", "same company", "analyst:ann")
    after = mon.watchlists()[0]
    listed_open = list_alerts(monitored, status="open")
    assert after["open_alerts"] == before["open_alerts"] - 1 == listed_open["total"]
    assert all(a["id"] != cleared["id"] for a in listed_open["alerts"])
    assert any(a["id"] == matched["id"] for a in listed_open["alerts"])  # a true match stays open
    assert (
        after["queue_alerts"] == list_alerts(monitored, status="queue")["total"] == before["open_alerts"] - 2
    )


def test_a_re_raised_alert_shows_the_earlier_decision_and_what_changed(
    monitored: Ledger, tmp_path: Path
) -> None:
    mon = Monitor(monitored)
    first = alert_of(monitored, "c6")  # Pak Chol Su
    decide(monitored, int(first["id"]), "false_positive", "born 1988, the listed one 1961", "analyst:ann")
    assert get_alert(monitored, int(first["id"]))["earlier"] == []
    load(monitored, 2, {**BASE, "5": ("Pak Chŏl Su", "person")})  # an accent added to the listed name
    mon.run(actor="t")
    second = alert_of(monitored, "c6")
    assert second["id"] != first["id"] and second["decision"] is None
    shown = get_alert(monitored, int(second["id"]))
    [earlier] = shown["earlier"]
    assert earlier["alert_id"] == first["id"] and earlier["decision"] == "false_positive"
    assert earlier["reason"] == "born 1988, the listed one 1961" and earlier["decided_by"] == "analyst:ann"
    [change] = earlier["changes"]
    assert change["of"] == "entity" and change["field"] == "names"
    assert (change["before"], change["after"]) == ("Pak Chol Su", "Pak Chŏl Su")
    from click.testing import CliRunner

    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    out = CliRunner().invoke(cli, ["--db", str(monitored.engine.url), "alerts", "show", str(second["id"])])
    assert out.exit_code == 0, out.output
    assert f"decided before on alert #{first['id']}: false_positive by analyst:ann" in out.output
    assert "entity names:" in out.output and "Pak Chŏl Su" in out.output
    decide(monitored, int(second["id"]), "escalate", "accented spelling: check the DOB", "analyst:bob")
    v2 = CUSTOMERS.replace("c6,Pak Chol Su,person,,,", "c6,Pak Chol Su,person,1988,,")
    mon.load_watchlist("bank", write(tmp_path, "b.csv", v2), create=False, actor="t")
    third = get_alert(monitored, int(alert_of(monitored, "c6")["id"]))
    latest, oldest = third["earlier"]
    assert latest["decision"] == "escalate" and latest["alert_id"] == second["id"]
    assert {"of": "customer", "field": "dob", "before": "", "after": "1988"} in [
        {k: c[k] for k in ("of", "field", "before", "after")} for c in latest["changes"]
    ]
    assert oldest["alert_id"] == first["id"]  # customer and entity both changed since the first


def test_adding_a_watchlist_screens_it_against_the_current_snapshots_at_once(
    ledger: Ledger, tmp_path: Path
) -> None:
    load(ledger, 1, BASE)  # loaded before any watchlist: monitoring has processed nothing
    mon = Monitor(ledger)
    s = mon.add_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), actor="t")
    assert s["caught_up"]["mode"] == "full" and s["caught_up"]["alerts"]["raised"] >= 3
    assert {a["customer_id"] for a in list_alerts(ledger)["alerts"]} >= {"c1", "c3", "c6"}
    # a snapshot loaded since monitoring last ran (not processed yet): the next watchlist sees it too
    load(ledger, 2, {**BASE, "7": ("Olga Petrova", "person")})
    s = Monitor(ledger).add_watchlist("branch", write(tmp_path, "b.csv", CUSTOMERS), actor="t")
    assert s["caught_up"]["mode"] == "delta"
    branch = list_alerts(ledger, watchlist="branch")["alerts"]
    assert "c5" in {a["customer_id"] for a in branch}  # Olga Petrova, listed in snapshot 2 only
    assert Monitor(ledger).status()["pending_snapshots"] == []


def test_the_cli_and_the_api_add_a_watchlist_through_the_same_use_case(
    ledger: Ledger, tmp_path: Path
) -> None:
    load(ledger, 1, BASE)
    analyst = create_key(ledger, "ann", "analyst", "test")[0]
    reader = create_key(ledger, "rita", "read", "test")[0]
    with TestClient(create_app(ledger=ledger, settings=ApiSettings()), raise_server_exceptions=False) as c:
        upload = {"file": ("customers.csv", CUSTOMERS.encode(), "text/csv")}
        assert c.post("/watchlists", data={"name": "bank"}, files=upload).status_code == 401
        r = c.post("/watchlists", data={"name": "bank"}, files=upload, headers={"X-API-Key": reader})
        assert r.status_code == 403
        r = c.post("/watchlists", data={"name": "bank"}, files=upload, headers={"X-API-Key": analyst})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["file"] == "customers.csv" and body["caught_up"]["alerts"]["raised"] >= 3
        assert c.get("/alerts").json()["total"] >= 3
        bad = {"file": ("bad.csv", b"id,name\nc1,\n", "text/csv")}
        r = c.post("/watchlists", data={"name": "b2"}, files=bad, headers={"X-API-Key": analyst})
        assert r.status_code == 422 and "bad.csv, line 2" in r.json()["error"]["message"]
        assert "sanctions-watchlist-" not in r.text and "/tmp" not in r.text
    from click.testing import CliRunner

    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    out = CliRunner().invoke(
        cli,
        [
            "--db",
            str(ledger.engine.url),
            "watchlist",
            "add",
            "branch",
            str(write(tmp_path, "b.csv", CUSTOMERS)),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "3 raised" in out.output
    assert list_alerts(ledger, watchlist="branch")["total"] >= 3


@pytest.fixture
def web(monitored: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=monitored, settings=ApiSettings()), raise_server_exceptions=False) as c:
        yield c


def csrf(client: TestClient, page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert m
    return m.group(1)


def sign_in(client: TestClient, key: str) -> None:
    r = client.post("/ui/login", data={"key": key, "csrf": csrf(client, "/ui/login")}, follow_redirects=False)
    assert r.status_code == 303


def test_the_decision_form_needs_an_analyst_and_its_token_and_is_audited(
    web: TestClient, monitored: Ledger
) -> None:
    alert_id = int(alert_of(monitored, "c6")["id"])
    page = f"/ui/alerts?alert={alert_id}"
    url = f"/ui/alerts/{alert_id}/decision"
    form = {"decision": "false_positive", "reason": "born 1988"}
    assert 'id="decide"' not in web.get(page).text
    assert web.post(url, data={**form, "csrf": csrf(web, "/ui/login")}).status_code == 401
    sign_in(web, create_key(monitored, "rita", "read", "test")[0])
    assert 'id="decide"' not in web.get(page).text and "analyst" in web.get(page).text
    assert web.post(url, data={**form, "csrf": csrf(web, page)}).status_code == 403
    web.post("/ui/logout", data={"csrf": csrf(web, page)})
    sign_in(web, create_key(monitored, "ann", "analyst", "test")[0])
    assert 'id="decide"' in web.get(page).text
    assert web.post(url, data=form).status_code == 403  # no token
    r = web.post(url, data={**form, "csrf": csrf(web, page)}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = web.post(url, data={"decision": "false_positive", "reason": " ", "csrf": csrf(web, page)})
    assert r.status_code == 422 and "needs a reason" in r.text
    r = web.post(url, data={**form, "csrf": csrf(web, page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"alerts?alert={alert_id}&status=queue")
    decided = get_alert(monitored, alert_id)
    assert decided["decision"] == "false_positive" and decided["decided_by"] == "api-key:ann"
    entry = monitored.audit_entries(action="alerts.decide")[0]
    assert entry["actor"] == "api-key:ann" and entry["detail"]["reason"] == "born 1988"
