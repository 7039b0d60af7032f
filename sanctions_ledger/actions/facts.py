"""Import actions from a facts file (a JSON array of action objects, as in ``shared/facts``).

Idempotent: an action whose id is already stored with the same content adds nothing; one stored with
different content is reported (``differs``) and left as it is — nothing is overwritten. A date without a
time is an event of precision ``day`` (that local day in the action's zone); ``2018-10`` is a month.
Designations take effect when announced, so they get an ``effective`` event at the same time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sanctions_ledger.actions import webhooks
from sanctions_ledger.actions.model import Action, Event, Target, When, authority_zone
from sanctions_ledger.actions.programs import action_countries
from sanctions_ledger.actions.store import content_sha256, insert_action, insert_event
from sanctions_ledger.actions.timeinput import tz_for
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.ledger.tables import utcnow

_CATEGORY = {
    "designation": "designation",
    "resolution-designation": "designation",
    "committee-designation": "designation",
    "committee-vessel-designation": "designation",
    "amendment": "amendment",
    "delisting": "delisting",
    "removal": "delisting",
    "advisory": "advisory",
}
_TYPE = {"individual": "individual", "entity": "entity", "vessel": "vessel", "aircraft": "aircraft"}
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass
class ImportResult:
    path: str
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "created": len(self.created),
            "unchanged": len(self.unchanged),
            "differs": self.differs,
            "created_ids": self.created,
        }


def _bad(path: str, index: int, obj_id: str | None, msg: str) -> InputError:
    where = f"{path}, action #{index + 1}" + (f" ({obj_id})" if obj_id else "")
    return InputError(f"{where}: {msg}", hint="fix the facts file; nothing was imported")


def _entity_id(target: dict[str, Any], authority: str) -> str | None:
    if target.get("sdn_uid"):
        return f"ofac-sdn:{target['sdn_uid']}"
    if target.get("un_reference_number"):
        return f"un:{target['un_reference_number']}"
    return None


def _announced(obj: dict[str, Any], tz: str, path: str, i: int) -> tuple[When, dict[str, Any]]:
    raw = str(obj.get("date") or "")
    precision = obj.get("date_precision") or ("month" if len(raw) == 7 else "day")
    try:
        d = date.fromisoformat(raw + "-01" if precision == "month" else raw)
    except ValueError as exc:
        raise _bad(path, i, obj.get("id"), f"invalid date {raw!r}") from exc
    z = tz_for(tz)
    detail: dict[str, Any] = {}
    tm = obj.get("time")
    if isinstance(tm, dict) and tm.get("value") and precision == "day":
        m = _HHMM.match(str(tm["value"]))
        if not m:
            raise _bad(path, i, obj.get("id"), f"invalid time {tm['value']!r} (expected HH:MM)")
        tz_time = str(tm.get("tz") or tz)
        local = datetime.combine(d, time(int(m.group(1)), int(m.group(2))), tzinfo=tz_for(tz_time))
        detail = {k: tm[k] for k in ("precision", "confidence", "basis") if k in tm}
        return When(local.astimezone(UTC), tz_time, "minute"), detail
    return When(datetime.combine(d, time.min, tzinfo=z).astimezone(UTC), tz, precision), detail


def action_from_fact(obj: Any, path: str, i: int) -> tuple[Action, list[Event]]:
    if not isinstance(obj, dict):
        raise _bad(path, i, None, "is not a JSON object")
    for key in ("id", "authority", "date"):
        if not obj.get(key):
            raise _bad(path, i, obj.get("id"), f"missing {key!r}")
    aid, authority = str(obj["id"]), str(obj["authority"])
    tz = str(obj.get("timezone") or authority_zone(authority))
    action_type = str(obj.get("action_type") or "designation")
    programs = [str(p) for p in obj.get("program_tags") or []]
    targets = []
    for tg in obj.get("targets") or []:
        if not isinstance(tg, dict) or not tg.get("name"):
            raise _bad(path, i, aid, "a target without a name")
        detail = {k: v for k, v in tg.items() if k not in ("name", "type")}
        targets.append(
            Target(
                str(tg["name"]),
                _TYPE.get(str(tg.get("type")), "unknown"),
                _entity_id(tg, authority),
                None,
                detail,
            )
        )
    pr = obj.get("press_release") or {}
    sources = [{k: s.get(k) for k in ("url", "kind", "title") if s.get(k)} for s in obj.get("sources") or []]
    if pr.get("url"):
        sources.insert(0, {"url": pr["url"], "kind": "press-release", "title": pr.get("id")})
    skip = {
        "id",
        "authority",
        "action_type",
        "title",
        "program_tags",
        "targets",
        "press_release",
        "sources",
        "legal_authorities",
        "timezone",
        "date",
        "time",
        "date_precision",
    }
    extra = {k: v for k, v in obj.items() if k not in skip}
    extra["date"] = obj["date"]
    action = Action(
        id=aid,
        authority=authority,
        action_type=action_type,
        category=_CATEGORY.get(action_type, "other"),
        title=obj.get("title"),
        origin="imported",
        timezone=tz,
        programs=programs,
        countries=action_countries(programs, [obj.get("title"), obj.get("regime"), aid.replace("-", " ")]),
        legal_authorities=[str(x) for x in obj.get("legal_authorities") or []],
        sources=sources,
        press_release_id=pr.get("id"),
        targets=targets,
        detail=extra,
    )
    when, tdetail = _announced(obj, tz, path, i)
    src = {"source": f"facts:{Path(path).name}", **tdetail}
    now = utcnow()
    events = [Event("announced", when, now, "", note="imported from facts", detail=src)]
    if action.category in ("designation", "delisting", "amendment"):
        events.append(Event("effective", when, now, "", note="takes effect on announcement", detail=src))
    return action, events


def load_facts(path: Path) -> list[tuple[Action, list[Event]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc})", hint="a facts file is a JSON array of actions"
        ) from exc
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON array of action objects")
    out = [action_from_fact(obj, str(path), i) for i, obj in enumerate(data)]
    seen: set[str] = set()
    for a, _ in out:
        if a.id in seen:
            raise InputError(f"{path}: action id {a.id!r} occurs twice", hint="ids must be unique")
        seen.add(a.id)
    return out


def import_facts(ledger: Ledger, path: Path, *, actor: str | None = None) -> ImportResult:
    """Import every action of a facts file in one transaction (all or nothing), audited."""
    items = load_facts(path)  # everything validated before anything is written
    who = actor or default_actor()
    now = utcnow()
    result = ImportResult(str(path))
    with ledger.engine.begin() as conn:
        stored = {
            r.id: r.content_sha256 for r in conn.execute(select(at.actions.c.id, at.actions.c.content_sha256))
        }
        for action, events in items:
            if action.id in stored:
                if stored[action.id] == content_sha256(action):
                    result.unchanged.append(action.id)
                else:
                    result.differs.append(action.id)
                continue
            insert_action(conn, action, who, now)
            for seq, ev in enumerate(events, start=1):
                insert_event(conn, action.id, seq, replace(ev, recorded_by=who), now)
            result.created.append(action.id)
        if result.created:
            ledger.audit(conn, who, "actions.import", str(path), result.to_dict())
            webhooks.enqueue(
                conn,
                f"import:{now.isoformat()}:{path.name}",
                "actions.imported",
                {"path": str(path), "created": result.created},
            )
    return result
