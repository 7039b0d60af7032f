"""One module per official format: files in, :class:`ParsedList` out.

:func:`detect` looks at paths (files or folders) and groups them into list sets with a format;
:func:`parse_set` runs the right parser. ``list_name`` overrides the list the files are taken to be.
"""

from __future__ import annotations

import importlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sanctions_ledger.errors import ParseError, UnknownFormatError
from sanctions_ledger.parsers import other_lists
from sanctions_ledger.parsers.base import ParsedList, SourceFile

__all__ = ["FORMATS", "LISTS", "ListSet", "ParsedList", "SourceFile", "detect", "parse_paths", "parse_set"]

# list name -> (authority, time zone of its "dates")
LISTS: dict[str, tuple[str, str]] = {
    "ofac-sdn": ("US-TREASURY-OFAC", "America/New_York"),
    "ofac-cons": ("US-TREASURY-OFAC", "America/New_York"),
    "un": ("UNSC", "America/New_York"),
    "uk-hmt": ("UK-HMT-OFSI", "Europe/London"),
    "us-bis-dpl": ("US-COMMERCE-BIS", "America/New_York"),
    "eu-fsf": ("EU-COUNCIL", "Europe/Brussels"),
    "uk-fcdo": ("UK-FCDO", "Europe/London"),
    **other_lists.LISTS,  # Canada, Australia, Japan, US CSL, Switzerland
}

FORMATS: tuple[str, ...] = ("ofac-csv", "ofac-xml", "un-xml", "uk-hmt-csv", "bis-dpl")
FORMATS += ("eu-fsf-xml", "uk-fcdo-xml", "uk-ofsi-xlsx", "uk-ofsi-csv")
FORMATS += ("ofac-advanced-xml", "ofac-enhanced-xml")  # OFAC Sanctions List Service
FORMATS += ("ftm-json",)  # FollowTheMoney entity files (OpenSanctions datasets)
FORMATS += other_lists.FORMATS  # Canada, Australia, Japan, US CSL, Switzerland

_OFAC_MAIN = {"sdn.csv": "ofac-sdn", "cons_prim.csv": "ofac-cons"}
_OFAC_PARTS = {
    "ofac-sdn": ("add.csv", "alt.csv", "sdn_comments.csv"),
    "ofac-cons": ("cons_add.csv", "cons_alt.csv", "cons_comments.csv"),
}


@dataclass
class ListSet:
    """Files that together make one publication of one list."""

    format: str
    list: str | None
    files: dict[str, Path]  # role -> path; roles: main, add, alt, comments


def _head(path: Path, n: int = 4096) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def sniff(path: Path) -> tuple[str, str | None]:
    """Guess (format, list) of a single file from its content. Raises UnknownFormatError."""
    if path.stat().st_size == 0:
        raise ParseError("file is empty (0 bytes)", path=path, hint="a failed download leaves an empty file")
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):  # a ZIP: an OFSI 2022 workbook, another workbook, or an OFAC SLS .ZIP
        from sanctions_ledger.parsers.uk_ofsi_2022 import sniff_xlsx

        if zipfile.is_zipfile(path) and (found := sniff_xlsx(path)):
            return found
    if (other := other_lists.sniff(path, head)) is not None:
        return other
    if head.startswith(b"PK\x03\x04"):
        from sanctions_ledger.parsers.ofac_sls import zip_head

        head = zip_head(path) or head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:200].count(b"\x00") > 20:
        raise ParseError(
            "file is UTF-16 encoded (or binary); the official list formats are UTF-8, Windows-1252 or ASCII",
            path=path,
            line=1,
            hint="use the file as published, or convert it to UTF-8",
        )
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lower = text[:2048].lower()
    if text.startswith(b"{"):  # FollowTheMoney entities (JSON lines); the list is the file's dataset
        from sanctions_ledger.parsers import ftm_json

        if ftm_json.sniff(path):
            return "ftm-json", ftm_json.dataset_list(path)
    if text.startswith(b"<") or b"<?xml" in lower[:100]:
        if b"<consolidated_list" in lower:
            return "un-xml", "un"
        from sanctions_ledger.parsers.ofac_sls import list_for, sniff_format  # OFAC Advanced/Enhanced XML

        if (sls_format := sniff_format(lower)) is not None:
            return sls_format, list_for(path, lower)
        if b"<sdnlist" in lower:
            name = path.name.lower()
            lst = "ofac-cons" if ("cons" in name or "ofac-cons" in str(path).lower()) else "ofac-sdn"
            return "ofac-xml", lst
        if b"<sanctionentity" in lower or b"fpi/fsd/export" in lower:
            return "eu-fsf-xml", "eu-fsf"
        if b"<designations" in lower:
            return "uk-fcdo-xml", "uk-fcdo"
        raise UnknownFormatError(
            "XML file of an unknown kind (expected a UN CONSOLIDATED_LIST or an OFAC sdnList)",
            path=path,
            line=1,
        )
    if lower.startswith(b"last updated,"):
        if b"alias quality" in lower and b"passport number" in lower:  # the 2022 column layout
            return "uk-ofsi-csv", "uk-hmt"
        return "uk-hmt-csv", "uk-hmt"
    first_line = text.split(b"\n", 1)[0]
    if first_line.startswith(b'"Name"\t') or first_line.startswith(b"Name\t"):
        return "bis-dpl", "us-bis-dpl"
    name = path.name.lower()
    if name in _OFAC_MAIN:
        return "ofac-csv", _OFAC_MAIN[name]
    # An OFAC legacy main file under another name (e.g. the daily archive's <sha256>.csv): a leading
    # integer ent_num, then a quoted name, and the -0- null marker somewhere.
    import re

    if re.match(rb"^\d+,\"", first_line) and b"-0-" in head:
        return "ofac-csv", None
    raise UnknownFormatError(
        "unknown format: not an OFAC legacy CSV or XML, UN XML, UK HMT ConList CSV or BIS DPL file",
        path=path,
        line=1,
        hint="pass --list to say which list it is, or check that this is an official list file",
    )


def detect(paths: list[Path], list_name: str | None = None) -> list[ListSet]:
    """Group paths (files or folders) into list sets. A folder holding an OFAC CSV set is one set (its
    XML twin, if any, is ignored: load it as a file to parse the XML)."""
    from sanctions_ledger.parsers.aliases import canonical_list

    list_name = canonical_list(list_name) if list_name else list_name
    sets: list[ListSet] = []
    for p in paths:
        if not p.exists():
            raise ParseError("no such file or folder", path=p)
        if p.is_dir():
            sets.extend(_detect_dir(p, list_name))
        else:
            sets.append(_detect_file(p, list_name))
    return sets


def _detect_file(p: Path, list_name: str | None) -> ListSet:
    fmt, lst = sniff(p)
    if fmt == "ofac-csv":
        lst = list_name or lst
        if lst is None:
            raise UnknownFormatError(
                "OFAC legacy CSV file with a name that does not say which list it is",
                path=p,
                hint="pass --list ofac-sdn or --list ofac-cons",
            )
        files = {"main": p}
        # siblings of an sdn.csv / cons_prim.csv given alone
        if p.name.lower() in _OFAC_MAIN:
            for role, part in zip(
                ("add", "alt", "comments"), _OFAC_PARTS[_OFAC_MAIN[p.name.lower()]], strict=True
            ):
                sib = p.with_name(part)
                if sib.exists():
                    files[role] = sib
        return ListSet("ofac-csv", lst, files)
    return ListSet(fmt, list_name or lst, {"main": p})


def _detect_dir(d: Path, list_name: str | None) -> list[ListSet]:
    names = {c.name.lower(): c for c in d.iterdir() if c.is_file()}
    for main, lst in _OFAC_MAIN.items():
        if main in names:
            files = {"main": names[main]}
            for role, part in zip(("add", "alt", "comments"), _OFAC_PARTS[lst], strict=True):
                if part in names:
                    files[role] = names[part]
            return [ListSet("ofac-csv", list_name or lst, files)]
    out = []
    for child in sorted(names.values()):
        if child.name.startswith(".") or child.suffix.lower() not in (
            ".xml",
            ".csv",
            ".txt",
            ".xlsx",
            ".zip",
            *_JSON,
            *other_lists.SUFFIXES,
        ):
            continue
        if child.suffix.lower() in _JSON and not _ftm_file(child):
            continue  # other JSON (e.g. fetch-meta.json beside a download) is not a list
        out.append(_detect_file(child, list_name))
    if not out:
        raise UnknownFormatError("folder holds no list file we know", path=d)
    return out


_JSON = (".json", ".jsonl")  # FollowTheMoney entity files


def _ftm_file(path: Path) -> bool:
    from sanctions_ledger.parsers import ftm_json

    return ftm_json.sniff(path) is not None


# format -> (module of this package, function): the parser of a one-file format, called with the file and
# ``list_name``; imported when first used, so loading one format does not import every reader
_PARSERS: dict[str, tuple[str, str]] = {
    "ofac-xml": ("ofac_xml", "parse"),
    "ofac-advanced-xml": ("ofac_advanced", "parse"),
    "ofac-enhanced-xml": ("ofac_enhanced", "parse"),
    "un-xml": ("un_xml", "parse"),
    "uk-hmt-csv": ("uk_hmt", "parse"),
    "uk-ofsi-xlsx": ("uk_ofsi_2022", "parse"),
    "uk-ofsi-csv": ("uk_ofsi_2022", "parse_csv"),
    "uk-fcdo-xml": ("uk_fcdo", "parse"),
    "eu-fsf-xml": ("eu_fsf", "parse"),
    "bis-dpl": ("bis_dpl", "parse"),
    "us-csl": ("us_csl", "parse"),
    "au-dfat-xlsx": ("au_dfat", "parse"),
    "ca-sema-xml": ("ca_sema", "parse"),
    "jp-mof-xls": ("jp_mof", "parse"),
    "ch-seco-xml": ("ch_seco", "parse"),
    "ftm-json": ("ftm_json", "parse"),
}


def parse_set(ls: ListSet) -> ParsedList:
    """Parse one list set with its format's parser."""
    if ls.list is None:
        raise UnknownFormatError("cannot tell which list these files are", path=ls.files["main"])
    if ls.format == "ofac-csv":
        from sanctions_ledger.parsers import ofac_csv

        parsed = ofac_csv.parse(
            ls.files["main"],
            add=ls.files.get("add"),
            alt=ls.files.get("alt"),
            comments=ls.files.get("comments"),
            list_name=ls.list,
        )
    elif ls.format in _PARSERS:
        module, function = _PARSERS[ls.format]
        parse = getattr(importlib.import_module(f"sanctions_ledger.parsers.{module}"), function)
        parsed = parse(ls.files["main"], list_name=ls.list)
    else:  # pragma: no cover - detect() only yields known formats
        raise UnknownFormatError(f"no parser for format {ls.format!r}", path=ls.files["main"])
    parsed.check_unique()
    return parsed


def parse_paths(paths: list[Path], list_name: str | None = None) -> list[ParsedList]:
    return [parse_set(ls) for ls in detect(paths, list_name)]
