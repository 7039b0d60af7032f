"""Tables of actions, their lifecycle events, links to observed changes, and webhooks (migration step 3).

All on the shared ledger ``metadata``. Actions, targets, events and links are append-only: a row is never
updated or deleted; a correction is a new event (``corrects`` names the event it replaces). Webhooks are
the one mutable thing here: a removed webhook keeps its row with ``disabled_at`` set.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sanctions_ledger.ledger.tables import BIG_ID as _ID
from sanctions_ledger.ledger.tables import UTCDateTime, metadata

actions = Table(
    "actions",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("authority", String(64), nullable=False),
    Column("action_type", String(64), nullable=False),  # as the source calls it (designation, advisory, ...)
    Column("category", String(32), nullable=False),  # designation | amendment | delisting | advisory | other
    Column("title", Text, nullable=True),
    Column("programs", Text, nullable=False),  # JSON list of program tags
    Column("countries", Text, nullable=False),  # JSON list of ISO alpha-2 codes the action concerns
    Column("legal_authorities", Text, nullable=False),  # JSON list
    Column("sources", Text, nullable=False),  # JSON list of {url, kind, title}
    Column("press_release_id", String(64), nullable=True),
    Column("timezone", String(64), nullable=False),  # the authority's zone: its "dates" are days there
    Column("origin", String(16), nullable=False),  # recorded | imported | inferred
    Column("list", String(64), nullable=True),  # inferred: the list observed
    Column("from_snapshot_id", Integer, nullable=True),  # inferred: the snapshot compared against
    Column("snapshot_id", Integer, nullable=True),  # inferred: the snapshot where the change was first seen
    Column("detail", Text, nullable=False),  # JSON: notes, counts reported, anything else from the source
    Column("content_sha256", String(64), nullable=False),  # of the imported/recorded content (idempotency)
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
)
Index("ix_actions_authority", actions.c.authority)
Index("ix_actions_snapshot", actions.c.snapshot_id)

action_targets = Table(
    "action_targets",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("action_id", String(160), ForeignKey("actions.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("entity_id", String(128), nullable=True),  # ledger entity id when known (ofac-sdn:26243)
    Column("name", Text, nullable=False),
    Column("type", String(32), nullable=False),  # individual | entity | vessel | aircraft | unknown
    Column("change", String(16), nullable=True),  # inferred: added | removed | changed
    Column("detail", Text, nullable=False),  # JSON: identifiers, programs, changed fields, ...
)
Index("ix_action_targets_action", action_targets.c.action_id)
Index("ix_action_targets_entity", action_targets.c.entity_id)

action_events = Table(
    "action_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("action_id", String(160), ForeignKey("actions.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, ... per action, in recording order
    Column(
        "kind", String(16), nullable=False
    ),  # drafted scheduled announced effective withdrawn revoked observed
    Column("at", UTCDateTime, nullable=False),  # when it happened (start of the day/month for coarse times)
    Column("zone", String(64), nullable=False),  # the zone the time was given in (IANA name or UTC+hh:mm)
    Column("precision", String(16), nullable=False),  # instant | minute | day | month
    Column("effective_at", UTCDateTime, nullable=True),  # scheduled: the planned effective time
    Column("effective_zone", String(64), nullable=True),
    Column("effective_precision", String(16), nullable=True),
    Column("reason", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("corrects", _ID, nullable=True),  # id of an earlier event of this action that this one replaces
    Column("detail", Text, nullable=False),  # JSON: basis, confidence, source
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(128), nullable=False),
    UniqueConstraint("action_id", "seq", name="uq_action_event_seq"),
)
Index("ix_action_events_at", action_events.c.kind, action_events.c.at)

action_links = Table(
    "action_links",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("inferred_id", String(160), ForeignKey("actions.id"), nullable=False),
    Column("action_id", String(160), ForeignKey("actions.id"), nullable=False),
    Column("matched", Text, nullable=False),  # JSON list of entity ids in both
    Column("missing", Text, nullable=False),  # JSON list of the action's entity ids not in this change
    Column("timing", String(32), nullable=False),  # in-window | announced-earlier
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("inferred_id", "action_id", name="uq_action_link"),
)
Index("ix_action_links_action", action_links.c.action_id)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("events", Text, nullable=False),  # space-separated event types, or "*"
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
)

webhook_notifications = Table(
    "webhook_notifications",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),  # what it is about, unique: "action-event:17", "snapshot:4"
    Column("event_type", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # JSON body sent (without signature)
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("key", name="uq_webhook_notification_key"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("notification_id", _ID, ForeignKey("webhook_notifications.id"), nullable=False),
    Column("webhook_id", Integer, ForeignKey("webhooks.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("ok", Boolean, nullable=False),
    Column("final", Boolean, nullable=False),  # no further attempt will be made (success or given up)
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
)
Index("ix_webhook_deliveries_pair", webhook_deliveries.c.notification_id, webhook_deliveries.c.webhook_id)

ALL_TABLES = [
    actions,
    action_targets,
    action_events,
    action_links,
    webhooks,
    webhook_notifications,
    webhook_deliveries,
]
