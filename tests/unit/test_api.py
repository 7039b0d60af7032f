"""The HTTP API over a small synthetic ledger: shapes equal to the CLI's JSON, errors, health, feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Identifier, Name, PartialDate, Provenance
from sanctions_ledger.parsers import ParsedList
from sanctions_ledger.server import ApiSettings, create_app
from sanctions_ledger.services.keys import create_key


def person(
    n: int,
    name: str,
    programs: list[str],
    dob: tuple[int, int, int] | None = None,
    nationality: str | None = None,
    aliases: tuple[str, ...] = (),
) -> Entity:
    return Entity(
        list="ofac-sdn",
        source_id=str(n),
        schema="person",
        names=[Name(name), *(Name(a, kind="alias") for a in aliases)],
        programs=programs,
        birth_dates=[PartialDate.of(*dob)] if dob else [],
        nationalities=[nationality] if nationality else [],
        provenance=Provenance("sdn.csv", line=n),
    )


def org(
    n: int,
    name: str,
    programs: list[str],
    remarks: str | None = None,
    schema: str = "organization",
    imo: str | None = None,
) -> Entity:
    return Entity(
        list="ofac-sdn",
        source_id=str(n),
        schema=schema,
        names=[Name(name)],
        programs=programs,
        remarks=remarks,
        identifiers=[Identifier("imo", imo)] if imo else [],
        provenance=Provenance("sdn.csv", line=n),
    )


KIM = person(20285, "KIM, Jong Un", ["DPRK2"], (1984, 1, 8), "KP", ("KIM Jong-un",))
VESSEL = org(30001, "WAN HENG 11", ["DPRK4"], schema="vessel", imo="8791667")
KOREA_BANK = org(30002, "KOREA DAESONG BANK", ["DPRK"])
DALIAN = org(26243, "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.", ["DPRK3"])
LIAONING = org(26244, "LIAONING DANXING INTERNATIONAL FORWARDING CO., LTD.", ["DPRK3"])
OLD_CO = org(30003, "OLD TRADING <SCRIPT>ALERT(1)</SCRIPT> CO", ["SDGT"])


def pub(*entities: Entity) -> ParsedList:
    return ParsedList(
        list="ofac-sdn",
        format="ofac-csv",
        entities=list(entities),
        files=[],
        counts={"records": len(entities)},
    )


def at(day: int) -> datetime:
    return datetime(2019, 3, day, 16, tzinfo=UTC)


def fill(ledger: Ledger) -> None:
    """Three snapshots: the DPRK3 designations of 21 March 2019 appear on the 22nd; a delisting the 25th."""
    ledger.record(pub(KIM, VESSEL, KOREA_BANK, OLD_CO), at(20))
    changed_bank = org(
        30002, "KOREA DAESONG BANK", ["DPRK"], remarks="a.k.a. DAESONG CREDIT DEVELOPMENT BANK"
    )
    ledger.record(pub(KIM, VESSEL, changed_bank, OLD_CO, DALIAN, LIAONING), at(22))
    ledger.record(pub(KIM, VESSEL, changed_bank, DALIAN, LIAONING), at(25))


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    fill(ledger)
    return ledger


def make_client(ledger: Ledger, **settings: object) -> TestClient:
    app = create_app(ledger=ledger, settings=ApiSettings(**settings))  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(filled: Ledger) -> Iterator[TestClient]:
    with make_client(filled) as c:
        yield c


@pytest.fixture
def admin_key(filled: Ledger) -> str:
    return create_key(filled, "test-admin", "admin", "test")[0]


def assert_error(resp: object, status: int, type_: str | None = None) -> dict[str, object]:
    r = resp  # an httpx.Response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message", "hint"}
    assert body["error"]["message"]
    if type_:
        assert body["error"]["type"] == type_
    return body["error"]  # type: ignore[no-any-return]


# -- shapes equal to the CLI's --json -------------------------------------------------------------------


def test_snapshots_and_stats_match_the_ledger(client: TestClient, filled: Ledger) -> None:
    r = client.get("/snapshots", params={"list": "ofac-sdn"})
    assert r.status_code == 200
    assert r.json() == [s.to_dict() for s in filled.snapshots("ofac-sdn")]
    assert len(r.json()) == 3
    assert client.get("/stats").json() == filled.stats()
    lists = client.get("/lists").json()["lists"]
    assert [x["name"] for x in lists] == ["ofac-sdn"] and lists[0]["timezone"] == "America/New_York"
    assert lists[0]["entities_now"] == 5


def test_diff_matches_the_ledger(client: TestClient, filled: Ledger) -> None:
    r = client.get("/diff/ofac-sdn", params={"from": "2019-03-20", "to": "2019-03-22"})
    assert r.status_code == 200
    body = r.json()
    assert body == filled.diff("ofac-sdn", "2019-03-20", "2019-03-22").to_dict()
    assert body["added"] == ["ofac-sdn:26243", "ofac-sdn:26244"]
    assert [c["entity_id"] for c in body["changed"]] == ["ofac-sdn:30002"]
    ids = [s.id for s in filled.snapshots("ofac-sdn")]
    r = client.get("/diff/ofac-sdn", params={"from": ids[1], "to": ids[2]})
    assert r.json()["removed"] == ["ofac-sdn:30003"]


def test_entity_history_and_asof(client: TestClient, filled: Ledger) -> None:
    r = client.get("/entities/ofac-sdn:26243")
    assert r.status_code == 200
    body = r.json()
    assert body["names"][0]["name"].startswith("DALIAN HAIBO") and body["programs"] == ["DPRK3"]
    assert body["snapshot"]["id"] == filled.snapshots()[-1].id
    assert body["provenance"] == {"file": "sdn.csv", "line": 26243}
    assert_error(client.get("/entities/ofac-sdn:26243", params={"as_of": "2019-03-19"}), 404, "NotFoundError")
    # a date is the end of that day in New York: the 22 March 16:00 UTC snapshot counts for 2019-03-22
    assert client.get("/entities/ofac-sdn:26243", params={"as_of": "2019-03-22"}).status_code == 200
    h = client.get("/entities/ofac-sdn:26243/history").json()
    assert {k: h[k] for k in filled.history("ofac-sdn:26243")} == filled.history("ofac-sdn:26243")
    assert [e["kind"] for e in h["events"]] == ["first seen"] and h["designation"]["date"] is None
    r = client.get("/asof/ofac-sdn", params={"at": "2019-03-22", "program": "DPRK3"})
    assert r.json()["entity_ids"] == ["ofac-sdn:26243", "ofac-sdn:26244"] and r.json()["count"] == 2
    r = client.get("/asof/ofac-sdn", params={"at": "2019-03-21T00:00:00Z"})
    assert r.json()["count"] == 4


# -- errors ---------------------------------------------------------------------------------------------


def test_errors_have_one_shape(client: TestClient) -> None:
    assert_error(client.get("/entities/ofac-sdn:999999"), 404, "NotFoundError")
    # an id without ':' is an FtM id, answered as yente does (404 with `detail` beside our error object)
    r = client.get("/entities/no-colon")
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFoundError" and r.json()["detail"]
    e = assert_error(client.get("/diff/ofac-sdn", params={"from": "yesterday", "to": "2019-03-22"}), 422)
    assert "yesterday" in str(e["message"])
    assert_error(client.get("/diff/ofac-sdn"), 422, "InputError")
    assert_error(client.get("/diff/nope", params={"from": "2019-03-20", "to": "2019-03-22"}), 404)
    assert_error(client.get("/asof/ofac-sdn", params={"at": "2019-03-22", "tz": "Mars/Olympus"}), 422)
    assert_error(client.get("/no/such/thing"), 404)
    assert_error(
        client.post("/screen", content=b"{not json", headers={"content-type": "application/json"}), 422
    )
    assert_error(client.post("/screen", json={"name": "x", "bogus": 1}), 422)
    assert_error(client.delete("/snapshots"), 405)


def test_oversized_json_is_refused_with_413(filled: Ledger) -> None:
    with make_client(filled, max_json_bytes=2000) as c:
        e = assert_error(
            c.post("/screen", json={"name": "A" * 400, "lists": ["x" * 100] * 19}), 413, "PayloadTooLarge"
        )
        assert "2 kB" in str(e["message"])

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"name": "'
            for _ in range(10):
                yield b"B" * 500
            yield b'"}'

        assert_error(c.post("/screen", content=chunks(), headers={"content-type": "application/json"}), 413)


# -- operations -----------------------------------------------------------------------------------------


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok" and r.json()["schema_version"] >= 4
    client.get("/entities/ofac-sdn:26243")
    text = client.get("/metrics").text
    assert 'route="/entities/{entity_id}"' in text
    assert "sanctions_http_request_duration_seconds_bucket" in text


def test_readyz_reports_a_dead_database(filled: Ledger) -> None:
    with make_client(filled) as c:
        filled.engine.dispose()
        from sqlalchemy import create_engine

        c.app.state.services.ledger.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # type: ignore[attr-defined]
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "not ready"


def test_feeds(client: TestClient) -> None:
    feed = client.get("/feeds/json").json()
    assert feed["version"].startswith("https://jsonfeed.org/")
    titles = [i["title"] for i in feed["items"]]
    assert any("-1" in t and "ofac-sdn" in t for t in titles), titles
    r = client.get("/feeds/atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == len(feed["items"])


def test_openapi_documents_every_endpoint_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    expected = {
        "/lists",
        "/snapshots",
        "/stats",
        "/diff/{list_name}",
        "/entities/{entity_id}",
        "/entities/{entity_id}/history",
        "/asof/{list_name}",
        "/screen",
        "/screen/batch",
        "/screen/jobs",
        "/screen/jobs/{job_id}",
        "/screen/jobs/{job_id}/result",
        "/match/{dataset}",
        "/actions",
        "/check-statement",
        "/feeds/atom",
        "/feeds/json",
        "/audit",
        "/healthz",
        "/readyz",
        "/metrics",
    }
    assert expected <= set(spec["paths"])
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = {k: v for k, v in op["responses"].items() if k.startswith("2")}
            assert ok, f"{method} {path} has no success response"
            has_example = any(
                "example" in c or "examples" in c for r in ok.values() for c in r.get("content", {}).values()
            )
            assert has_example, f"{method} {path} has no response example"
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
