"""Plain result records of ledger queries, each with ``to_dict()`` for JSON output."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sanctions_ledger.model.times import iso


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    list: str
    observed_at: datetime
    published_at: datetime | None
    format: str
    content_sha256: str
    files: builtins.list[dict[str, Any]]
    entity_count: int
    name_count: int
    address_count: int
    identifier_count: int
    added_count: int
    removed_count: int
    changed_count: int
    observation_count: int = 1
    last_observed_at: datetime | None = None
    warnings: builtins.list[str] = field(default_factory=builtins.list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list,
            "observed_at": iso(self.observed_at),
            "last_observed_at": iso(self.last_observed_at or self.observed_at),
            "observations": self.observation_count,
            "published_at": iso(self.published_at),
            "format": self.format,
            "content_sha256": self.content_sha256,
            "files": self.files,
            "counts": {
                "entities": self.entity_count,
                "names": self.name_count,
                "addresses": self.address_count,
                "identifiers": self.identifier_count,
                "added": self.added_count,
                "removed": self.removed_count,
                "changed": self.changed_count,
            },
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class LoadResult:
    """What one load did. ``status`` is ``created`` (a new snapshot), ``unchanged`` (same content as the
    snapshot before it: only the observation was recorded) or ``already_observed`` (the list already has
    this content observed at this instant: nothing was written)."""

    status: str
    snapshot: SnapshotInfo
    records_in: int
    entities_stored: int
    versions_created: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "snapshot": self.snapshot.to_dict(),
            "records_in": self.records_in,
            "entities_stored": self.entities_stored,
            "versions_created": self.versions_created,
        }


@dataclass
class Diff:
    list: str
    from_snapshot: SnapshotInfo
    to_snapshot: SnapshotInfo
    added: builtins.list[str]
    removed: builtins.list[str]
    changed: builtins.list[dict[str, Any]]
    by_program: dict[str, dict[str, int]]
    not_compared: dict[str, Any] | None = None
    # per entity of the diff (added, removed, changed): its caption and programs (for pages and filters)
    captions: dict[str, str] = field(default_factory=dict)
    programs: dict[str, builtins.list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "not_compared": self.not_compared,
            "list": self.list,
            "from": self.from_snapshot.to_dict(),
            "to": self.to_snapshot.to_dict(),
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "summary": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "by_program": self.by_program,
            },
        }
