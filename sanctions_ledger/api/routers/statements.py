"""Statement checks: which action a statement ("announced today", "last Thursday") refers to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso
from sanctions_ledger.statements import check_statement

router = APIRouter(tags=["statements"], dependencies=[Depends(read_access)])

STATEMENT_EXAMPLE: dict[str, Any] = {
    "text": "I have today ordered the withdrawal of the additional large scale Sanctions announced today "
    "by the "
    "U.S. Treasury on North Korea.",
    "at": "2019-03-22T13:20:00-04:00",
    "tz": "America/New_York",
}
CHECK_EXAMPLE = {
    "statement": STATEMENT_EXAMPLE["text"],
    "at": "2019-03-22T13:20:00-04:00",
    "author_zone": "America/New_York",
    "references": [{"kind": "time", "text": "today", "span": [66, 71]}],
    "claims": [],
    "candidates": [{"action_id": "US-TREASURY-OFAC-2019-03-21", "score": 0.8}],
    "findings": ["Nothing was announced by OFAC on Friday 22 March 2019 (America/New_York)."],
    "verdict": "contradicted",
}


class StatementCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [STATEMENT_EXAMPLE]})

    text: str = Field(..., min_length=1, max_length=10_000, description="The statement, verbatim")
    at: str | None = Field(
        None, max_length=64, description="When it was made: an ISO instant with its offset (default: now)"
    )
    tz: str | None = Field(
        None, max_length=64, description="The speaker's time zone (default America/New_York)"
    )


def check(request: Request, text: str, at: str | None, tz: str | None) -> dict[str, Any]:
    result: dict[str, Any] = check_statement(services(request).ledger, text, at or str(iso(utcnow())), tz)
    return result


@router.post(
    "/check-statement",
    response_class=JSON,
    summary="What a statement refers to, and whether the record supports it (same as "
    "`sanctions check-statement --json`)",
    responses=documented(CHECK_EXAMPLE, "The check", 401, 413, 422, 503),
)
def post_check(request: Request, body: StatementCheck) -> Any:
    return JSON(check(request, body.text, body.at, body.tz))
