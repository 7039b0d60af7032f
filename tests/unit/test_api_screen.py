"""Screening over HTTP: one name (as `sanctions screen --json`), batches, CSV jobs, yente /match."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import Screener, ScreeningQuery
from tests.unit.test_api import assert_error, client, fill, filled, make_client

__all__ = ["client", "filled"]


def test_screen_is_the_cli_object(client: TestClient, filled: Ledger) -> None:
    r = client.post("/screen", json={"name": "Dalian Haibo International Freight", "type": "organization"})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = (
        Screener(MatchIndex(filled.entities_at()))
        .screen(ScreeningQuery.build("Dalian Haibo International Freight", schema="organization"))
        .to_dict()
    )
    assert body == json.loads(json.dumps(expected))
    assert body["matches"][0]["entity_id"] == "ofac-sdn:26243"
    assert set(body["matches"][0]) >= {
        "entity_id",
        "score",
        "name",
        "matched_name",
        "list",
        "schema",
        "programs",
        "explanation",
    }


def test_screen_bad_input_is_422(client: TestClient) -> None:
    assert_error(client.post("/screen", json={"name": "   "}), 422, "InputError")
    assert_error(client.post("/screen", json={"name": "Kim", "country": "Atlantis"}), 422, "InputError")
    assert_error(client.post("/screen", json={"name": "Kim", "limit": 0}), 422)
    assert_error(client.post("/screen", json={}), 422)


def test_batch_bounded(filled: Ledger) -> None:
    with make_client(filled, batch_max_queries=3) as c:
        r = c.post(
            "/screen/batch",
            json={
                "queries": [
                    {"id": "a", "name": "Kim Jong Un", "type": "person", "dob": "1984"},
                    {"name": "Liaoning Danxing International Forwarding"},
                    {"id": "c", "name": "Kim", "dob": "not a date"},
                ]
            },
        )
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert [x["id"] for x in res] == ["a", 2, "c"]
        assert res[0]["matches"][0]["entity_id"] == "ofac-sdn:20285"
        assert res[1]["matches"][0]["entity_id"] == "ofac-sdn:26244"
        assert "error" in res[2] and res[2]["matches"] == []
        e = assert_error(
            c.post("/screen/batch", json={"queries": [{"name": "x"}] * 4}), 413, "PayloadTooLarge"
        )
        assert "/screen/jobs" in str(e["message"])


def _wait(c: TestClient, job_id: str) -> dict[str, object]:
    """Wait for the server's runner thread; the bound only stops a hung test (a loaded machine is slower,
    never wrong)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = c.get(f"/screen/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError("job did not finish")


def test_job_upload_progress_and_result(client: TestClient) -> None:
    rows = [
        "id,name,type,country",
        "c1,Kim Jong Un,person,KP",
        "c2,Acme Bakery,organization,FR",
        "c3,,person,",
        "c4,Dalian Haibo International Freight,,CN",
    ]
    csv_bytes = ("\n".join(rows) + "\n").encode()
    r = client.post("/screen/jobs", files={"file": ("people.csv", csv_bytes, "text/csv")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["rows_total"] == 4 and job["filename"] == "people.csv"
    done = _wait(client, job["id"])
    assert done["status"] == "done" and done["rows_done"] == 4 and done["rows_failed"] == 1
    assert done["progress"] == 100.0
    res = client.get(f"/screen/jobs/{job['id']}/result")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in res.text.splitlines()]
    assert [x["id"] for x in lines] == ["c1", "c2", "c3", "c4"]
    assert lines[0]["matches"][0]["entity_id"] == "ofac-sdn:20285"
    assert lines[1]["matches"] == [] and "error" in lines[2]
    assert lines[3]["matches"][0]["entity_id"] == "ofac-sdn:26243"


def test_job_errors(filled: Ledger) -> None:
    with make_client(filled, max_upload_bytes=1000) as c:
        e = assert_error(
            c.post("/screen/jobs", files={"file": ("x.csv", b"id,who\n1,Kim\n", "text/csv")}), 422
        )
        assert "name" in str(e["message"])
        assert_error(c.post("/screen/jobs", files={"file": ("x.csv", b"", "text/csv")}), 422)
        big = b"name\n" + b"Kim Jong Un\n" * 200
        e = assert_error(c.post("/screen/jobs", files={"file": ("big.csv", big, "text/csv")}), 413)
        assert "1 kB" in str(e["message"])
        assert_error(c.get("/screen/jobs/abc123"), 404)
        assert_error(c.get("/screen/jobs/not-hex!"), 422)


# -- yente-compatible /match ----------------------------------------------------------------------------


@pytest.fixture
def match_client(filled: Ledger) -> Iterator[TestClient]:
    with make_client(filled) as c:
        yield c


def test_match_yente_request_shapes(match_client: TestClient) -> None:
    # a request written from yente's documented examples: a dict of queries, FtM schemata and properties
    body = {
        "queries": {
            "q1": {
                "schema": "Person",
                "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]},
            },
            "q2": {
                "schema": "Company",
                "properties": {"name": ["Dalian Haibo International Freight Co Ltd"], "jurisdiction": ["cn"]},
            },
            "q3": {"schema": "Vessel", "properties": {"name": "Wan Heng 11", "imoNumber": ["8791667"]}},
            "q4": {"schema": "LegalEntity", "properties": {"name": ["Completely Unrelated Gardening Club"]}},
        }
    }
    r = match_client.post("/match/default", json=body, params={"algorithm": "best", "threshold": 0.7})
    assert r.status_code == 200, r.text
    assert r.headers["x-batch-size"] == "4"
    out = r.json()
    assert set(out) >= {"responses", "limit"} and out["limit"] == 5
    assert set(out["responses"]) == {"q1", "q2", "q3", "q4"}
    for key in ("q1", "q2", "q3"):
        resp = out["responses"][key]
        matches = [x for x in resp["results"] if x["match"]]
        assert resp["status"] == 200 and resp["total"] == {"value": len(matches), "relation": "eq"}
        top = resp["results"][0]
        assert set(top) >= {
            "id",
            "caption",
            "schema",
            "properties",
            "score",
            "match",
            "explanations",
            "features",
            "datasets",
            "referents",
            "target",
            "first_seen",
            "last_seen",
            "last_change",
        }
        assert top["match"] is True and 0 <= top["score"] <= 1 and top["datasets"] == ["ofac_sdn"]
        assert all(set(v) >= {"score", "detail"} for v in top["explanations"].values())
        assert top["features"] == {k: v["score"] for k, v in top["explanations"].items()}
        assert not top["first_seen"].endswith("Z") and len(top["first_seen"]) == 19
    q1 = out["responses"]["q1"]["results"][0]
    assert q1["id"] == "ofac-sdn-20285" and q1["schema"] == "Person"
    assert q1["properties"]["birthDate"] == ["1984-01-08"]
    assert q1["features"]["dob"] > 0 and q1["features"]["country"] > 0
    assert out["responses"]["q2"]["results"][0]["id"] == "ofac-sdn-26243"
    assert out["responses"]["q3"]["results"][0]["properties"]["imoNumber"] == ["8791667"]
    assert out["responses"]["q3"]["query"]["properties"]["name"] == ["Wan Heng 11"]
    # below the cutoff (the threshold by default) nothing is returned
    assert out["responses"]["q4"]["results"] == [] and out["responses"]["q4"]["total"]["value"] == 0


def test_match_datasets_and_bad_queries(match_client: TestClient) -> None:
    q = {"queries": {"a": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}}
    assert match_client.post("/match/ofac-sdn", json=q).status_code == 200
    assert match_client.post("/match/ofac_sdn", json=q).status_code == 200
    assert match_client.post("/match/us_ofac_sdn", json=q).status_code == 200
    r = match_client.post("/match/eu_fsf", json=q)
    assert r.status_code == 404 and r.json()["detail"] == "No such dataset."
    assert r.json()["error"]["type"] == "NotFoundError"
    # a query that cannot be screened refuses the whole request (yente's 400), never "no hits"
    for bad in (
        {"a": {"schema": "Banana", "properties": {"name": ["x"]}}},
        {"b": {"schema": "Person", "properties": {}}},
        {"c": {"schema": "Address", "properties": {"full": ["x"]}}},
    ):
        r = match_client.post("/match/default", json={"queries": bad})
        assert r.status_code == 400 and r.json()["detail"].startswith("Cannot parse example entity")
    assert match_client.post("/match/default", json={"queries": {}}).status_code == 400
    assert match_client.post("/match/default", params={"algorithm": "logic-v9"}, json=q).status_code == 400
    assert match_client.post("/match/default", json={**q, "config": {"nm_x": 1}}).status_code == 400
    assert_error(match_client.post("/match/default", json={"queries": {"a": {"properties": {}}}}), 422)
    r = match_client.post(
        "/match/default",
        params={"limit": 1, "cutoff": 0.0},
        json={
            "queries": {
                "a": {"schema": "Person", "properties": {"firstName": ["Jong Un"], "lastName": ["Kim"]}}
            }
        },
    )
    assert len(r.json()["responses"]["a"]["results"]) == 1


def test_screening_index_follows_the_ledger(ledger: Ledger) -> None:
    with make_client(ledger) as c:
        c.app.state.services.screening.check_interval = 0  # type: ignore[attr-defined]
        assert c.post("/screen", json={"name": "Kim Jong Un"}).json()["matches"] == []
        fill(ledger)
        assert c.post("/screen", json={"name": "Kim Jong Un"}).json()["matches"]


def test_screen_as_of_an_instant(client: TestClient) -> None:
    """Dalian Haibo reached the list's snapshot of 22 March 2019: screened as of the 21st it is not there."""
    q = {"name": "Dalian Haibo International Freight", "type": "organization"}
    before = client.post("/screen", json={**q, "as_of": "2019-03-21"})
    after = client.post("/screen", json={**q, "as_of": "2019-03-23T12:00:00Z"})
    latest = client.post("/screen", json=q)
    assert before.status_code == after.status_code == 200, before.text
    assert before.json()["matches"] == [] and before.json()["query"]["as_of"] == "2019-03-21"
    assert [m["entity_id"] for m in after.json()["matches"]][:1] == ["ofac-sdn:26243"]
    assert after.json()["matches"] == latest.json()["matches"]
    batch = client.post(
        "/screen/batch", json={"queries": [{**q, "id": "a", "as_of": "2019-03-21"}, {**q, "id": "b"}]}
    ).json()["results"]
    assert batch[0]["matches"] == [] and batch[1]["matches"]
    assert_error(client.post("/screen", json={**q, "as_of": "the day before"}), 422, "InputError")


def test_screen_is_one_path_for_every_request(filled: Ledger) -> None:
    """POST /screen reads its own body and checks access itself: invalid bodies get the one error shape,
    keys are checked as on every read, and the OpenAPI document describes its body."""
    from sanctions_ledger.services.keys import create_key

    with make_client(filled, read_requires_key=True) as c:
        assert_error(c.post("/screen", json={"name": "Kim"}), 401, "AuthError")
        assert_error(c.post("/screen", json={"name": "Kim"}, headers={"X-API-Key": "sk_nope"}), 401)
        secret = create_key(filled, "reader", "read", "test")[0]
        for headers in (
            {"X-API-Key": secret},
            {"Authorization": f"Bearer {secret}"},
            {"Authorization": f"ApiKey {secret}"},
        ):
            r = c.post("/screen", json={"name": "Kim Jong Un"}, headers=headers)
            assert r.status_code == 200 and r.json()["matches"], (headers, r.text)
        ok = {"X-API-Key": secret}
        r = c.post("/screen", content=b'{"name": "Kim"', headers={**ok, "content-type": "application/json"})
        assert_error(r, 422, "InputError")
        r = c.post("/screen", json={"name": "Kim", "colour": "red"}, headers=ok)
        assert_error(r, 422, "InputError")
        assert "colour" in r.json()["error"]["message"] and "body" not in r.json()["error"]["message"]
        body = c.get("/openapi.json", headers=ok).json()["paths"]["/screen"]["post"]["requestBody"]
        assert "as_of" in body["content"]["application/json"]["schema"]["properties"]


def add_linked_party(ledger: Ledger) -> None:
    """Ri Won Ho on three lists: the UN's record (KPi.033), the UK's quoting that UN reference number and
    OFAC's sharing the UK record's passport number (one party, transitively); and an OFAC namesake that
    nothing links to them."""
    from datetime import UTC, datetime

    from sanctions_ledger.model import Entity, Identifier, Name
    from sanctions_ledger.parsers import ParsedList

    def publish(list_name: str, *entities: Entity) -> None:
        parsed = ParsedList(
            list=list_name,
            format="test",
            entities=list(entities),
            files=[],
            counts={"records": len(entities)},
        )
        ledger.record(parsed, datetime(2019, 3, 26, 12, tzinfo=UTC))

    publish("un", Entity("un", "KPi.033", "person", [Name("RI WON HO")], programs=["DPRK"]))
    passport = [Identifier("passport", "381310014")]
    publish(
        "uk-hmt",
        Entity(
            "uk-hmt",
            "13422",
            "person",
            [Name("RI, Won Ho")],
            remarks="UN Ref KPi.033. DPRK Ministry of State Security Official.",
            identifiers=passport,
        ),
    )
    publish(
        "ofac-sdn",
        Entity("ofac-sdn", "40001", "person", [Name("RI, Won Ho")], programs=["DPRK3"], identifiers=passport),
        Entity("ofac-sdn", "40002", "person", [Name("RI, Won Ho")], programs=["DPRK2"]),
    )


def test_screen_grouped_one_party_one_result(ledger: Ledger) -> None:
    add_linked_party(ledger)
    with make_client(ledger) as c:
        q = {"name": "Ri Won Ho", "type": "person"}
        plain = c.post("/screen", json=q).json()
        r = c.post("/screen", json={**q, "group": True})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"query", "parties"} and body["query"]["name"] == "Ri Won Ho"
        parties = {frozenset(p["entity_ids"]): p for p in body["parties"]}
        linked = frozenset({"un:KPi.033", "uk-hmt:13422", "ofac-sdn:40001"})
        assert set(parties) == {linked, frozenset({"ofac-sdn:40002"})}
        assert parties[linked]["lists"] == ["ofac-sdn", "uk-hmt", "un"]
        assert set(parties[linked]["links"]) == {
            "same UN reference number KPi.033",
            "same passport number 381310014",
        }
        assert parties[frozenset({"ofac-sdn:40002"})]["links"] == []
        # every record is the match the ungrouped answer gives, nothing lost or added
        records = sorted((r for p in body["parties"] for r in p["records"]), key=lambda m: m["entity_id"])
        assert records == sorted(plain["matches"], key=lambda m: m["entity_id"])
        # as of an instant (another code path), and in a batch: per query or for every query
        dated = c.post("/screen", json={**q, "group": True, "as_of": "2019-03-27"}).json()
        assert dated["parties"] == body["parties"] and dated["query"]["as_of"] == "2019-03-27"
        res = c.post(
            "/screen/batch",
            json={"queries": [{**q, "id": "a", "group": True}, {**q, "id": "b"}, {"id": "c", "name": " "}]},
        ).json()["results"]
        assert res[0]["parties"] == body["parties"] and "matches" not in res[0]
        assert "parties" not in res[1] and len(res[1]["matches"]) == 4
        assert res[2]["matches"] == [] and res[2]["error"]
        res = c.post("/screen/batch", json={"group": True, "queries": [q, {"name": " "}]}).json()["results"]
        assert res[0]["parties"] == body["parties"] and res[1]["parties"] == [] and res[1]["error"]
        assert_error(c.post("/screen", json={**q, "group": "sometimes"}), 422)
        doc = c.get("/openapi.json").json()["paths"]
        schema = doc["/screen"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["properties"]["group"]["type"] == "boolean"
        assert (
            "parties" in doc["/screen"]["post"]["responses"]["200"]["content"]["application/json"]["examples"]
        )


def test_every_match_says_what_its_score_means(client: TestClient) -> None:
    from sanctions_ledger.screening.meaning import band_of

    matches = client.post("/screen", json={"name": "Kim Jong Un", "threshold": 0.3}).json()["matches"]
    assert matches
    for m in matches:
        meaning = m["explanation"]["score_meaning"]
        assert meaning["text"] in m["explanation"]["notes"]
        band = band_of(m["score"])
        if band is None:
            assert meaning["band"] is None and "not measured" in meaning["text"]
            continue
        assert meaning["band"] == [band.low, band.high] and (meaning["true"], meaning["alerts"]) == (
            band.true,
            band.alerts,
        )
        assert meaning["text"].startswith("On validation data, ")
        assert f"scoring {band.label} were the party sought ({band.true} of {band.alerts}" in meaning["text"]
        assert meaning["best"] == (m["score"] >= matches[0]["score"])
