"""`update` against a real local HTTP server: conditional requests, checksums, offline errors."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sanctions_ledger.errors import FetchError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.services.fetching import fetch_list
from tests.unit.mirror import Mirror

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "un" / "consolidated_small.xml"


@pytest.fixture
def origin() -> Iterator[Mirror]:
    """A tiny official-list server: serves one body with an ETag and honours If-None-Match."""
    with Mirror({"/consolidated.xml": FIXTURE.read_bytes()}) as m:
        yield m


def test_fetch_loads_then_uses_conditional_requests(ledger: Ledger, origin: Mirror, tmp_path: Path) -> None:
    sources = {"consolidated.xml": origin.base + "/consolidated.xml"}
    first = fetch_list(ledger, "un", tmp_path, sources=sources)
    assert first.status == "loaded" and first.load is not None
    assert first.files["consolidated.xml"] == hashlib.sha256(origin.files["/consolidated.xml"]).hexdigest()
    second = fetch_list(ledger, "un", tmp_path, sources=sources)
    assert second.status == "not-modified"
    assert origin.requests[-1][1].get("If-None-Match")
    assert len(ledger.snapshots("un")) == 1
    # a new publication is loaded as a new snapshot
    body = origin.files["/consolidated.xml"]
    origin.files["/consolidated.xml"] = body.replace(b"</CONSOLIDATED_LIST>", b"</CONSOLIDATED_LIST>\n")
    third = fetch_list(ledger, "un", tmp_path, sources=sources)
    assert third.status in ("loaded", "unchanged")  # same content, new bytes: an observation only
    assert len(ledger.snapshots("un")) == 1 and ledger.snapshots("un")[0].observation_count == 2


def test_offline_is_a_clear_error_and_loads_nothing(ledger: Ledger, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nothing listens there
    with pytest.raises(FetchError, match="cannot download") as err:
        fetch_list(ledger, "un", tmp_path, sources={"consolidated.xml": f"http://127.0.0.1:{port}/x.xml"})
    assert "offline" in str(err.value)
    assert ledger.snapshots() == []


def test_unknown_list(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no official source"):
        fetch_list(ledger, "nope", tmp_path)
