"""What to screen against "as of" an instant: the snapshots then, corrected by recorded actions that are
the only record of a change.

Snapshots are observations, and they lag: a designation effective on Thursday may reach the next snapshot
only on Friday, and a scheduled designation that was withdrawn before it took effect never appears at all.
For an instant ``at``, an action recorded by a person or imported from published facts (not one inferred
from the snapshots themselves) changes the picture only when it is newer than the snapshot in use:

- a designation in effect at ``at`` whose start is after that snapshot adds its targets (the content the
  ledger holds for them later, else a minimal entity from the action's target name and type);
- a delisting in effect at ``at``, or a designation revoked by ``at``, newer than the snapshot, removes its
  targets;
- a withdrawn action never does anything: it never took effect.

Each adjusted entity carries ``properties["screening_basis"]`` saying which action put it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sanctions_ledger.errors import NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Name

# The list an authority's designation goes on, for targets recorded by name only.
AUTHORITY_LIST = {
    "US-TREASURY-OFAC": "ofac-sdn",
    "US-TREASURY-OFAC+US-STATE": "ofac-sdn",
    "UNSC": "un",
    "UNSC-1718-COMMITTEE": "un",
    "UK-HMT-OFSI": "uk-hmt",
    "US-COMMERCE-BIS": "us-bis-dpl",
    "EU-COUNCIL": "eu-fsf",
    "UK-FCDO": "uk-fcdo",
}
SCHEMA_OF_TARGET = {"person": "person", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}


@dataclass
class AsOfAdjustments:
    added: dict[str, str] = field(default_factory=dict)  # entity id -> action id
    removed: dict[str, str] = field(default_factory=dict)


def _later_content(ledger: Ledger, entity_id: str, at: datetime) -> Entity | None:
    """The first stored version of the entity observed after ``at`` (the list's record of the designation)."""
    try:
        h = ledger.history(entity_id)
    except NotFoundError:
        return None
    for v in h["versions"]:
        if (
            v["first_observed_at"]
            and datetime.fromisoformat(v["first_observed_at"].replace("Z", "+00:00")) > at
        ):
            return Entity.from_dict(v["entity"])
    return Entity.from_dict(h["versions"][-1]["entity"]) if h["versions"] else None


def adjust_for_actions(
    ledger: Ledger, entities: list[Entity], lists: list[str] | None, at: datetime
) -> tuple[list[Entity], AsOfAdjustments]:
    """Apply the rules above to ``entities`` (the snapshots' content at ``at``)."""
    try:
        from sanctions_ledger.actions.lifecycle import derive
        from sanctions_ledger.actions.store import all_actions
    except ImportError:  # pragma: no cover - actions package always ships
        return entities, AsOfAdjustments()
    snap_time: dict[str, datetime | None] = {}

    def newer_than_snapshot(list_name: str, when: datetime) -> bool:
        if list_name not in snap_time:
            snaps = [s for s in ledger.snapshots(list_name) if s.observed_at <= at]
            snap_time[list_name] = snaps[-1].observed_at if snaps else None
        seen = snap_time[list_name]
        return seen is None or when > seen

    by_id = {e.id: e for e in entities}
    adj = AsOfAdjustments()
    for action in all_actions(ledger):
        if action.origin == "inferred" or action.category not in ("designation", "delisting"):
            continue
        life = derive(action.id, action.events)
        start, end = life.start, life.end
        if start is None or start > at:
            continue  # withdrawn, or not yet in effect
        for target in action.targets:
            list_name = (
                target.entity_id.split(":", 1)[0]
                if target.entity_id
                else action.list_name or AUTHORITY_LIST.get(action.authority)
            )
            if list_name is None or (lists and list_name not in lists):
                continue
            eid = target.entity_id
            designation_live = action.category == "designation" and (end is None or end > at)
            if designation_live and newer_than_snapshot(list_name, start):
                if eid and eid in by_id:
                    continue
                entity = _later_content(ledger, eid, at) if eid else None
                if entity is None:
                    source_id = eid.split(":", 1)[1] if eid else f"{action.id}:{target.name}"
                    entity = Entity(
                        list=list_name,
                        source_id=source_id,
                        schema=SCHEMA_OF_TARGET.get(target.type, "organization"),
                        names=[Name(target.name)],
                        programs=list(action.programs),
                    )
                entity.properties["screening_basis"] = [
                    f"action {action.id} in effect since {start.isoformat()}; not yet in a snapshot"
                ]
                by_id[entity.id] = entity
                adj.added[entity.id] = action.id
                continue
            ended_at = start if action.category == "delisting" else end
            if (
                eid
                and eid in by_id
                and ended_at is not None
                and ended_at <= at
                and newer_than_snapshot(list_name, ended_at)
            ):
                del by_id[eid]
                adj.removed[eid] = action.id
    return list(by_id.values()), adj
