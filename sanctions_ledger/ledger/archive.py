"""Replaying an archive of observed publications (the daily OFAC SDN archive) in observation order.

An archive is a tar file (optionally xz/gz-compressed) or a folder holding ``observations.csv``
(``observed_at_utc, source_repo, commit, sha256, file``) and the files it names. Each observation is
loaded with its own observation time; identical content only adds an observation to its snapshot.
"""

from __future__ import annotations

import csv
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger.store import Ledger
from sanctions_ledger.parsers import ParsedList, ofac_csv
from sanctions_ledger.parsers.base import sha256_file
from sanctions_ledger.parsers.ofac_csv import RecordMemo

REQUIRED = ("observed_at_utc", "sha256", "file")


def is_archive(path: Path) -> bool:
    if path.is_dir():
        return (path / "observations.csv").is_file() and (path / "files").is_dir()
    name = path.name.lower()
    return name.endswith((".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz"))


@dataclass
class ReplaySummary:
    archive: str
    observations: int = 0
    snapshots_created: int = 0
    unchanged: int = 0
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
            "versions_created": self.versions_created,
            "first_observed_at": self.first_observed_at,
            "last_observed_at": self.last_observed_at,
        }


def read_observations(root: Path) -> list[dict[str, str]]:
    path = root / "observations.csv"
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ParseError(f"missing column(s) {', '.join(missing)}", path=path, line=1)
        rows = []
        for row in reader:
            if not row.get("observed_at_utc") or not row.get("file"):
                raise ParseError("row without observed_at_utc or file", path=path, line=reader.line_num)
            row["_line"] = str(reader.line_num)
            rows.append(row)
    rows.sort(key=lambda r: r["observed_at_utc"])
    return rows


def replay(
    ledger: Ledger,
    archive: Path,
    *,
    list_name: str = "ofac-sdn",
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor: str | None = None,
) -> ReplaySummary:
    """Load every observation of ``archive`` in time order. Each observation is one transaction; the
    archive's own checksums are verified before a file is parsed."""
    if archive.is_dir():
        return _replay_dir(ledger, archive, archive, list_name, limit, progress, actor)
    with tempfile.TemporaryDirectory(prefix="sanctions-replay-") as tmp:
        try:
            with tarfile.open(archive) as tf:
                tf.extractall(tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ParseError(f"cannot unpack archive: {exc}", path=archive) from exc
        root = Path(tmp)
        if not (root / "observations.csv").exists():
            subs = [p for p in root.iterdir() if (p / "observations.csv").exists()]
            if not subs:
                raise ParseError("archive has no observations.csv", path=archive)
            root = subs[0]
        return _replay_dir(ledger, root, archive, list_name, limit, progress, actor)


def _checked_parse(root: Path, row: dict[str, str], list_name: str, memo: RecordMemo) -> ParsedList:
    """Verify an observation's file against the archive's checksum, then parse it (runs in a worker)."""
    path = root / row["file"]
    where = {"path": root / "observations.csv", "line": int(row["_line"])}
    if not path.is_file():
        raise ParseError(f"observation names a missing file {row['file']}", **where)  # type: ignore[arg-type]
    want = row.get("sha256")
    if want and sha256_file(path) != want:
        raise ParseError(f"checksum mismatch for {row['file']}", hint="the archive is damaged", **where)  # type: ignore[arg-type]
    parsed = ofac_csv.parse(path, list_name=list_name, memo=memo)
    parsed.check_unique()
    return parsed


def _replay_dir(
    ledger: Ledger,
    root: Path,
    archive: Path,
    list_name: str,
    limit: int | None,
    progress: Callable[[int, int], None] | None,
    actor: str | None,
) -> ReplaySummary:
    """Each distinct file is parsed once (an unchanged list is often observed several times)."""
    rows = read_observations(root)
    if limit is not None:
        rows = rows[:limit]
    summary = ReplaySummary(archive=str(archive))
    last_use = {row["file"]: i for i, row in enumerate(rows)}
    parsed_by_file: dict[str, ParsedList] = {}
    memo = RecordMemo()
    for i, row in enumerate(rows):
        f = row["file"]
        if f not in parsed_by_file:
            parsed_by_file[f] = _checked_parse(root, row, list_name, memo)
        parsed = parsed_by_file[f] if last_use[f] > i else parsed_by_file.pop(f)
        at = datetime.fromisoformat(row["observed_at_utc"].replace("Z", "+00:00"))
        source = f"{row.get('source_repo', '')}@{row.get('commit', '')}:{row['file']}"
        result = ledger.record(parsed, at, source=source, actor=actor)
        summary.observations += 1
        if result.status == "created":
            summary.snapshots_created += 1
        else:
            summary.unchanged += 1
        summary.versions_created += result.versions_created
        summary.first_observed_at = summary.first_observed_at or row["observed_at_utc"]
        summary.last_observed_at = row["observed_at_utc"]
        if progress:
            progress(i + 1, len(rows))
    return summary
