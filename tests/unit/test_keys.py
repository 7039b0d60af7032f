"""API keys: hashed storage, scopes, revocation, audit; `sanctions keys`; writes over HTTP need the scope."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.ledger.keys_tables import api_keys
from sanctions_ledger.ledger.migrations import applied_versions
from sanctions_ledger.services.keys import create_key, digest, list_keys, revoke_key, verify_key
from tests.unit.test_api import assert_error, filled, make_client

__all__ = ["filled"]


def test_keys_are_stored_hashed_and_audited(ledger: Ledger) -> None:
    secret, key = create_key(ledger, "ops-bot", "analyst", "cli:alice")
    assert secret.startswith("sk_") and len(secret) > 40
    with ledger.engine.connect() as conn:
        rows = list(conn.execute(select(api_keys)))
    assert len(rows) == 1 and rows[0].key_sha256 == digest(secret)
    assert secret not in repr(tuple(rows[0]))
    found = verify_key(ledger, secret)
    assert found is not None and found.name == key.name == "ops-bot" and found.scope == "analyst"
    assert verify_key(ledger, secret + "x") is None and verify_key(ledger, "nonsense") is None
    revoke_key(ledger, "ops-bot", "cli:alice")
    assert verify_key(ledger, secret) is None
    assert list_keys(ledger)[0].revoked_at is not None
    audit = ledger.audit_entries(10, "keys.")
    assert [(a["action"], a["actor"], a["target"]) for a in audit] == [
        ("keys.revoke", "cli:alice", "ops-bot"),
        ("keys.create", "cli:alice", "ops-bot"),
    ]
    assert all(secret not in json.dumps(a) for a in audit)


def test_key_errors(ledger: Ledger) -> None:
    create_key(ledger, "a", "read", "t")
    with pytest.raises(ConflictError):
        create_key(ledger, "a", "admin", "t")
    with pytest.raises(InputError):
        create_key(ledger, "bad name!", "read", "t")
    with pytest.raises(InputError):
        create_key(ledger, "b", "root", "t")
    with pytest.raises(NotFoundError):
        revoke_key(ledger, "nope", "t")
    revoke_key(ledger, "a", "t")
    with pytest.raises(ConflictError):
        revoke_key(ledger, "a", "t")


def test_migration_runner_tolerates_gaps(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        assert {1, 2, 4} <= applied_versions(conn)


def test_cli_keys(db_url: str) -> None:
    register_all()
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", db_url, "keys", "create", "--name", "ci", "--scope", "admin"])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[0]
    assert secret.startswith("sk_")
    r = runner.invoke(cli, ["--db", db_url, "keys", "list", "--json"])
    listed = json.loads(r.stdout)
    assert [(k["name"], k["scope"], k["active"]) for k in listed] == [("ci", "admin", True)]
    assert secret not in r.stdout
    r = runner.invoke(cli, ["--db", db_url, "keys", "revoke", "ci"])
    assert r.exit_code == 0
    r = runner.invoke(cli, ["--db", db_url, "keys", "revoke", "ci"])
    assert r.exit_code != 0 and "already revoked" in r.output
    lg = open_ledger(db_url)
    try:
        assert verify_key(lg, secret) is None
        assert [a["action"] for a in lg.audit_entries(5, "keys.")] == ["keys.revoke", "keys.create"]
    finally:
        lg.close()


# -- over HTTP -----------------------------------------------------------------------------------------


def test_writes_need_a_key_with_the_scope(filled: Ledger) -> None:
    read_key = create_key(filled, "reader", "read", "t")[0]
    analyst = create_key(filled, "analyst-1", "analyst", "t")[0]
    admin = create_key(filled, "boss", "admin", "t")[0]
    body = {
        "authority": "US-TREASURY-OFAC",
        "title": "Test designation",
        "category": "designation",
        "programs": ["DPRK3"],
        "announced_at": "2019-03-21T11:00:00-04:00",
        "targets": [{"name": "DALIAN HAIBO", "type": "entity", "entity_id": "ofac-sdn:26243"}],
    }
    with make_client(filled) as c:
        assert_error(c.post("/actions", json=body), 401, "AuthError")
        assert_error(
            c.post("/actions", json=body, headers={"Authorization": f"Bearer {read_key}"}),
            403,
            "PermissionDeniedError",
        )
        assert_error(c.post("/actions", json=body, headers={"X-API-Key": "sk_wrong"}), 401)
        assert_error(c.post("/actions", json=body, headers={"Authorization": "Basic abc"}), 401)
        r = c.post("/actions", json=body, headers={"X-API-Key": analyst})
        assert r.status_code == 201, r.text
        action_id = r.json()["id"]
        assert c.get(f"/actions/{action_id}").json()["title"] == "Test designation"
        assert [a["id"] for a in c.get("/actions", params={"date": "2019-03-21"}).json()] == [action_id]
        r = c.post(
            f"/actions/{action_id}/events",
            json={
                "kind": "withdrawn",
                "at": "2019-03-22T13:20:00-04:00",
                "reason": "withdrawn by the President",
            },
            headers={"Authorization": f"Bearer {analyst}"},
        )
        assert r.status_code == 201, r.text
        # the audit log names the key; reading it needs admin
        assert_error(c.get("/audit", headers={"X-API-Key": analyst}), 403)
        audit = c.get("/audit", headers={"X-API-Key": admin}, params={"action": "actions."}).json()
        assert {(a["action"], a["actor"]) for a in audit} == {
            ("actions.record", "api-key:analyst-1"),
            ("actions.event", "api-key:analyst-1"),
        }
        # key management over HTTP
        assert_error(
            c.post("/keys", json={"name": "x", "scope": "read"}, headers={"X-API-Key": analyst}), 403
        )
        r = c.post("/keys", json={"name": "new-one", "scope": "read"}, headers={"X-API-Key": admin})
        assert r.status_code == 201 and r.json()["key"].startswith("sk_")
        assert "key" not in c.get("/keys", headers={"X-API-Key": admin}).json()[0]
        assert c.delete("/keys/analyst-1", headers={"X-API-Key": admin}).json()["active"] is False
        assert_error(c.post("/actions", json=body, headers={"X-API-Key": analyst}), 401)
        assert (
            c.get("/audit", headers={"X-API-Key": admin}, params={"action": "keys."}).json()[0]["actor"]
            == "api-key:boss"
        )


def test_reads_open_by_default_or_keyed(filled: Ledger) -> None:
    read_key = create_key(filled, "reader", "read", "t")[0]
    with make_client(filled) as c:
        assert c.get("/snapshots").status_code == 200
        assert c.post("/screen", json={"name": "Kim Jong Un"}).status_code == 200
    with make_client(filled, read_requires_key=True) as c:
        assert_error(c.get("/snapshots"), 401)
        assert_error(c.post("/screen", json={"name": "Kim"}), 401)
        assert c.get("/snapshots", headers={"X-API-Key": read_key}).status_code == 200
        assert c.get("/healthz").status_code == 200  # operations stay open


def test_cors_off_by_default(filled: Ledger) -> None:
    with make_client(filled) as c:
        r = c.get("/snapshots", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    with make_client(filled, cors_origins=("https://ok.example",)) as c:
        r = c.get("/snapshots", headers={"Origin": "https://ok.example"})
        assert r.headers["access-control-allow-origin"] == "https://ok.example"
