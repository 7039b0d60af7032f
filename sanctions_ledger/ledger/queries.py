"""Read queries over the ledger: snapshots, diffs, entities as of an instant, histories, stats."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, true

from sanctions_ledger.errors import InputError, NotFoundError
from sanctions_ledger.ledger import provenance
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.records import Diff, SnapshotInfo
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import iso, parse_instant

FIELDS = (
    "schema",
    "names",
    "programs",
    "birth_dates",
    "nationalities",
    "identifiers",
    "addresses",
    "listed_on",
    "remarks",
    "properties",
)


def _snapshot_from_row(r: Any, n_obs: int = 1, last_obs: datetime | None = None) -> SnapshotInfo:
    return SnapshotInfo(
        id=r.id,
        list=r.list,
        observed_at=r.observed_at,
        published_at=r.published_at,
        format=r.format,
        content_sha256=r.content_sha256,
        files=json.loads(r.files),
        entity_count=r.entity_count,
        name_count=r.name_count,
        address_count=r.address_count,
        identifier_count=r.identifier_count,
        added_count=r.added_count,
        removed_count=r.removed_count,
        changed_count=r.changed_count,
        observation_count=n_obs,
        last_observed_at=last_obs,
        warnings=json.loads(r.warnings),
    )


_SNAP_COLS = [c for c in t.snapshots.c if c.name != "provenance"]


def _obs_stats(conn: Connection, ids: list[int]) -> dict[int, tuple[int, datetime]]:
    o = t.observations
    q = (
        select(o.c.snapshot_id, func.count(), func.max(o.c.observed_at))
        .where(o.c.snapshot_id.in_(ids))
        .group_by(o.c.snapshot_id)
    )
    out: dict[int, tuple[int, datetime]] = {}
    for sid, n, last in conn.execute(q):
        out[sid] = (n, t.UTCDateTime().process_result_value(last, conn.dialect) or last)
    return out


def snapshot_info(conn: Connection, snapshot_id: int) -> SnapshotInfo:
    r = conn.execute(select(*_SNAP_COLS).where(t.snapshots.c.id == snapshot_id)).first()
    if r is None:
        raise NotFoundError(f"no snapshot #{snapshot_id}", hint="`sanctions snapshots` lists them")
    n, last = _obs_stats(conn, [snapshot_id]).get(snapshot_id, (1, r.observed_at))
    return _snapshot_from_row(r, n, last)


def list_snapshots(conn: Connection, list_name: str | None = None) -> list[SnapshotInfo]:
    sn = t.snapshots
    q = select(*_SNAP_COLS).order_by(sn.c.list, sn.c.observed_at)
    if list_name:
        q = q.where(sn.c.list == list_name)
    rows = list(conn.execute(q))
    stats = _obs_stats(conn, [r.id for r in rows]) if rows else {}
    return [_snapshot_from_row(r, *stats.get(r.id, (1, r.observed_at))) for r in rows]


def list_timezone(conn: Connection, list_name: str) -> str:
    tz = conn.execute(select(t.lists.c.timezone).where(t.lists.c.name == list_name)).scalar()
    if tz is None:
        known = [r[0] for r in conn.execute(select(t.lists.c.name).order_by(t.lists.c.name))]
        raise NotFoundError(
            f"no list {list_name!r} in the ledger",
            hint=f"lists loaded: {', '.join(known) or 'none yet (run `sanctions load`)'}",
        )
    return str(tz)


def snapshot_at(conn: Connection, list_name: str, at: datetime) -> SnapshotInfo | None:
    """The latest snapshot of ``list_name`` observed at or before ``at``."""
    sn = t.snapshots
    r = conn.execute(
        select(*_SNAP_COLS)
        .where(sn.c.list == list_name, sn.c.observed_at <= at)
        .order_by(sn.c.observed_at.desc())
        .limit(1)
    ).first()
    return _snapshot_from_row(r) if r else None


def resolve_snapshot(conn: Connection, list_name: str, ref: str, tz: str | None = None) -> SnapshotInfo:
    """A snapshot id (``42``) or an instant/date (latest snapshot observed at or before; a date means the
    end of that day in the list's zone, or ``tz``)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 8:
        info = snapshot_info(conn, int(ref))
        if info.list != list_name:
            raise InputError(f"snapshot #{ref} is of list {info.list}, not {list_name}")
        return info
    zone = tz or list_timezone(conn, list_name)
    at = parse_instant(ref, zone, end_of_day=True, what="snapshot reference")
    found = snapshot_at(conn, list_name, at)
    if found is None:
        raise NotFoundError(
            f"no snapshot of {list_name} observed at or before {iso(at)}",
            hint="`sanctions snapshots --list " + list_name + "` shows what is loaded",
        )
    return found


def _members(conn: Connection, list_name: str, at: datetime, program: str | None = None) -> dict[str, int]:
    """Entity id -> version id of the entities on the list at ``at``; with ``program``, only those whose
    programs include exactly that one (case and all: ``%``, ``_`` and ``\\`` are plain characters)."""
    s, v = t.spans, t.entity_versions
    q = select(s.c.entity_id, s.c.version_id).where(
        s.c.list == list_name, s.c.first_at <= at, s.c.last_at >= at
    )
    if not program:
        return {eid: vid for eid, vid in conn.execute(q)}
    # The column holds " P1 P2 " for a cheap, escaped pre-filter; programs may hold spaces ("The ISIL
    # (Da'esh) and Al-Qaida organisations"), so each candidate's own list of programs decides.
    q = q.join(v, v.c.id == s.c.version_id).where(v.c.programs.contains(f" {program} ", autoescape=True))
    candidates = {eid: vid for eid, vid in conn.execute(q)}
    contents = _contents(conn, sorted(set(candidates.values())))
    return {eid: vid for eid, vid in candidates.items() if program in contents[vid].get("programs", ())}


def starts_with(column: Any, prefix: str) -> Any:
    """``column`` begins with ``prefix``, compared exactly (case-sensitive on every backend, no wildcard
    characters): LIKE is not used for user input anywhere."""
    return func.substr(column, 1, len(prefix)) == prefix


def audit_entries(conn: Connection, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
    """The audit log, newest first; ``action`` keeps the entries whose action starts with it exactly."""
    a = t.audit_log
    q = select(a).order_by(a.c.id.desc()).limit(limit)
    if action:
        q = q.where(starts_with(a.c.action, action))
    return [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "detail": json.loads(r.detail),
        }
        for r in conn.execute(q)
    ]


def _contents(conn: Connection, version_ids: list[int]) -> dict[int, dict[str, Any]]:
    v = t.entity_versions
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(version_ids), 900):
        chunk = version_ids[start : start + 900]
        for vid, content in conn.execute(select(v.c.id, v.c.content).where(v.c.id.in_(chunk))):
            out[vid] = json.loads(content)
    return out


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f: {"old": old.get(f), "new": new.get(f)} for f in FIELDS if old.get(f) != new.get(f)}


# An OFAC legacy CSV publication may come as the whole set or as the main file alone (the daily archive):
# without alt.csv its entities have no alias rows, without add.csv no addresses. Between two snapshots
# that do not both have a part, what that part carries is not compared (it is unknown, not removed).
_PARTS = {
    "alt": ("alt.csv", "cons_alt.csv"),
    "add": ("add.csv", "cons_add.csv"),
    "comments": ("sdn_comments.csv", "cons_comments.csv"),
}
_ALT_KINDS = ("alias", "former", "new")


def coverage(s: SnapshotInfo) -> set[str] | None:
    """The parts of an OFAC CSV set a snapshot was read from (``main`` always); None for other formats."""
    if s.format != "ofac-csv":
        return None
    roles = {str(f.get("role", "")).lower() for f in s.files}
    return {"main"} | {part for part, names in _PARTS.items() if roles & set(names)}


def _project(content: dict[str, Any], missing: set[str]) -> dict[str, Any]:
    out = dict(content)
    if "alt" in missing:
        out["names"] = [n for n in content.get("names", []) if n.get("kind") not in _ALT_KINDS]
        props = dict(content.get("properties", {}))
        props.pop("alias_remarks", None)
        out["properties"] = props
    if "add" in missing:
        out["addresses"] = []
    return out


def diff(conn: Connection, a: SnapshotInfo, b: SnapshotInfo) -> Diff:
    if a.list != b.list:
        raise InputError(f"cannot diff snapshots of different lists ({a.list} and {b.list})")
    ma = _members(conn, a.list, a.observed_at)
    mb = _members(conn, b.list, b.observed_at)
    added = sorted(set(mb) - set(ma), key=_sort_key)
    removed = sorted(set(ma) - set(mb), key=_sort_key)
    changed_ids = sorted((e for e in mb if e in ma and ma[e] != mb[e]), key=_sort_key)
    need = [mb[e] for e in added] + [ma[e] for e in removed]
    need += [ma[e] for e in changed_ids] + [mb[e] for e in changed_ids]
    contents = _contents(conn, need)
    ca, cb = coverage(a), coverage(b)
    missing = (ca ^ cb) - {"comments"} if ca is not None and cb is not None else set()
    changed = []
    hidden = 0
    by_program: dict[str, dict[str, int]] = defaultdict(lambda: {"added": 0, "removed": 0, "changed": 0})
    for e in changed_ids:
        old, new = contents[ma[e]], contents[mb[e]]
        ch = (
            field_changes(_project(old, missing), _project(new, missing))
            if missing
            else field_changes(old, new)
        )
        if not ch:
            hidden += 1  # differs only in what one side's files do not carry
            continue
        changed.append({"entity_id": e, "caption": _caption(new), "fields": sorted(ch), "changes": ch})
        for p in set(old.get("programs", [])) | set(new.get("programs", [])):
            by_program[p]["changed"] += 1
    for e in added:
        for p in contents[mb[e]].get("programs", []) or ["(none)"]:
            by_program[p]["added"] += 1
    for e in removed:
        for p in contents[ma[e]].get("programs", []) or ["(none)"]:
            by_program[p]["removed"] += 1
    result = Diff(a.list, a, b, added, removed, changed, dict(sorted(by_program.items())))
    for ids, side in ((added, mb), (removed, ma), (changed_ids, mb)):
        for e in ids:
            content = contents[side[e]]
            result.captions[e] = _caption(content)
            result.programs[e] = list(content.get("programs") or [])
    if missing:
        result.not_compared = {
            "parts": sorted(missing),
            "from_parts": sorted(ca or ()),
            "to_parts": sorted(cb or ()),
            "entities_differing_only_there": hidden,
            "note": "one snapshot was read without these files of the set; alias rows (alt) and addresses "
            "(add) are unknown there, so they are not compared",
        }
    return result


def _caption(content: dict[str, Any]) -> str:
    for n in content.get("names", []):
        if n.get("kind") == "primary":
            return str(n["name"])
    return str(content.get("id", ""))


def _sort_key(entity_id: str) -> tuple[int, str]:
    tail = entity_id.rsplit(":", 1)[-1]
    return (int(tail), "") if tail.isdigit() else (1 << 62, tail)


def list_of(entity_id: str) -> str:
    if ":" not in entity_id:
        raise InputError(
            f"entity id {entity_id!r} is not <list>:<id>", hint="e.g. ofac-sdn:26243 or un:KPi.033"
        )
    return entity_id.split(":", 1)[0]


def entity_at(conn: Connection, entity_id: str, at: datetime | None = None) -> tuple[Entity, SnapshotInfo]:
    """The entity as in the latest snapshot of its list observed at or before ``at`` (default: latest)."""
    list_name = list_of(entity_id)
    list_timezone(conn, list_name)  # raises NotFound for an unknown list
    snap = snapshot_at(conn, list_name, at) if at else _latest(conn, list_name)
    if snap is None:
        raise NotFoundError(f"no snapshot of {list_name} at or before {iso(at)}")
    s = t.spans
    vid = conn.execute(
        select(s.c.version_id).where(
            s.c.entity_id == entity_id, s.c.first_at <= snap.observed_at, s.c.last_at >= snap.observed_at
        )
    ).scalar()
    if vid is None:
        seen = conn.execute(select(func.count()).select_from(s).where(s.c.entity_id == entity_id)).scalar()
        when = f"as of {iso(at)}" if at else "in the latest snapshot"
        raise NotFoundError(
            f"{entity_id} is not on {list_name} {when} (snapshot #{snap.id})",
            hint="`sanctions history " + entity_id + "` shows when it was listed" if seen else None,
        )
    content = _contents(conn, [vid])[vid]
    entity = Entity.from_dict(content)
    prov_blob = conn.execute(select(t.snapshots.c.provenance).where(t.snapshots.c.id == snap.id)).scalar()
    prov = provenance.decode(prov_blob or b"").get(entity.source_id)
    if prov:
        from sanctions_ledger.model import Provenance

        entity.provenance = Provenance(file=prov["file"], line=prov.get("line"), element=prov.get("element"))
    return entity, snap


def _latest(conn: Connection, list_name: str) -> SnapshotInfo | None:
    sn = t.snapshots
    r = conn.execute(
        select(*_SNAP_COLS).where(sn.c.list == list_name).order_by(sn.c.observed_at.desc()).limit(1)
    ).first()
    return _snapshot_from_row(r) if r else None


def history(conn: Connection, entity_id: str) -> dict[str, Any]:
    list_name = list_of(entity_id)
    s, sn = t.spans, t.snapshots
    rows = list(
        conn.execute(
            select(s.c.version_id, s.c.first_snapshot_id, s.c.first_at, s.c.last_snapshot_id, s.c.last_at)
            .where(s.c.entity_id == entity_id)
            .order_by(s.c.first_at)
        )
    )
    if not rows:
        raise NotFoundError(
            f"{entity_id} was never seen in the ledger", hint="check the id, e.g. ofac-sdn:26243"
        )
    contents = _contents(conn, sorted({r.version_id for r in rows}))
    # snapshots of the list after each span's end: the entity's removal (if any)
    all_snaps = list(
        conn.execute(
            select(sn.c.id, sn.c.observed_at).where(sn.c.list == list_name).order_by(sn.c.observed_at)
        )
    )
    idx = {sid: i for i, (sid, _) in enumerate(all_snaps)}
    last_obs = _obs_stats(conn, [sid for sid, _ in all_snaps])
    versions = []
    prev_content: dict[str, Any] | None = None
    last_seen: datetime | None = None
    for r in rows:
        c = contents[r.version_id]
        end_i = idx[r.last_snapshot_id] if r.last_snapshot_id is not None else len(all_snaps) - 1
        last_id, last_at = all_snaps[end_i]
        removed_by = all_snaps[end_i + 1] if end_i + 1 < len(all_snaps) else None
        last_seen = last_obs.get(last_id, (1, last_at))[1]
        versions.append(
            {
                "version_id": r.version_id,
                "first_snapshot": r.first_snapshot_id,
                "first_observed_at": iso(r.first_at),
                "last_snapshot": last_id,
                "last_observed_at": iso(last_at),
                "last_seen": iso(last_seen),
                "open": r.last_snapshot_id is None,
                "snapshots": end_i - idx[r.first_snapshot_id] + 1,
                "ended_by_snapshot": removed_by[0] if removed_by else None,
                "ended_at": iso(removed_by[1]) if removed_by else None,
                "caption": _caption(c),
                "changes": sorted(field_changes(prev_content, c)) if prev_content else [],
                "entity": c,
            }
        )
        prev_content = c
    return {
        "entity_id": entity_id,
        "list": list_name,
        "first_seen": iso(rows[0].first_at),
        "last_seen": iso(last_seen),
        "on_latest_snapshot": rows[-1].last_snapshot_id is None,
        "versions": versions,
    }


def asof_ids(
    conn: Connection, list_name: str, at: datetime, program: str | None = None
) -> tuple[SnapshotInfo, list[str]]:
    snap = snapshot_at(conn, list_name, at)
    if snap is None:
        raise NotFoundError(f"no snapshot of {list_name} observed at or before {iso(at)}")
    ids = sorted(_members(conn, list_name, snap.observed_at, program), key=_sort_key)
    return snap, ids


def list_names(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(t.lists.c.name).order_by(t.lists.c.name))]


def entities_at(
    conn: Connection, lists: list[str] | None = None, at: datetime | None = None
) -> Iterator[Entity]:
    for name in lists or list_names(conn):
        snap = snapshot_at(conn, name, at) if at else _latest(conn, name)
        if snap is None:
            continue
        s, v = t.spans, t.entity_versions
        q = (
            select(v.c.content)
            .join(s, s.c.version_id == v.c.id)
            .where(s.c.list == name, s.c.first_at <= snap.observed_at, s.c.last_at >= snap.observed_at)
        )
        for (content,) in conn.execute(q):
            yield Entity.from_dict(json.loads(content))


def stats(conn: Connection) -> dict[str, Any]:
    sn, v, s, o = t.snapshots, t.entity_versions, t.spans, t.observations
    out: dict[str, Any] = {"lists": {}}
    for name in list_names(conn):
        snaps = conn.execute(
            select(func.count(), func.min(sn.c.observed_at), func.max(sn.c.observed_at)).where(
                sn.c.list == name
            )
        ).first()
        assert snaps is not None
        latest = _latest(conn, name)
        out["lists"][name] = {
            "snapshots": snaps[0],
            "observations": conn.execute(
                select(func.count())
                .select_from(o)
                .join(sn, sn.c.id == o.c.snapshot_id)
                .where(sn.c.list == name)
            ).scalar(),
            "first_observed_at": iso(t.UTCDateTime().process_result_value(snaps[1], conn.dialect)),
            "latest_observed_at": iso(latest.observed_at) if latest else None,
            "latest_snapshot": latest.id if latest else None,
            "entities_now": latest.entity_count if latest else 0,
            "entities_ever": conn.execute(
                select(func.count(func.distinct(s.c.entity_id))).where(s.c.list == name)
            ).scalar(),
            "versions": conn.execute(select(func.count()).select_from(v).where(v.c.list == name)).scalar(),
            "spans": conn.execute(select(func.count()).select_from(s).where(s.c.list == name)).scalar(),
        }
    out["totals"] = {
        "snapshots": conn.execute(select(func.count()).select_from(sn)).scalar(),
        "entity_versions": conn.execute(select(func.count()).select_from(v)).scalar(),
        "spans": conn.execute(select(func.count()).select_from(s)).scalar(),
    }
    return out


def state_token(conn: Connection) -> str:
    """Changes whenever a snapshot, an observation or an action event is recorded (what screening sees)."""
    from sanctions_ledger.ledger.actions_tables import action_events

    sn, o = t.snapshots, t.observations
    a = conn.execute(select(func.count(), func.max(sn.c.id)).select_from(sn)).first()
    b = conn.execute(select(func.max(o.c.id))).scalar()
    c = conn.execute(select(func.max(action_events.c.id))).scalar()
    assert a is not None
    return f"{a[0]}:{a[1]}:{b}:{c}"


def identity(conn: Connection) -> str:
    """What tells this database from another with the same content counts: when its schema was created."""
    v = t.schema_version
    first = conn.execute(select(v.c.applied_at).order_by(v.c.version).limit(1)).scalar()
    return first.isoformat() if first is not None else ""


def entities_ever(conn: Connection, lists: list[str] | None = None) -> Iterator[Entity]:
    """Every entity ever seen on the lists (default: all), each in its most recent version: the parties
    a statement may name, listed now or not."""
    s, v = t.spans, t.entity_versions
    latest = (
        select(s.c.entity_id, func.max(s.c.last_at).label("last_at"))
        .where(s.c.list.in_(lists) if lists else true())
        .group_by(s.c.entity_id)
        .subquery()
    )
    q = (
        select(v.c.content)
        .join(s, s.c.version_id == v.c.id)
        .join(latest, (latest.c.entity_id == s.c.entity_id) & (latest.c.last_at == s.c.last_at))
        .order_by(s.c.entity_id)
    )
    seen: set[str] = set()
    for (content,) in conn.execute(q):
        e = Entity.from_dict(json.loads(content))
        if e.id not in seen:
            seen.add(e.id)
            yield e
