"""FtM out of the ledger: every entity of some lists (now or as of an instant), deltas between two
snapshots, and the per-entity times yente reports.

Times (yente's meaning, from the ledger): ``first_seen`` is when the entity was first seen listed — the
earlier of its listing date (when the list gives one) and the first snapshot that holds it;
``last_change`` is when its current version first appeared; ``last_seen`` is the last observation of the
list while the entity was on it.

Delta format (JSON lines, OpenSanctions' change-feed form): ``{"op": "ADD", "entity": {...}}`` for each FtM
entity of an added listed entity, ``{"op": "MOD", "entity": {...}}`` for each FtM entity of a changed
one, and ``{"op": "DEL", "entity": {"id": ...}}`` for each FtM entity that is gone (a removed listed
entity's entities, and derived entities a changed one no longer has).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from sanctions_ledger.errors import NotFoundError
from sanctions_ledger.ftm.mapping import Seen, to_ftm
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.model import Entity
from sanctions_ledger.parsers import LISTS

CHUNK = 500


def _listed(entity: Entity) -> datetime | None:
    if not entity.listed_on:
        return None
    try:
        return datetime.fromisoformat(entity.listed_on[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None


def seen_for(ledger: Ledger, entities: list[Entity], at: datetime | None = None) -> dict[str, Seen]:
    """yente's times for ``entities`` (as of ``at``, default now), by our entity id."""
    s, sn, o = t.spans, t.snapshots, t.observations
    out: dict[str, Seen] = {}
    dialect = ledger.engine.dialect
    conv = t.UTCDateTime()
    with ledger.engine.connect() as conn:
        last_obs: dict[str, datetime] = {}
        for name in {e.list for e in entities}:
            q = (
                select(func.max(o.c.observed_at))
                .join(sn, sn.c.id == o.c.snapshot_id)
                .where(sn.c.list == name)
            )
            if at is not None:
                q = q.where(o.c.observed_at <= at)
            val = conv.process_result_value(conn.execute(q).scalar(), dialect)
            if val is not None:
                last_obs[name] = val
        by_id = {e.id: e for e in entities}
        ids = list(by_id)
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            sq = select(s.c.entity_id, s.c.first_at, s.c.last_at).where(s.c.entity_id.in_(part))
            if at is not None:
                sq = sq.where(s.c.first_at <= at)
            rows: dict[str, list[tuple[datetime, datetime]]] = {}
            for row in conn.execute(sq):
                a = conv.process_result_value(row.first_at, dialect)
                b = conv.process_result_value(row.last_at, dialect)
                if a is not None and b is not None:
                    rows.setdefault(str(row.entity_id), []).append((a, b))
            for eid, spans in rows.items():
                e = by_id[eid]
                first = min(a for a, _ in spans)
                listed = _listed(e)
                first_seen = min(first, listed) if listed else first
                current = [a for a, b in spans if at is None or b >= at]
                last_change = max(current) if current else max(a for a, _ in spans)
                end = max(b for _, b in spans)
                lo = last_obs.get(e.list)
                last_seen = lo if end >= t.OPEN or (lo is not None and end > lo) else end
                out[eid] = Seen(first_seen=first_seen, last_seen=last_seen, last_change=last_change)
    return out


class Resolver:
    """Names -> entity ids of one list (for "Linked To" and owners), built from the list's entities."""

    def __init__(self, entities: list[Entity]) -> None:
        self._by_name: dict[tuple[str, str], str] = {}
        for e in entities:
            for n in e.names:
                self._by_name.setdefault((e.list, n.name.strip().upper()), e.id)
        # who links to whom ("Linked To", owners): target id -> ids of the entities that name it
        self.incoming: dict[str, list[str]] = {}
        for e in entities:
            for key in ("linked_to", "vessel_owner"):
                for v in e.properties.get(key, []):
                    target = self(e.list, v)
                    if target is not None and target != e.id:
                        self.incoming.setdefault(target, []).append(e.id)

    def __call__(self, list_name: str, name: str) -> str | None:
        return self._by_name.get((list_name, name.strip().upper()))


class FtmView:
    """FtM entities for the API: caches a name resolver per ledger state."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._lock = threading.Lock()
        self._resolvers: dict[str, tuple[str, Resolver]] = {}

    def resolver(self, list_name: str) -> Resolver:
        token = self.ledger.state_token()
        with self._lock:
            cached = self._resolvers.get(list_name)
            if cached is not None and cached[0] == token:
                return cached[1]
        r = Resolver(list(self.ledger.entities_at([list_name])))
        with self._lock:
            self._resolvers[list_name] = (token, r)
        return r

    def incoming(self, list_name: str, entity_id: str) -> list[str]:
        """Ids of the entities of the list that link to ``entity_id``."""
        return list(self.resolver(list_name).incoming.get(entity_id, []))

    def entities(self, entities: list[Entity]) -> list[list[dict[str, Any]]]:
        """Each entity's FtM entities (the listed entity first), with yente's times."""
        seen = seen_for(self.ledger, entities)
        out = []
        for e in entities:
            r = self.resolver(e.list)
            out.append(
                to_ftm(
                    e,
                    seen=seen.get(e.id),
                    authority=LISTS.get(e.list, (None, ""))[0],
                    resolve=lambda n, lst=e.list, r=r: r(lst, n),  # type: ignore[misc]
                )
            )
        return out


def _list_entities(ledger: Ledger, entities: list[Entity], at: datetime | None) -> Iterator[dict[str, Any]]:
    seen = seen_for(ledger, entities, at)
    r = Resolver(entities)
    for e in entities:
        yield from to_ftm(
            e,
            seen=seen.get(e.id),
            authority=LISTS.get(e.list, (None, ""))[0],
            resolve=lambda n, lst=e.list: r(lst, n),  # type: ignore[misc]
        )


def export(
    ledger: Ledger, lists: list[str] | None = None, at: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every FtM entity of ``lists`` (default: all) as they stood at ``at`` (default: now)."""
    known = ledger.list_names()
    for name in lists or known:
        if name not in known:
            raise NotFoundError(
                f"no list {name!r} in the ledger", hint=f"lists: {', '.join(known) or 'none'}"
            )
        yield from _list_entities(ledger, list(ledger.entities_at([name], at)), at)


def delta(ledger: Ledger, list_name: str, from_ref: str, to_ref: str) -> Iterator[dict[str, Any]]:
    """The change feed from snapshot ``from_ref`` to ``to_ref`` of one list (see the module doc)."""
    d = ledger.diff(list_name, from_ref, to_ref)
    old_at, new_at = d.from_snapshot.observed_at, d.to_snapshot.observed_at
    old = {e.id: e for e in ledger.entities_at([list_name], old_at)}
    new = {e.id: e for e in ledger.entities_at([list_name], new_at)}
    changed = [c["entity_id"] if isinstance(c, dict) else str(c) for c in d.changed]
    new_list = list(new.values())
    seen = seen_for(ledger, [new[i] for i in d.added + changed if i in new], new_at)
    r_new, r_old = Resolver(new_list), Resolver(list(old.values()))
    authority = LISTS.get(list_name, (None, ""))[0]

    def ftm(e: Entity, r: Resolver) -> list[dict[str, Any]]:
        return to_ftm(e, seen=seen.get(e.id), authority=authority, resolve=lambda n: r(list_name, n))

    for eid in d.added:
        for x in ftm(new[eid], r_new):
            yield {"op": "ADD", "entity": x}
    for eid in changed:
        now = ftm(new[eid], r_new)
        ids_now = {x["id"] for x in now}
        for x in now:
            yield {"op": "MOD", "entity": x}
        for x in ftm(old[eid], r_old):
            if x["id"] not in ids_now:
                yield {"op": "DEL", "entity": {"id": x["id"]}}
    for eid in d.removed:
        for x in ftm(old[eid], r_old):
            yield {"op": "DEL", "entity": {"id": x["id"]}}
