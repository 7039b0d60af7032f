"""The alert queue over HTTP (reads open, decisions need an analyst key) and as a web page; the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.monitoring import Monitor
from sanctions_ledger.server.app import create_app
from sanctions_ledger.services.keys import create_key
from sanctions_ledger.services.settings import ApiSettings
from tests.unit.test_monitoring import BASE, CUSTOMERS, load, write


@pytest.fixture
def monitored(ledger: Ledger, tmp_path: Path) -> Ledger:
    load(ledger, 1, BASE)
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    mon.run(actor="t")
    return ledger


@pytest.fixture
def client(monitored: Ledger) -> Iterator[TestClient]:
    app = create_app(ledger=monitored, settings=ApiSettings())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_alert_queue_and_decision_over_http(client: TestClient, monitored: Ledger) -> None:
    r = client.get("/alerts")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 3 and body["status"] == "queue"
    first = body["alerts"][0]
    one = client.get(f"/alerts/{first['id']}").json()
    assert one["match"]["explanation"]["matched_name"] and one["events"][0]["kind"] == "raised"
    assert client.get("/alerts/999999").status_code == 404
    assert client.get("/alerts", params={"status": "bogus"}).status_code == 422
    url = f"/alerts/{first['id']}/decision"
    decision = {"decision": "false_positive", "reason": "different person"}
    assert client.post(url, json=decision).status_code == 401
    reader = create_key(monitored, "reader", "read", "test")[0]
    assert client.post(url, json=decision, headers={"X-API-Key": reader}).status_code == 403
    analyst = create_key(monitored, "ann", "analyst", "test")[0]
    bad = client.post(url, json={"decision": "maybe", "reason": "x"}, headers={"X-API-Key": analyst})
    assert bad.status_code == 422
    ok = client.post(url, json=decision, headers={"Authorization": f"Bearer {analyst}"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["decided_by"] == "api-key:ann"
    assert all(a["id"] != first["id"] for a in client.get("/alerts").json()["alerts"])
    assert monitored.audit_entries(action="alerts.decide")[0]["actor"] == "api-key:ann"
    wl = client.get("/watchlists").json()
    assert wl[0]["name"] == "bank" and wl[0]["records"] == 6
    spec = client.get("/openapi.json").json()
    assert {"/alerts", "/alerts/{alert_id}", "/alerts/{alert_id}/decision", "/watchlists"} <= set(
        spec["paths"]
    )


def test_alert_queue_page(client: TestClient) -> None:
    r = client.get("/ui/alerts")
    assert r.status_code == 200 and "Alert queue" in r.text and "Dalian Haibo" in r.text
    first = client.get("/alerts").json()["alerts"][0]["id"]
    d = client.get("/ui/alerts", params={"alert": first, "status": "all"})
    assert d.status_code == 200 and f"Alert #{first}" in d.text and "History" in d.text
    assert client.get("/ui/alerts", params={"alert": 999999}).status_code == 404
    assert client.get("/ui/alerts", params={"watchlist": "nope"}).status_code == 404


def test_cli_watchlist_monitor_alerts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    register_all()  # idempotent: the hooks wrap once
    db = f"sqlite:///{tmp_path}/cli.db"
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "good"
    wl = write(tmp_path, "wl.csv", "id,name,type\nc1,Kim Jong Example,person\nc2,Aerocaribbean Airlines,\n")
    run = CliRunner().invoke
    r = run(cli, ["--db", db, "watchlist", "add", "bank", str(wl)])
    assert r.exit_code == 0, r.output
    r = run(cli, ["--db", db, "load", str(fixtures), "--observed-at", "2024-01-01"])
    assert r.exit_code == 0 and "monitoring: 1 snapshot(s) screened, 2 new alert(s)" in r.output
    r = run(cli, ["--db", db, "alerts", "list", "--json"])
    alerts = json.loads(r.output)["alerts"]
    assert {a["customer_id"] for a in alerts} == {"c1", "c2"}
    aid = alerts[0]["id"]
    r = run(
        cli, ["--db", db, "alerts", "decide", str(aid), "--decision", "true_match", "--reason", "confirmed"]
    )
    assert r.exit_code == 0, r.output
    r = run(cli, ["--db", db, "alerts", "show", str(aid)])
    assert "decision" in r.output and "confirmed" in r.output
    bad = write(tmp_path, "bad.csv", "id,name\nc1,Kim\nc1,Again\n,x\n")
    r = run(cli, ["--db", db, "watchlist", "update", "bank", str(bad)])
    assert r.exit_code != 0 and "line 3: duplicate id 'c1'" in r.output and "line 4: missing id" in r.output
    r = run(cli, ["--db", db, "monitor", "run", "--json"])
    assert json.loads(r.output)["processed"] == []
    r = run(cli, ["--db", db, "monitor", "full"])
    assert r.exit_code == 0 and "0 raised" in r.output
    r = run(cli, ["--db", db, "watchlist", "list", "--json"])
    assert json.loads(r.output)[0]["open_alerts"] == 2
    monkeypatch.setenv("SANCTIONS_MONITOR_ON_LOAD", "0")
    r = run(cli, ["--db", db, "load", str(fixtures), "--observed-at", "2024-01-02"])
    assert r.exit_code == 0 and "monitoring:" not in r.output
