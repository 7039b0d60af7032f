"""The action use cases (actions/record.py): one way in for the CLI and the API; delivery is its own step."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Table, func, select

from sanctions_ledger.actions import queries
from sanctions_ledger.actions import webhooks as wh
from sanctions_ledger.actions.model import Target
from sanctions_ledger.actions.record import (
    ActionInput,
    EventInput,
    append_event,
    deliver_notifications,
    record_action,
)
from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.services.keys import create_key
from tests.unit.test_api import filled, make_client  # noqa: F401  (filled is a fixture)

NY = "America/New_York"
SECRET = "s3cret-s3cret-s3cret"
DALIAN = "ofac-sdn:26243"


def count(ledger: Ledger, table: Table) -> int:
    with ledger.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def notifications(ledger: Ledger) -> dict[str, str]:
    n = at.webhook_notifications
    with ledger.engine.connect() as c:
        return {r.key: r.event_type for r in c.execute(select(n.c.key, n.c.event_type))}


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 200 and keeps every body it gets."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def types(self) -> list[str]:
        return [b["type"] for b in self.bodies]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    th = threading.Thread(target=r.server.serve_forever, daemon=True)
    th.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


# -- recording ------------------------------------------------------------------------------------------


def test_record_completes_targets_programs_and_countries(filled: Ledger) -> None:  # noqa: F811
    spec = ActionInput(
        authority="US-TREASURY-OFAC",
        title="Treasury targets shipping",
        programs=["dprk3"],
        countries=["cn"],
        targets=[
            Target(DALIAN, "unknown", DALIAN),
            Target("ACME SHIPPING", "entity"),
            Target("X", "entity", "un:1"),
        ],
        events=[EventInput("announced", "2019-03-21", at_name="--announced-at")],
        note="per press release",
    )
    r = record_action(filled, spec, actor="test:me")
    a = r.action
    assert a.id == "us-treasury-ofac-2019-03-21-treasury-targets-shipping"
    assert (a.origin, a.timezone, a.programs, a.countries) == ("recorded", NY, ["DPRK3"], ["CN", "KP"])
    # an id the ledger holds takes the ledger's name, type and programs; the others stay as given
    assert a.targets == [
        Target(
            "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.", "entity", DALIAN, None, {"programs": ["DPRK3"]}
        ),
        Target("ACME SHIPPING", "entity"),
        Target("X", "entity", "un:1"),
    ]
    [ev] = a.events
    assert (ev.kind, ev.when.zone, ev.when.precision, ev.when.local_text()) == (
        "announced",
        NY,
        "day",
        "2019-03-21",
    )
    assert (ev.note, ev.recorded_by) == ("per press release", "test:me") and ev.id is not None
    # one transaction: the action, its audit entry and its notification
    assert r.queued == f"action:{a.id}" and notifications(filled) == {r.queued: "action.recorded"}
    assert filled.audit_entries(1, "actions.")[0]["actor"] == "test:me"


def test_an_offset_of_the_authoritys_zone_keeps_the_zone_and_no_time_means_drafted_now(
    ledger: Ledger,
) -> None:
    a = record_action(
        ledger,
        ActionInput("UK-HMT-OFSI", events=[EventInput("announced", "2019-03-21T13:40:00+00:00")]),
        actor="t",
    ).action
    assert a.events[0].when.zone == "Europe/London" and a.events[0].when.precision == "minute"
    b = record_action(ledger, ActionInput("UK-HMT-OFSI", title="Draft", note="n"), actor="t").action
    assert [(e.kind, e.when.zone, e.note) for e in b.events] == [("drafted", "UTC", "n")]
    assert b.timezone == "Europe/London" and b.id.startswith("uk-hmt-ofsi-")


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        (
            ActionInput("US-TREASURY-OFAC", targets=[Target("26243", "entity", "26243")]),
            InputError,
            "<list>:<id>",
        ),
        (
            ActionInput("US-TREASURY-OFAC", events=[EventInput("scheduled", "2019-03-21")]),
            InputError,
            "needs effective_at",
        ),
        (ActionInput("US-TREASURY-OFAC", events=[EventInput("observed", "2019-03-21")]), InputError, "infer"),
        (
            ActionInput(
                "US-TREASURY-OFAC", events=[EventInput("announced", "2019-03-21T13:40", at_name="at")]
            ),
            InputError,
            "at '2019-03-21T13:40' has no time zone",
        ),
        (
            ActionInput(
                "US-TREASURY-OFAC",
                events=[EventInput("effective", "2019-03-22"), EventInput("drafted", "2019-03-23")],
            ),
            ConflictError,
            "cannot be drafted",
        ),
    ],
)
def test_refused_records_write_nothing(ledger: Ledger, spec: ActionInput, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        record_action(ledger, spec, actor="t")
    assert count(ledger, at.actions) == 0 and count(ledger, at.webhook_notifications) == 0
    assert count(ledger, t.audit_log) == 0


# -- appending events -----------------------------------------------------------------------------------


def test_append_event_reads_dates_in_the_actions_zone(ledger: Ledger) -> None:
    rec = record_action(
        ledger,
        ActionInput("UK-HMT-OFSI", action_id="uk-1", events=[EventInput("announced", "2019-03-21")]),
        actor="t",
    )
    done = append_event(ledger, "uk-1", EventInput("effective", "2019-03-22"), actor="api-key:x")
    assert (done.event.when.zone, done.event.when.precision, done.event.recorded_by) == (
        "Europe/London",
        "day",
        "api-key:x",
    )
    assert done.event.id is not None and done.queued == f"action-event:{done.event.id}"
    assert notifications(ledger) == {rec.queued: "action.recorded", done.queued: "action.event"}


def test_a_withdrawal_takes_its_note_as_reason_and_refusals_write_nothing(ledger: Ledger) -> None:
    record_action(
        ledger,
        ActionInput(
            "US-TREASURY-OFAC",
            action_id="plan",
            events=[EventInput("scheduled", effective_at="2019-03-25T09:00:00-04:00")],
        ),
        actor="t",
    )
    with pytest.raises(NotFoundError, match="no action 'nope'"):  # before the time is even read
        append_event(ledger, "nope", EventInput("withdrawn", "not a time"), actor="t")
    with pytest.raises(InputError, match="--effective-at"):
        append_event(
            ledger, "plan", EventInput("scheduled", "2019-03-22", effective_name="--effective-at"), actor="t"
        )
    with pytest.raises(InputError, match="infer"):
        append_event(ledger, "plan", EventInput("observed", "2019-03-22"), actor="t")
    events_before = count(ledger, at.action_events)
    w = append_event(
        ledger, "plan", EventInput("withdrawn", "2019-03-22T14:00:00-04:00", note="by order"), actor="t"
    ).event
    assert (w.reason, w.note) == ("by order", "by order")
    assert count(ledger, at.action_events) == events_before + 1
    assert queries.history(ledger, "plan")["status"] == "withdrawn"


# -- delivery -------------------------------------------------------------------------------------------


def test_delivery_is_a_step_that_never_fails_the_write(ledger: Ledger, receiver: Receiver) -> None:
    record_action(ledger, ActionInput("US-TREASURY-OFAC", action_id="a"), actor="t")
    quiet = deliver_notifications(ledger)
    assert not quiet.attempted and quiet.warnings() == []  # no webhook: nothing sent
    wh.register(ledger, receiver.url, SECRET)
    record_action(ledger, ActionInput("US-TREASURY-OFAC", action_id="b"), actor="t")
    d = deliver_notifications(ledger)
    assert (d.attempted, d.delivered, d.failed, d.warnings()) == (True, 1, 0, [])
    assert [b["data"]["action_id"] for b in receiver.bodies] == ["b"]  # registered after "a"
    wh.register(ledger, "http://127.0.0.1:9/unreachable", SECRET)
    record_action(ledger, ActionInput("US-TREASURY-OFAC", action_id="c"), actor="t")
    failing = deliver_notifications(ledger, max_attempts=1)
    assert failing.failed == 1 and failing.delivered == 1
    assert failing.warnings() == ["webhooks: 1 deliveries failed; `sanctions webhooks log` shows why"]
    assert {a.id for a in queries.all_actions(ledger)} == {"a", "b", "c"}


# -- the CLI and the API are two doors to the same use case ---------------------------------------------


def _content(history: dict[str, Any]) -> dict[str, Any]:
    skip = {"id", "recorded_by", "recorded_at"}
    out = {k: v for k, v in history.items() if k not in {"id", "events", "created_by", "created_at"}}
    out["events"] = [{k: v for k, v in e.items() if k not in skip} for e in history["events"]]
    return out


def test_cli_and_api_record_the_same_action(filled: Ledger, db_url: str, receiver: Receiver) -> None:  # noqa: F811
    register_all()
    wh.register(filled, receiver.url, SECRET, ["action.recorded", "action.event"])
    r = CliRunner().invoke(
        cli,
        [
            "--db",
            db_url,
            "actions",
            "record",
            "--authority",
            "US-TREASURY-OFAC",
            "--id",
            "by-cli",
            "--title",
            "Treasury targets shipping",
            "--program",
            "dprk3",
            "--target",
            DALIAN,
            "--target-name",
            "ACME|vessel",
            "--announced-at",
            "2019-03-21",
            "--note",
            "n",
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.stdout == "recorded by-cli (announced)\n"
    assert receiver.types() == ["action.recorded"]  # the CLI delivers at once
    key = create_key(filled, "analyst-1", "analyst", "t")[0]
    body = {
        "id": "by-api",
        "authority": "US-TREASURY-OFAC",
        "title": "Treasury targets shipping",
        "programs": ["dprk3"],
        "targets": [
            {"name": "as the client spelled it", "type": "entity", "entity_id": DALIAN},
            {"name": "ACME", "type": "vessel"},
        ],
        "announced_at": "2019-03-21",
        "note": "n",
    }
    with make_client(filled) as c:
        resp = c.post("/actions", json=body, headers={"X-API-Key": key})
        assert resp.status_code == 201, resp.text
        # the API delivers after its answer, through the same step
        assert receiver.types() == ["action.recorded", "action.recorded"]
        assert receiver.bodies[-1]["data"]["action_id"] == "by-api"
        assert _content(resp.json()) == _content(queries.history(filled, "by-cli"))
        assert resp.json()["countries"] == ["KP"] and resp.json()["targets"][0]["name"].startswith("DALIAN")
        # an event: a date in the action's zone, a withdrawal's note as its reason, the same over both doors
        ev = c.post(
            "/actions/by-api/events",
            json={"kind": "withdrawn", "at": "2019-03-23", "note": "called off"},
            headers={"X-API-Key": key},
        )
        assert ev.status_code == 201, ev.text
        assert (ev.json()["zone"], ev.json()["precision"], ev.json()["at"]) == (NY, "day", "2019-03-23")
        assert ev.json()["reason"] == "called off"
        refused = c.post(
            "/actions/by-api/events",
            json={"kind": "scheduled", "at": "2019-03-24T10:00:00Z"},
            headers={"X-API-Key": key},
        )
        assert refused.status_code == 422 and "effective_at" in refused.json()["error"]["message"]
        assert (
            c.post(
                "/actions/by-api/events",
                json={"kind": "observed", "at": "2019-03-24"},
                headers={"X-API-Key": key},
            ).status_code
            == 422
        )
    r = CliRunner().invoke(
        cli,
        [
            "--db",
            db_url,
            "actions",
            "event",
            "by-cli",
            "withdrawn",
            "--at",
            "2019-03-23",
            "--note",
            "called off",
        ],
    )
    assert r.exit_code == 0, r.output
    assert _content(queries.history(filled, "by-api")) == _content(queries.history(filled, "by-cli"))
    assert receiver.types().count("action.event") == 2
