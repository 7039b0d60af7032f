"""Checks every text-format parser gets from the one reader in parsers/base.py: NUL bytes and files that
mix UTF-8 with another encoding are refused with the file and line, never loaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.parsers import bis_dpl, ofac_csv, uk_hmt
from sanctions_ledger.parsers.base import ParsedList

FIX = Path(__file__).resolve().parents[1] / "fixtures"
OFAC = FIX / "ofac" / "good" / "sdn.csv"
UK = FIX / "uk" / "ConList_small.csv"
BIS = FIX / "bis" / "dpl_small.txt"


def _ofac(path: Path) -> ParsedList:
    return ofac_csv.parse(path, list_name="ofac-sdn")


def _uk(path: Path) -> ParsedList:
    return uk_hmt.parse(path)


def _bis(path: Path) -> ParsedList:
    return bis_dpl.parse(path)


# (parser, fixture in its official format, an ASCII text on a known line to tamper with, that line)
CASES: list[tuple[Callable[[Path], ParsedList], Path, bytes, int]] = [
    (_ofac, OFAC, b"AEROCARIBBEAN", 1),
    (_uk, UK, b"ANSAR AL SHARIA", 3),
    (_bis, BIS, b"AIR FREIGHT LTD", 3),
]
IDS = ["ofac-csv", "uk-hmt", "bis-dpl"]


def _write(tmp_path: Path, source: Path, data: bytes) -> Path:
    out = tmp_path / source.name
    out.write_bytes(data)
    return out


def test_nul_inside_an_ofac_field_is_refused_with_file_and_line(tmp_path: Path) -> None:
    data = OFAC.read_bytes().replace(b'"KIM, Jong Example"', b'"P-67\x00\x001"', 1)
    f = _write(tmp_path, OFAC, data)
    with pytest.raises(ParseError) as info:
        _ofac(f)
    assert (info.value.path, info.value.line) == (str(f), 2)
    assert "NUL" in info.value.detail and "column 10" in info.value.detail


@pytest.mark.parametrize(("parse", "source", "text", "line"), CASES, ids=IDS)
def test_nul_is_refused_by_every_text_parser(
    tmp_path: Path, parse: Callable[[Path], ParsedList], source: Path, text: bytes, line: int
) -> None:
    data = source.read_bytes()
    assert text in data
    f = _write(tmp_path, source, data.replace(text, text[:3] + b"\x00" + text[3:], 1))
    with pytest.raises(ParseError, match="NUL") as info:
        parse(f)
    assert (info.value.path, info.value.line) == (str(f), line)


def test_ofac_file_mixing_utf8_and_windows_1252_is_refused_naming_the_lines(tmp_path: Path) -> None:
    data = OFAC.read_bytes()
    assert "JOSÉ".encode("cp1252") in data  # line 5 is Windows-1252, as in the real files of that era
    mixed = data.replace(b"AEROCARIBBEAN", "ÑCOMERCIAL CIMEX".encode(), 1)  # line 1 now UTF-8
    f = _write(tmp_path, OFAC, mixed)
    with pytest.raises(ParseError) as info:
        _ofac(f)
    err = info.value
    assert (err.path, err.line) == (str(f), 5)
    assert "mixed text encodings" in err.detail
    assert "line(s) 1 are UTF-8" in err.detail and "line(s) 5 are not" in err.detail


@pytest.mark.parametrize(("parse", "source", "text", "line"), CASES, ids=IDS)
def test_mixed_encodings_are_refused_by_every_text_parser(
    tmp_path: Path, parse: Callable[[Path], ParsedList], source: Path, text: bytes, line: int
) -> None:
    lines = source.read_bytes().split(b"\n")
    # the known line gets a UTF-8 letter, the last other ASCII line with an "A" a Windows-1252 one
    lines[line - 1] = lines[line - 1].replace(text, "Ñ".encode() + text, 1)
    other = max(i for i, raw in enumerate(lines) if i != line - 1 and raw.isascii() and b"A" in raw)
    lines[other] = lines[other].replace(b"A", "É".encode("cp1252"), 1)
    f = _write(tmp_path, source, b"\n".join(lines))
    with pytest.raises(ParseError, match="mixed text encodings") as info:
        parse(f)
    assert info.value.path == str(f)
    assert f"line(s) {line} are UTF-8" in info.value.detail
    assert f"{other + 1}" in info.value.detail.split("are UTF-8")[1]


@pytest.mark.parametrize(("parse", "source", "text", "line"), CASES, ids=IDS)
def test_one_encoding_throughout_still_reads(
    tmp_path: Path, parse: Callable[[Path], ParsedList], source: Path, text: bytes, line: int
) -> None:
    """The fixtures are ASCII, Windows-1252 (UK) or ASCII with Windows-1252 lines (OFAC); as UTF-8 they
    give the same entities."""
    data = source.read_bytes()
    as_utf8 = tmp_path / ("utf8-" + source.name)
    as_utf8.write_bytes(data.decode("cp1252").encode("utf-8"))
    a = [e.content_hash() for e in parse(source).entities]
    b = [e.content_hash() for e in parse(as_utf8).entities]
    assert a and a == b
