"""`update` for the Canada, Australia, Japan and US CSL sources: official URLs, the environment override,
and fetching from a local mirror with conditional requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sanctions_ledger.errors import FetchError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.services.fetching import OFFICIAL_SOURCES, fetch_list, sources_for
from tests.unit.mirror import Mirror

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FILES = {"/sema-lmes.xml": FIX / "ca" / "sema_small.xml", "/consolidated.csv": FIX / "csl" / "csl_small.csv"}


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    with Mirror({path: f.read_bytes() for path, f in FILES.items()}) as m:
        yield m


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
    mirror.files["/sema-lmes.xml"] = mirror.files["/sema-lmes.xml"].replace(
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
