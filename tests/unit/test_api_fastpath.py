"""The lean path of POST /screen answers exactly what the route answers, and only the cases it may take."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.api.keys import create_key
from sanctions_ledger.ledger import Ledger
from tests.unit.test_api import fill, make_client

BODIES: list[object] = [
    {"name": "Kim Jong Un"},
    {"name": "Dalian Haibo International Freight", "type": "organization", "country": "CN", "limit": 2},
    {"name": "KIM Jong-un", "type": "person", "dob": "1984-01-08", "threshold": 0.5},
    {"name": "김정은"},
    {"name": "Korea Daesong Bank", "lists": ["ofac-sdn"], "programs": ["DPRK"]},
    {"name": "Acme Bakery", "threshold": 0.0, "limit": 100},
    {"name": "Wan Heng 11", "type": "vessel", "imo": "8791667"},
    # invalid or unscreenable: the route's answers, in its error shape
    {"name": "   "},
    {"name": ""},
    {"name": "Kim", "country": "Atlantis"},
    {"name": "Kim", "dob": "yesterday"},
    {"name": "Kim", "limit": 0},
    {"name": "Kim", "threshold": 2},
    {"name": "Kim", "colour": "red"},
    {"name": ["Kim"]},
    {},
    [],
    "Kim",
    None,
]
RAW = [b"", b"{", b'{"name": "Kim"', b"\xff\xfe", b'{"name": "Kim"}{"name": "Lee"}', b"null"]


@pytest.fixture
def clients(ledger: Ledger) -> Iterator[tuple[TestClient, TestClient]]:
    fill(ledger)
    with make_client(ledger) as fast, make_client(ledger, fast_screen=False) as route:
        for c in (fast, route):  # build both indexes, then the lean path may answer
            assert c.post("/screen", json={"name": "warm up"}).status_code == 200
        yield fast, route


def fast_count(c: TestClient) -> float:
    m = re.search(r"^sanctions_screen_fast_path_total ([\d.e+]+)$", c.get("/metrics").text, re.M)
    return float(m.group(1)) if m else 0.0


def same(a: object, b: object) -> None:
    ra, rb = a, b  # httpx responses
    assert ra.status_code == rb.status_code, (ra.text, rb.text)  # type: ignore[attr-defined]
    assert ra.content == rb.content  # type: ignore[attr-defined]
    assert ra.headers["content-type"] == rb.headers["content-type"]  # type: ignore[attr-defined]
    assert ra.headers["content-length"] == rb.headers["content-length"]  # type: ignore[attr-defined]


def test_same_answers_as_the_route(clients: tuple[TestClient, TestClient]) -> None:
    fast, route = clients
    before = fast_count(fast)
    statuses = []
    for body in BODIES:
        ra, rb = fast.post("/screen", json=body), route.post("/screen", json=body)
        same(ra, rb)
        statuses.append(ra.status_code)
    for raw in RAW:
        headers = {"content-type": "application/json"}
        same(
            fast.post("/screen", content=raw, headers=headers),
            route.post("/screen", content=raw, headers=headers),
        )
    ok = statuses.count(200)
    assert ok == 7 and set(statuses[7:]) == {422}
    assert fast_count(fast) - before == ok  # the valid ones, and only those, took the lean path
    assert fast_count(route) == 0
    body = fast.post("/screen", json=BODIES[1]).json()
    assert [m["entity_id"] for m in body["matches"]] == ["ofac-sdn:26243"]


def test_requests_it_leaves_to_the_route(clients: tuple[TestClient, TestClient], ledger: Ledger) -> None:
    fast, route = clients
    secret = create_key(ledger, "reader", "read", "test")[0]
    before = fast_count(fast)
    cases = [
        {"headers": {"Authorization": f"Bearer {secret}"}},  # a key is checked by the route
        {"headers": {"X-API-Key": "sk_wrong"}},  # a wrong key is refused by the route
        {"headers": {"content-type": "text/plain"}},
    ]
    for extra in cases:
        kw = {"content": json.dumps({"name": "Kim Jong Un"}).encode(), **extra}
        if "content-type" not in {k.lower() for k in kw["headers"]}:  # type: ignore[union-attr]
            kw["headers"] = {**kw["headers"], "content-type": "application/json"}  # type: ignore[dict-item]
        same(fast.post("/screen", **kw), route.post("/screen", **kw))  # type: ignore[arg-type]
    assert fast.post("/screen", headers={"X-API-Key": "sk_wrong"}, json={"name": "Kim"}).status_code == 401
    # a chunked body (no declared length) goes to the route, which reads it as it streams
    chunks = iter([b'{"name": ', b'"Kim Jong Un"}'])
    r = fast.post("/screen", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["matches"][0]["entity_id"] == "ofac-sdn:20285"
    # a body over the limit is refused by the limit, in its shape
    big = {"name": "x" * 2_000_000}
    assert fast.post("/screen", json=big).status_code == 413
    assert fast_count(fast) == before


def test_off_when_reads_need_a_key_and_metrics_label_the_route(ledger: Ledger) -> None:
    fill(ledger)
    with make_client(ledger, read_requires_key=True) as c:
        assert c.post("/screen", json={"name": "Kim Jong Un"}).status_code == 401
        secret = create_key(ledger, "reader2", "read", "test")[0]
        c.post("/screen", json={"name": "Kim Jong Un"}, headers={"X-API-Key": secret})
        assert fast_count(c) == 0
    with make_client(ledger) as c:
        for _ in range(3):
            assert c.post("/screen", json={"name": "Kim Jong Un"}).status_code == 200
        text = c.get("/metrics").text
        assert fast_count(c) >= 2  # the first may build the index through the route
        assert re.search(
            r'sanctions_http_requests_total\{method="POST",route="/screen",status="200"\} 3', text
        )
