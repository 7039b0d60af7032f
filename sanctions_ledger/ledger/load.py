"""Recording a parsed publication as a snapshot: versions shared, spans extended, all in one transaction.

A snapshot is placed by its observation time among the list's snapshots. With ``prev`` the snapshot before
it and ``next`` the one after (usually none: loads come in time order), each entity either extends the
span of an unchanged version or opens a new span; spans that ran from ``prev`` straight into ``next`` are
split when the new snapshot interrupts them. Loading content identical to ``prev`` only records an
observation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sanctions_ledger.errors import ConflictError, ParseError
from sanctions_ledger.ledger import provenance
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.records import LoadResult, SnapshotInfo
from sanctions_ledger.ledger.tables import OPEN
from sanctions_ledger.model import Entity
from sanctions_ledger.parsers import LISTS, ParsedList


@dataclass(frozen=True)
class Member:
    """An entity's place in one snapshot: its version and the span that covers the snapshot."""

    version_id: int
    content_hash: str
    span_id: int
    first_snapshot_id: int
    first_at: datetime
    last_snapshot_id: int | None  # None: open, the span reaches the latest snapshot
    last_at: datetime


@dataclass(frozen=True)
class Item:
    entity: Entity
    content: str
    content_hash: str


def content_items(parsed: ParsedList) -> list[Item]:
    items = []
    for e in parsed.entities:
        content = e.canonical_json()
        items.append(Item(e, content, hashlib.sha256(content.encode("utf-8")).hexdigest()))
    return items


def snapshot_content_sha(items: list[Item]) -> str:
    h = hashlib.sha256()
    for entity_id, ch in sorted((i.entity.id, i.content_hash) for i in items):
        h.update(f"{entity_id}\t{ch}\n".encode())
    return h.hexdigest()


def members_at(conn: Connection, list_name: str, at: datetime) -> dict[str, Member]:
    """Entity id -> member, for the snapshot of ``list_name`` observed at ``at``."""
    s, v = t.spans, t.entity_versions
    q = (
        select(
            s.c.entity_id,
            s.c.version_id,
            v.c.content_hash,
            s.c.id,
            s.c.first_snapshot_id,
            s.c.first_at,
            s.c.last_snapshot_id,
            s.c.last_at,
        )
        .join(v, v.c.id == s.c.version_id)
        .where(s.c.list == list_name, s.c.first_at <= at, s.c.last_at >= at)
    )
    return {r[0]: Member(*r[1:]) for r in conn.execute(q)}


def _ensure_list(conn: Connection, list_name: str) -> None:
    if conn.execute(select(t.lists.c.name).where(t.lists.c.name == list_name)).first():
        return
    authority, tz = LISTS.get(list_name, ("UNKNOWN", "UTC"))
    values = {"name": list_name, "authority": authority, "timezone": tz}
    if conn.dialect.name == "postgresql":
        # two first loads of a list at once: the second finds the row the first inserted
        conn.execute(pg_insert(t.lists).values(values).on_conflict_do_nothing(index_elements=["name"]))
    else:
        conn.execute(insert(t.lists).values(values))


def _lock_list(conn: Connection, list_name: str) -> None:
    """Serialise loads of one list (PostgreSQL row lock; an SQLite write transaction holds the database's
    one write lock from its start, see engine.py)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(t.lists.c.name).where(t.lists.c.name == list_name).with_for_update())


def _neighbour(conn: Connection, list_name: str, at: datetime, before: bool) -> Any:
    sn = t.snapshots
    if before:
        q = select(sn).where(sn.c.list == list_name, sn.c.observed_at < at).order_by(sn.c.observed_at.desc())
    else:
        q = select(sn).where(sn.c.list == list_name, sn.c.observed_at > at).order_by(sn.c.observed_at.asc())
    return conn.execute(q.limit(1)).first()


def _observed(conn: Connection, list_name: str, at: datetime) -> Any:
    """The snapshot of ``list_name`` that already has an observation at ``at``, if any."""
    sn, o = t.snapshots, t.observations
    q = (
        select(sn.c.id, sn.c.content_sha256)
        .join(o, o.c.snapshot_id == sn.c.id)
        .where(sn.c.list == list_name, o.c.observed_at == at)
    )
    return conn.execute(q.limit(1)).first()


def _counts(old: dict[str, str], new: dict[str, str]) -> tuple[int, int, int]:
    added = sum(1 for k in new if k not in old)
    removed = sum(1 for k in old if k not in new)
    changed = sum(1 for k, h in new.items() if k in old and old[k] != h)
    return added, removed, changed


def _files_json(parsed: ParsedList) -> str:
    return json.dumps([f.to_dict() for f in parsed.files], sort_keys=True)


def _observe(
    conn: Connection, snapshot_id: int, observed_at: datetime, parsed: ParsedList, source: str | None
) -> None:
    conn.execute(
        insert(t.observations).values(
            snapshot_id=snapshot_id,
            observed_at=observed_at,
            files=_files_json(parsed),
            source=source,
            loaded_at=t.utcnow(),
        )
    )


def _version_ids(
    conn: Connection, list_name: str, items: list[Item], known: dict[tuple[str, str], int]
) -> tuple[dict[str, int], int]:
    """Version id of every item: reuse a stored version with the same content, else insert one."""
    v = t.entity_versions
    wanted = [(i.entity.id, i.content_hash) for i in items if (i.entity.id, i.content_hash) not in known]
    found = dict(known)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        q = select(v.c.entity_id, v.c.content_hash, v.c.id).where(
            tuple_(v.c.entity_id, v.c.content_hash).in_(chunk)
        )
        for eid, ch, vid in conn.execute(q):
            found[(eid, ch)] = vid
    new_rows = [
        {
            "entity_id": i.entity.id,
            "list": list_name,
            "content_hash": i.content_hash,
            "schema": i.entity.schema,
            "caption": i.entity.caption,
            "content": i.content,
            "programs": " " + " ".join(i.entity.programs) + " " if i.entity.programs else "",
        }
        for i in items
        if (i.entity.id, i.content_hash) not in found
    ]
    if new_rows:
        res = conn.execute(
            insert(v).returning(v.c.entity_id, v.c.content_hash, v.c.id, sort_by_parameter_order=True),
            new_rows,
        )
        for eid, ch, vid in res:
            found[(eid, ch)] = vid
    return {i.entity.id: found[(i.entity.id, i.content_hash)] for i in items}, len(new_rows)


def load_parsed(
    conn: Connection, parsed: ParsedList, observed_at: datetime, *, source: str | None = None
) -> LoadResult:
    """Record ``parsed`` as observed at ``observed_at`` (aware). Caller owns the transaction."""
    if observed_at.tzinfo is None:
        raise ValueError("observed_at must be timezone-aware")
    # "entities" where a parser groups several source rows into one entity (UK HMT, BIS DPL): those
    # parsers account for their rows themselves; elsewhere one source record is one entity.
    records_in = parsed.counts.get("entities", parsed.counts.get("records", len(parsed.entities)))
    if records_in != len(parsed.entities):
        main = parsed.files[0].path if parsed.files else None
        raise ParseError(
            f"read {records_in} records but parsed {len(parsed.entities)} entities; "
            "refusing to store a partial list",
            path=main,
        )
    list_name = parsed.list
    _ensure_list(conn, list_name)
    _lock_list(conn, list_name)
    items = content_items(parsed)
    content_sha = snapshot_content_sha(items)
    sn = t.snapshots

    seen = _observed(conn, list_name, observed_at)
    if seen is not None:
        # The list was already observed at this instant (a re-run, or a resumed archive): idempotent.
        if seen.content_sha256 != content_sha:
            raise ConflictError(
                f"{list_name} was already observed at {observed_at.isoformat()} (snapshot #{seen.id}) "
                "with different content",
                hint="give the load its own --observed-at",
            )
        return LoadResult("already_observed", _info(conn, seen.id), records_in, len(items), 0)

    prev = _neighbour(conn, list_name, observed_at, before=True)
    nxt = _neighbour(conn, list_name, observed_at, before=False)
    if prev is not None and prev.content_sha256 == content_sha:
        _observe(conn, prev.id, observed_at, parsed, source)
        return LoadResult("unchanged", _info(conn, prev.id), records_in, len(items), 0)

    prev_m = members_at(conn, list_name, prev.observed_at) if prev is not None else {}
    next_m = members_at(conn, list_name, nxt.observed_at) if nxt is not None else {}
    known = {(eid, m.content_hash): m.version_id for eid, m in (*prev_m.items(), *next_m.items())}
    version_of, versions_created = _version_ids(conn, list_name, items, known)

    new_hashes = {i.entity.id: i.content_hash for i in items}
    added, removed, changed = _counts({k: m.content_hash for k, m in prev_m.items()}, new_hashes)
    sid = conn.execute(
        insert(sn)
        .values(
            list=list_name,
            observed_at=observed_at,
            published_at=parsed.published_at,
            format=parsed.format,
            content_sha256=content_sha,
            files=_files_json(parsed),
            entity_count=len(items),
            name_count=sum(len(i.entity.names) for i in items),
            address_count=sum(len(i.entity.addresses) for i in items),
            identifier_count=sum(len(i.entity.identifiers) for i in items),
            added_count=added,
            removed_count=removed,
            changed_count=changed,
            warnings=json.dumps(parsed.warnings),
            provenance=provenance.encode(parsed.entities),
            loaded_at=t.utcnow(),
        )
        .returning(sn.c.id)
    ).scalar_one()
    _observe(conn, sid, observed_at, parsed, source)
    _place_spans(conn, list_name, sid, observed_at, prev, nxt, prev_m, next_m, version_of)
    if nxt is not None:
        a, r, c = _counts(new_hashes, {k: m.content_hash for k, m in next_m.items()})
        conn.execute(
            update(sn).where(sn.c.id == nxt.id).values(added_count=a, removed_count=r, changed_count=c)
        )
    return LoadResult("created", _info(conn, sid), records_in, len(items), versions_created)


def _place_spans(
    conn: Connection,
    list_name: str,
    sid: int,
    at: datetime,
    prev: Any,
    nxt: Any,
    prev_m: dict[str, Member],
    next_m: dict[str, Member],
    version_of: dict[str, int],
) -> None:
    """Fit the new snapshot into the spans. A span that reaches the list's latest snapshot is *open*
    (``last_snapshot_id`` NULL, ``last_at`` = :data:`OPEN`), so appending a snapshot only touches the
    entities that changed, appeared or disappeared."""
    s = t.spans
    set_last: list[dict[str, Any]] = []
    set_first: list[dict[str, Any]] = []
    new_spans: list[dict[str, Any]] = []
    drop: list[int] = []
    here = (sid, at)
    open_end: tuple[int | None, datetime] = (None, OPEN)
    prev_end = (prev.id, prev.observed_at) if prev is not None else None

    def span(eid: str, vid: int, first: tuple[int, datetime], last: tuple[int | None, datetime]) -> None:
        new_spans.append(
            {
                "list": list_name,
                "entity_id": eid,
                "version_id": vid,
                "first_snapshot_id": first[0],
                "first_at": first[1],
                "last_snapshot_id": last[0],
                "last_at": last[1],
            }
        )

    def end_at(span_id: int, last: tuple[int | None, datetime] | None) -> None:
        assert last is not None
        set_last.append({"sid_": span_id, "ls": last[0], "la": last[1]})

    def interrupt(eid: str, p: Member) -> None:
        """A span running from prev into next: end it at prev, resume it at next."""
        end_at(p.span_id, prev_end)
        span(eid, p.version_id, (nxt.id, nxt.observed_at), (p.last_snapshot_id, p.last_at))

    for eid, vid in version_of.items():
        p, n = prev_m.get(eid), next_m.get(eid)
        p_same = p is not None and p.version_id == vid
        n_same = n is not None and n.version_id == vid
        if p is not None and n is not None and p.span_id == n.span_id:
            if not p_same:
                interrupt(eid, p)
                span(eid, vid, here, here)
            continue
        if p is not None and not p_same and p.last_snapshot_id is None:
            end_at(p.span_id, prev_end)  # an open span whose entity changed here
        if p_same and n_same:
            assert p is not None and n is not None
            end_at(p.span_id, (n.last_snapshot_id, n.last_at))  # joins two runs of one version
            drop.append(n.span_id)
        elif p_same:
            assert p is not None
            if p.last_snapshot_id is not None:
                end_at(p.span_id, here)
        elif n_same:
            assert n is not None
            set_first.append({"sid_": n.span_id, "fs": sid, "fa": at})
        else:
            span(eid, vid, here, open_end if nxt is None else here)
    for eid, p in prev_m.items():
        if eid in version_of:
            continue
        n = next_m.get(eid)
        if n is not None and n.span_id == p.span_id:
            interrupt(eid, p)
        elif p.last_snapshot_id is None:
            end_at(p.span_id, prev_end)  # removed from the list here

    if drop:
        for start in range(0, len(drop), 500):
            conn.execute(delete(s).where(s.c.id.in_(drop[start : start + 500])))
    if set_last:
        conn.execute(
            update(s)
            .where(s.c.id == bindparam("sid_"))
            .values(last_snapshot_id=bindparam("ls"), last_at=bindparam("la")),
            set_last,
        )
    if set_first:
        conn.execute(
            update(s)
            .where(s.c.id == bindparam("sid_"))
            .values(first_snapshot_id=bindparam("fs"), first_at=bindparam("fa")),
            set_first,
        )
    if new_spans:
        conn.execute(insert(s), new_spans)


def _info(conn: Connection, snapshot_id: int) -> SnapshotInfo:
    from sanctions_ledger.ledger.queries import snapshot_info

    return snapshot_info(conn, snapshot_id)


__all__ = ["Member", "content_items", "load_parsed", "members_at", "snapshot_content_sha"]
