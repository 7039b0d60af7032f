"""yente's API semantics over HTTP: cutoff and threshold, `total`, filters, refusals, search, entities with
their adjacent entities, catalog, algorithms, the ApiKey scheme; our own routes beside them unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Address, Entity, Name, Provenance
from sanctions_ledger.services.keys import create_key
from tests.unit.test_api import at, fill, make_client, pub

KIM = "ofac-sdn-20285"
DALIAN = "ofac-sdn-26243"


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    fill(ledger)
    return ledger


@pytest.fixture
def client(filled: Ledger) -> Iterator[TestClient]:
    with make_client(filled) as c:
        yield c


def match(c: TestClient, props: dict[str, Any], schema: str = "Person", **params: Any) -> Any:
    r = c.post(
        "/match/default", params=params, json={"queries": {"q": {"schema": schema, "properties": props}}}
    )
    assert r.status_code == 200, r.text
    return r.json()["responses"]["q"]


def test_threshold_cutoff_and_total(client: TestClient) -> None:
    strict = match(client, {"name": ["Kim Jong"]})
    loose = match(client, {"name": ["Kim Jong"]}, threshold=0.99, cutoff=0.0)
    assert loose["results"] and all(not r["match"] for r in loose["results"])
    assert loose["total"]["value"] == 0  # total counts matches, not results
    assert all(r["score"] > 0.7 for r in strict["results"])
    assert strict["total"]["value"] == sum(r["match"] for r in strict["results"])
    # the cutoff is never above the threshold
    capped = match(client, {"name": ["Kim Jong Un"]}, threshold=0.5, cutoff=0.99)
    assert capped["results"][0]["id"] == KIM
    one = match(client, {"name": ["Korea"]}, schema="LegalEntity", cutoff=0.0, limit=1)
    assert len(one["results"]) == 1


def test_query_echo_is_cleaned(client: TestClient) -> None:
    q = match(client, {"name": "Kim Jong Un", "birthDate": [1984], "nationality": ["North Korea"]})["query"]
    assert q == {
        "id": None,
        "schema": "Person",
        "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984"], "nationality": ["kp"]},
    }


def test_features_carry_date_of_birth_and_country(client: TestClient) -> None:
    good = match(client, {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]})
    top = good["results"][0]
    assert top["features"]["dob"] > 0 and top["features"]["country"] > 0
    assert top["explanations"]["dob"]["detail"].startswith("date of birth 1984-01-08 agrees")
    bad = match(client, {"name": ["Kim Jong Un"], "birthDate": ["1950"], "nationality": ["fr"]}, cutoff=0.0)
    worse = next(r for r in bad["results"] if r["id"] == KIM)
    assert worse["features"]["dob"] < 0 and worse["features"]["country"] < 0 and worse["score"] < top["score"]


def test_filters(client: TestClient) -> None:
    kim = {"name": ["Kim Jong Un"]}
    assert [r["id"] for r in match(client, kim)["results"]][:1] == [KIM]
    assert KIM not in [r["id"] for r in match(client, kim, exclude_entity_ids=[KIM])["results"]]
    assert KIM not in [r["id"] for r in match(client, kim, exclude_entity_ids=["ofac-sdn:20285"])["results"]]
    assert match(client, kim, exclude_schema=["Person"])["results"] == []
    assert match(client, kim, exclude_dataset=["ofac_sdn"])["results"] == []
    assert match(client, kim, include_dataset=["ofac_sdn"])["results"]
    assert match(client, kim, include_dataset=["eu_fsf"])["results"] == []
    assert (
        match(client, kim, topics=["sanction"])["results"]
        and not match(client, kim, topics=["role.pep"])["results"]
    )
    # KIM's only version is from 20 March; DALIAN appeared on the 22nd
    assert match(client, kim, changed_since="2019-03-21")["results"] == []
    dalian = {"name": ["Dalian Haibo International Freight"]}
    assert match(client, dalian, schema="Company", changed_since="2019-03-21")["results"][0]["id"] == DALIAN
    assert client.post("/match/default?changed_since=yesterday", json={"queries": {}}).status_code == 422
    # a Person query does not return companies (FtM's matchable schemata)
    assert all(
        r["schema"] == "Person" for r in match(client, {"name": ["Dalian Haibo"]}, cutoff=0.0)["results"]
    )


def test_identifier_alone_is_screened_and_nothing_at_all_is_refused(client: TestClient) -> None:
    vessel = match(client, {"imoNumber": ["IMO 8791667"]}, schema="Vessel")
    assert vessel["results"][0]["id"] == "ofac-sdn-30001" and vessel["results"][0]["match"]
    assert vessel["results"][0]["explanations"]["identifier"]["score"] == 1.0
    r = client.post(
        "/match/default", json={"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["1984"]}}}}
    )
    assert r.status_code == 400 and "needs a name" in r.json()["detail"]


def test_search(client: TestClient) -> None:
    r = client.get("/search/default", params={"q": "Dalian Haibo"})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][0]["id"] == DALIAN and body["limit"] == 10 and body["offset"] == 0
    assert set(body["facets"]) == {"countries", "topics", "datasets"}
    assert body["facets"]["datasets"]["values"][0]["name"] == "ofac_sdn"
    everything = client.get("/search/ofac_sdn", params={"limit": 2, "offset": 1}).json()
    assert everything["total"]["value"] == 5 and len(everything["results"]) == 2
    people = client.get("/search/default", params={"schema": "Person"}).json()
    assert [x["id"] for x in people["results"]] == [KIM]
    assert client.get("/search/default", params={"countries": ["kp"]}).json()["total"]["value"] == 1
    assert client.get("/search/default", params={"schema": "Banana"}).status_code == 400
    assert client.get("/search/nope").status_code == 404


def test_entities_nested_and_ours_beside(client: TestClient) -> None:
    r = client.get(f"/entities/{DALIAN}")
    assert r.status_code == 200
    e = r.json()
    assert e["id"] == DALIAN and e["caption"] == "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD."
    (sanction,) = e["properties"]["sanctions"]
    assert sanction["schema"] == "Sanction" and sanction["properties"]["program"] == ["DPRK3"]
    assert "entity" not in sanction["properties"]  # the reference back is left out, as yente nests
    flat = client.get(f"/entities/{DALIAN}", params={"nested": "false"}).json()
    assert "sanctions" not in flat["properties"] and flat["first_seen"] == "2019-03-22T16:00:00"
    derived = client.get(f"/entities/{DALIAN}-sanction").json()
    assert derived["schema"] == "Sanction" and derived["properties"]["entity"] == [DALIAN]
    assert client.get("/entities/ofac-sdn-1").status_code == 404
    adj = client.get(f"/entities/{DALIAN}/adjacent").json()
    assert adj["entity"]["id"] == DALIAN and "sanctions" not in adj["entity"]["properties"]
    assert adj["adjacent"]["sanctions"]["total"]["value"] == 1
    one = client.get(f"/entities/{DALIAN}/adjacent/sanctions", params={"limit": 1}).json()
    assert one["results"][0]["schema"] == "Sanction" and one["limit"] == 1
    assert client.get(f"/entities/{DALIAN}/adjacent/name").status_code == 404
    # our own entity route still answers our ids
    ours = client.get("/entities/ofac-sdn:26243").json()
    assert ours["id"] == "ofac-sdn:26243" and ours["source_id"] == "26243"


def test_links_and_addresses_are_nested(ledger: Ledger) -> None:
    a = Entity(
        list="ofac-sdn",
        source_id="1",
        schema="person",
        names=[Name("ALPHA, Person")],
        addresses=[Address(city="Dubai", country="AE", country_name="United Arab Emirates")],
        properties={"linked_to": ["BETA TRADING LLC"]},
        provenance=Provenance("sdn.csv", line=1),
    )
    b = Entity(
        list="ofac-sdn",
        source_id="2",
        schema="organization",
        names=[Name("BETA TRADING LLC")],
        programs=["X"],
    )
    ledger.record(pub(a, b), at(20))
    with make_client(ledger) as c:
        alpha = c.get("/entities/ofac-sdn-1").json()
        (addr,) = alpha["properties"]["addressEntity"]
        assert addr["schema"] == "Address" and addr["properties"]["country"] == ["ae"]
        (link,) = alpha["properties"]["unknownLinkTo"]
        assert link["properties"]["object"][0]["id"] == "ofac-sdn-2"
        beta = c.get("/entities/ofac-sdn-2").json()
        (back,) = beta["properties"]["unknownLinkFrom"]
        assert back["properties"]["subject"][0]["caption"] == "ALPHA, Person"


def test_catalog_and_algorithms(client: TestClient) -> None:
    cat = client.get("/catalog").json()
    sdn = next(d for d in cat["datasets"] if d["name"] == "ofac_sdn")
    assert sdn["load"] and sdn["entity_count"] == 5 and cat["current"] == ["ofac_sdn"]
    assert next(d for d in cat["datasets"] if d["name"] == "default")["children"] == ["ofac_sdn"]
    algos = client.get("/algorithms").json()
    assert algos["best"] == "sanctions-ledger-v1" and algos["default"] == "best"
    assert set(algos["algorithms"][0]["docs"]["features"]) >= {"name_similarity", "dob", "country"}


def test_apikey_scheme(filled: Ledger) -> None:
    secret, _ = create_key(filled, "sdk", "read", "test")
    with make_client(filled, read_requires_key=True) as c:
        assert c.get("/catalog").status_code == 401
        assert c.get("/catalog", headers={"Authorization": f"ApiKey {secret}"}).status_code == 200
        assert c.get("/catalog", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        assert c.get("/catalog", headers={"Authorization": "ApiKey sk_nope"}).status_code == 401
        assert c.get("/lists", headers={"Authorization": f"ApiKey {secret}"}).status_code == 200
        assert c.get("/lists", headers={"Authorization": "Basic abc"}).status_code == 401


def test_batch_limit_and_bad_bodies(filled: Ledger) -> None:
    with make_client(filled, batch_max_queries=2) as c:
        q = {"schema": "Person", "properties": {"name": ["Kim"]}}
        r = c.post("/match/default", json={"queries": {"a": q, "b": q, "c": q}})
        assert r.status_code == 400 and "Too many queries" in r.json()["detail"]
        assert c.post("/match/default", json={"queries": {"a": q}, "weights": {"x": 1.0}}).status_code == 200


def test_empty_ledger_answers(ledger: Ledger) -> None:
    with make_client(ledger) as c:
        assert c.get("/catalog").json()["current"] == []
        assert c.post("/match/ofac_sdn", json={"queries": {}}).status_code == 404
        fill(ledger)


def test_match_explanation_details_are_in_an_analysts_words() -> None:
    """yente's detail of the name carries the analyst's notes, never the method's internal name."""
    from sanctions_ledger.matching.index import MatchIndex
    from sanctions_ledger.model import Entity, Name
    from sanctions_ledger.opensanctions.yente import explanations
    from sanctions_ledger.screening import Screener, ScreeningQuery

    index = MatchIndex([Entity("ofac-sdn", "1", "person", [Name("KIM, Jong Un")])])
    match = Screener(index).screen(ScreeningQuery.build("김정은")).matches[0]
    detail = explanations(match.explanation)["name_similarity"]["detail"]
    assert "transliterated from Hangul" in detail and "Korean romanisation" in detail
    assert not any(word in detail for word in ("tokens:", "original_script", "Hang ", "skeleton:"))
