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

    Returns ``(text, encoding)``. Raises :class:`ParseError` naming the file and line of the first byte
    that no encoding could decode.
    """
    data = path.read_bytes()
    if strip_eof:
        data = data.rstrip(b"\x1a")
        # Some files carry Ctrl-Z followed by a newline, or only a stray one at the very end
        if data.endswith(b"\x1a\r\n") or data.endswith(b"\x1a\n"):
            data = data.rstrip(b"\r\n").rstrip(b"\x1a")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    first_error: UnicodeDecodeError | None = None
    tried = []
    for enc in encodings:
        tried.append(enc)
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data.count(b"\n", 0, first_error.start) + 1
    raise ParseError(
        f"cannot decode byte 0x{data[first_error.start]:02x} as {' or '.join(tried)}",
        path=path,
        line=line,
        hint="the file is not in the encoding this format uses; is it the right file?",
    )


def require_nonempty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise ParseError(
            "file is empty (0 bytes)",
            path=path,
            hint="a failed download often leaves an empty file; fetch it again",
        )


def reject_nul(text: str, path: Path, expected: str) -> None:
    """A NUL byte means a UTF-16 (or binary) file where text was expected."""
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
