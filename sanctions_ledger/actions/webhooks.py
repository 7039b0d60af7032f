"""Webhooks: registered URLs that receive a signed JSON POST for each notification.

A write (an action recorded, an event, an import) queues a notification in the same transaction, and
:func:`dispatch` also queues one per new snapshot. Dispatch sends each pending notification to every
webhook registered before it was queued, retrying failures (network errors, 5xx, 429) with exponential
backoff; every attempt is a row in ``webhook_deliveries``.

Signature: ``X-Sanctions-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` with the
Unix ``timestamp`` in ``X-Sanctions-Timestamp`` (so a receiver can refuse replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Connection, and_, func, insert, select, update

from sanctions_ledger.errors import InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso

SIGNATURE_HEADER = "X-Sanctions-Signature"
TIMESTAMP_HEADER = "X-Sanctions-Timestamp"
DELIVERY_HEADER = "X-Sanctions-Delivery"
EVENT_HEADER = "X-Sanctions-Event"
EVENT_TYPES = ("action.recorded", "action.event", "actions.imported", "actions.inferred", "snapshot.created")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def enqueue(conn: Connection, key: str, event_type: str, data: dict[str, Any]) -> None:
    """Queue a notification (inside the caller's transaction). A key already queued is left alone."""
    n = at.webhook_notifications
    if conn.execute(select(n.c.id).where(n.c.key == key)).first() is not None:
        return
    now = utcnow()
    payload = {"id": key, "type": event_type, "created_at": iso(now), "data": data}
    conn.execute(
        insert(n).values(
            key=key, event_type=event_type, payload=json.dumps(payload, sort_keys=True), created_at=now
        )
    )


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    events: str
    created_at: str
    created_by: str
    disabled_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def register(
    ledger: Ledger, url: str, secret: str, events: list[str] | None = None, *, actor: str | None = None
) -> Webhook:
    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.netloc:
        raise InputError(f"webhook URL {url!r} is not an http(s) URL")
    if len(secret) < 16:
        raise InputError(
            "the webhook secret is too short", hint="use at least 16 characters, e.g. `openssl rand -hex 32`"
        )
    bad = [e for e in events or [] if e not in EVENT_TYPES]
    if bad:
        raise InputError(
            f"unknown webhook event type(s): {', '.join(bad)}", hint=f"one of {', '.join(EVENT_TYPES)}"
        )
    who = actor or default_actor()
    queue_snapshots(ledger)  # snapshots that exist already are not news to a new webhook
    now = utcnow()
    with ledger.engine.begin() as conn:
        res = conn.execute(
            insert(at.webhooks).values(
                url=url,
                secret=secret,
                events=" ".join(events) if events else "*",
                created_at=now,
                created_by=who,
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
        hook_id = int(pk[0])
        ledger.audit(
            conn, who, "webhooks.register", f"webhook#{hook_id}", {"url": url, "events": events or ["*"]}
        )
    return get(ledger, hook_id)


def disable(ledger: Ledger, hook_id: int, *, actor: str | None = None) -> Webhook:
    who = actor or default_actor()
    with ledger.engine.begin() as conn:
        w = at.webhooks
        row = conn.execute(select(w).where(w.c.id == hook_id)).first()
        if row is None:
            raise NotFoundError(f"no webhook #{hook_id}", hint="`sanctions webhooks list` shows them")
        if row.disabled_at is None:
            conn.execute(update(w).where(w.c.id == hook_id).values(disabled_at=utcnow()))
            ledger.audit(conn, who, "webhooks.disable", f"webhook#{hook_id}", {"url": row.url})
    return get(ledger, hook_id)


def _hook(r: Any) -> Webhook:
    return Webhook(r.id, r.url, r.events, iso(r.created_at) or "", r.created_by, iso(r.disabled_at))


def get(ledger: Ledger, hook_id: int) -> Webhook:
    with ledger.engine.connect() as conn:
        r = conn.execute(select(at.webhooks).where(at.webhooks.c.id == hook_id)).first()
    if r is None:
        raise NotFoundError(f"no webhook #{hook_id}")
    return _hook(r)


def list_hooks(ledger: Ledger) -> list[Webhook]:
    with ledger.engine.connect() as conn:
        return [_hook(r) for r in conn.execute(select(at.webhooks).order_by(at.webhooks.c.id))]


def deliveries(ledger: Ledger, limit: int = 100) -> list[dict[str, Any]]:
    d, n = at.webhook_deliveries, at.webhook_notifications
    q = (
        select(d, n.c.key, n.c.event_type)
        .join(n, n.c.id == d.c.notification_id)
        .order_by(d.c.id.desc())
        .limit(limit)
    )
    with ledger.engine.connect() as conn:
        return [
            {
                "id": r.id,
                "webhook_id": r.webhook_id,
                "notification": r.key,
                "event_type": r.event_type,
                "attempt": r.attempt,
                "attempted_at": iso(r.attempted_at),
                "status_code": r.status_code,
                "ok": bool(r.ok),
                "final": bool(r.final),
                "error": r.error,
                "duration_ms": r.duration_ms,
            }
            for r in conn.execute(q)
        ]


def queue_snapshots(ledger: Ledger) -> int:
    """Queue a ``snapshot.created`` notification for every snapshot not yet queued."""
    sn = t.snapshots
    added = 0
    with ledger.engine.begin() as conn:
        known = {
            r[0]
            for r in conn.execute(
                select(at.webhook_notifications.c.key).where(
                    at.webhook_notifications.c.key.startswith("snapshot:", autoescape=True)
                )
            )
        }
        cols = [
            sn.c.id,
            sn.c.list,
            sn.c.observed_at,
            sn.c.entity_count,
            sn.c.added_count,
            sn.c.removed_count,
            sn.c.changed_count,
        ]
        for r in conn.execute(select(*cols).order_by(sn.c.id)):
            if f"snapshot:{r.id}" in known:
                continue
            enqueue(
                conn,
                f"snapshot:{r.id}",
                "snapshot.created",
                {
                    "snapshot_id": r.id,
                    "list": r.list,
                    "observed_at": iso(r.observed_at),
                    "counts": {
                        "entities": r.entity_count,
                        "added": r.added_count,
                        "removed": r.removed_count,
                        "changed": r.changed_count,
                    },
                },
            )
            added += 1
    return added


@dataclass
class DispatchResult:
    delivered: int = 0
    failed: int = 0
    attempts: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _wants(hook_events: str, event_type: str) -> bool:
    return hook_events == "*" or event_type in hook_events.split()


def dispatch(
    ledger: Ledger,
    *,
    max_attempts: int = 4,
    backoff: float = 1.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    client: httpx.Client | None = None,
) -> DispatchResult:
    """Deliver every pending (notification, webhook) pair. A pair is pending until one attempt succeeded or
    one attempt was final. Waits ``backoff * 2**(n-1)`` seconds before retry n."""
    queue_snapshots(ledger)
    result = DispatchResult()
    n, w, d = at.webhook_notifications, at.webhooks, at.webhook_deliveries
    with ledger.engine.connect() as conn:
        hooks = list(conn.execute(select(w).where(w.c.disabled_at.is_(None)).order_by(w.c.id)))
        done = (
            select(d.c.id)
            .where(and_(d.c.notification_id == n.c.id, d.c.webhook_id == w.c.id, d.c.final.is_(True)))
            .exists()
        )
        pairs = list(
            conn.execute(
                select(n.c.id, n.c.event_type, n.c.key, n.c.payload, w.c.id.label("hook_id"))
                .join(w, w.c.created_at <= n.c.created_at)
                .where(w.c.disabled_at.is_(None), ~done)
                .order_by(n.c.id, w.c.id)
            )
        )
        tries = {
            (r[0], r[1]): int(r[2])
            for r in conn.execute(
                select(d.c.notification_id, d.c.webhook_id, func.count()).group_by(
                    d.c.notification_id, d.c.webhook_id
                )
            )
        }
    by_id = {h.id: h for h in hooks}
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        for p in pairs:
            hook = by_id[p.hook_id]
            if not _wants(hook.events, p.event_type):
                continue
            ok = _deliver(
                ledger, http, hook, p, tries.get((p.id, hook.id), 0), max_attempts, backoff, sleep, result
            )
            if ok:
                result.delivered += 1
            else:
                result.failed += 1
    finally:
        if own:
            http.close()
    return result


def _deliver(
    ledger: Ledger,
    http: httpx.Client,
    hook: Any,
    p: Any,
    done_before: int,
    max_attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    result: DispatchResult,
) -> bool:
    body = p.payload.encode("utf-8")
    attempt = done_before
    while attempt < max_attempts:
        attempt += 1
        if attempt > 1:
            sleep(backoff * 2 ** (attempt - 2))
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(hook.secret, ts, body),
            TIMESTAMP_HEADER: ts,
            DELIVERY_HEADER: f"{p.key}/{hook.id}/{attempt}",
            EVENT_HEADER: p.event_type,
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            resp = http.post(hook.url, content=body, headers=headers)
            status = resp.status_code
            ok = 200 <= status < 300
            retryable = status >= 500 or status == 429
            if not ok:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            ok, retryable, error = False, True, f"{type(exc).__name__}: {exc}"
        final = ok or not retryable or attempt >= max_attempts
        result.attempts += 1
        with ledger.engine.begin() as conn:
            conn.execute(
                insert(at.webhook_deliveries).values(
                    notification_id=p.id,
                    webhook_id=hook.id,
                    attempt=attempt,
                    attempted_at=utcnow(),
                    status_code=status,
                    ok=ok,
                    final=final,
                    error=error,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
        if final:
            return ok
    return False
