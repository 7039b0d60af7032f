"""Customer records of a watchlist: reading a CSV or Parquet file, validating every row.

Columns: ``id`` and ``name`` required; optional ``type``, ``dob``, ``country``, ``imo``, ``id_number``
(screened), any other column is kept with the record but does not define its version. Every problem of
every row is collected (file and line), and the file is refused as a whole: nothing is half-written.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import InputError, ParseError
from sanctions_ledger.screening.query import ScreeningQuery

SCREENED = ("name", "type", "dob", "country", "imo", "id_number")
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class CustomerRecord:
    """One customer (or counterparty) as a watchlist file gives it."""

    customer_id: str
    name: str
    type: str = ""
    dob: str = ""
    country: str = ""
    imo: str = ""
    id_number: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    def screened(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in SCREENED}

    @property
    def content_hash(self) -> str:
        """The record's version: a hash of the screened fields only (an edited note is not a change)."""
        blob = json.dumps(self.screened(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def content_json(self) -> str:
        d: dict[str, Any] = {"id": self.customer_id, **self.screened()}
        if self.extra:
            d["extra"] = self.extra
        return json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, line: int | None = None) -> CustomerRecord:
        d = json.loads(text)
        return cls(
            customer_id=d["id"],
            extra=d.get("extra") or {},
            line=line,
            **{k: d.get(k, "") for k in SCREENED},
        )

    def query(self) -> ScreeningQuery:
        """The screening query for this record (raises :class:`InputError` for an invalid value)."""
        return ScreeningQuery.build(
            self.name,
            schema=self.type or None,
            dob=self.dob or None,
            country=self.country or None,
            imo=self.imo or None,
            id_number=self.id_number or None,
        )


class WatchlistFileError(ParseError):
    """A watchlist file with problems; ``problems`` lists ``(line, message)`` for every bad row."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        shown = problems[:MAX_ERRORS_SHOWN]
        lines = [f"  {path}, line {ln}: {msg}" if ln else f"  {path}: {msg}" for ln, msg in shown]
        more = len(problems) - len(shown)
        if more > 0:
            lines.append(f"  ... and {more} more")
        first_line = shown[0][0] if shown else None
        super().__init__(
            f"{len(problems)} problem(s) in the watchlist file; nothing was loaded\n" + "\n".join(lines),
            path=None,
            hint="fix the rows named above and load the file again",
        )
        self.path = str(path)
        self.line = first_line


def read_records(path: Path) -> tuple[list[CustomerRecord], str, str]:
    """Read and validate a watchlist file: ``(records, format, sha256)``.

    Raises :class:`WatchlistFileError` listing every bad row, or :class:`InputError` when the file
    cannot be read at all.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if path.suffix.lower() in (".parquet", ".pq"):
        rows, problems = _parquet_rows(path)
        fmt = "parquet"
    else:
        rows, problems = _csv_rows(path)
        fmt = "csv"
    records = _validate(rows, problems)
    if problems:
        problems.sort(key=lambda p: p[0] or 0)
        raise WatchlistFileError(path, problems)
    return records, fmt, sha


Raw = tuple[int, dict[str, str]]


def _header(fields: list[str]) -> list[str]:
    return [f.strip().lower().lstrip("\ufeff") for f in fields]


def _csv_rows(path: Path) -> tuple[list[Raw], list[tuple[int | None, str]]]:
    problems: list[tuple[int | None, str]] = []
    rows: list[Raw] = []
    try:
        data = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise WatchlistFileError(path, [(line, "the file is not UTF-8 text")]) from exc
    reader = csv.reader(data.splitlines(keepends=True))
    try:
        header = _header(next(reader))
    except StopIteration:
        raise WatchlistFileError(path, [(1, "the file is empty (a header with id,name is needed)")]) from None
    except csv.Error as exc:
        raise WatchlistFileError(path, [(1, f"unreadable header: {exc}")]) from exc
    missing = [c for c in ("id", "name") if c not in header]
    if missing:
        raise WatchlistFileError(path, [(1, f"missing column(s) {', '.join(missing)} in the header")])
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise WatchlistFileError(path, [(1, f"duplicate column(s) {', '.join(dups)} in the header")])
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((start, f"broken CSV row: {exc}"))
            continue
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append((start, f"{len(values)} fields where the header has {len(header)}"))
            continue
        rows.append((start, dict(zip(header, values, strict=True))))
    return rows, problems


def _parquet_rows(path: Path) -> tuple[list[Raw], list[tuple[int | None, str]]]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency of monitoring
        raise InputError("reading Parquet needs pyarrow", hint="pip install pyarrow") from exc
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise WatchlistFileError(path, [(None, f"not a readable Parquet file: {exc}")]) from exc
    header = _header(table.column_names)
    missing = [c for c in ("id", "name") if c not in header]
    if missing:
        raise WatchlistFileError(path, [(None, f"missing column(s) {', '.join(missing)}")])
    table = table.rename_columns(header)
    rows: list[Raw] = []
    for i, r in enumerate(table.to_pylist(), start=1):
        rows.append((i, {k: "" if v is None else str(v) for k, v in r.items()}))
    return rows, []


def _validate(rows: list[Raw], problems: list[tuple[int | None, str]]) -> list[CustomerRecord]:
    records: list[CustomerRecord] = []
    first_line: dict[str, int] = {}
    for line, values in rows:
        cid = (values.get("id") or "").strip()
        if not cid:
            problems.append((line, "missing id"))
            continue
        if len(cid) > 256:
            problems.append((line, f"id is {len(cid)} characters long (at most 256)"))
            continue
        if cid in first_line:
            problems.append((line, f"duplicate id {cid!r} (first at line {first_line[cid]})"))
            continue
        first_line[cid] = line
        rec = CustomerRecord(
            customer_id=cid,
            name=" ".join((values.get("name") or "").split()),
            type=(values.get("type") or "").strip(),
            dob=(values.get("dob") or "").strip(),
            country=(values.get("country") or "").strip(),
            imo=(values.get("imo") or "").strip(),
            id_number=(values.get("id_number") or "").strip(),
            extra={k: v for k, v in values.items() if k not in SCREENED and k != "id" and v},
            line=line,
        )
        try:
            rec.query()
        except InputError as exc:
            problems.append((line, f"id {cid!r}: {exc.message}"))
            continue
        records.append(rec)
    return records
