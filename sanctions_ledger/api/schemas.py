"""Request bodies (pydantic), with the examples that /openapi.json shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sanctions_ledger.screening.limits import MAX_NAME_LENGTH, MAX_QUERIES_PER_REQUEST, MAX_RESULTS

SCREEN_EXAMPLE: dict[str, Any] = {
    "name": "Dalian Haibo International Freight",
    "type": "organization",
    "country": "CN",
    "limit": 5,
}


class ScreenRequest(BaseModel):
    """One name to screen, with optional facts that raise or lower scores."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCREEN_EXAMPLE]})

    name: str = Field(
        ..., min_length=1, max_length=MAX_NAME_LENGTH, description="The name to screen, in any script."
    )
    type: str | None = Field(
        None, max_length=32, description="person, organization, vessel, aircraft or unknown"
    )
    dob: str | None = Field(None, max_length=32, description="Date of birth: YYYY, YYYY-MM or YYYY-MM-DD")
    country: str | None = Field(None, max_length=64, description="ISO 3166-1 code or country name")
    imo: str | None = Field(None, max_length=32, description="IMO number of a vessel")
    id_number: str | None = Field(
        None, max_length=64, description="Passport, national id or registration number"
    )
    lists: list[str] = Field(
        default_factory=list, max_length=20, description="Only these lists (default all)"
    )
    programs: list[str] = Field(default_factory=list, max_length=50, description="Only these programs")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Lowest score reported (default 0.80)")
    limit: int | None = Field(
        None, ge=1, le=MAX_RESULTS, description=f"Most matches reported (default 10, at most {MAX_RESULTS})"
    )
    as_of: str | None = Field(
        None,
        max_length=40,
        description="Screen against the lists as they stood at this instant: an ISO date (its end) or"
        " date-time; without a zone, the list's own time zone (America/New_York for several lists)",
    )
    group: bool = Field(
        False,
        description="One result per party: answer `{query, parties: [{score, entity_ids, lists, links,"
        " records}]}`, the hits of one party on several lists (linked by identifiers or UN reference"
        " numbers) under one party, each record a match as without `group`",
    )

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schema": self.type,
            "dob": self.dob,
            "country": self.country,
            "imo": self.imo,
            "id_number": self.id_number,
            "lists": self.lists,
            "programs": self.programs,
            "threshold": self.threshold,
            "limit": self.limit,
        }


class BatchItem(ScreenRequest):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, max_length=128, description="Your id for this query, echoed in the answer")


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "queries": [
                        {"id": "c-1", "name": "Kim Jong Un", "type": "person"},
                        {"id": "c-2", "name": "Liaoning Danxing International Forwarding"},
                    ]
                }
            ]
        },
    )

    queries: list[BatchItem] = Field(
        ..., min_length=1, description=f"At most SANCTIONS_API_BATCH_MAX ({MAX_QUERIES_PER_REQUEST})"
    )
    group: bool = Field(False, description="`group` for every query (a query may also set its own)")


class YenteEntity(BaseModel):
    """A FollowTheMoney-style entity example, as yente's /match accepts it."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: str | None = Field(None, max_length=200)
    schema_: str = Field(..., alias="schema", max_length=64, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(default_factory=dict, examples=[{"name": ["Kim Jong Un"]}])


YENTE_EXAMPLE: dict[str, Any] = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]},
        },
        "q2": {
            "schema": "Company",
            "properties": {"name": ["Dalian Haibo International Freight Co. Ltd."], "country": ["cn"]},
        },
        "q3": {"schema": "Vessel", "properties": {"name": ["Wan Heng 11"], "imoNumber": ["8791667"]}},
    }
}


class YenteMatchRequest(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [YENTE_EXAMPLE]})

    queries: dict[str, YenteEntity] = Field(..., description="Query key -> entity example")
    weights: dict[str, float] = Field(default_factory=dict, description="Accepted for compatibility; ignored")
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    cutoff: float | None = Field(None, ge=0.0, le=1.0)
    limit: int | None = Field(None, ge=1, le=MAX_RESULTS)
    algorithm: str | None = Field(None, max_length=64)


class KeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "ops-bot", "scope": "analyst"}]}
    )

    name: str = Field(..., min_length=1, max_length=64)
    scope: str = Field("read", pattern="^(read|analyst|admin)$")
