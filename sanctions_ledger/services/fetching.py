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
from sanctions_ledger.parsers.aliases import canonical_list

# Canada, Australia, Japan, US CSL and Switzerland (format and notes in docs/formats.md). MOF publishes
# under a dated file name (shisantouketsu<YYYYMMDD>.xls/.csv) with no stable URL: give the current one
# with SANCTIONS_SOURCE_JP_MOF. Any list's URL can be overridden the same way (see sources_for).
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
    # EU Financial Sanctions Files, consolidated list XML v1.1 (the token is the public one the EU
    # publishes in the link itself, not a credential)
    "eu-fsf": {
        "xmlFullSanctionsList_1_1.xml": "https://webgate.ec.europa.eu/fsd/fsf/public/files/"
        "xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"
    },
    # FCDO UK Sanctions List XML: the only UK list since 28 January 2026 (OFSI's ConList is retired)
    "uk-fcdo": {"UK-Sanctions-List.xml": "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"},
    **{name: dict(files) for name, files in OTHER_SOURCES.items() if files},
}


def source_env_var(list_name: str) -> str:
    """The environment variable that overrides a list's download URLs, e.g. ``SANCTIONS_SOURCE_EU_FSF``."""
    return "SANCTIONS_SOURCE_" + re.sub(r"[^A-Z0-9]", "_", canonical_list(list_name).upper())


def sources_for(list_name: str, env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The download URLs of a list's files (file name -> URL): the official ones, unless the environment
    variable :func:`source_env_var` overrides them. Its value is ``name=URL`` pairs separated by white space,
    or one URL: the file's URL for a list of one file (named after the URL's last path segment when the
    list has no official file), or a base URL (a mirror folder) to which each file name is appended for a
    list of several files."""
    default = OFFICIAL_SOURCES.get(canonical_list(list_name))
    raw = (os.environ if env is None else env).get(source_env_var(list_name), "").strip()
    if not raw:
        return default
    pairs = [p.partition("=") for p in raw.split()]
    if all(sep and not name.startswith(("http:", "https:")) for name, sep, _ in pairs):
        return {name: url for name, _, url in pairs}
    if len(pairs) != 1:
        raise FetchError(f"{source_env_var(list_name)}: give one URL or name=URL pairs")
    if default and len(default) > 1:
        return {role: raw.rstrip("/") + "/" + role for role in default}
    name = next(iter(default)) if default else (raw.rsplit("/", 1)[-1].split("?")[0] or list_name)
    return {name: raw}


# OFAC's Sanctions List Service: the same two lists in the Advanced and Enhanced XML formats, zipped (the
# XML inside is what the parsers read). Chosen by ``fetch_list(fmt=...)``, ``sanctions update --format``.
OFAC_SLS_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
FORMAT_SOURCES: dict[tuple[str, str], dict[str, str]] = {
    ("ofac-sdn", "ofac-advanced-xml"): {"SDN_ADVANCED.ZIP": OFAC_SLS_EXPORTS + "SDN_ADVANCED.ZIP"},
    ("ofac-cons", "ofac-advanced-xml"): {"CONS_ADVANCED.ZIP": OFAC_SLS_EXPORTS + "CONS_ADVANCED.ZIP"},
    ("ofac-sdn", "ofac-enhanced-xml"): {"SDN_ENHANCED.ZIP": OFAC_SLS_EXPORTS + "SDN_ENHANCED.ZIP"},
    ("ofac-cons", "ofac-enhanced-xml"): {"CONS_ENHANCED.ZIP": OFAC_SLS_EXPORTS + "CONS_ENHANCED.ZIP"},
}

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
    fmt: str | None = None,
) -> FetchOutcome:
    """Download one list's files with conditional requests (ETag / Last-Modified) into ``cache_dir``,
    verify and record the SHA-256 of each, and load the set when any file changed. ``sources`` (file name
    -> URL) replaces the official URLs, e.g. for a mirror. ``fmt`` picks another official format of the list
    (:data:`FORMAT_SOURCES`, e.g. ``ofac-enhanced-xml``), downloaded into a folder of its own."""
    list_name = canonical_list(list_name)
    if fmt is not None and (list_name, fmt) not in FORMAT_SOURCES:
        known = ", ".join(f"{lst} {f}" for lst, f in FORMAT_SOURCES)
        raise FetchError(
            f"no official source known for list {list_name!r} in format {fmt!r}", hint=f"known: {known}"
        )
    sources = sources or (FORMAT_SOURCES[(list_name, fmt)] if fmt else sources_for(list_name))
    if not sources:
        raise FetchError(
            f"no official source known for list {list_name!r}",
            hint=f"known: {', '.join(OFFICIAL_SOURCES)}; or set {source_env_var(list_name)} to its URL",
        )
    target = cache_dir / (list_name if fmt is None else f"{list_name}.{fmt}")
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
    wanted = {canonical_list(n) for n in lists} if lists else None
    for list_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        name = canonical_list(list_dir.name)
        if name not in LISTS or (wanted and name not in wanted):
            continue
        for d in sorted(p for p in list_dir.iterdir() if p.is_dir() and _DATE_DIR.match(p.name)):
            found.append((name, d.name, d))
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
