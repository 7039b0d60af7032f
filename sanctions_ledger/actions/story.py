"""An entity's story: what authorities did to one party, from designation to removal.

One timeline joins three kinds of evidence:

- the authority's own dates in the file (``listed_on``: UN ``LISTED_ON``, UK "Listed On", EU
  ``designationDate``, the Sanctions List Service's listing dates), read from each stored version;
- the actions that name the entity (imported from facts, recorded by people, inferred from snapshot diffs),
  linked by entity id, or by name within the lists of the action's authority when the action gives no id;
- the snapshots that show it: first and last seen, each version, and the gaps between them.

Every event says what happened (designated, amended, renamed, program added or removed, delisted, relisted),
when, at what precision, and on what evidence. A version that replaces another at the very next snapshot is
an amendment or a rename, never a removal: only a snapshot of the list without the entity is a removal.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from sanctions_ledger.actions.lifecycle import derive
from sanctions_ledger.actions.queries import Found, announcement, announcement_detail, for_entity
from sanctions_ledger.actions.store import all_actions
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso
from sanctions_ledger.parsers import LISTS
from sanctions_ledger.parsers.aliases import linked_ids

# What an action's category says happened to its targets.
_CATEGORY_EVENT = {"designation": "designated", "delisting": "delisted", "amendment": "amended"}
_INFERRED_CHANGE = {"added": "designated", "removed": "delisted", "changed": "amended"}


def _norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", text))


def _names(content: dict[str, Any]) -> set[str]:
    return {_norm(n["name"]) for n in content.get("names", []) if n.get("name")}


def _primary(content: dict[str, Any]) -> str | None:
    for n in content.get("names", []):
        if n.get("kind") == "primary":
            return str(n["name"])
    names = content.get("names") or []
    return str(names[0]["name"]) if names else None


def linked_actions(ledger: Ledger, entity_id: str, names: set[str]) -> list[tuple[Found, str]]:
    """Actions naming the entity: by id (``by id``), else by a target name equal (after normalisation) to
    one of the entity's names, for an action of an authority that publishes the entity's list
    (``by name``)."""
    out: list[tuple[Found, str]] = [(f, "by id") for f in for_entity(ledger, entity_id)]
    seen = {f.action.id for f, _ in out}
    list_name = entity_id.split(":", 1)[0]
    authority = LISTS.get(list_name, ("", ""))[0]
    if not names:
        return out
    for a in all_actions(ledger):
        if a.id in seen or a.origin == "inferred":
            continue
        auths = set(a.authority.split("+"))
        same_authority = authority in auths or (
            authority == "UNSC" and any(x.startswith("UNSC") for x in auths)
        )
        if not same_authority:
            continue
        for tg in a.targets:
            if tg.entity_id is None and _norm(tg.name) in names:
                out.append((Found(a, derive(a.id, a.events)), "by name"))
                seen.add(a.id)
                break
    return out


def _program_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    a, b = set(old.get("programs") or []), set(new.get("programs") or [])
    return sorted(b - a), sorted(a - b)


def _file_date(list_name: str, value: str) -> dict[str, Any] | None:
    """The authority's own date from the file, as a day in the list's zone."""
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return None
    zone = LISTS.get(list_name, ("", "UTC"))[1]
    return {"local": d.isoformat(), "zone": zone, "precision": "day", "text": d.isoformat()}


def entity_story(ledger: Ledger, entity_id: str, history: dict[str, Any] | None = None) -> dict[str, Any]:
    """The entity's timeline: the authority's dates, the actions naming it and the snapshot evidence.

    Returns ``designation`` (the best-supported designation date and the action behind it), ``events``
    (oldest first), ``actions`` and ``listed`` (on the latest snapshot or not). ``history`` is the
    ledger's history of the entity when the caller already has it."""
    hist = history if history is not None else ledger.history(entity_id)
    list_name = hist["list"]
    versions = hist["versions"]
    all_names: set[str] = set()
    for v in versions:
        all_names |= _names(v["entity"])
    events: list[dict[str, Any]] = []

    # (a) the authority's own dates in the file
    file_dates: dict[str, dict[str, Any]] = {}
    for v in versions:
        listed_on = v["entity"].get("listed_on")
        if listed_on and listed_on not in file_dates:
            fd = _file_date(list_name, str(listed_on))
            if fd:
                file_dates[str(listed_on)] = fd | {"snapshot": v["first_snapshot"]}
    for value, fd in file_dates.items():
        events.append(
            {
                "kind": "designated",
                "at": fd,
                "sort": value[:10],
                "evidence": "file",
                "detail": f"listed on {value[:10]} according to the {list_name} file "
                f"(snapshot #{fd['snapshot']})",
            }
        )

    # (b) the actions that name it
    actions_out = []
    for found, how in linked_actions(ledger, entity_id, all_names):
        a = found.action
        ann = announcement(found.life)
        tgt = next((t for t in a.targets if t.entity_id == entity_id), None)
        kind = _CATEGORY_EVENT.get(a.category, "action")
        if a.origin == "inferred" and tgt is not None and tgt.change:
            kind = _INFERRED_CHANGE.get(tgt.change, kind)
        at = ann.display(announcement_detail(found.action, found.life)) if ann else None
        status = found.life.status_at(utcnow())
        item = {
            "action_id": a.id,
            "authority": a.authority,
            "category": a.category,
            "origin": a.origin,
            "title": a.title,
            "linked": how,
            "status": status,
            "announced": at,
        }
        actions_out.append(item)
        if a.origin == "inferred":
            continue  # the snapshot evidence below says the same, with the versions
        if at is None:
            continue
        ev: dict[str, Any] = {
            "kind": kind,
            "at": at,
            "sort": iso(ann.at) if ann else "",
            "evidence": "action",
            "action_id": a.id,
            "linked": how,
            "detail": f"{a.category} {a.id} ({a.authority}), {status}",
        }
        if found.life.ended is not None:
            ev["ended"] = {"kind": found.life.ended.kind, "at": found.life.ended.when.local_iso()}
        events.append(ev)

    # (c) the snapshot evidence
    prev: dict[str, Any] | None = None
    for i, v in enumerate(versions):
        c = v["entity"]
        first = {"utc": v["first_observed_at"], "precision": "instant", "text": v["first_observed_at"]}
        if prev is None:
            events.append(
                {
                    "kind": "first seen",
                    "at": first,
                    "sort": v["first_observed_at"],
                    "evidence": "snapshot",
                    "snapshot": v["first_snapshot"],
                    "detail": f"first seen in snapshot #{v['first_snapshot']} as {_primary(c)!r}",
                }
            )
        else:
            gap = versions[i - 1]["ended_by_snapshot"] != v["first_snapshot"]
            if gap:
                events.append(
                    {
                        "kind": "relisted",
                        "at": first,
                        "sort": v["first_observed_at"],
                        "evidence": "snapshot",
                        "snapshot": v["first_snapshot"],
                        "detail": f"back on the list in snapshot #{v['first_snapshot']}",
                    }
                )
            old_name, new_name = _primary(prev), _primary(c)
            added, removed = _program_changes(prev, c)
            if old_name != new_name:
                events.append(
                    {
                        "kind": "renamed",
                        "at": first,
                        "sort": v["first_observed_at"],
                        "evidence": "snapshot",
                        "snapshot": v["first_snapshot"],
                        "from": old_name,
                        "to": new_name,
                        "detail": f"renamed from {old_name!r} to {new_name!r}",
                    }
                )
            for p in added:
                events.append(
                    {
                        "kind": "program added",
                        "at": first,
                        "sort": v["first_observed_at"],
                        "evidence": "snapshot",
                        "snapshot": v["first_snapshot"],
                        "program": p,
                        "detail": f"program {p} added",
                    }
                )
            for p in removed:
                events.append(
                    {
                        "kind": "program removed",
                        "at": first,
                        "sort": v["first_observed_at"],
                        "evidence": "snapshot",
                        "snapshot": v["first_snapshot"],
                        "program": p,
                        "detail": f"program {p} removed",
                    }
                )
            other = [f for f in v["changes"] if f not in ("programs",)]
            if old_name != new_name:
                other = [f for f in other if f != "names"]
            if other and not gap:
                events.append(
                    {
                        "kind": "amended",
                        "at": first,
                        "sort": v["first_observed_at"],
                        "evidence": "snapshot",
                        "snapshot": v["first_snapshot"],
                        "fields": other,
                        "detail": "changed: " + ", ".join(other),
                    }
                )
        nxt = versions[i + 1] if i + 1 < len(versions) else None
        ended = v["ended_by_snapshot"]
        if ended is not None and (nxt is None or nxt["first_snapshot"] != ended):
            events.append(
                {
                    "kind": "delisted",
                    "at": {
                        "utc": v["ended_at"],
                        "precision": "between",
                        "after": v["last_seen"],
                        "text": f"between {v['last_seen']} and {v['ended_at']}",
                    },
                    "sort": v["ended_at"],
                    "evidence": "snapshot",
                    "snapshot": ended,
                    "detail": f"not on snapshot #{ended} (last seen {v['last_seen']})",
                }
            )
        prev = c

    events.sort(key=lambda e: (str(e["sort"])[:10], _ORDER.get(e["kind"], 5), str(e["sort"])))
    for e in events:
        e.pop("sort", None)
    return {
        "entity_id": entity_id,
        "list": list_name,
        "designation": _designation(events),
        "listed": hist["on_latest_snapshot"],
        "first_seen": hist["first_seen"],
        "last_seen": hist["last_seen"],
        "actions": actions_out,
        "events": events,
    }


_ORDER = {"designated": 0, "first seen": 1, "relisted": 2, "renamed": 3, "amended": 4}


def _designation(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The designation: the earliest of the file's listing date and a designation action naming the
    entity, with both pieces of evidence when they agree."""
    designations = [e for e in events if e["kind"] == "designated"]
    if not designations:
        first = next((e for e in events if e["kind"] == "first seen"), None)
        if first is None:
            return None
        return {
            "date": None,
            "first_seen": first["at"]["utc"],
            "evidence": "snapshot",
            "note": "no listing date in the file and no designation action names it; the ledger first "
            "saw it at this time",
        }
    first = designations[0]
    out: dict[str, Any] = {
        "date": first["at"].get("local", "")[:10] if first["at"].get("precision") != "month" else None,
        "at": first["at"],
        "evidence": sorted({e["evidence"] for e in designations}),
    }
    actions = [e["action_id"] for e in designations if e.get("action_id")]
    if actions:
        out["action_id"] = actions[0]
        out["actions"] = actions
    return out


def show_entity(ledger: Ledger, entity_id: str, at: datetime | None = None) -> dict[str, Any]:
    """``show``: the entity as of ``at`` (default: the latest snapshot), with its designation and the
    actions that name it."""
    entity, snap = ledger.entity(entity_id, at)
    d: dict[str, Any] = entity.to_dict()
    if links := linked_ids(entity.list, entity.properties):
        d["linked_ids"] = links  # the same party on another list (OFSI Group ID <-> FCDO UniqueID)
    d["snapshot"] = {"id": snap.id, "observed_at": iso(snap.observed_at)}
    story = entity_story(ledger, entity_id)
    d["designation"] = story["designation"]
    d["actions"] = story["actions"]
    return d


def entity_history(ledger: Ledger, entity_id: str) -> dict[str, Any]:
    """``history``: the entity's versions across snapshots and its story (designation, actions, events)."""
    h = ledger.history(entity_id)
    story = entity_story(ledger, entity_id, h)
    h["designation"] = story["designation"]
    h["actions"] = story["actions"]
    h["events"] = story["events"]
    return h
