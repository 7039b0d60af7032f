"""The pages: server-rendered HTML over the core (ledger, screening, actions, statements), no JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sanctions_ledger.actions.story import entity_story
from sanctions_ledger.errors import InputError, NotFoundError, SanctionsError
from sanctions_ledger.ledger.queries import list_of
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import iso, parse_instant, zone
from sanctions_ledger.web.charts import size_chart

if TYPE_CHECKING:
    from sanctions_ledger.api.jobs import JobManager
    from sanctions_ledger.api.services import Services

HERE = Path(__file__).parent

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _show(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ui = request.scope.get("root_path", "").rstrip("/")
    html = env.get_template(template).render(ui=ui, request=request, show=_show, **ctx)
    return HTMLResponse(html, status_code=status)


def _error(request: Request, exc: SanctionsError) -> HTMLResponse:
    titles = {
        404: "Not found",
        401: "API key needed",
        403: "Not allowed",
        409: "Conflict",
        503: "Unavailable",
    }
    status = exc.http_status if 400 <= exc.http_status < 600 else 400
    return render(
        request,
        "error.html",
        status=status,
        status_code=status,
        title=titles.get(status, "That did not work"),
        message=exc.message,
        hint=exc.hint,
    )


def _snap_rows(snaps: list[Any], tz: str) -> list[dict[str, Any]]:
    z = zone(tz)
    out = []
    for s in snaps:
        d = dict(s.__dict__)
        d["observed_at_text"] = s.observed_at.astimezone(z).strftime("%Y-%m-%d %H:%M %Z")
        out.append(d)
    return out


def build(services: Services, jobs: JobManager) -> FastAPI:
    """The pages as an app of their own (mounted at ``/ui``), with HTML error pages."""
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ledger = services.ledger

    @web.exception_handler(SanctionsError)
    async def _sanctions_error(request: Request, exc: SanctionsError) -> HTMLResponse:
        return _error(request, exc)

    @web.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        stats = ledger.stats()["lists"]
        lists = [
            {"name": n, "timezone": ledger.list_timezone(n), **stats.get(n, {})} for n in ledger.list_names()
        ]
        return render(request, "home.html", lists=lists)

    @web.get("/screen", response_class=HTMLResponse)
    def screen(
        request: Request,
        name: str | None = Query(None, max_length=500),
        type: str | None = Query(None, max_length=32),
        dob: str | None = Query(None, max_length=32),
        country: str | None = Query(None, max_length=64),
        threshold: str | None = Query(None, max_length=8),
    ) -> Response:
        q = {"name": name, "type": type, "dob": dob, "country": country, "threshold": threshold}
        if not name:
            return render(request, "screen.html", q=q, result=None, error=None)
        try:
            thr = float(threshold) if threshold else None
        except ValueError:
            err = InputError(f"threshold {threshold!r} is not a number", hint="e.g. 0.80")
            return render(request, "screen.html", status=422, q=q, result=None, error=err)
        try:
            query = services.screening.query(
                name=name, schema=type or None, dob=dob, country=country, threshold=thr
            )
            result = services.screening.screen(query).to_dict()
        except SanctionsError as exc:
            return render(request, "screen.html", status=exc.http_status, q=q, result=None, error=exc)
        return render(request, "screen.html", q=q, result=result, error=None)

    @web.get("/batch", response_class=HTMLResponse)
    def batch(request: Request) -> Response:
        recent = [j.to_dict() for j in jobs.recent(20)]
        return render(request, "batch.html", jobs=recent, error=None)

    @web.post("/batch", response_class=HTMLResponse)
    def batch_upload(request: Request, file: UploadFile = File(...)) -> Response:  # noqa: B008
        try:
            job = jobs.submit(file.file, file.filename or "upload.csv")
        except SanctionsError as exc:
            recent = [j.to_dict() for j in jobs.recent(20)]
            return render(request, "batch.html", status=exc.http_status, jobs=recent, error=exc)
        ui = request.scope.get("root_path", "").rstrip("/")
        return RedirectResponse(f"{ui}/batch/{job.id}", status_code=303)

    @web.get("/batch/{job_id}", response_class=HTMLResponse)
    def batch_job(request: Request, job_id: str) -> Response:
        return render(request, "job.html", job=jobs.get(job_id).to_dict())

    @web.get("/batch/{job_id}/result.jsonl")
    def batch_result(job_id: str) -> Response:
        return FileResponse(
            jobs.result_path(job_id),
            media_type="application/x-ndjson",
            filename=f"screening-{job_id[:12]}.jsonl",
        )

    @web.get("/entities/{entity_id}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: str, as_of: str | None = Query(None, max_length=64)) -> Response:
        history = ledger.history(entity_id)
        at = (
            parse_instant(as_of, ledger.list_timezone(list_of(entity_id)), end_of_day=True, what="as_of")
            if as_of
            else None
        )
        try:
            ent, snap = ledger.entity(entity_id, at)
            snapshot = {"id": snap.id, "observed_at": iso(snap.observed_at)}
        except NotFoundError:
            if at is not None:
                raise
            last = history["versions"][-1]  # no longer listed: show how it was last listed
            ent = Entity.from_dict(last["entity"])
            snapshot = {"id": last["last_snapshot"], "observed_at": last["last_observed_at"]}
        versions = history["versions"]
        prev_snapshot = [None] + [v["last_snapshot"] for v in versions[:-1]]
        return render(
            request,
            "entity.html",
            entity=ent,
            e=ent.to_dict(),
            snapshot=snapshot,
            history=history,
            story=entity_story(ledger, entity_id),
            prev_snapshot=prev_snapshot,
        )

    @web.get("/lists/{name}", response_class=HTMLResponse)
    def list_page(request: Request, name: str) -> Response:
        tz = ledger.list_timezone(name)
        snaps = ledger.snapshots(name)
        return render(
            request, "list.html", name=name, tz=tz, snaps=_snap_rows(snaps, tz), chart=size_chart(snaps)
        )

    @web.get("/lists/{name}/diff", response_class=HTMLResponse)
    def diff_page(
        request: Request,
        name: str,
        from_ref: str | None = Query(None, alias="from", max_length=64),
        to_ref: str | None = Query(None, alias="to", max_length=64),
        kind: str = Query("all", pattern="^(all|added|removed|changed)$"),
        program: str | None = Query(None, max_length=64),
        q: str | None = Query(None, max_length=200),
        page: int = Query(1, ge=1, le=100_000),
    ) -> Response:
        from sanctions_ledger.web import diff_view

        tz = ledger.list_timezone(name)
        snaps = ledger.snapshots(name)
        if not snaps:
            raise NotFoundError(f"no snapshot of {name}")
        to_snap = ledger.snapshot(name, to_ref) if to_ref else snaps[-1]
        if from_ref:
            from_snap = ledger.snapshot(name, from_ref)
        else:
            earlier = [s for s in snaps if s.observed_at < to_snap.observed_at]
            from_snap = earlier[-1] if earlier else to_snap
        d = ledger.diff(name, str(from_snap.id), str(to_snap.id))
        return render(
            request,
            "diff.html",
            name=name,
            d=d,
            v=diff_view.build(d, kind, program, q, page),
            snaps=_snap_rows(snaps, tz),
            from_at=iso(from_snap.observed_at),
        )

    @web.get("/actions", response_class=HTMLResponse)
    def actions_page(
        request: Request,
        date: str | None = Query(None, max_length=10),
        tz: str | None = Query(None, max_length=64),
    ) -> Response:
        from sanctions_ledger.web import actions_view

        return render(request, "actions.html", **actions_view.context(services, date, tz))

    @web.get("/actions/{action_id}", response_class=HTMLResponse)
    def action_page(request: Request, action_id: str) -> Response:
        from sanctions_ledger.web import actions_view

        return render(request, "action.html", **actions_view.action_context(services, action_id))

    @web.get("/alerts", response_class=HTMLResponse)
    def alerts_page(
        request: Request,
        status: str = Query("queue", pattern="^(queue|open|closed|all)$"),
        watchlist: str | None = Query(None, max_length=128),
        alert: int | None = Query(None, ge=1, le=2**62),
    ) -> Response:
        from sanctions_ledger.monitoring import get_alert, list_alerts

        detail = get_alert(ledger, alert) if alert else None
        res = list_alerts(ledger, status=status, watchlist=watchlist or None, limit=200)
        return render(request, "alerts.html", res=res, shown=status, watchlist=watchlist or "", detail=detail)

    @web.get("/check", response_class=HTMLResponse)
    def check_form(request: Request) -> Response:
        return render(request, "check.html", text="", at="", tz="", result=None, error=None)

    @web.post("/check", response_class=HTMLResponse)
    def check(
        request: Request,
        text: str = Form(..., max_length=5000),
        at: str = Form("", max_length=64),
        tz: str = Form("", max_length=64),
    ) -> Response:
        from sanctions_ledger.web import actions_view

        try:
            result = actions_view.check_statement(services, text, at or None, tz or None)
        except SanctionsError as exc:
            return render(
                request, "check.html", status=exc.http_status, text=text, at=at, tz=tz, result=None, error=exc
            )
        return render(request, "check.html", text=text, at=at, tz=tz, result=result, error=None)

    return web
