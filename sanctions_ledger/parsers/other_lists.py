"""Content detection for the lists of Canada (SEMA XML), Australia (DFAT xlsx), Japan (MOF
xls), the US Consolidated Screening List (CSV / CSV.gz) and Switzerland (SECO XML).

:func:`sniff` is asked first by :func:`sanctions_ledger.parsers.sniff`; it answers ``None`` for a file of
none of these formats, so the other detectors run unchanged.
"""

from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers.un_xml import detect_script

# list name -> (authority, time zone of its dates)
LISTS: dict[str, tuple[str, str]] = {
    "ca-sema": ("CA-GAC", "America/Toronto"),
    "au-dfat": ("AU-DFAT", "Australia/Sydney"),
    "jp-mof": ("JP-MOF", "Asia/Tokyo"),
    "us-csl": ("US-COMMERCE-ITA", "America/New_York"),
    "ch-seco": ("CH-SECO", "Europe/Zurich"),
}
FORMATS = ("ca-sema-xml", "au-dfat-xlsx", "jp-mof-xls", "us-csl", "ch-seco-xml")
SUFFIXES = (".xlsx", ".xls", ".gz")

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSL_HEADER = re.compile(rb'^"?(?:_id"?,"?)?source"?,"?entity_number"?,')


def script_of(text: str) -> str:
    """ISO 15924 script of a name; ASCII text is Latin without looking up every character."""
    return "Latn" if text.isascii() else detect_script(text)


def _csl_text(head: bytes) -> bool:
    return bool(_CSL_HEADER.match(head.lstrip(b"\xef\xbb\xbf")))


def _gunzip_head(path: Path, n: int = 4096) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            return f.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(f"damaged gzip file: {exc}", path=path, line=1) from None


def sniff(path: Path, head: bytes) -> tuple[str, str] | None:
    """(format, list) when ``path`` is one of this module's formats, else ``None``."""
    if head.startswith(_GZIP):
        inner = _gunzip_head(path)
        if _csl_text(inner):
            return "us-csl", "us-csl"
        return None
    if head.startswith(_OLE2):
        from sanctions_ledger.parsers import jp_mof

        return ("jp-mof-xls", "jp-mof") if jp_mof.looks_like(path) else None
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path) as z:
                is_book = "xl/workbook.xml" in z.namelist()
        except zipfile.BadZipFile as exc:
            if path.suffix.lower() not in (".xlsx", ".xlsm"):
                return None  # a damaged ZIP of another kind (an OFAC SLS .ZIP) says so itself
            raise ParseError(
                f"zip container (xlsx) is damaged or truncated: {exc}",
                path=path,
                hint="the download was probably cut short; fetch it again",
            ) from None
        if not is_book:
            return None
        from sanctions_ledger.parsers import au_dfat, jp_mof

        if au_dfat.looks_like(path):
            return "au-dfat-xlsx", "au-dfat"
        return ("jp-mof-xls", "jp-mof") if jp_mof.looks_like(path) else None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if _csl_text(text):
        return "us-csl", "us-csl"
    if text.startswith(b"<"):
        lower = text[:2048].lower()
        if b"<swiss-sanctions-list" in lower:
            return "ch-seco-xml", "ch-seco"
        if b"<data-set" in lower and b"<record" in lower:
            return "ca-sema-xml", "ca-sema"
    return None
