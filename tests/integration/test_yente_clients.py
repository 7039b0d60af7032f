"""yente's official client SDK (`yente-client`) and nomenklatura's yente enricher against a real
`sanctions serve` over a ledger of the real OFAC SDN list (2021-06-29). Reads need a key here, sent the
way both clients send it: `Authorization: ApiKey <key>`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.services.keys import create_key
from tests.integration.serving import serve

yente_client = pytest.importorskip("yente_client")
pytest.importorskip("nomenklatura")

pytestmark = pytest.mark.integration

KIM = "ofac-sdn-20157"  # KIM, Jong Un (DPRK2), born 1984-01-08
DALIAN = "ofac-sdn-26243"  # DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD. (DPRK3)
CHON_MA_SAN = "ofac-sdn-23729"  # vessel, IMO 8660313


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("yente")
    db = f"sqlite:///{tmp / 'ledger.db'}"
    with open_ledger(db) as lg:
        lg.load_paths([shared_data / "ofac-sdn" / "2021-06-29"], "2021-06-29")
        secret, _ = create_key(lg, "yente-sdk", "read", "test")
    env = {
        **os.environ,
        "SANCTIONS_DB": db,
        "SANCTIONS_DATA_DIR": str(tmp / "data"),
        "SANCTIONS_API_READ_REQUIRES_KEY": "1",
    }
    with serve(env, workers=1) as (base, _proc):
        yield base, secret


@pytest.fixture(scope="module")
def client(served: tuple[str, str]) -> Iterator[Any]:
    base, secret = served
    with yente_client.Client(api_key=secret, base_url=base, timeout=120) as c:
        yield c


def test_health_catalog_and_algorithms(client: Any) -> None:
    assert client.healthz().status == "ok"
    cat = client.datasets()
    names = {d.name for d in cat.datasets}
    assert "ofac_sdn" in names and "default" in names
    assert cat.current == ["ofac_sdn"]
    sdn = next(d for d in cat.datasets if d.name == "ofac_sdn")
    assert sdn.load and sdn.entity_count == 8976
    algos = client.algorithms()
    assert algos.best == "sanctions-ledger-v1"
    assert [a.name for a in algos.algorithms] == ["sanctions-ledger-v1"]


def test_person_with_birth_date_and_nationality(client: Any) -> None:
    person = yente_client.Person(name=["Kim Jong Un"], birthDate=["1984-01-08"], nationality=["North Korea"])
    resp = client.match(person)
    top = resp.top
    assert top is not None and top.id == KIM and top.match and top.schema_ == "Person"
    assert resp.total.value == len(resp.matches) >= 1
    assert resp.query["properties"]["nationality"] == ["kp"]  # cleaned echo
    assert top.explanations["dob"].score > 0 and "agrees" in (top.explanations["dob"].detail or "")
    assert top.explanations["country"].score > 0
    assert top.first_seen is not None and top.first_seen.tzinfo is None
    # the same person born in another decade scores lower
    other = client.match(yente_client.Person(name=["Kim Jong Un"], birthDate=["1950"]), threshold=0.0)
    kim = next(r for r in other.results if r.id == KIM)
    assert kim.explanations["dob"].score < 0 and kim.score < top.score


def test_company_with_jurisdiction(client: Any) -> None:
    resp = client.match(
        yente_client.Company(name=["Dalian Haibo International Freight"], jurisdiction=["cn"])
    )
    assert resp.top is not None and resp.top.id == DALIAN and resp.top.schema_ == "Company"
    assert resp.query["properties"]["jurisdiction"] == ["cn"]


def test_vessel_with_imo(client: Any) -> None:
    resp = client.match(yente_client.Vessel(name=["Chon Ma San"], imoNumber=["8660313"]))
    assert resp.top is not None and resp.top.id == CHON_MA_SAN and resp.top.match
    assert resp.top.explanations["identifier"].score == 1.0


def test_exclude_entities_and_filters(client: Any) -> None:
    person = yente_client.Person(name=["Kim Jong Un"], birthDate=["1984-01-08"])
    assert KIM in {r.id for r in client.match(person).results}
    resp = client.match(person, exclude_entities=[KIM])
    assert KIM not in {r.id for r in resp.results}
    assert client.match(person, exclude_schemata=["Person"]).results == []
    assert client.match(person, exclude_datasets=["ofac_sdn"]).results == []
    assert client.match(person, topics=["role.pep"]).results == []


def test_nameless_query_is_refused(client: Any) -> None:
    with pytest.raises(yente_client.BadRequestError):
        client.match(yente_client.Person(birthDate=["1984-01-08"]))
    with pytest.raises(yente_client.BadRequestError):
        client.match(yente_client.Person(name=["Kim Jong Un"]), algorithm="no-such-algorithm")


def test_search_and_fetch(client: Any) -> None:
    found = client.search("Dalian Haibo")
    assert DALIAN in [r.id for r in found.results]
    assert found.total.value >= 1
    entity = client.fetch(DALIAN)
    assert entity.caption == "DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD."
    addresses = entity.properties["addressEntity"]
    assert isinstance(addresses[0], yente_client.Entity) and addresses[0].schema_ == "Address"
    sanctions = entity.properties["sanctions"]
    assert sanctions[0].properties["program"] == ["DPRK3"]
    with pytest.raises(yente_client.NotFoundError):
        client.fetch("ofac-sdn-999999999")
    adjacent = client.adjacent(DALIAN)
    assert adjacent.entity.id == DALIAN and adjacent.adjacent["sanctions"].total.value == 1
    page = client.adjacent(DALIAN, prop="addressEntity", limit=1)
    assert page.total.value == 1 and page.results[0].schema_ == "Address"


def test_wrong_key_is_refused(served: tuple[str, str]) -> None:
    base, _ = served
    with yente_client.Client(api_key="sk_wrong", base_url=base) as c:
        assert c.healthz().status == "ok"  # liveness is open
        with pytest.raises(yente_client.AuthenticationError):
            c.algorithms()
    with yente_client.Client(base_url=base) as c, pytest.raises(yente_client.AuthenticationError):
        c.datasets()  # no key, and this server needs one for reads


def test_nomenklatura_enricher_match_and_expand(served: tuple[str, str], tmp_path: Path) -> None:
    from followthemoney import Dataset, StatementEntity
    from nomenklatura.cache import Cache
    from nomenklatura.db import make_session
    from nomenklatura.enrich import make_enricher

    base, secret = served
    dataset = Dataset.make({"name": "customers", "title": "Customers"})
    cache = Cache(make_session(f"sqlite:///{tmp_path / 'cache.db'}"), dataset, create=True)
    config = {
        "type": "nomenklatura.enrich.yente:YenteEnricher",
        "api": base + "/",
        "api_key": secret,
        "cache_days": 0,
    }
    enricher = make_enricher(dataset, cache, config)
    query = StatementEntity.from_data(
        dataset,
        {
            "id": "cust-1",
            "schema": "Person",
            "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"]},
        },
    )
    matches = list(enricher.match(query))
    assert KIM in [m.id for m in matches]
    match = next(m for m in matches if m.id == KIM)
    expanded = list(enricher.expand(query, match))
    schemata = {e.schema.name for e in expanded}
    assert expanded[0].id == KIM and "Sanction" in schemata
    sanction = next(e for e in expanded if e.schema.name == "Sanction")
    assert sanction.get("entity") == [KIM]
