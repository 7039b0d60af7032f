"""Actions inferred from the ledger: each snapshot's changes against the snapshot before it, grouped as
observed changes (added → designation-like, removed → delisting-like, changed → amendment), first
observed at the snapshot's ``observed_at``, and linked to recorded or imported actions whose targets agree.

The first snapshot of a list is the baseline, not a change. Ids are deterministic
(``observed:<list>:<from>-<to>:<category>``), so running inference again adds only what is new: groups for
new snapshot pairs, and links to actions imported or recorded since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, insert, select

from sanctions_ledger.actions import webhooks
from sanctions_ledger.actions.lifecycle import derive
from sanctions_ledger.actions.model import Action, Event, Target, When
from sanctions_ledger.actions.programs import action_countries
from sanctions_ledger.actions.store import _load, exists, insert_action, insert_event
from sanctions_ledger.ledger import Ledger, SnapshotInfo
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import iso
from sanctions_ledger.parsers import LISTS

_KINDS = (
    ("added", "designation", "addition"),
    ("removed", "delisting", "removal"),
    ("changed", "amendment", "change"),
)
_TYPES = {"person": "individual", "organization": "entity", "vessel": "vessel", "aircraft": "aircraft"}
_SLACK = timedelta(days=1)  # a day-precision announcement may be observed up to a day "before" its date start


@dataclass
class InferResult:
    list_name: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    links_added: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "created": self.created,
            "existing": self.existing,
            "links_added": self.links_added,
        }


def _target(e: Entity | None, entity_id: str, change: str, extra: dict[str, Any] | None = None) -> Target:
    if e is None:
        return Target(entity_id, "unknown", entity_id, change, extra or {})
    detail: dict[str, Any] = {"programs": list(e.programs), **(extra or {})}
    return Target(e.caption, _TYPES.get(e.schema, "unknown"), entity_id, change, detail)


def _group(
    list_name: str,
    prev: SnapshotInfo,
    cur: SnapshotInfo,
    kind: str,
    category: str,
    noun: str,
    targets: list[Target],
) -> tuple[Action, Event]:
    authority, tz = LISTS.get(list_name, ("UNKNOWN", "UTC"))
    programs = sorted({p for tg in targets for p in tg.detail.get("programs", [])})
    action = Action(
        id=f"observed:{list_name}:{prev.id}-{cur.id}:{category}",
        authority=authority,
        action_type=f"observed-{noun}",
        category=category,
        title=f"{len(targets)} {list_name} entries {kind} (observed {cur.observed_at.date().isoformat()})",
        origin="inferred",
        timezone=tz,
        programs=programs,
        countries=action_countries(programs, []),
        targets=targets,
        detail={
            "from_snapshot": prev.id,
            "from_observed_at": iso(prev.observed_at),
            "to_snapshot": cur.id,
            "to_observed_at": iso(cur.observed_at),
            "count": len(targets),
        },
        list_name=list_name,
        from_snapshot_id=prev.id,
        snapshot_id=cur.id,
    )
    ev = Event(
        "observed",
        When(cur.observed_at, tz, "instant"),
        utcnow(),
        "",
        note=f"first observed in snapshot #{cur.id}; not in snapshot #{prev.id} ({iso(prev.observed_at)})"
        if kind == "added"
        else f"first observed in snapshot #{cur.id} (compared with #{prev.id})",
        detail={"from_snapshot": prev.id, "to_snapshot": cur.id},
    )
    return action, ev


def _links(
    conn: Connection, group: Action, prev: SnapshotInfo, cur: SnapshotInfo, others: list[Action]
) -> list[dict[str, Any]]:
    ids = {tg.entity_id for tg in group.targets if tg.entity_id}
    lk = at.action_links
    have = {r[0] for r in conn.execute(select(lk.c.action_id).where(lk.c.inferred_id == group.id))}
    out = []
    for a in others:
        if a.id in have or a.category != group.category:
            continue
        theirs = [
            tg.entity_id
            for tg in a.targets
            if tg.entity_id and tg.entity_id.startswith(f"{group.list_name}:")
        ]
        matched = sorted(i for i in theirs if i in ids)
        if not matched:
            continue
        life = derive(a.id, a.events)
        when = life.announced or life.effective or life.planned
        timing = "unknown"
        if when is not None:
            if when.at > cur.observed_at:
                timing = "announced-later"
            elif when.at + _SLACK < prev.observed_at:
                timing = "announced-earlier"
            else:
                timing = "in-window"
        out.append(
            {
                "inferred_id": group.id,
                "action_id": a.id,
                "matched": matched,
                "missing": sorted(i for i in theirs if i not in ids),
                "timing": timing,
            }
        )
    return out


def infer(ledger: Ledger, list_name: str = "ofac-sdn", *, actor: str | None = None) -> InferResult:
    """Infer observed changes for every consecutive pair of snapshots of ``list_name``; audited."""
    who = actor or default_actor()
    snaps = ledger.snapshots(list_name)
    result = InferResult(list_name)
    pending: list[tuple[Action, Event | None, SnapshotInfo, SnapshotInfo]] = []
    with ledger.engine.connect() as conn:
        for prev, cur in pairwise(snaps):
            d = ledger.diff(list_name, str(prev.id), str(cur.id))
            before = {e.id: e for e in ledger.entities_at([list_name], prev.observed_at)} if d.removed else {}
            after = (
                {e.id: e for e in ledger.entities_at([list_name], cur.observed_at)}
                if (d.added or d.changed)
                else {}
            )
            groups = {
                "added": [_target(after.get(i), i, "added") for i in d.added],
                "removed": [_target(before.get(i), i, "removed") for i in d.removed],
                "changed": [
                    _target(after.get(c["entity_id"]), c["entity_id"], "changed", {"fields": c["fields"]})
                    for c in d.changed
                ],
            }
            for kind, category, noun in _KINDS:
                gid = f"observed:{list_name}:{prev.id}-{cur.id}:{category}"
                if exists(conn, gid):
                    pending.append((_load(conn, [gid])[0], None, prev, cur))
                elif groups[kind]:
                    action, ev = _group(list_name, prev, cur, kind, category, noun, groups[kind])
                    pending.append((action, ev, prev, cur))
        others = [a for a in _load(conn) if a.origin != "inferred"]
    now = utcnow()
    with ledger.engine.begin() as conn:
        for action, first, prev, cur in pending:
            if first is not None:
                insert_action(conn, action, who, now)
                insert_event(conn, action.id, 1, replace(first, recorded_by=who), now)
                result.created.append(action.id)
            else:
                result.existing.append(action.id)
            for link in _links(conn, action, prev, cur, others):
                conn.execute(
                    insert(at.action_links).values(
                        inferred_id=link["inferred_id"],
                        action_id=link["action_id"],
                        matched=json.dumps(link["matched"]),
                        missing=json.dumps(link["missing"]),
                        timing=link["timing"],
                        created_at=now,
                    )
                )
                result.links_added.append(link)
        if result.created or result.links_added:
            summary = {"list": list_name, "created": result.created, "links_added": len(result.links_added)}
            ledger.audit(conn, who, "actions.infer", list_name, summary)
            webhooks.enqueue(conn, f"infer:{list_name}:{now.isoformat()}", "actions.inferred", summary)
    return result
