"""Actions as plain data: an authority's act on a list, its targets and its lifecycle events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sanctions_ledger.actions.timeinput import tz_for
from sanctions_ledger.model.times import iso

EVENT_KINDS = ("drafted", "scheduled", "announced", "effective", "withdrawn", "revoked", "observed")
CATEGORIES = ("designation", "amendment", "delisting", "advisory", "other")
ORIGINS = ("recorded", "imported", "inferred")
PRECISIONS = ("instant", "minute", "day", "month")
TARGET_TYPES = ("individual", "entity", "vessel", "aircraft", "unknown")

# The zone in which an authority's "dates" are days (the design's defaults).
AUTHORITY_ZONES: dict[str, str] = {
    "US-TREASURY-OFAC": "America/New_York",
    "US-TREASURY-FINCEN": "America/New_York",
    "US-STATE": "America/New_York",
    "US-TREASURY-OFAC+US-STATE": "America/New_York",
    "US-COMMERCE-BIS": "America/New_York",
    "UNSC": "America/New_York",
    "UNSC-1718-COMMITTEE": "America/New_York",
    "UK-HMT-OFSI": "Europe/London",
    "UK-FCDO": "Europe/London",
    "EU": "Europe/Brussels",
    "EU-COUNCIL": "Europe/Brussels",
}

# Short, readable names of authorities for sentences.
AUTHORITY_NAMES: dict[str, str] = {
    "US-TREASURY-OFAC": "OFAC (U.S. Treasury)",
    "US-TREASURY-FINCEN": "FinCEN (U.S. Treasury)",
    "US-STATE": "the U.S. State Department",
    "US-TREASURY-OFAC+US-STATE": "OFAC and the State Department",
    "US-COMMERCE-BIS": "BIS (U.S. Commerce)",
    "UNSC": "the UN Security Council",
    "UNSC-1718-COMMITTEE": "the UN 1718 Committee",
    "UK-HMT-OFSI": "OFSI (UK Treasury)",
    "UK-FCDO": "the UK Foreign Office (FCDO)",
    "EU": "the Council of the EU",
    "EU-COUNCIL": "the Council of the EU",
}


def authority_zone(authority: str) -> str:
    return AUTHORITY_ZONES.get(authority, "UTC")


@dataclass(frozen=True)
class When:
    """A time as given: the instant (start of the day/month when coarse), the zone it was given in, and
    its precision. ``day`` means "some time during that local day in ``zone``"."""

    at: datetime
    zone: str
    precision: str = "instant"

    def tzinfo(self) -> tzinfo:
        return tz_for(self.zone)

    def local(self) -> datetime:
        return self.at.astimezone(self.tzinfo())

    def local_date(self) -> date:
        return self.local().date()

    def to_dict(self) -> dict[str, Any]:
        loc = self.local()
        out: dict[str, Any] = {"utc": iso(self.at), "zone": self.zone, "precision": self.precision}
        if self.precision == "month":
            out["local"] = loc.strftime("%Y-%m")
        elif self.precision == "day":
            out["local"] = loc.date().isoformat()
        else:
            out["local"] = loc.isoformat()
        return out

    def local_iso(self) -> str:
        return self.local().isoformat()

    def display(self, detail: dict[str, Any] | None = None) -> dict[str, Any]:
        """The time as a reader should see it: a month is a month, a day is a day (no invented midnight),
        and a time its source marks as approximate says so (``detail`` is the event's detail)."""
        out = self.to_dict()
        detail = detail or {}
        loc = self.local()
        if detail.get("precision") == "approximate":
            out["approximate"] = True
            conf = ""
            if detail.get("confidence"):
                out["confidence"] = detail["confidence"]
                conf = f", {detail['confidence']} confidence"
            out["text"] = f"{loc.date().isoformat()} (about {loc.strftime('%H:%M')} {self.zone}{conf})"
        elif self.precision == "month":
            out["text"] = loc.strftime("%B %Y")
        elif self.precision == "day":
            out["text"] = loc.date().isoformat()
        else:
            out["text"] = loc.strftime("%Y-%m-%d %H:%M") + f" {self.zone}"
        return out

    def local_text(self) -> str:
        """The local time at its precision: ``2018-10``, ``2019-03-21``, ``2019-03-21T13:40:00-04:00``."""
        loc = self.local()
        if self.precision == "month":
            return loc.strftime("%Y-%m")
        if self.precision == "day":
            return loc.date().isoformat()
        return loc.isoformat()


@dataclass(frozen=True)
class Target:
    name: str
    type: str = "unknown"
    entity_id: str | None = None
    change: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"entity_id": self.entity_id, "name": self.name, "type": self.type}
        if self.change:
            d["change"] = self.change
        if self.detail:
            d["detail"] = self.detail
        return d


@dataclass(frozen=True)
class Event:
    kind: str
    when: When
    recorded_at: datetime
    recorded_by: str
    note: str | None = None
    reason: str | None = None
    effective: When | None = None  # scheduled: planned effective time
    corrects: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "kind": self.kind,
            "at": self.when.local_text(),
            "at_utc": iso(self.when.at),
            "zone": self.when.zone,
            "precision": self.when.precision,
            "recorded_at": iso(self.recorded_at),
            "recorded_by": self.recorded_by,
            "note": self.note,
        }
        if self.reason:
            d["reason"] = self.reason
        if self.effective:
            d["effective_at"] = self.effective.local_text()
            d["effective_zone"] = self.effective.zone
            d["effective_precision"] = self.effective.precision
        if self.corrects is not None:
            d["corrects"] = self.corrects
        if self.detail:
            d["detail"] = self.detail
        return d


@dataclass
class Action:
    id: str
    authority: str
    action_type: str
    category: str
    title: str | None
    origin: str
    timezone: str
    programs: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    legal_authorities: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    press_release_id: str | None = None
    targets: list[Target] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    list_name: str | None = None
    from_snapshot_id: int | None = None
    snapshot_id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    links: list[dict[str, Any]] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        """What identifies the action's recorded content (for idempotent imports)."""
        return {
            "id": self.id,
            "authority": self.authority,
            "action_type": self.action_type,
            "category": self.category,
            "title": self.title,
            "programs": self.programs,
            "legal_authorities": self.legal_authorities,
            "sources": self.sources,
            "press_release_id": self.press_release_id,
            "targets": [t.to_dict() for t in self.targets],
            "detail": self.detail,
        }
