"""`update` of the OFAC lists in the Sanctions List Service formats, against a local mirror of the official
export folder (an HTTP server on 127.0.0.1 serving the hand-made fixtures under the official file names)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from sanctions_ledger.errors import FetchError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.services.fetching import FORMAT_SOURCES, OFAC_SLS_EXPORTS, fetch_list
from tests.unit.mirror import Mirror

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "sls" / "good"


def _zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


class SlsMirror(Mirror):
    """The official export folder: files by name, with a fixed Last-Modified."""

    def __init__(self) -> None:
        files = {
            "CONS_ENHANCED.ZIP": (GOOD / "CONS_ENHANCED.ZIP").read_bytes(),
            "CONS_ADVANCED.ZIP": _zipped("CONS_ADVANCED.XML", (GOOD / "cons_advanced.xml").read_bytes()),
        }
        super().__init__(
            files,
            key=lambda path: path.rsplit("/", 1)[-1],
            last_modified=lambda body: "Fri, 10 Jan 2025 12:00:00 GMT",
            prefix="/api/PublicationPreview/exports/",
        )

    def sources(self, list_name: str, fmt: str) -> dict[str, str]:
        """The official sources of (list, format) with the host replaced by this mirror."""
        return {
            role: self.base + urlsplit(url).path.rsplit("/", 1)[-1]
            for role, url in FORMAT_SOURCES[(list_name, fmt)].items()
        }


@pytest.fixture
def mirror() -> Iterator[SlsMirror]:
    with SlsMirror() as m:
        yield m


def test_official_sources() -> None:
    assert set(FORMAT_SOURCES) == {
        (lst, fmt) for lst in ("ofac-sdn", "ofac-cons") for fmt in ("ofac-advanced-xml", "ofac-enhanced-xml")
    }
    assert FORMAT_SOURCES[("ofac-sdn", "ofac-enhanced-xml")] == {
        "SDN_ENHANCED.ZIP": OFAC_SLS_EXPORTS + "SDN_ENHANCED.ZIP"
    }
    assert OFAC_SLS_EXPORTS.startswith("https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/")


@pytest.mark.parametrize(
    ("fmt", "name"), [("ofac-enhanced-xml", "CONS_ENHANCED.ZIP"), ("ofac-advanced-xml", "CONS_ADVANCED.ZIP")]
)
def test_fetch_sls_format_then_conditional_requests(
    ledger: Ledger, mirror: SlsMirror, tmp_path: Path, fmt: str, name: str
) -> None:
    sources = mirror.sources("ofac-cons", fmt)
    first = fetch_list(ledger, "ofac-cons", tmp_path, sources=sources, fmt=fmt)
    assert first.status == "loaded" and first.load is not None
    assert first.load.snapshot.format == fmt and first.load.entities_stored == 3
    assert first.files[name] == hashlib.sha256(mirror.files[name]).hexdigest()
    assert (tmp_path / f"ofac-cons.{fmt}" / name).read_bytes() == mirror.files[name]
    second = fetch_list(ledger, "ofac-cons", tmp_path, sources=sources, fmt=fmt)
    assert second.status == "not-modified"
    assert mirror.requests[-1][1].get("If-None-Match")
    assert mirror.requests[-1][1].get("If-Modified-Since") == "Fri, 10 Jan 2025 12:00:00 GMT"
    assert len(ledger.snapshots("ofac-cons")) == 1
    entity, _ = ledger.entity("ofac-cons:9639")
    assert entity.listed_on == "2006-04-12"


def test_advanced_after_enhanced_is_the_same_content(
    ledger: Ledger, mirror: SlsMirror, tmp_path: Path
) -> None:
    enh = fetch_list(
        ledger,
        "ofac-cons",
        tmp_path,
        sources=mirror.sources("ofac-cons", "ofac-enhanced-xml"),
        fmt="ofac-enhanced-xml",
    )
    adv = fetch_list(
        ledger,
        "ofac-cons",
        tmp_path,
        sources=mirror.sources("ofac-cons", "ofac-advanced-xml"),
        fmt="ofac-advanced-xml",
    )
    assert enh.load is not None and adv.load is not None
    assert adv.status == "unchanged"  # a new observation of the same content, no new snapshot
    assert len(ledger.snapshots("ofac-cons")) == 1


def test_unknown_format_and_missing_file(ledger: Ledger, mirror: SlsMirror, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no official source known for list 'un' in format"):
        fetch_list(ledger, "un", tmp_path, fmt="ofac-enhanced-xml")
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_list(
            ledger,
            "ofac-sdn",
            tmp_path,
            sources=mirror.sources("ofac-sdn", "ofac-enhanced-xml"),
            fmt="ofac-enhanced-xml",
        )
    assert ledger.snapshots() == []


def test_cli_update_format_option_is_known() -> None:
    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    result = CliRunner().invoke(cli, ["update", "--help"])
    assert result.exit_code == 0
    assert "--format [ofac-advanced-xml|ofac-enhanced-xml]" in result.output
