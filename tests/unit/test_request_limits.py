"""One set of bounds on what a screening request may cost (sanctions_ledger/screening/limits.py), checked
the same way by the Python API, /screen, /screen/batch, /match and batch files: refused whole, before
anything is screened, with 413 (or 422 for a bad ``limit``) and a message saying the bound."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sanctions_ledger.errors import InputError, RequestTooLargeError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.batch import read_rows, screen_file, screen_text
from sanctions_ledger.screening.limits import (
    MAX_FILE_ROWS,
    MAX_NAMES_PER_QUERY,
    MAX_NAMES_PER_REQUEST,
    MAX_QUERIES_PER_REQUEST,
    MAX_RESULTS,
)
from tests.unit.test_api import assert_error, fill, make_client


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    fill(ledger)
    with make_client(ledger) as c:
        yield c


def yente_error(resp: Any, status: int) -> dict[str, Any]:
    """yente's error answer (``detail``, with our error object beside it), or our own error object when the
    request is refused before it reaches the route (a body over the size bound)."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert "detail" not in body or body["detail"] == body["error"]["message"]
    return dict(body["error"])


def _example(n_names: int) -> dict[str, Any]:
    return {"schema": "Person", "properties": {"name": [f"Kim Jong Un {i}" for i in range(n_names)]}}


def test_match_query_with_too_many_names_is_refused_not_cut(client: TestClient) -> None:
    ok = client.post("/match/default", json={"queries": {"q": _example(MAX_NAMES_PER_QUERY)}})
    assert ok.status_code == 200, ok.text
    r = client.post("/match/default", json={"queries": {"q": _example(MAX_NAMES_PER_QUERY + 1)}})
    e = yente_error(r, 413)
    assert f"query 'q' has {MAX_NAMES_PER_QUERY + 1} names" in str(e["message"])
    assert f"at most {MAX_NAMES_PER_QUERY}" in str(e["message"])


def test_match_request_names_in_all_are_bounded(client: TestClient) -> None:
    per = MAX_NAMES_PER_QUERY
    n_queries = MAX_NAMES_PER_REQUEST // per + 1
    assert n_queries <= MAX_QUERIES_PER_REQUEST
    body = {"queries": {f"q{i}": _example(per) for i in range(n_queries)}}
    e = yente_error(client.post("/match/default", json=body), 413)
    assert f"more than {MAX_NAMES_PER_REQUEST} names" in str(e["message"])
    # 100 queries x 600 names: refused at once
    body = {"queries": {f"q{i}": _example(600) for i in range(100)}}
    yente_error(client.post("/match/default", json=body), 413)


def test_match_queries_per_request(client: TestClient) -> None:
    body = {"queries": {f"q{i}": _example(1) for i in range(MAX_QUERIES_PER_REQUEST + 1)}}
    e = yente_error(client.post("/match/default", json=body), 400)  # as yente answers a batch too large
    assert f"limit: {MAX_QUERIES_PER_REQUEST}" in str(e["message"])


@pytest.mark.parametrize("where", ["query", "body"])
def test_match_limit_is_bounded_like_screen(client: TestClient, where: str) -> None:
    body: dict[str, Any] = {"queries": {"q": _example(1)}}
    for limit, status in ((MAX_RESULTS, 200), (MAX_RESULTS + 1, 422), (500, 422)):
        params = {"limit": limit} if where == "query" else {}
        if where == "body":
            body["limit"] = limit
        r = client.post("/match/default", json=body, params=params)
        assert r.status_code == status, (limit, r.text)
    assert client.post("/screen", json={"name": "Kim", "limit": MAX_RESULTS + 1}).status_code == 422


def test_python_api_limit_has_the_same_bound(ledger: Ledger) -> None:
    fill(ledger)
    screener = Screener(MatchIndex(ledger.entities_at()))
    assert ScreeningQuery.build("Kim Jong Un", limit=MAX_RESULTS).limit == MAX_RESULTS
    with pytest.raises(InputError, match=f"over the {MAX_RESULTS}"):
        ScreeningQuery.build("Kim Jong Un", limit=MAX_RESULTS + 1)
    with pytest.raises(InputError):
        screener.screen(ScreeningQuery.build("Kim Jong Un", limit=10**9))


def test_screen_batch_bounds(client: TestClient, ledger: Ledger) -> None:
    queries = [{"name": "Kim"}] * (MAX_QUERIES_PER_REQUEST + 1)
    e = assert_error(client.post("/screen/batch", json={"queries": queries}), 413, "PayloadTooLarge")
    assert "/screen/jobs" in str(e["message"])
    # a server configured for more queries per request still screens no more names than the bound
    with make_client(ledger, batch_max_queries=10_000) as c:
        queries = [{"name": "Kim"}] * (MAX_NAMES_PER_REQUEST + 1)
        e = assert_error(c.post("/screen/batch", json={"queries": queries}), 413, "PayloadTooLarge")
        assert f"more than {MAX_NAMES_PER_REQUEST} names" in str(e["message"])


def test_batch_file_rows_bound(tmp_path: Path, ledger: Ledger) -> None:
    fill(ledger)
    screener = Screener(MatchIndex(ledger.entities_at()))
    for f in (screen_file, screen_text, read_rows):
        assert inspect.signature(f).parameters["max_rows"].default == MAX_FILE_ROWS
    big = tmp_path / "big.csv"
    big.write_text("name\n" + "Kim Jong Un\n" * 51)
    out = tmp_path / "out.jsonl"
    with pytest.raises(RequestTooLargeError, match="more than 50 rows") as info:
        screen_file(screener, big, out, workers=1, progress=False, max_rows=50)
    assert str(big) in info.value.message
    assert not out.exists()  # refused whole: nothing screened, nothing written
    assert screen_file(screener, big, out, workers=1, progress=False, max_rows=51)["rows"] == 51
    with pytest.raises(RequestTooLargeError):
        screen_text(screener, "name\n" + "x\n" * 51, max_rows=50)
