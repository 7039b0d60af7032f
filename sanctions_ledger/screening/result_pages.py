"""Pages of the rows with matches in a JSON-lines batch result, for showing a finished job in a browser.

A job of a million rows has a result of hundreds of megabytes; a page must not read it all. The first
request scans the file once and keeps, beside it, an index of where each row with matches starts
(``<result>.matched``: one 8-byte offset per such row); every page after that reads its slice of the index
and its 100 or so lines. The index is written to a part file of its own and renamed, so readers at the same
time see either none or a whole one, and it is written again if the result is newer.
"""

from __future__ import annotations

import json
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PER_PAGE = 100
_EMPTY = (b'"matches": []', b'"matches":[]')  # how json.dumps writes a row without matches


@dataclass(frozen=True)
class MatchedRow:
    """One result row with matches, as a table shows it: the best match spelt out."""

    row_id: str
    query_name: str
    best_name: str
    best_entity_id: str
    best_list: str
    best_score: float
    matches: int


@dataclass(frozen=True)
class MatchedPage:
    """Page ``page`` (1-based) of the rows with matches; ``total`` such rows in ``pages`` pages."""

    page: int
    pages: int
    per_page: int
    total: int
    rows: list[MatchedRow] = field(default_factory=list)

    @property
    def first(self) -> int:
        """The 1-based position of the first row of this page among the matched rows (0 when none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0


def _has_matches(line: bytes) -> bool:
    """Whether a result line has matches; most lines are told by their bytes alone (a quote inside a JSON
    string is escaped, so ``"matches"`` there is a key), the rest are parsed."""
    keys = line.count(b'"matches"')
    if keys == 0 or (keys == 1 and any(e in line for e in _EMPTY)):
        return False
    try:
        return bool(json.loads(line).get("matches"))
    except ValueError:
        return False


def _index(result: Path) -> array[int]:
    """The offsets of the rows with matches, from the index beside ``result`` (built when missing)."""
    idx = result.with_name(result.name + ".matched")
    try:
        if idx.stat().st_mtime_ns >= result.stat().st_mtime_ns:
            offsets = array("Q")
            offsets.frombytes(idx.read_bytes())
            return offsets
    except FileNotFoundError:
        pass
    offsets = array("Q")
    pos = 0
    with result.open("rb") as f:
        for line in f:
            if _has_matches(line):
                offsets.append(pos)
            pos += len(line)
    part = idx.with_name(f"{idx.name}.{uuid.uuid4().hex}.part")
    try:
        part.write_bytes(offsets.tobytes())
        part.replace(idx)
    finally:
        part.unlink(missing_ok=True)
    return offsets


def _row(rec: dict[str, Any]) -> MatchedRow:
    matches = rec.get("matches") or []
    best = matches[0]
    return MatchedRow(
        row_id=str(rec.get("id", "")),
        query_name=str((rec.get("query") or {}).get("name", "")),
        best_name=str(best.get("name", "")),
        best_entity_id=str(best.get("entity_id", "")),
        best_list=str(best.get("list", "")),
        best_score=float(best.get("score", 0.0)),
        matches=len(matches),
    )


def matched_page(result: Path, page: int = 1, per_page: int = PER_PAGE) -> MatchedPage:
    """Page ``page`` of the rows with matches of the JSON-lines ``result``, in input order (a page past the
    last is the last)."""
    offsets = _index(result)
    total = len(offsets)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = []
    with result.open("rb") as f:
        for pos in offsets[(page - 1) * per_page : page * per_page]:
            f.seek(pos)
            rows.append(_row(json.loads(f.readline())))
    return MatchedPage(page=page, pages=pages, per_page=per_page, total=total, rows=rows)
