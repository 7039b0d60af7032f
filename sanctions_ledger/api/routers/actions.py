"""Actions: read them (by announcement date and zone), record one, append lifecycle events.

Writes need an ``analyst`` key. They go through the same use cases as the CLI
(:mod:`sanctions_ledger.actions.record`): one transaction with the audit entry and the webhook notification,
under the actor ``api-key:<name>``. Queued notifications are delivered after the answer has gone (a
background task), so a slow receiver never holds the request.
"""

from __future__ import annotations

import logging
from datetime import date as Date
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sanctions_ledger.actions import queries, store
from sanctions_ledger.actions import record as rec
from sanctions_ledger.actions.model import Target
from sanctions_ledger.api.auth import read_access, require_analyst
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model.times import zone
from sanctions_ledger.services.keys import ApiKey

log = logging.getLogger("sanctions_ledger.api")

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
    announced_at: str = Field(
        ...,
        max_length=64,
        description="When the first event happened: an ISO instant, a local time with tz, or a date "
        "(a day in tz, by default in the authority's zone)",
    )
    effective_at: str | None = Field(
        None, max_length=64, description="For a 'scheduled' first event: the planned effective time"
    )
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

    kind: str = Field(..., pattern="^(drafted|scheduled|announced|effective|withdrawn|revoked)$")
    at: str = Field(
        ...,
        max_length=64,
        description="ISO instant, a local time with tz, or a date (a day in tz, by default in the "
        "action's zone)",
    )
    effective_at: str | None = Field(
        None, max_length=64, description="For 'scheduled': the planned effective time"
    )
    tz: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)
    corrects: int | None = Field(None, ge=1, description="The id of an event this one corrects")


def _deliver(ledger: Ledger) -> None:
    """The delivery step after a write, run once the answer has gone; problems go to the log."""
    for warning in rec.deliver_notifications(ledger).warnings():
        log.warning("%s", warning)


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
def post_action(
    request: Request,
    body: ActionIn,
    background: BackgroundTasks,
    key: ApiKey = Depends(require_analyst),  # noqa: B008
) -> Any:
    ledger = services(request).ledger
    spec = rec.ActionInput(
        authority=body.authority,
        category=body.category,
        title=body.title,
        action_id=body.id,
        programs=body.programs,
        countries=body.countries,
        legal_authorities=body.legal_authorities,
        press_release_id=body.press_release_id,
        targets=[Target(t.name, t.type, t.entity_id) for t in body.targets],
        events=[
            rec.EventInput(
                body.event,
                body.announced_at,
                effective_at=body.effective_at,
                tz=body.tz,
                at_name="announced_at",
            )
        ],
        note=body.note,
    )
    stored = rec.record_action(ledger, spec, actor=key.actor).action
    background.add_task(_deliver, ledger)
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
    background: BackgroundTasks,
    action_id: str = ActionId,
    key: ApiKey = Depends(require_analyst),  # noqa: B008
) -> Any:
    ledger = services(request).ledger
    spec = rec.EventInput(
        body.kind,
        body.at,
        effective_at=body.effective_at,
        tz=body.tz,
        note=body.note,
        reason=body.reason,
        corrects=body.corrects,
    )
    stored = rec.append_event(ledger, action_id, spec, actor=key.actor).event
    background.add_task(_deliver, ledger)
    return JSON(stored.to_dict(), status_code=201)
