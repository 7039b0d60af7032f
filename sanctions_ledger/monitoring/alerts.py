"""Alerts: writing them idempotently, closing them, listing them, and analysts' decisions.

An alert is one row per (watchlist, customer id, customer record hash, entity version): the unique
constraint makes raising the same pair twice impossible. ``status`` is ``open`` or ``closed``; the
analyst's latest ``decision`` is kept on the row and every step in ``alert_events`` (and decisions in the
audit log). The review queue is the open alerts without a decision or escalated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from sanctions_ledger.errors import InputError, NotFoundError
from sanctions_ledger.ledger import monitoring_tables as mt
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.store import Ledger
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso
from sanctions_ledger.monitoring.engine import Hit

DECISIONS = ("true_match", "false_positive", "escalate")
CLEARED = "false_positive"
CHUNK = 500


def open_condition() -> Any:
    """The one definition of an open alert, for every list and count: its status is ``open`` and no
    analyst has cleared it (a false positive). A true match stays open until the pair goes away."""
    a = mt.alerts
    return and_(a.c.status == "open", or_(a.c.decision.is_(None), a.c.decision != CLEARED))


def queue_condition() -> Any:
    """The review queue: open alerts without a decision, or escalated."""
    a = mt.alerts
    return and_(a.c.status == "open", or_(a.c.decision.is_(None), a.c.decision == "escalate"))


def counts(conn: Connection, watchlist_id: int) -> dict[str, int]:
    """``open`` and ``queue`` counts of one watchlist, by the same conditions as :func:`list_alerts`."""
    a = mt.alerts
    out = {}
    for name, cond in (("open", open_condition()), ("queue", queue_condition())):
        n = conn.execute(select(func.count()).select_from(a).where(a.c.watchlist_id == watchlist_id, cond))
        out[name] = int(n.scalar() or 0)
    return out


def _chunks(values: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), n):
        yield values[i : i + n]


def upsert_hits(
    conn: Connection,
    watchlist_id: int,
    hits: Sequence[Hit],
    record_ids: dict[str, int],
    snapshot_id: int | None,
    actor: str,
) -> dict[str, int]:
    """Raise an alert for each new pair; reopen a closed one; leave open ones (and their decisions) be.

    Returns counts: ``raised``, ``reopened``, ``already_open``, ``suppressed`` (a reappearing pair whose
    alert an analyst cleared as a false positive: it stays cleared).
    """
    a = mt.alerts
    counts = {"raised": 0, "reopened": 0, "already_open": 0, "suppressed": 0}
    if not hits:
        return counts
    unique: dict[tuple[str, str, int], Hit] = {}
    for h in hits:
        unique.setdefault(h.key, h)
    existing: dict[tuple[str, str, int], tuple[int, str, str | None]] = {}
    customers = sorted({h.customer_id for h in unique.values()})
    for part in _chunks(customers):
        q = select(
            a.c.id, a.c.customer_id, a.c.record_hash, a.c.entity_version_id, a.c.status, a.c.decision
        ).where(a.c.watchlist_id == watchlist_id, a.c.customer_id.in_(part))
        for r in conn.execute(q):
            existing[(r.customer_id, r.record_hash, int(r.entity_version_id))] = (r.id, r.status, r.decision)
    now = utcnow()
    new_rows = []
    new_hits: list[Hit] = []
    reopen: list[int] = []
    for key, h in unique.items():
        found = existing.get(key)
        if found is None:
            new_hits.append(h)
            new_rows.append(
                {
                    "watchlist_id": watchlist_id,
                    "customer_id": h.customer_id,
                    "record_hash": h.record_hash,
                    "record_id": record_ids.get(h.customer_id, 0),
                    "entity_id": h.entity_id,
                    "entity_version_id": h.entity_version_id,
                    "entity_hash": h.entity_hash,
                    "list": h.list,
                    "customer_name": h.customer_name,
                    "entity_name": h.entity_name,
                    "score": h.score,
                    "explanation": json.dumps(h.match, ensure_ascii=False, sort_keys=True),
                    "snapshot_id": snapshot_id,
                    "status": "open",
                    "raised_at": now,
                    "updated_at": now,
                }
            )
        elif found[1] == "closed":
            reopen.append(found[0])
            if found[2] == "false_positive":
                counts["suppressed"] += 1
        elif found[2] == "false_positive":
            counts["suppressed"] += 1
        else:
            counts["already_open"] += 1
    if new_rows:
        conn.execute(insert(a), new_rows)
        ids = _ids_for(
            conn,
            watchlist_id,
            [(h.customer_id, h.record_hash, h.entity_version_id) for h in new_hits],
        )
        conn.execute(
            insert(mt.alert_events),
            [
                {"alert_id": i, "at": now, "actor": actor, "kind": "raised", "snapshot_id": snapshot_id}
                for i in ids
            ],
        )
        counts["raised"] = len(new_rows)
    if reopen:
        for part in _chunks(reopen):
            conn.execute(
                update(a)
                .where(a.c.id.in_(part))
                .values(status="open", closed_reason=None, updated_at=now, snapshot_id=snapshot_id)
            )
        conn.execute(
            insert(mt.alert_events),
            [
                {"alert_id": i, "at": now, "actor": actor, "kind": "reopened", "snapshot_id": snapshot_id}
                for i in reopen
            ],
        )
        counts["reopened"] = len(reopen)
    return counts


def _ids_for(conn: Connection, watchlist_id: int, keys: list[tuple[str, str, int]]) -> list[int]:
    a = mt.alerts
    want = set(keys)
    out: list[int] = []
    customers = sorted({k[0] for k in keys})
    for part in _chunks(customers):
        q = select(a.c.id, a.c.customer_id, a.c.record_hash, a.c.entity_version_id).where(
            a.c.watchlist_id == watchlist_id, a.c.customer_id.in_(part)
        )
        out += [
            r.id for r in conn.execute(q) if (r.customer_id, r.record_hash, int(r.entity_version_id)) in want
        ]
    return out


def close_where(
    conn: Connection, condition: Any, reason: str, actor: str, snapshot_id: int | None = None
) -> int:
    """Close the open alerts matching ``condition`` with ``reason``; returns how many."""
    a = mt.alerts
    ids = [r[0] for r in conn.execute(select(a.c.id).where(a.c.status == "open", condition))]
    if not ids:
        return 0
    now = utcnow()
    for part in _chunks(ids):
        conn.execute(
            update(a).where(a.c.id.in_(part)).values(status="closed", closed_reason=reason, updated_at=now)
        )
    conn.execute(
        insert(mt.alert_events),
        [
            {
                "alert_id": i,
                "at": now,
                "actor": actor,
                "kind": "closed",
                "snapshot_id": snapshot_id,
                "reason": reason,
            }
            for i in ids
        ],
    )
    return len(ids)


def close_entities(
    conn: Connection,
    entity_ids: Sequence[str],
    keep_versions: dict[str, int],
    reason: str,
    actor: str,
    snapshot_id: int,
) -> int:
    """Close open alerts on ``entity_ids`` except those on the version in ``keep_versions`` (if any)."""
    a = mt.alerts
    n = 0
    for part in _chunks(list(entity_ids)):
        cond: Any = a.c.entity_id.in_(part)
        keep = [keep_versions[e] for e in part if e in keep_versions]
        if keep:
            cond = and_(cond, a.c.entity_version_id.notin_(keep))
        n += close_where(conn, cond, reason, actor, snapshot_id)
    return n


def close_customers(
    conn: Connection,
    watchlist_id: int,
    current: dict[str, str | None],
    reason_changed: str,
    reason_removed: str,
    actor: str,
) -> int:
    """Close open alerts of the customers in ``current`` whose record is not the given hash (None: the
    customer was removed)."""
    a = mt.alerts
    n = 0
    removed = [c for c, h in current.items() if h is None]
    changed = {c: h for c, h in current.items() if h is not None}
    for part in _chunks(removed):
        n += close_where(
            conn, and_(a.c.watchlist_id == watchlist_id, a.c.customer_id.in_(part)), reason_removed, actor
        )
    for part in _chunks(sorted(changed)):
        conds = [and_(a.c.customer_id == c, a.c.record_hash != changed[c]) for c in part]
        n += close_where(conn, and_(a.c.watchlist_id == watchlist_id, or_(*conds)), reason_changed, actor)
    return n


def open_keys(conn: Connection, watchlist_id: int | None = None) -> set[tuple[int, str, str, int]]:
    """(watchlist, customer, record hash, entity version) of every open alert."""
    a = mt.alerts
    q = select(a.c.watchlist_id, a.c.customer_id, a.c.record_hash, a.c.entity_version_id).where(
        a.c.status == "open"
    )
    if watchlist_id is not None:
        q = q.where(a.c.watchlist_id == watchlist_id)
    return {(r[0], r[1], r[2], int(r[3])) for r in conn.execute(q)}


def open_alert_ids(conn: Connection) -> dict[int, tuple[int, str, str, int]]:
    """Alert id -> (watchlist, customer, record hash, entity version) of every open alert."""
    a = mt.alerts
    q = select(a.c.id, a.c.watchlist_id, a.c.customer_id, a.c.record_hash, a.c.entity_version_id).where(
        a.c.status == "open"
    )
    return {int(r[0]): (r[1], r[2], r[3], int(r[4])) for r in conn.execute(q)}


# ---- reading and deciding ------------------------------------------------------------------------------


def _row_dict(r: Any, watchlist: str, full: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": r.id,
        "watchlist": watchlist,
        "customer_id": r.customer_id,
        "customer_name": r.customer_name,
        "record_hash": r.record_hash,
        "entity_id": r.entity_id,
        "entity_name": r.entity_name,
        "entity_version_id": r.entity_version_id,
        "entity_hash": r.entity_hash,
        "list": r.list,
        "score": r.score,
        "snapshot_id": r.snapshot_id,
        "status": r.status,
        "closed_reason": r.closed_reason,
        "decision": r.decision,
        "decision_reason": r.decision_reason,
        "decided_by": r.decided_by,
        "decided_at": iso(r.decided_at),
        "raised_at": iso(r.raised_at),
        "updated_at": iso(r.updated_at),
    }
    if full:
        d["match"] = json.loads(r.explanation)
    return d


def _names(conn: Connection) -> dict[int, str]:
    w = mt.watchlists
    return {i: n for i, n in conn.execute(select(w.c.id, w.c.name))}


def list_alerts(
    ledger: Ledger,
    *,
    status: str = "queue",
    watchlist: str | None = None,
    decision: str | None = None,
    customer_id: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Alerts, highest score first. ``status``: ``queue`` (open, undecided or escalated), ``open`` (not
    cleared as a false positive, see :func:`open_condition`), ``closed``, ``all``."""
    a = mt.alerts
    if status not in ("queue", "open", "closed", "all"):
        raise InputError(f"unknown status {status!r}", hint="use queue, open, closed or all")
    if decision is not None and decision not in (*DECISIONS, "none"):
        raise InputError(f"unknown decision {decision!r}", hint="use " + ", ".join(DECISIONS) + " or none")
    if not 1 <= limit <= 1000:
        raise InputError(f"limit {limit} must be between 1 and 1000")
    conds: list[Any] = []
    if status == "queue":
        conds.append(queue_condition())
    elif status == "open":
        conds.append(open_condition())
    elif status == "closed":
        conds.append(a.c.status == "closed")
    with ledger.engine.connect() as conn:
        names = _names(conn)
        if watchlist is not None:
            wid = next((i for i, n in names.items() if n == watchlist), None)
            if wid is None:
                raise NotFoundError(
                    f"no watchlist {watchlist!r}", hint="`sanctions watchlist list` shows them"
                )
            conds.append(a.c.watchlist_id == wid)
        if decision == "none":
            conds.append(a.c.decision.is_(None))
        elif decision:
            conds.append(a.c.decision == decision)
        if customer_id:
            conds.append(a.c.customer_id == customer_id)
        if entity_id:
            conds.append(a.c.entity_id == entity_id)
        where = and_(*conds) if conds else and_(True)
        total = conn.execute(select(func.count()).select_from(a).where(where)).scalar() or 0
        rows = conn.execute(
            select(a).where(where).order_by(a.c.score.desc(), a.c.id.desc()).limit(limit).offset(offset)
        )
        items = [_row_dict(r, names.get(r.watchlist_id, "?")) for r in rows]
    return {"total": int(total), "limit": limit, "offset": offset, "status": status, "alerts": items}


def get_alert(ledger: Ledger, alert_id: int) -> dict[str, Any]:
    a, ev = mt.alerts, mt.alert_events
    with ledger.engine.connect() as conn:
        r = conn.execute(select(a).where(a.c.id == alert_id)).first()
        if r is None:
            raise NotFoundError(f"no alert #{alert_id}", hint="`sanctions alerts list` shows the queue")
        d = _row_dict(r, _names(conn).get(r.watchlist_id, "?"), full=True)
        wr = mt.watchlist_records
        rec = conn.execute(select(wr.c.content).where(wr.c.id == r.record_id)).scalar()
        d["customer"] = json.loads(rec) if rec else None
        d["events"] = [
            {
                "at": iso(e.at),
                "actor": e.actor,
                "kind": e.kind,
                "snapshot_id": e.snapshot_id,
                "decision": e.decision,
                "reason": e.reason,
            }
            for e in conn.execute(select(ev).where(ev.c.alert_id == alert_id).order_by(ev.c.id))
        ]
        d["earlier"] = _earlier(conn, r, d["customer"])
    return d


def _earlier(conn: Connection, r: Any, customer: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Decisions on earlier alerts of the same customer and listed entity (before the customer record or
    the entity changed and this alert was raised), newest first, each with what changed since."""
    a = mt.alerts
    rows = conn.execute(
        select(a)
        .where(
            a.c.watchlist_id == r.watchlist_id,
            a.c.customer_id == r.customer_id,
            a.c.entity_id == r.entity_id,
            a.c.id != r.id,
            a.c.decision.is_not(None),
        )
        .order_by(a.c.decided_at.desc(), a.c.id.desc())
        .limit(5)
    ).all()
    out = []
    for e in rows:
        changes: list[dict[str, str]] = []
        if e.record_hash != r.record_hash:
            wr = mt.watchlist_records
            before = conn.execute(select(wr.c.content).where(wr.c.id == e.record_id)).scalar()
            changes += _changes("customer", json.loads(before) if before else {}, customer or {})
        if int(e.entity_version_id) != int(r.entity_version_id):
            v = t.entity_versions
            got = dict(
                conn.execute(
                    select(v.c.id, v.c.content).where(v.c.id.in_([e.entity_version_id, r.entity_version_id]))
                ).all()
            )
            old_e = json.loads(got.get(e.entity_version_id) or "{}")
            new_e = json.loads(got.get(r.entity_version_id) or "{}")
            changes += _changes("entity", old_e, new_e)
        out.append(
            {
                "alert_id": e.id,
                "decision": e.decision,
                "reason": e.decision_reason,
                "decided_by": e.decided_by,
                "decided_at": iso(e.decided_at),
                "status": e.status,
                "closed_reason": e.closed_reason,
                "changes": changes,
            }
        )
    return out


_SKIP = {"provenance", "source", "first_seen", "last_seen"}


def _text(value: Any) -> str:
    """A value as an analyst reads it: a name by its text (and kind), anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        kind = value.get("kind")
        return f"{value['name']} ({kind})" if kind and kind != "primary" else str(value["name"])
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _changes(what: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """Field by field, what differs between two versions of a record (lists: the items only on one side)."""
    out = []
    for field in sorted(set(before) | set(after)):
        if field in _SKIP:
            continue
        b, n = before.get(field), after.get(field)
        if b == n:
            continue
        if isinstance(b, list) and isinstance(n, list):
            bt, nt = [_text(x) for x in b], [_text(x) for x in n]
            gone, came = [x for x in bt if x not in nt], [x for x in nt if x not in bt]
            out.append({"of": what, "field": field, "before": "; ".join(gone), "after": "; ".join(came)})
        else:
            out.append(
                {
                    "of": what,
                    "field": field,
                    "before": "" if b is None else _text(b),
                    "after": "" if n is None else _text(n),
                }
            )
    return out


def decide(ledger: Ledger, alert_id: int, decision: str, reason: str, actor: str) -> dict[str, Any]:
    """Record an analyst's decision on an alert (with the reason), in the audit log too."""
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}", hint="use " + ", ".join(DECISIONS))
    reason = (reason or "").strip()
    if not reason:
        raise InputError("a decision needs a reason", hint="say why, e.g. 'different date of birth'")
    if len(reason) > 2000:
        raise InputError("the reason is longer than 2000 characters")
    a = mt.alerts
    now = utcnow()
    with ledger.engine.begin() as conn:
        r = conn.execute(
            select(
                a.c.id,
                a.c.status,
                a.c.decision,
                a.c.customer_id,
                a.c.entity_id,
                a.c.entity_version_id,
                a.c.record_hash,
            ).where(a.c.id == alert_id)
        ).first()
        if r is None:
            raise NotFoundError(f"no alert #{alert_id}", hint="`sanctions alerts list` shows the queue")
        conn.execute(
            update(a)
            .where(a.c.id == alert_id)
            .values(
                decision=decision, decision_reason=reason, decided_by=actor, decided_at=now, updated_at=now
            )
        )
        conn.execute(
            insert(mt.alert_events).values(
                alert_id=alert_id, at=now, actor=actor, kind="decision", decision=decision, reason=reason
            )
        )
        ledger.audit(
            conn,
            actor,
            "alerts.decide",
            f"alert#{alert_id}",
            {
                "decision": decision,
                "previous": r.decision,
                "reason": reason,
                "customer_id": r.customer_id,
                "record_hash": r.record_hash,
                "entity_id": r.entity_id,
                "entity_version_id": int(r.entity_version_id),
                "status": r.status,
            },
        )
    return get_alert(ledger, alert_id)
