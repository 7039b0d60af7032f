"""A change feed of actions and list snapshots, as Atom (RFC 4287) and as JSON Feed 1.1."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sanctions_ledger.actions.lifecycle import derive
from sanctions_ledger.actions.model import AUTHORITY_NAMES
from sanctions_ledger.actions.queries import announcement
from sanctions_ledger.actions.store import all_actions
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:sanctions-ledger:changes"
FEED_TITLE = "Sanctions Ledger: actions and list changes"


@dataclass
class Item:
    id: str
    title: str
    updated: datetime
    published: datetime
    summary: str
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def items(ledger: Ledger, limit: int = 50) -> list[Item]:
    out: list[Item] = []
    for a in all_actions(ledger, with_targets=False):
        life = derive(a.id, a.events)
        ann = announcement(life)
        last = max((e.recorded_at for e in a.events), default=a.created_at or utcnow())
        status = life.status_at(utcnow())
        who = AUTHORITY_NAMES.get(a.authority, a.authority)
        when = f" announced {ann.to_dict()['local']} ({ann.zone})" if ann else ""
        title = a.title or f"{a.category.capitalize()} by {who}{when}"
        out.append(
            Item(
                id=f"urn:sanctions-ledger:action:{a.id}",
                title=title,
                updated=last,
                published=a.created_at or last,
                summary=f"{a.category} by {who}{when}; status {status}; "
                f"programs {', '.join(a.programs) or '-'}; "
                f"origin {a.origin}",
                tags=["action", a.category, a.origin, *a.programs],
                links=[s["url"] for s in a.sources if s.get("url")][:3],
                data={
                    "action_id": a.id,
                    "authority": a.authority,
                    "status": status,
                    "origin": a.origin,
                    "announced_at": ann.local_iso() if ann else None,
                    "events": len(a.events),
                },
            )
        )
    for s in ledger.snapshots():
        out.append(
            Item(
                id=f"urn:sanctions-ledger:snapshot:{s.id}",
                title=f"{s.list}: snapshot #{s.id}, +{s.added_count} -{s.removed_count} ~{s.changed_count}",
                updated=s.last_observed_at or s.observed_at,
                published=s.observed_at,
                summary=f"{s.list} as observed {iso(s.observed_at)}: {s.entity_count} entities; "
                f"{s.added_count} added, "
                f"{s.removed_count} removed, {s.changed_count} changed",
                tags=["snapshot", s.list],
                data={
                    "snapshot_id": s.id,
                    "list": s.list,
                    "observed_at": iso(s.observed_at),
                    "counts": s.to_dict()["counts"],
                },
            )
        )
    out.sort(key=lambda i: (i.updated, i.id), reverse=True)
    return out[:limit]


def atom(ledger: Ledger, limit: int = 50, self_url: str | None = None) -> str:
    ET.register_namespace("", ATOM_NS)
    entries = items(ledger, limit)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        e = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            e.text = text
        return e

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    el(feed, "id", FEED_ID)
    el(feed, "title", FEED_TITLE)
    el(feed, "updated", iso(entries[0].updated if entries else utcnow()))
    author = el(feed, "author")
    el(author, "name", "Sanctions Ledger")
    if self_url:
        el(feed, "link", rel="self", href=self_url)
    for it in entries:
        entry = el(feed, "entry")
        el(entry, "id", it.id)
        el(entry, "title", it.title)
        el(entry, "updated", iso(it.updated))
        el(entry, "published", iso(it.published))
        el(entry, "summary", it.summary)
        for tag in it.tags:
            el(entry, "category", term=tag)
        for url in it.links:
            el(entry, "link", rel="related", href=url)
        el(entry, "content", json.dumps(it.data, sort_keys=True), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def json_feed(ledger: Ledger, limit: int = 50, feed_url: str | None = None) -> dict[str, Any]:
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "authors": [{"name": "Sanctions Ledger"}],
        "items": [
            {
                "id": it.id,
                "title": it.title,
                "content_text": it.summary,
                "date_published": iso(it.published),
                "date_modified": iso(it.updated),
                "tags": it.tags,
                **({"external_url": it.links[0]} if it.links else {}),
                "_sanctions_ledger": it.data,
            }
            for it in items(ledger, limit)
        ],
    }
    if feed_url:
        feed["feed_url"] = feed_url
    return feed
