"""`sanctions update` for the EU FSF and FCDO lists, against a local mirror over real HTTP: the official
URLs are known and overridable, conditional requests (ETag, Last-Modified) are sent, the files load as
their lists."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.parsers import detect
from sanctions_ledger.services.fetching import OFFICIAL_SOURCES, fetch_list, source_env_var, sources_for
from tests.unit.mirror import Mirror
from tests.unit.test_eu_uk_formats import _designation, _eu, _eu_entity, _fcdo


def _modified(body: bytes) -> str:
    return formatdate(1_780_000_000 + len(body), usegmt=True)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    with Mirror(last_modified=_modified) as m:
        yield m


def test_official_sources_are_known_and_documented_formats(tmp_path: Path) -> None:
    assert OFFICIAL_SOURCES["eu-fsf"]["xmlFullSanctionsList_1_1.xml"].startswith(
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
    )
    assert OFFICIAL_SOURCES["uk-fcdo"] == {
        "UK-Sanctions-List.xml": "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
    }
    # a file saved under each role name is detected as that list's format
    eu = _eu(tmp_path, _eu_entity(), name="xmlFullSanctionsList_1_1.xml")
    fcdo = _fcdo(tmp_path, _designation())
    assert [(s.format, s.list) for s in detect([eu, fcdo])] == [
        ("eu-fsf-xml", "eu-fsf"),
        ("uk-fcdo-xml", "uk-fcdo"),
    ]


def test_sources_can_be_overridden() -> None:
    env = {
        "SANCTIONS_SOURCE_EU_FSF": "http://mirror.local/eu.xml",
        "SANCTIONS_SOURCE_OFAC_SDN": "http://mirror.local/ofac/",
    }
    assert source_env_var("uk-ofsi") == "SANCTIONS_SOURCE_UK_HMT"
    assert sources_for("eu-fsf", env) == {"xmlFullSanctionsList_1_1.xml": "http://mirror.local/eu.xml"}
    assert sources_for("uk-fcdo", env) == OFFICIAL_SOURCES["uk-fcdo"]
    assert sources_for("ofac-sdn", env) == {
        role: f"http://mirror.local/ofac/{role}" for role in OFFICIAL_SOURCES["ofac-sdn"]
    }


@pytest.mark.parametrize("list_name", ["eu-fsf", "uk-fcdo"])
def test_update_from_a_mirror(ledger: Ledger, mirror: Mirror, tmp_path: Path, list_name: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    if list_name == "eu-fsf":
        body = _eu(src, _eu_entity() + _eu_entity(lid="200", prog="SYR", ref="EU.2.2")).read_bytes()
        newer = _eu(src, _eu_entity()).read_bytes()
    else:
        body = _fcdo(src, _designation() + _designation("AFG0012", gid="7271")).read_bytes()
        newer = _fcdo(src, _designation()).read_bytes()
    mirror.files["/list.xml"] = body
    env = {source_env_var(list_name): f"{mirror.base}/list.xml"}
    sources = sources_for(list_name, env)
    assert sources is not None
    cache = tmp_path / "cache"

    first = fetch_list(ledger, list_name, cache, sources=sources)
    assert first.status == "loaded" and first.load is not None
    [snap] = ledger.snapshots(list_name)
    assert snap.entity_count == 2 and snap.format == f"{list_name}-xml"
    role = next(iter(OFFICIAL_SOURCES[list_name]))
    assert first.files[role] == hashlib.sha256(body).hexdigest()

    second = fetch_list(ledger, list_name, cache, sources=sources)
    assert second.status == "not-modified"
    headers = mirror.requests[-1][1]
    assert headers.get("If-None-Match") and headers.get("If-Modified-Since")
    assert len(ledger.snapshots(list_name)) == 1

    mirror.files["/list.xml"] = newer  # the next publication drops one entity
    third = fetch_list(ledger, list_name, cache, sources=sources)
    assert third.status == "loaded"
    snaps = ledger.snapshots(list_name)
    assert [s.entity_count for s in snaps] == [2, 1]
    diff = ledger.diff(list_name, str(snaps[0].id), str(snaps[1].id))
    assert len(diff.removed) == 1 and not diff.added


def test_update_from_a_local_tree_with_the_alias_folder(ledger: Ledger, tmp_path: Path) -> None:
    from sanctions_ledger.services.fetching import update_from_dir
    from tests.unit.test_eu_uk_formats import _ofsi, _ofsi_row

    eu_dir = tmp_path / "eu-fsf" / "2026-08-05"
    ofsi_dir = tmp_path / "uk-ofsi" / "2025-04-10"
    eu_dir.mkdir(parents=True)
    ofsi_dir.mkdir(parents=True)
    _eu(eu_dir, _eu_entity())
    _ofsi(ofsi_dir, [_ofsi_row()])
    results = update_from_dir(ledger, tmp_path, lists=["uk-ofsi", "eu-fsf"])
    assert sorted(r.snapshot.list for r in results) == ["eu-fsf", "uk-hmt"]
    assert ledger.entity("uk-ofsi:15890")[0].id == "uk-hmt:15890"
