"""Getting data in: fetching the official lists (conditional requests) or loading a local tree laid out
like ``<list>/<YYYY-MM-DD>/<files>``."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sanctions_ledger.errors import FetchError
from sanctions_ledger.ledger.records import LoadResult
from sanctions_ledger.ledger.store import Ledger
from sanctions_ledger.parsers import LISTS

# Canada, Australia, Japan, US CSL and Switzerland (format and notes in docs/formats.md). MOF publishes
# under a dated file name (shisantouketsu<YYYYMMDD>.xls/.csv) with no stable URL: give the current one
# with SANCTIONS_SOURCE_JP_MOF. Any list's URL can be overridden the same way (see official_sources).
OTHER_SOURCES: dict[str, dict[str, str]] = {
    "ca-sema": {
        "sema-lmes.xml": "https://www.international.gc.ca/world-monde/assets/office_docs/"
        "international_relations-relations_internationales/sanctions/sema-lmes.xml"
    },
    "au-dfat": {
        "regulation8_consolidated.xlsx": "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx"
    },
    "us-csl": {
        "consolidated.csv": "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
    },
    "ch-seco": {
        "swiss-sanctions-list.xml": "https://www.sesam.search.admin.ch/sesam-search-web/pages/"
        "downloadXmlGesamtliste.xhtml?lang=en&action=downloadXmlGesamtlisteAction"
    },
    "jp-mof": {},
}
# The official publication URLs of each list's files (role file name -> URL).
OFFICIAL_SOURCES: dict[str, dict[str, str]] = {
    "ofac-sdn": {
        "sdn.csv": "https://www.treasury.gov/ofac/downloads/sdn.csv",
        "add.csv": "https://www.treasury.gov/ofac/downloads/add.csv",
        "alt.csv": "https://www.treasury.gov/ofac/downloads/alt.csv",
        "sdn_comments.csv": "https://www.treasury.gov/ofac/downloads/sdn_comments.csv",
    },
    "ofac-cons": {
        "cons_prim.csv": "https://www.treasury.gov/ofac/downloads/consolidated/cons_prim.csv",
        "cons_add.csv": "https://www.treasury.gov/ofac/downloads/consolidated/cons_add.csv",
        "cons_alt.csv": "https://www.treasury.gov/ofac/downloads/consolidated/cons_alt.csv",
        "cons_comments.csv": "https://www.treasury.gov/ofac/downloads/consolidated/cons_comments.csv",
    },
    "un": {"consolidated.xml": "https://scsanctions.un.org/resources/xml/en/consolidated.xml"},
    "uk-hmt": {"ConList.csv": "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"},
    "us-bis-dpl": {"dpl.txt": "https://www.bis.doc.gov/dpl/dpl.txt"},
    **{name: dict(files) for name, files in OTHER_SOURCES.items() if files},
}

SOURCE_ENV_PREFIX = "SANCTIONS_SOURCE_"


def official_sources(list_name: str, environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The download URLs of ``list_name`` (file name -> URL): the official ones, unless the environment
    variable ``SANCTIONS_SOURCE_<LIST>`` (``SANCTIONS_SOURCE_CA_SEMA``, ...) overrides them. Its value is a
    URL (the list's single file; the file is named after the URL's last path segment when the list has no
    official file name) or ``name=URL`` pairs separated by whitespace."""
    env = os.environ if environ is None else environ
    raw = env.get(SOURCE_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", list_name.upper()), "").strip()
    default = OFFICIAL_SOURCES.get(list_name) or OTHER_SOURCES.get(list_name) or None
    if not raw:
        return default
    pairs = [p.partition("=") for p in raw.split()]
    if all(sep and not name.startswith(("http:", "https:")) for name, sep, _ in pairs):
        return {name: url for name, _, url in pairs}
    if len(pairs) != 1:
        raise FetchError(f"{SOURCE_ENV_PREFIX}{list_name}: give one URL or name=URL pairs")
    name = next(iter(default)) if default else (raw.rsplit("/", 1)[-1].split("?")[0] or list_name)
    return {name: raw}


_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class FetchOutcome:
    list: str
    status: str  # "loaded", "not-modified", "unchanged"
    files: dict[str, str]
    load: LoadResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "status": self.status,
            "files": self.files,
            "load": self.load.to_dict() if self.load else None,
        }


def fetch_list(
    ledger: Ledger,
    list_name: str,
    cache_dir: Path,
    *,
    client: httpx.Client | None = None,
    actor: str | None = None,
    sources: dict[str, str] | None = None,
) -> FetchOutcome:
    """Download one list's files with conditional requests (ETag / Last-Modified) into ``cache_dir``,
    verify and record the SHA-256 of each, and load the set when any file changed. ``sources`` (file name
    -> URL) replaces the official URLs, e.g. for a mirror."""
    sources = sources or official_sources(list_name)
    if not sources:
        raise FetchError(
            f"no official source known for list {list_name!r}",
            hint=f"known: {', '.join(OFFICIAL_SOURCES)}; or set {SOURCE_ENV_PREFIX}"
            f"{re.sub(r'[^A-Z0-9]', '_', list_name.upper())} to its URL",
        )
    target = cache_dir / list_name
    target.mkdir(parents=True, exist_ok=True)
    meta_path = target / "fetch-meta.json"
    meta: dict[str, dict[str, str]] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    own = client is None
    http = client or httpx.Client(
        timeout=60.0,
        follow_redirects=True,
        headers={"User-Agent": "sanctions-ledger/0.1 (+compliance screening)"},
    )
    changed = False
    digests: dict[str, str] = {}
    try:
        for role, url in sources.items():
            headers = {}
            prev = meta.get(role, {})
            if (target / role).exists():
                if prev.get("etag"):
                    headers["If-None-Match"] = prev["etag"]
                if prev.get("last_modified"):
                    headers["If-Modified-Since"] = prev["last_modified"]
            try:
                resp = http.get(url, headers=headers)
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"cannot download {url}: {exc.__class__.__name__}: {exc}",
                    hint="are you offline? `sanctions update --from DIR` loads files you already have",
                ) from exc
            if resp.status_code == 304:
                digests[role] = prev.get("sha256", "")
                continue
            if resp.status_code != 200:
                raise FetchError(f"{url} answered HTTP {resp.status_code}")
            body = resp.content
            if not body:
                raise FetchError(f"{url} returned an empty file", hint="try again later; nothing was loaded")
            digest = hashlib.sha256(body).hexdigest()
            digests[role] = digest
            if digest != prev.get("sha256"):
                changed = True
                (target / role).write_bytes(body)
            meta[role] = {
                "url": url,
                "sha256": digest,
                "etag": resp.headers.get("ETag", ""),
                "last_modified": resp.headers.get("Last-Modified", ""),
            }
    finally:
        if own:
            http.close()
    if not changed:
        meta_path.write_text(json.dumps(meta, indent=2))
        return FetchOutcome(list_name, "not-modified", digests)
    results = ledger.load_paths(
        [target / next(iter(sources))], None, list_name=list_name, source="fetch", actor=actor
    )
    meta_path.write_text(json.dumps(meta, indent=2))
    return FetchOutcome(
        list_name, "loaded" if results[0].status == "created" else "unchanged", digests, results[0]
    )


def local_sets(root: Path, lists: list[str] | None = None) -> list[tuple[str, str, Path]]:
    """(list, date, folder) for every ``<list>/<YYYY-MM-DD>/`` under ``root`` of a known list, by date."""
    found = []
    for list_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if list_dir.name not in LISTS or (lists and list_dir.name not in lists):
            continue
        for d in sorted(p for p in list_dir.iterdir() if p.is_dir() and _DATE_DIR.match(p.name)):
            found.append((list_dir.name, d.name, d))
    return found


def update_from_dir(
    ledger: Ledger,
    root: Path,
    *,
    lists: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    actor: str | None = None,
) -> list[LoadResult]:
    results = []
    for list_name, date, folder in local_sets(root, lists):
        if progress:
            progress(f"{list_name} {date}")
        results.extend(
            ledger.load_paths([folder], date, list_name=list_name, source=str(folder), actor=actor)
        )
    return results
