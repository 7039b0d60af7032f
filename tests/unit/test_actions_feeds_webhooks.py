"""Atom and JSON feeds; webhooks delivered to a real local HTTP receiver, signed, retried, logged."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from sanctions_ledger.actions import feeds
from sanctions_ledger.actions import webhooks as wh
from sanctions_ledger.actions.model import Action, Event, When
from sanctions_ledger.actions.store import record_action
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.parsers import ParsedList

A = "{http://www.w3.org/2005/Atom}"
SECRET = "s3cret-s3cret-s3cret"


def seed(ledger: Ledger) -> None:
    ent = Entity(
        list="ofac-sdn", source_id="1", schema="organization", names=[Name("ACME")], programs=["DPRK3"]
    )
    ledger.record(
        ParsedList("ofac-sdn", "ofac-csv", [ent], [], counts={"records": 1}),
        datetime(2019, 3, 22, tzinfo=UTC),
    )
    now = datetime.now(UTC)
    record_action(
        ledger,
        Action(
            "a-1",
            "US-TREASURY-OFAC",
            "designation",
            "designation",
            "Test action",
            "recorded",
            "America/New_York",
            programs=["DPRK3"],
            sources=[{"url": "https://example.org/x"}],
        ),
        [
            Event(
                "announced",
                When(datetime(2019, 3, 21, 17, 40, tzinfo=UTC), "America/New_York", "minute"),
                now,
                "t",
            )
        ],
    )


def test_atom_feed_structure(ledger: Ledger) -> None:
    seed(ledger)
    root = ET.fromstring(feeds.atom(ledger, self_url="https://example.org/feed.atom"))
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{tag}") is not None, tag
    entries = root.findall(f"{A}entry")
    assert len(entries) == 2
    for e in entries:
        for tag in ("id", "title", "updated", "summary"):
            assert (e.findtext(f"{A}{tag}") or "").strip(), tag
        datetime.fromisoformat(e.findtext(f"{A}updated", "").replace("Z", "+00:00"))
    ids = {e.findtext(f"{A}id") for e in entries}
    assert ids == {"urn:sanctions-ledger:action:a-1", "urn:sanctions-ledger:snapshot:1"}


def test_json_feed(ledger: Ledger) -> None:
    seed(ledger)
    f = feeds.json_feed(ledger)
    assert f["version"] == "https://jsonfeed.org/version/1.1" and f["title"]
    assert all(i["id"] and ("content_text" in i) for i in f["items"])
    snap = next(i for i in f["items"] if "snapshot" in i["id"])
    assert snap["_sanctions_ledger"]["counts"]["entities"] == 1


class Receiver:
    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.fail_first = True
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = wh.verify(
                    SECRET, self.headers[wh.TIMESTAMP_HEADER], body, self.headers[wh.SIGNATURE_HEADER]
                )
                outer.hits.append(
                    {
                        "ok_signature": ok,
                        "body": json.loads(body),
                        "delivery": self.headers[wh.DELIVERY_HEADER],
                    }
                )
                status = 503 if outer.fail_first else (200 if ok else 401)
                outer.fail_first = False
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    th = threading.Thread(target=r.server.serve_forever, daemon=True)
    th.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_webhook_signed_retried_and_logged(ledger: Ledger, receiver: Receiver) -> None:
    hook = wh.register(ledger, receiver.url, SECRET, ["action.recorded", "action.event"])
    with ledger.engine.connect() as c:
        audit = c.execute(select(t.audit_log.c.action).order_by(t.audit_log.c.id.desc())).scalar()
    assert audit == "webhooks.register"
    seed(ledger)  # a snapshot and an action recorded after registration
    sleeps: list[float] = []
    # a generous timeout: the receiver runs in this process, and a busy machine answers slower, never wrong
    r = wh.dispatch(ledger, max_attempts=3, backoff=0.01, sleep=sleeps.append, timeout=300)
    assert r.delivered == 1 and r.failed == 0 and r.attempts == 2
    assert sleeps == [0.01]
    assert [h["ok_signature"] for h in receiver.hits] == [True, True]
    assert receiver.hits[-1]["body"]["type"] == "action.recorded"
    assert receiver.hits[-1]["body"]["data"]["action_id"] == "a-1"
    log = wh.deliveries(ledger)
    assert [(d["attempt"], d["ok"], d["status_code"]) for d in reversed(log)] == [
        (1, False, 503),
        (2, True, 200),
    ]
    assert all(d["webhook_id"] == hook.id for d in log)
    assert wh.dispatch(ledger, sleep=sleeps.append).attempts == 0  # nothing pending any more


def test_webhook_gives_up_after_max_attempts(ledger: Ledger) -> None:
    wh.register(ledger, "http://127.0.0.1:9/unreachable", SECRET)
    seed(ledger)
    r = wh.dispatch(ledger, max_attempts=2, backoff=0, sleep=lambda s: None, timeout=0.5)
    assert r.failed >= 1 and r.delivered == 0
    log = wh.deliveries(ledger)
    assert all(not d["ok"] for d in log) and any(d["final"] for d in log)
    with ledger.engine.connect() as c:
        n = c.execute(select(func.count()).select_from(t.audit_log)).scalar_one()
    assert wh.dispatch(ledger, sleep=lambda s: None).attempts == 0
    assert n >= 2


def test_webhook_registration_is_validated(ledger: Ledger) -> None:
    with pytest.raises(InputError):
        wh.register(ledger, "ftp://x", SECRET)
    with pytest.raises(InputError, match="too short"):
        wh.register(ledger, "http://127.0.0.1/x", "short")
    assert wh.sign("k", "1", b"{}") == wh.sign("k", "1", b"{}") != wh.sign("k", "2", b"{}")
