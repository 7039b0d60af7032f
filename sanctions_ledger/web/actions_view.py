"""Actions and statement checks for the pages (through the actions and statements packages)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date as Date
from typing import TYPE_CHECKING, Any

from sanctions_ledger import statements
from sanctions_ledger.actions import queries, store
from sanctions_ledger.errors import InputError, SanctionsError
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso, zone

if TYPE_CHECKING:
    from sanctions_ledger.services.context import Services


def context(services: Services, date: str | None, tz: str | None) -> dict[str, Any]:
    """Actions announced on ``date`` (in ``tz``, or each in its authority's zone), or all, grouped by day."""
    if tz:
        zone(tz)
    ledger = services.ledger
    if date:
        try:
            day = Date.fromisoformat(date)
        except ValueError as exc:
            raise InputError(f"invalid date {date!r}", hint="YYYY-MM-DD") from exc
        summaries = [f.to_dict() for f in queries.announced_on(ledger, day, tz)]
    else:
        summaries = [queries.summary(a) for a in store.all_actions(ledger)]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for s in summaries:
        key = (s.get("announced_date") or "date unknown", tz or s.get("announced_zone") or "")
        groups[key].append(
            {
                "id": s["id"],
                "title": s.get("title"),
                "category": s.get("category"),
                "authority": s.get("authority"),
                "programs": s.get("programs") or [],
                "status": s.get("status"),
                "targets": len(s.get("targets") or []),
                "when": s.get("announced_at") or "—",
            }
        )
    days = [{"date": d, "zone": z, "actions": acts} for (d, z), acts in sorted(groups.items(), reverse=True)]
    return {"date": date or "", "tz": tz or "", "days": days}


def action_context(services: Services, action_id: str) -> dict[str, Any]:
    """One action: its lifecycle (every event, corrections marked), sources, and targets with the entity
    each names (linked when the ledger holds it)."""
    data = queries.history(services.ledger, action_id)
    known = set()
    for t in data["targets"]:
        eid = t.get("entity_id")
        if eid:
            try:
                services.ledger.history(eid)
            except SanctionsError:
                continue
            known.add(eid)
    return {"a": data, "known": known}


def check_statement(services: Services, text: str, at: str | None, tz: str | None) -> dict[str, Any]:
    result: dict[str, Any] = statements.check_statement(services.ledger, text, at or str(iso(utcnow())), tz)
    return result
