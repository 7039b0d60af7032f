"""Actions: read them (by announcement date and zone), record one, append lifecycle events.

Writes need an ``analyst`` key; the actions package writes each one in one transaction with its audit entry,
under the actor ``api-key:<name>``.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sanctions_ledger.api.auth import read_access, require_analyst
from sanctions_ledger.api.keys import ApiKey
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import zone

router = APIRouter(tags=["actions"])

ActionId = Path(..., max_length=128, examples=["ofac-2019-03-21-dprk"])

SUMMARY_EXAMPLE = {
    "id": "ofac-2019-03-21-dprk",
    "authority": "US-TREASURY-OFAC",
    "title": "Treasury sanctions shipping companies",
    "category": "designation",
    "action_type": "designation",
    "origin": "imported",
    "announced_at": "2019-03-21T11:00:00-04:00",
    "announced_date": "2019-03-21",
    "announced_zone": "America/New_York",
    "announced_precision": "minute",
    "status": "in_effect",
    "effective_from": "2019-03-21T15:00:00Z",
    "effective_until": None,
    "programs": ["DPRK3"],
    "countries": ["KP", "CN"],
    "legal_authorities": ["E.O. 13722"],
    "press_release": "sm639",
    "targets": [
        {
            "entity_id": "ofac-sdn:26243",
            "name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
            "type": "entity",
        }
    ],
    "sources": [],
}
EVENT_EXAMPLE = {
    "id": 12,
    "seq": 2,
    "kind": "withdrawn",
    "at": "2019-03-22T13:20:00-04:00",
    "at_utc": "2019-03-22T17:20:00Z",
    "zone": "America/New_York",
    "precision": "minute",
    "recorded_at": "2024-05-01T10:00:00Z",
    "recorded_by": "api-key:ops-bot",
    "note": "per statement",
}


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=500)
    type: str = Field("unknown", pattern="^(individual|entity|vessel|aircraft|unknown)$")
    entity_id: str | None = Field(None, max_length=200)


class ActionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authority": "US-TREASURY-OFAC",
                    "title": "Treasury sanctions shipping companies",
                    "category": "designation",
                    "programs": ["DPRK3"],
                    "announced_at": "2019-03-21T11:00:00-04:00",
                    "tz": "America/New_York",
                    "targets": [
                        {
                            "name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
                            "type": "entity",
                            "entity_id": "ofac-sdn:26243",
                        }
                    ],
                }
            ]
        },
    )

    id: str | None = Field(
        None,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="Default: made from authority, date and title",
    )
    authority: str = Field(..., min_length=2, max_length=64, examples=["US-TREASURY-OFAC"])
    title: str | None = Field(None, max_length=500)
    category: str = Field("designation", pattern="^(designation|amendment|delisting|advisory|other)$")
    programs: list[str] = Field(default_factory=list, max_length=50)
    countries: list[str] = Field(default_factory=list, max_length=50)
    legal_authorities: list[str] = Field(default_factory=list, max_length=20)
    press_release_id: str | None = Field(None, max_length=64)
    targets: list[TargetIn] = Field(default_factory=list, max_length=1000)
    event: str = Field(
        "announced",
        pattern="^(drafted|scheduled|announced|effective)$",
        description="The first lifecycle event",
    )
    announced_at: str = Field(..., max_length=64, description="When (ISO instant, or a date with tz)")
    tz: str | None = Field(None, max_length=64, description="The zone of a date or local time")
    note: str | None = Field(None, max_length=2000)


class EventIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "withdrawn", "at": "2019-03-22T13:20:00-04:00", "note": "withdrawn by the President"}
            ]
        },
    )

    kind: str = Field(..., pattern="^(drafted|scheduled|announced|effective|withdrawn|revoked|observed)$")
    at: str = Field(..., max_length=64, description="ISO instant, or a date/local time with tz")
    tz: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)
    corrects: int | None = Field(None, ge=1, description="The id of an event this one corrects")


def _mod(request: Request) -> Any:
    services(request).module("actions", "actions")
    from sanctions_ledger.actions import model, queries, store, timeinput

    return model, queries, store, timeinput


@router.get(
    "/actions",
    response_class=JSON,
    dependencies=[Depends(read_access)],
    summary="Actions (all, or those announced on a local date, in a zone or each authority's own)",
    responses=documented([SUMMARY_EXAMPLE], "Action summaries", 401, 422, 503),
)
def get_actions(
    request: Request,
    date: str | None = Query(None, max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2019-03-21"]),
    tz: str | None = Query(
        None,
        max_length=64,
        examples=["Asia/Seoul"],
        description="Zone of the date (default: each authority's own)",
    ),
) -> Any:
    _, queries, store, _ = _mod(request)
    ledger = services(request).ledger
    if tz:
        zone(tz)
    if date is None:
        return JSON([queries.summary(a) for a in store.all_actions(ledger)])
    try:
        day = Date.fromisoformat(date)
    except ValueError as exc:
        raise InputError(f"invalid date {date!r}", hint="YYYY-MM-DD") from exc
    return JSON([f.to_dict() for f in queries.announced_on(ledger, day, tz)])


@router.get(
    "/actions/{action_id}",
    response_class=JSON,
    dependencies=[Depends(read_access)],
    summary="One action with every lifecycle event and its status",
    responses=documented({**SUMMARY_EXAMPLE, "events": [EVENT_EXAMPLE]}, "The action", 401, 404, 503),
)
def get_action(request: Request, action_id: str = ActionId) -> Any:
    _, queries, _, _ = _mod(request)
    return JSON(queries.history(services(request).ledger, action_id))


@router.post(
    "/actions",
    response_class=JSON,
    status_code=201,
    summary="Record an action (analyst key)",
    responses={
        201: {
            "description": "Recorded",
            "content": {"application/json": {"example": {**SUMMARY_EXAMPLE, "events": [EVENT_EXAMPLE]}}},
        },
        **documented(None, "", 401, 403, 409, 413, 422, 503),
    },
)
def post_action(request: Request, body: ActionIn, key: ApiKey = Depends(require_analyst)) -> Any:  # noqa: B008
    model, queries, store, timeinput = _mod(request)
    ledger = services(request).ledger
    when_at, when_zone, precision = timeinput.parse_when(body.announced_at, body.tz, what="announced_at")
    tz = body.tz or model.authority_zone(body.authority)
    action_id = body.id
    if action_id is None:
        with ledger.engine.connect() as conn:
            day = when_at.astimezone(zone(tz)).date().isoformat()
            action_id = store.new_action_id(conn, body.authority, day, body.title)
    action = model.Action(
        id=action_id,
        authority=body.authority,
        action_type=body.category,
        category=body.category,
        title=body.title,
        origin="recorded",
        timezone=tz,
        programs=[p.upper() for p in body.programs],
        countries=[c.upper() for c in body.countries],
        legal_authorities=body.legal_authorities,
        press_release_id=body.press_release_id,
        targets=[model.Target(name=t.name, type=t.type, entity_id=t.entity_id) for t in body.targets],
    )
    event = model.Event(
        kind=body.event,
        when=model.When(when_at, when_zone, precision),
        recorded_at=utcnow(),
        recorded_by=key.actor,
        note=body.note,
    )
    stored = store.record_action(ledger, action, [event], actor=key.actor)
    return JSON(queries.history(ledger, stored.id), status_code=201)


@router.post(
    "/actions/{action_id}/events",
    response_class=JSON,
    status_code=201,
    summary="Append a lifecycle event (analyst key); out-of-order events are refused (409)",
    responses={
        201: {"description": "Appended", "content": {"application/json": {"example": EVENT_EXAMPLE}}},
        **documented(None, "", 401, 403, 404, 409, 413, 422, 503),
    },
)
def post_event(
    request: Request,
    body: EventIn,
    action_id: str = ActionId,
    key: ApiKey = Depends(require_analyst),  # noqa: B008
) -> Any:
    model, _, store, timeinput = _mod(request)
    ledger = services(request).ledger
    when_at, when_zone, precision = timeinput.parse_when(body.at, body.tz, what="at")
    event = model.Event(
        kind=body.kind,
        when=model.When(when_at, when_zone, precision),
        recorded_at=utcnow(),
        recorded_by=key.actor,
        note=body.note,
        reason=body.reason,
        corrects=body.corrects,
    )
    stored = store.add_event(ledger, action_id, event, actor=key.actor)
    return JSON(stored.to_dict(), status_code=201)
