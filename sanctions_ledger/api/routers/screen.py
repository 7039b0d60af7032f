"""Screening: one name, a bounded batch, and large CSV jobs with progress and a JSONL, CSV or XLSX result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sanctions_ledger.api.auth import check_read, read_access
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.api.schemas import BatchRequest, ScreenRequest
from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.screening.limits import NameBudget, check_queries
from sanctions_ledger.screening.output import CSV_OUT, MEDIA_TYPES
from sanctions_ledger.services.jobs import JobManager

router = APIRouter(tags=["screening"], dependencies=[Depends(read_access)])
# POST /screen, the hottest request, reads its own body and checks access itself (check_read: the same check
# as read_access), so it pays for no dependency solving or body model binding: about a quarter of a
# millisecond a request (docs/BENCHMARKS.md). It is the one implementation of the endpoint.
lean = APIRouter(tags=["screening"])

MATCH_EXAMPLE = {
    "entity_id": "ofac-sdn:26243",
    "score": 0.97,
    "name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
    "matched_name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
    "list": "ofac-sdn",
    "schema": "organization",
    "programs": ["DPRK3"],
    "explanation": {
        "query_name": "Dalian Haibo International Freight",
        "method": "tokens",
        "name_similarity": 1.0,
        "legal_forms_ignored": ["co", "ltd"],
        "features": [],
    },
}
SCREEN_RESULT_EXAMPLE = {
    "query": {"name": "Dalian Haibo International Freight", "type": "organization", "country": "CN"},
    "matches": [MATCH_EXAMPLE],
}
GROUPED_EXAMPLE = {
    "query": {"name": "Ri Won Ho", "type": "person"},
    "parties": [
        {
            "score": 1.0,
            "entity_ids": ["un:KPi.033", "uk-hmt:13422"],
            "lists": ["uk-hmt", "un"],
            "links": ["same UN reference number KPi.033"],
            "records": [
                {**MATCH_EXAMPLE, "entity_id": "un:KPi.033", "score": 1.0, "name": "RI WON HO", "list": "un"},
                {
                    **MATCH_EXAMPLE,
                    "entity_id": "uk-hmt:13422",
                    "score": 1.0,
                    "name": "Won Ho RI",
                    "list": "uk-hmt",
                },
            ],
        }
    ],
}
JOB_EXAMPLE = {
    "id": "5f0c2d6e9b1a4c7e8d3f2a1b0c9d8e7f",
    "status": "running",
    "filename": "customers.csv",
    "rows_total": 20000,
    "rows_done": 4200,
    "rows_failed": 3,
    "rows_with_matches": 12,
    "progress": 21.0,
    "attempts": 1,
    "created_by": "api-key:onboarding",
    "created_at": "2024-05-01T10:00:00Z",
    "started_at": "2024-05-01T10:00:00Z",
    "finished_at": None,
    "error": None,
    "result": None,
}

JobId = Path(..., max_length=64, pattern="^[0-9a-f]{1,64}$", examples=[JOB_EXAMPLE["id"]])


def screen_one(
    request: Request, values: dict[str, Any], as_of: str | None = None, group: bool = False
) -> dict[str, Any]:
    """One query's answer (in a worker thread: it may read the database or open an index); ``group``: one
    result per party (:meth:`Screener.screen_grouped`)."""
    screening = services(request).screening
    query = screening.query(**values)
    at = screening.parse_as_of(as_of, query.lists)
    screener = screening.screener(at)
    result = screener.screen_grouped(query) if group else screener.screen(query).to_dict()
    if as_of:
        result["query"]["as_of"] = as_of
    return result


def _body_schema() -> dict[str, Any]:
    schema = ScreenRequest.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _screen_responses(example: Any, grouped: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """The documented answers: the matches, or with ``group`` the parties."""
    out = documented(example, description, 401, 413, 422, 503)
    content = out[200]["content"]["application/json"]
    content["examples"] = {
        "matches": {"summary": "matches, best first", "value": content.pop("example")},
        "parties": {"summary": "with `group`: one result per party", "value": grouped},
    }
    return out


@lean.post(
    "/screen",
    response_class=JSON,
    summary="Screen one name (same object as `sanctions screen --json`)",
    description="The body is a `ScreenRequest`; `as_of` screens against the lists as they stood then; "
    "`group` answers one result per party (`{query, parties}`, as `sanctions screen --group --json`).",
    responses=_screen_responses(
        SCREEN_RESULT_EXAMPLE, GROUPED_EXAMPLE, "Matches (or parties), best first, scores in [0, 1]"
    ),
    openapi_extra=_body_schema(),
)
async def post_screen(request: Request) -> Any:
    await check_read(request)
    raw = await request.body()
    try:
        body = ScreenRequest.model_validate_json(raw)
    except ValidationError as exc:  # reported like any other request body: loc starts with "body"
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=raw) from None
    screening = services(request).screening
    if body.as_of:
        return JSON(await run_in_threadpool(screen_one, request, body.values(), body.as_of, body.group))
    # One screen takes about a millisecond of CPU: answered on the event loop, without a thread hop, when the
    # latest index is open and was checked recently; otherwise the check (and an index build) run in a thread.
    screener = screening.current()
    if screener is None:
        screener = await run_in_threadpool(screening.screener)
    query = screening.query(**body.values())
    return JSON(screener.screen_grouped(query) if body.group else screener.screen(query).to_dict())


@router.post(
    "/screen/batch",
    response_class=JSON,
    summary="Screen up to SANCTIONS_API_BATCH_MAX names in one request",
    description="Answers one item per query, in order: `{id, query, matches}`, or `{id, query, matches: [], "
    "error}` for a query that cannot be screened; with `group` (for every query, or a query's own) "
    "`{id, query, parties}` (`parties: []` beside an error). Larger files: POST /screen/jobs.",
    responses=_screen_responses(
        {"results": [{"id": "c-1", **SCREEN_RESULT_EXAMPLE}]},
        {"results": [{"id": "c-1", **GROUPED_EXAMPLE}]},
        "One result per query",
    ),
)
def post_batch(request: Request, body: BatchRequest) -> Any:
    check_queries(len(body.queries), request.app.state.settings.batch_max_queries)
    budget = NameBudget()
    for i, q in enumerate(body.queries, start=1):
        budget.take(1, str(q.id if q.id is not None else i))
    out = []
    for i, q in enumerate(body.queries, start=1):
        qid: str | int = q.id if q.id is not None else i
        group = q.group or body.group
        try:
            out.append({"id": qid, **screen_one(request, q.values(), q.as_of, group)})
        except SanctionsError as exc:
            if exc.http_status >= 500:
                raise
            empty = "parties" if group else "matches"
            out.append({"id": qid, "query": {"name": q.name}, empty: [], "error": exc.message})
    return JSON({"results": out})


def jobs(request: Request) -> JobManager:
    jm: JobManager = request.app.state.jobs
    return jm


def job_viewer(request: Request) -> tuple[str, bool]:
    """Who asks about a job: a job is shown to the key that made it (``anonymous`` for one made without
    a key on an open server) and to admin keys; to anyone else it does not exist (404)."""
    key = getattr(request.state, "api_key", None)
    if key is None:
        return "anonymous", False
    return str(key.actor), bool(key.allows("admin"))


@router.post(
    "/screen/jobs",
    response_class=JSON,
    status_code=202,
    summary="Upload a CSV to screen in the background",
    description="CSV with a header; `name` required; optional `id`, `type`, `dob`, `country`, `imo`, "
    "`id_number`. Answers the job (202); poll GET /screen/jobs/{id}.",
    responses={
        202: {"description": "Job accepted", "content": {"application/json": {"example": JOB_EXAMPLE}}},
        **documented(None, "unused", 401, 409, 413, 422),
    },
)
def post_job(request: Request, file: UploadFile = File(..., description="The CSV file")) -> Any:  # noqa: B008
    key = getattr(request.state, "api_key", None)
    who = key.actor if key is not None else "anonymous"
    job = jobs(request).submit(file.file, file.filename or "upload.csv", created_by=who)
    return JSON(job.to_dict(), status_code=202)


@router.get(
    "/screen/jobs/{job_id}",
    response_class=JSON,
    summary="A batch job's progress (shown to the key that made it and to admins)",
    responses=documented(JOB_EXAMPLE, "The job", 401, 404, 422),
)
def get_job(request: Request, job_id: str = JobId) -> Any:
    return JSON(jobs(request).get(job_id, *job_viewer(request)).to_dict())


ResultFormat = Query(
    "jsonl",
    pattern="^(jsonl|csv|xlsx)$",
    description="`jsonl` (default): the whole record of each row; `csv` or `xlsx` (an Excel workbook): one "
    f"row per input row with the columns {', '.join(CSV_OUT)}",
)


@router.get(
    "/screen/jobs/{job_id}/result",
    summary="A finished job's result, one line (or spreadsheet row) per input row",
    response_class=FileResponse,
    responses={
        200: {
            "description": "JSON lines, CSV or an Excel workbook (by `format`)",
            "content": {
                "application/x-ndjson": {
                    "example": '{"id": "c-1", "query": {"name": "Kim Jong Un"}, "matches": []}\n'
                },
                "text/csv": {"example": ",".join(CSV_OUT) + "\r\nc-1,Kim Jong Un,,0,,,,,,,\r\n"},
                MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **documented(None, "unused", 401, 404, 409, 422),
    },
)
def get_job_result(request: Request, job_id: str = JobId, format: str = ResultFormat) -> Any:
    path = jobs(request).result_path(job_id, *job_viewer(request), fmt=format)
    return FileResponse(path, media_type=MEDIA_TYPES[format], filename=f"screening-{job_id}.{format}")
