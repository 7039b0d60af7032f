"""Replaying an archive of observed publications (the daily OFAC SDN archive) in observation order.

An archive is a tar file (plain or xz/gz/bz2-compressed) or a folder holding ``observations.csv``
(``observed_at_utc, source_repo, commit, sha256, file``) and the files it names. Each observation is
loaded with its own observation time; identical content only adds an observation to its snapshot.

A replay runs in two passes over the archive, each reading a tar as a stream (archive_members.py):

1. **Check** (nothing is written): every row has a valid time and a SHA-256, names a regular file of the
   archive itself (no absolute path, no ``..``, no link), and that file's SHA-256 is the row's; the archive
   stays within :class:`~sanctions_ledger.ledger.archive_members.Limits`. Any failure loads nothing.
2. **Load**: each observation is stored in its own transaction, in time order. The member being parsed is
   the only thing written to disk (a temporary file of a few MiB, removed at once).

A replay is **resumable**, not all-or-nothing: if an observation fails in pass 2 (a file that does not
parse, a conflict), the observations before it stay stored and the error says so. Running the same
command again skips every observation already stored (same list, time and file) without parsing it, so a
resumed or repeated replay adds nothing twice.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import tempfile
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sanctions_ledger.errors import ParseError, SanctionsError
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.archive_members import (
    OBSERVATIONS,
    Limits,
    Member,
    confined,
    dir_member,
    tar_members,
)
from sanctions_ledger.ledger.store import Ledger
from sanctions_ledger.parsers import ParsedList, ofac_csv
from sanctions_ledger.parsers.ofac_csv import RecordMemo

REQUIRED = ("observed_at_utc", "sha256", "file")
SHA256 = re.compile(r"[0-9a-f]{64}")


def is_archive(path: Path) -> bool:
    if path.is_dir():
        return (path / OBSERVATIONS).is_file() and (path / "files").is_dir()
    name = path.name.lower()
    return name.endswith((".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2"))


@dataclass
class ReplaySummary:
    archive: str
    observations: int = 0
    snapshots_created: int = 0
    unchanged: int = 0
    already_stored: int = 0
    versions_created: int = 0
    first_observed_at: str | None = None
    last_observed_at: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "observations": self.observations,
            "snapshots_created": self.snapshots_created,
            "unchanged": self.unchanged,
            "already_stored": self.already_stored,
            "versions_created": self.versions_created,
            "first_observed_at": self.first_observed_at,
            "last_observed_at": self.last_observed_at,
        }


@dataclass(frozen=True)
class Observation:
    line: int  # in observations.csv
    at: datetime
    at_text: str
    sha256: str
    file: str  # the member, confined and normalised
    source: str


def parse_observations(data: bytes, where: Path) -> list[Observation]:
    """The rows of ``observations.csv``, checked, in time order."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 (byte {exc.start})", path=where) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}", path=where, line=1)
    rows = []
    try:
        for row in reader:
            line = reader.line_num
            rows.append(_observation(row, line, where))
    except csv.Error as exc:
        raise ParseError(f"bad CSV: {exc}", path=where, line=reader.line_num) from exc
    rows.sort(key=lambda r: r.at)
    return rows


def _observation(row: dict[str, Any], line: int, where: Path) -> Observation:
    def bad(msg: str, col: str) -> ParseError:
        return ParseError(msg, path=where, line=line, field=col, hint="nothing was loaded")

    at_text = (row.get("observed_at_utc") or "").strip()
    try:
        at = datetime.fromisoformat(at_text.replace("Z", "+00:00"))
    except ValueError:
        raise bad(f"not an ISO instant: {at_text!r}", "observed_at_utc") from None
    if at.tzinfo is None:
        raise bad(f"instant without a zone: {at_text!r}", "observed_at_utc")
    digest = (row.get("sha256") or "").strip().lower()
    if not SHA256.fullmatch(digest):
        raise bad("every observation needs the SHA-256 of its file (64 hex digits)", "sha256")
    ref = row.get("file") or ""
    try:
        member = confined(ref)
    except ValueError as exc:
        raise bad(f"file {ref!r} is {exc}: only the archive's own members may be named", "file") from None
    source = f"{row.get('source_repo') or ''}@{row.get('commit') or ''}:{member}"
    return Observation(line, at, at_text, digest, member, source)


class _Archive:
    """The members of a tar (read as a stream, one pass at a time) or of a folder."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.is_dir = path.is_dir()

    def check(self) -> tuple[list[Observation], dict[str, Member]]:
        """Pass 1: the observations and the members they name, every reference and checksum verified."""
        where = self.path / OBSERVATIONS
        members: dict[str, Member] = {}
        if self.is_dir:
            obs = dir_member(self.path, OBSERVATIONS, self.limits, keep=True) if where.exists() else None
            if obs is None or obs.data is None:
                raise ParseError("archive has no observations.csv (a regular file)", path=self.path)
            rows = parse_observations(obs.data, where)
            for name in sorted({r.file for r in rows}):
                try:
                    members[name] = dir_member(self.path, name, self.limits, keep=False)
                except FileNotFoundError:
                    continue
        else:
            data = None
            for m in tar_members(self.path, self.limits):
                members[m.name] = m
                if m.name == OBSERVATIONS and m.kind == "file":
                    data = m.data
            if data is None:
                raise ParseError("archive has no observations.csv", path=self.path)
            rows = parse_observations(data, where)
        for r in rows:
            named = members.get(r.file)
            problem = None
            if named is None:
                problem = f"names {r.file}, which is not in the archive"
            elif named.kind != "file":
                problem = f"names {r.file}, which is a {named.kind}, not a regular file"
            elif named.sha256 != r.sha256:
                problem = f"checksum mismatch for {r.file}: the archive holds {named.sha256}"
            if problem:
                raise ParseError(problem, path=where, line=r.line, field="file", hint="nothing was loaded")
        return rows, members

    def read(self, name: str) -> tuple[str, bytes]:
        """A folder archive's member, read when it is needed."""
        try:
            m = dir_member(self.path, name, self.limits, keep=True)
        except FileNotFoundError:
            raise ParseError(f"{name} vanished from the archive while it was read", path=self.path) from None
        if m.sha256 is None or m.data is None:
            raise ParseError(f"{name} is no longer a regular file", path=self.path)
        return m.sha256, m.data

    def contents(self, wanted: set[str]) -> Generator[tuple[str, str, bytes]]:
        """Pass 2 over a tar: ``(name, sha256, bytes)`` of each wanted member, in archive order."""
        for m in tar_members(self.path, self.limits, frozenset(wanted)):
            if m.name in wanted and m.data is not None and m.sha256 is not None:
                yield m.name, m.sha256, m.data


def stored_observations(ledger: Ledger, list_name: str) -> set[tuple[datetime, str]]:
    """(instant, sha256 of a file) of every observation of ``list_name`` already in the ledger."""
    o, sn = t.observations, t.snapshots
    q = select(o.c.observed_at, o.c.files).join(sn, sn.c.id == o.c.snapshot_id).where(sn.c.list == list_name)
    out = set()
    with ledger.engine.connect() as c:
        for at, files in c.execute(q):
            for f in json.loads(files):
                out.add((at, str(f.get("sha256"))))
    return out


def replay(
    ledger: Ledger,
    archive: Path,
    *,
    list_name: str = "ofac-sdn",
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor: str | None = None,
    limits: Limits | None = None,
) -> ReplaySummary:
    """Check ``archive`` whole, then load its observations in time order, each in its own transaction,
    skipping those already stored. Resumable: on an error the observations before it stay stored."""
    arch = _Archive(archive, limits or Limits())
    rows, _members = arch.check()
    if limit is not None:
        rows = rows[:limit]
    have = stored_observations(ledger, list_name)
    todo = [r for r in rows if (r.at, r.sha256) not in have]
    summary = ReplaySummary(archive=str(archive))
    with (
        tempfile.TemporaryDirectory(prefix="sanctions-replay-") as tmp,
        contextlib.closing(_Loader(ledger, arch, list_name, actor, Path(tmp), todo)) as loader,
    ):
        for i, row in enumerate(rows):
            try:
                result = loader.load(row) if (row.at, row.sha256) not in have else None
            except SanctionsError as exc:
                raise _stopped(exc, archive, row, i, len(rows)) from exc
            summary.observations += 1
            if result is None or result.status == "already_observed":
                summary.already_stored += 1
            elif result.status == "created":
                summary.snapshots_created += 1
            else:
                summary.unchanged += 1
            if result is not None:
                summary.versions_created += result.versions_created
            summary.first_observed_at = summary.first_observed_at or row.at_text
            summary.last_observed_at = row.at_text
            if progress:
                progress(i + 1, len(rows))
    return summary


def _stopped(exc: SanctionsError, archive: Path, row: Observation, i: int, n: int) -> SanctionsError:
    exc.message = (
        f"{archive}: replay stopped at observation {i + 1} of {n} ({OBSERVATIONS} line {row.line}, "
        f"{row.file}, observed {row.at_text}): {exc.message}"
    )
    exc.args = (exc.message,)
    hint = (
        f"the replay is resumable, not all-or-nothing: the {i} observation(s) before this one are stored "
        "and stay; fix the archive (or the ledger) and run the same command again, and the observations "
        "already stored are skipped, not added twice"
    )
    exc.hint = f"{exc.hint}; {hint}" if exc.hint else hint
    return exc


class _Loader:
    """Pass 2: takes each wanted member from the stream when an observation needs it. A member that comes
    before it is needed is held in memory (up to ``Limits.held_bytes``); each distinct file is parsed once
    and its parse kept only until its last observation."""

    def __init__(
        self,
        ledger: Ledger,
        arch: _Archive,
        list_name: str,
        actor: str | None,
        tmp: Path,
        todo: list[Observation],
    ) -> None:
        self.ledger, self.arch, self.list_name, self.actor, self.tmp = ledger, arch, list_name, actor, tmp
        self.uses: dict[str, int] = {}
        for r in todo:
            self.uses[r.file] = self.uses.get(r.file, 0) + 1
        self.stream: Generator[tuple[str, str, bytes]] | None = None
        if todo and not arch.is_dir:
            self.stream = arch.contents(set(self.uses))
        self.held: dict[str, tuple[str, bytes]] = {}
        self.parsed: dict[str, ParsedList] = {}
        self.memo = RecordMemo()

    def close(self) -> None:
        """Stop reading the archive (a replay that stopped early leaves the stream open otherwise)."""
        if self.stream is not None:
            self.stream.close()

    def _take(self, name: str) -> tuple[str, bytes]:
        if self.arch.is_dir:
            return self.arch.read(name)
        assert self.stream is not None  # a tar replay with something to load streams it
        if name in self.held:
            return self.held.pop(name)
        for got, digest, data in self.stream:
            if got == name:
                return digest, data
            self.held[got] = (digest, data)
            held = sum(len(d) for _, d in self.held.values())
            if held > self.arch.limits.held_bytes:
                raise ParseError(
                    f"archive members come too far out of observation order ({held} bytes held before "
                    f"{name} arrived)",
                    path=self.arch.path,
                    hint="unpack the archive (tar -xf) and load the folder instead",
                )
        raise ParseError(f"{name} vanished from the archive while it was read", path=self.arch.path)

    def _parse(self, row: Observation) -> ParsedList:
        digest, data = self._take(row.file)
        if digest != row.sha256:
            raise ParseError(f"checksum mismatch for {row.file}: the archive changed while it was read")
        spool = self.tmp / row.file.rsplit("/", 1)[-1]
        spool.write_bytes(data)
        shown = self.arch.path / row.file
        try:
            parsed = ofac_csv.parse(spool, list_name=self.list_name, memo=self.memo)
            parsed.check_unique()
        except ParseError as exc:
            if exc.path != str(spool):
                raise
            raise ParseError(exc.detail, path=shown, line=exc.line, field=exc.field, hint=exc.hint) from exc
        finally:
            spool.unlink()
        parsed.files = [replace(f, path=shown) for f in parsed.files]
        return parsed

    def load(self, row: Observation) -> Any:
        parsed = self.parsed.get(row.file) or self._parse(row)
        self.uses[row.file] -= 1
        if self.uses[row.file]:
            self.parsed[row.file] = parsed
        else:
            self.parsed.pop(row.file, None)
        return self.ledger.record(parsed, row.at, source=row.source, actor=self.actor)


def read_observations(root: Path) -> list[dict[str, str]]:
    """The rows of a folder archive's ``observations.csv`` (checked, in time order) as plain dicts."""
    rows = parse_observations((root / OBSERVATIONS).read_bytes(), root / OBSERVATIONS)
    return [
        {"observed_at_utc": r.at_text, "sha256": r.sha256, "file": r.file, "_line": str(r.line)} for r in rows
    ]
