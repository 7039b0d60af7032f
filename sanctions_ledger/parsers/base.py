"""What every parser returns, and the helpers they share for reading messy official files."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Entity


@dataclass(frozen=True)
class SourceFile:
    """One input file of a list set: its role in the set (e.g. ``sdn.csv``), path, size and sha256."""

    role: str
    path: Path
    size: int
    sha256: str

    def to_dict(self) -> dict[str, object]:
        return {"role": self.role, "path": str(self.path), "size": self.size, "sha256": self.sha256}


@dataclass
class ParsedList:
    """The result of parsing one publication of one list.

    ``counts`` are raw counts the parser made while reading (``records`` read from the main file, ``names``,
    ``addresses``, ``identifiers`` stored). Formats that group several rows into one entity (UK HMT, BIS DPL)
    also give ``rows`` and ``entities``. The loader checks ``entities`` (else ``records``) against
    ``len(entities)``, so nothing is lost between parser and store.
    """

    # ``list`` shadows the builtin in this class body: annotations spell ``builtins.list`` (see model.entity)
    list: str
    format: str
    entities: builtins.list[Entity]
    files: builtins.list[SourceFile]
    published_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    warnings: builtins.list[str] = field(default_factory=builtins.list)

    def check_unique(self) -> None:
        seen: dict[str, Entity] = {}
        for e in self.entities:
            if e.id in seen:
                prev = seen[e.id].provenance
                cur = e.provenance
                where = f"{cur.file}, line {cur.line}" if cur and cur.line else (cur.file if cur else "?")
                first = f" (first at line {prev.line})" if prev and prev.line else ""
                raise ParseError(
                    f"duplicate id {e.source_id!r}{first}",
                    path=cur.file if cur else None,
                    line=cur.line if cur else None,
                    hint=f"each record of {self.list} must have a unique id ({where})",
                )
            seen[e.id] = e


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_file(role: str, path: Path) -> SourceFile:
    return SourceFile(role=role, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def read_text(
    path: Path, encodings: Iterable[str] = ("utf-8",), *, strip_eof: bool = True
) -> tuple[str, str]:
    """Read a whole file as text, trying ``encodings`` in order. Strips a UTF-8 BOM and a trailing Ctrl-Z.

    Every parser of a text format reads through here, so each gets the same checks, all raising
    :class:`ParseError` with the file and line:

    - a NUL byte anywhere (a text list has none; a UTF-16 file, a binary or a damaged field has);
    - a file that mixes UTF-8 lines with lines in another encoding (pasted or concatenated files): it is
      refused rather than decoded one way, which would garble the other lines' names
      (``Ã‘COMERCIAL`` for ``ÑCOMERCIAL``) without a word;
    - bytes that no encoding in ``encodings`` can decode.

    Returns ``(text, encoding)``.
    """
    data = path.read_bytes()
    if strip_eof:
        data = data.rstrip(b"\x1a")
        # Some files carry Ctrl-Z followed by a newline, or only a stray one at the very end
        if data.endswith(b"\x1a\r\n") or data.endswith(b"\x1a\n"):
            data = data.rstrip(b"\r\n").rstrip(b"\x1a")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    _reject_nul_bytes(data, path)
    encodings = tuple(encodings)
    first_error: UnicodeDecodeError | None = None
    tried = []
    for enc in encodings:
        tried.append(enc)
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        if first_error is not None and tried[0].replace("_", "-").lower() in ("utf-8", "utf8"):
            _reject_mixed_utf8(data, path, enc)
        return text, enc
    assert first_error is not None
    line = data.count(b"\n", 0, first_error.start) + 1
    raise ParseError(
        f"cannot decode byte 0x{data[first_error.start]:02x} as {' or '.join(tried)}",
        path=path,
        line=line,
        hint="the file is not in the encoding this format uses; is it the right file?",
    )


MAX_LINES_NAMED = 5  # lines named per kind in a mixed-encoding error


def _reject_nul_bytes(data: bytes, path: Path) -> None:
    at = data.find(b"\x00")
    if at < 0:
        return
    line_start = data.rfind(b"\n", 0, at) + 1
    raise ParseError(
        f"NUL byte at column {at - line_start + 1}: a text list never holds one",
        path=path,
        line=data.count(b"\n", 0, at) + 1,
        hint="the file is UTF-16, binary or damaged; fetch it again or convert it to the list's encoding",
    )


def _reject_mixed_utf8(data: bytes, path: Path, fallback: str) -> None:
    """``data`` is not valid UTF-8 as a whole; refuse it if some of its lines are (non-ASCII) UTF-8."""
    utf8_lines: list[int] = []
    other_lines: list[int] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            other_lines.append(number)
        else:
            utf8_lines.append(number)
    if not utf8_lines:
        return

    def named(lines: list[int]) -> str:
        shown = ", ".join(str(n) for n in lines[:MAX_LINES_NAMED])
        more = len(lines) - MAX_LINES_NAMED
        return shown + (f" and {more} more" if more > 0 else "")

    raise ParseError(
        f"mixed text encodings: line(s) {named(utf8_lines)} are UTF-8, line(s) {named(other_lines)} are "
        f"not (probably {fallback}); refused rather than guessing which reading of each name is right",
        path=path,
        line=other_lines[0],
        hint="an official file is in one encoding: fetch it again, or convert the odd lines so that the "
        "whole file is UTF-8",
    )


def require_nonempty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise ParseError(
            "file is empty (0 bytes)",
            path=path,
            hint="a failed download often leaves an empty file; fetch it again",
        )


def reject_nul(text: str, path: Path, expected: str) -> None:
    """A NUL byte means a UTF-16 (or binary) file where text was expected. (:func:`read_text` already
    refuses NUL bytes; this is for text that came another way.)"""
    if "\x00" in text:
        raise ParseError(
            f"file contains NUL bytes (UTF-16?), expected {expected}",
            path=path,
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )


def header_rows(
    reader: Any, header: list[str], path: Path, hint: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line, row by column name) for each non-blank row of a ``csv.reader`` positioned after the
    header; a row with another number of fields than the header is a :class:`ParseError` naming its line."""
    prev_end: int = reader.line_num
    for cells in reader:
        line = prev_end + 1
        prev_end = reader.line_num
        if not cells or not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ParseError(
                f"row has {len(cells)} fields, the header has {len(header)}", path=path, line=line, hint=hint
            )
        yield line, dict(zip(header, cells, strict=True))
