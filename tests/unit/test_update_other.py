"""`update` for the Canada, Australia, Japan and US CSL sources: official URLs, the environment override,
and fetching from a local mirror with conditional requests."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sanctions_ledger.errors import FetchError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.update import OFFICIAL_SOURCES, fetch_list, sources_for

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FILES = {"/sema-lmes.xml": FIX / "ca" / "sema_small.xml", "/consolidated.csv": FIX / "csl" / "csl_small.csv"}


class Mirror:
    """A local mirror of official files: ETag + If-None-Match, 404 for anything else."""

    def __init__(self) -> None:
        self.bodies = {path: f.read_bytes() for path, f in FILES.items()}
        self.requests: list[tuple[str, dict[str, str]]] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mirror.requests.append((self.path, dict(self.headers)))
                body = mirror.bodies.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    m = Mirror()
    yield m
    m.server.shutdown()
    m.server.server_close()


def test_official_urls_are_known() -> None:
    assert OFFICIAL_SOURCES["ca-sema"]["sema-lmes.xml"].endswith("/sanctions/sema-lmes.xml")
    assert OFFICIAL_SOURCES["au-dfat"]["regulation8_consolidated.xlsx"].startswith("https://www.dfat.gov.au/")
    assert OFFICIAL_SOURCES["us-csl"]["consolidated.csv"].startswith("https://data.trade.gov/")
    assert "downloadXmlGesamtliste" in OFFICIAL_SOURCES["ch-seco"]["swiss-sanctions-list.xml"]
    assert "jp-mof" not in OFFICIAL_SOURCES  # no stable URL: needs SANCTIONS_SOURCE_JP_MOF


def test_environment_overrides_the_official_url() -> None:
    env = {"SANCTIONS_SOURCE_CA_SEMA": "http://mirror.example/sema.xml"}
    assert sources_for("ca-sema", env) == {"sema-lmes.xml": "http://mirror.example/sema.xml"}
    env = {"SANCTIONS_SOURCE_JP_MOF": "http://mirror.example/shisantouketsu20260401.xls"}
    assert sources_for("jp-mof", env) == {
        "shisantouketsu20260401.xls": "http://mirror.example/shisantouketsu20260401.xls"
    }
    assert sources_for("jp-mof", {}) is None
    env = {"SANCTIONS_SOURCE_US_CSL": "consolidated.csv=http://m/a.csv extra.csv=http://m/b.csv"}
    assert sources_for("us-csl", env) == {
        "consolidated.csv": "http://m/a.csv",
        "extra.csv": "http://m/b.csv",
    }


def test_missing_source_is_a_clear_error(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SANCTIONS_SOURCE_JP_MOF", raising=False)
    with pytest.raises(FetchError, match="SANCTIONS_SOURCE_JP_MOF"):
        fetch_list(ledger, "jp-mof", tmp_path)


def test_fetch_from_mirror_with_conditional_requests(
    ledger: Ledger, mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANCTIONS_SOURCE_CA_SEMA", mirror.base + "/sema-lmes.xml")
    first = fetch_list(ledger, "ca-sema", tmp_path)
    assert first.status == "loaded" and first.load is not None and first.load.entities_stored == 5
    second = fetch_list(ledger, "ca-sema", tmp_path)
    assert second.status == "not-modified" and mirror.requests[-1][1].get("If-None-Match")
    csl = fetch_list(
        ledger, "us-csl", tmp_path, sources={"consolidated.csv": mirror.base + "/consolidated.csv"}
    )
    assert csl.status == "loaded" and csl.load is not None and csl.load.entities_stored == 4
    assert {s.list for s in ledger.snapshots()} == {"ca-sema", "us-csl"}
    # a new publication on the mirror is a new snapshot
    mirror.bodies["/sema-lmes.xml"] = mirror.bodies["/sema-lmes.xml"].replace(
        b"Bank Rossiya", b"Bank Rossiya AO"
    )
    third = fetch_list(ledger, "ca-sema", tmp_path)
    assert third.status == "loaded" and len(ledger.snapshots("ca-sema")) == 2


def test_missing_file_on_the_mirror_loads_nothing(ledger: Ledger, mirror: Mirror, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_list(
            ledger, "au-dfat", tmp_path, sources={"regulation8_consolidated.xlsx": mirror.base + "/x.xlsx"}
        )
    assert ledger.snapshots() == []
