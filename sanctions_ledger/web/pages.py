"""The pages: server-rendered HTML over the core (ledger, screening, actions, statements), no JavaScript.

Who may see and do what is decided in :mod:`sanctions_ledger.web.guard` (the same scopes as the API);
every page but the sign-in page goes through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sanctions_ledger.actions.story import entity_story
from sanctions_ledger.errors import AuthError, InputError, NotFoundError, SanctionsError
from sanctions_ledger.ledger.queries import list_of
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import iso, parse_instant, zone
from sanctions_ledger.screening.output import MEDIA_TYPES
from sanctions_ledger.screening.result_pages import matched_page
from sanctions_ledger.screening.screen import name_notes
from sanctions_ledger.services.sessions import sign_in, sign_out
from sanctions_ledger.web import guard
from sanctions_ledger.web.charts import size_chart

if TYPE_CHECKING:
    from sanctions_ledger.services.context import Services
    from sanctions_ledger.services.jobs import JobManager
    from sanctions_ledger.services.settings import ApiSettings

HERE = Path(__file__).parent
DECISION_LABELS = {"true_match": "True match", "false_positive": "False positive", "escalate": "Escalate"}

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["name_notes"] = name_notes


def _show(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _ui(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    v = getattr(request.state, "viewer", None)
    html = env.get_template(template).render(ui=_ui(request), request=request, show=_show, viewer=v, **ctx)
    return guard.finish(request, HTMLResponse(html, status_code=status))


TITLES = {404: "Not found", 401: "Sign in needed", 403: "Not allowed", 409: "Conflict", 503: "Unavailable"}


def _wants_html(request: Request) -> bool:
    """A browser (it asks for HTML); other clients get errors in the API's JSON shape."""
    return "text/html" in request.headers.get("accept", "")


def _error_page(request: Request, status: int, type_: str, message: str, hint: str | None) -> Response:
    """An error as a page for browsers, or in the API's documented shape ``{"error": {...}}``."""
    if not _wants_html(request):
        return JSONResponse({"error": {"type": type_, "message": message, "hint": hint}}, status_code=status)
    return render(
        request,
        "error.html",
        status=status,
        status_code=status,
        title=TITLES.get(status, "That did not work"),
        message=message,
        hint=hint,
    )


def _error(request: Request, exc: SanctionsError) -> Response:
    status = exc.http_status if 400 <= exc.http_status < 600 else 400
    if status == 401 and request.method == "GET" and _wants_html(request):
        ui = _ui(request)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{ui}/login?next={quote(here, safe='')}", status_code=303)
    return _error_page(request, status, type(exc).__name__, exc.message, exc.hint)


def _next(ui: str, target: str | None) -> str:
    """Where to go after signing in: a page of this site only (never another host)."""
    if target and target.startswith(f"{ui}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{ui}/"


def _snap_rows(snaps: list[Any], tz: str) -> list[dict[str, Any]]:
    z = zone(tz)
    out = []
    for s in snaps:
        d = dict(s.__dict__)
        d["observed_at_text"] = s.observed_at.astimezone(z).strftime("%Y-%m-%d %H:%M %Z")
        out.append(d)
    return out


def build(services: Services, jobs: JobManager, settings: ApiSettings) -> FastAPI:
    """The pages as an app of their own (mounted at ``/ui``), with HTML error pages."""
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.services = services
    web.state.settings = settings
    ledger = services.ledger
    pages = APIRouter(dependencies=[Depends(guard.need_read)])

    @web.exception_handler(SanctionsError)
    async def _sanctions_error(request: Request, exc: SanctionsError) -> Response:
        return _error(request, exc)

    @web.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        await guard.viewer(request)
        if exc.status_code == 404:
            return _error_page(request, 404, "NotFoundError", "no such page", "start from the home page")
        msg = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        return _error_page(request, exc.status_code, "HTTPError", msg, None)

    @web.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        await guard.viewer(request)
        parts = [
            ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
            + f": {e.get('msg', 'invalid')}"
            for e in exc.errors()[:5]
        ]
        return _error_page(request, 422, "InputError", "invalid request: " + "; ".join(parts), None)

    # ---- signing in and out -----------------------------------------------------------------------------

    @web.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str | None = Query(None, max_length=2000)) -> Response:
        v = await guard.viewer(request)
        ui = _ui(request)
        if v.key is not None:
            return RedirectResponse(_next(ui, next), status_code=303)
        return render(request, "login.html", next=_next(ui, next), error=None)

    @web.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        key: str = Form(..., max_length=200),
        csrf: str = Form("", max_length=200),
        next: str = Form("", max_length=2000),
    ) -> Response:
        v = await guard.viewer(request)
        guard.check_csrf(v, csrf)
        ui = _ui(request)
        try:
            session = await run_in_threadpool(sign_in, ledger, key, settings.session_hours)
        except AuthError as exc:
            return render(request, "login.html", status=401, next=_next(ui, next), error=exc)
        response = RedirectResponse(_next(ui, next), status_code=303)
        max_age = int(settings.session_hours * 3600)
        guard.set_cookie(request, response, guard.SESSION_COOKIE, session.secret, max_age)
        response.delete_cookie(guard.CSRF_COOKIE, path=guard.COOKIE_PATH)
        return response

    @web.post("/logout")
    async def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
        v = await guard.viewer(request)
        guard.check_csrf(v, csrf)
        if v.session is not None:
            await run_in_threadpool(sign_out, ledger, v.session.secret)
        ui = _ui(request)
        response = RedirectResponse(f"{ui}/login?signed_out=1", status_code=303)
        response.delete_cookie(guard.SESSION_COOKIE, path=guard.COOKIE_PATH)
        return response

    # ---- pages ----------------------------------------------------------------------------------------

    @pages.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        stats = ledger.stats()["lists"]
        lists = [
            {"name": n, "timezone": ledger.list_timezone(n), **stats.get(n, {})} for n in ledger.list_names()
        ]
        return render(request, "home.html", lists=lists)

    @pages.get("/screen", response_class=HTMLResponse)
    def screen(
        request: Request,
        name: str | None = Query(None, max_length=500),
        type: str | None = Query(None, max_length=32),
        dob: str | None = Query(None, max_length=32),
        country: str | None = Query(None, max_length=64),
        threshold: str | None = Query(None, max_length=8),
        group: str | None = Query(None, max_length=8),
    ) -> Response:
        """One name screened; ``group`` (the form's check box): one row per party, with its lists."""
        grouped = group in ("1", "on", "true")
        q = {
            "name": name,
            "type": type,
            "dob": dob,
            "country": country,
            "threshold": threshold,
            "group": grouped,
        }
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
            if grouped:
                result = services.screening.screener().screen_grouped(query)
            else:
                result = services.screening.screen(query).to_dict()
        except SanctionsError as exc:
            return render(request, "screen.html", status=exc.http_status, q=q, result=None, error=exc)
        return render(request, "screen.html", q=q, result=result, error=None)

    def _my_jobs(v: guard.Viewer) -> list[dict[str, Any]]:
        return [j.to_dict() for j in jobs.recent(20, None if v.is_admin else v.actor)]

    @pages.get("/batch", response_class=HTMLResponse)
    def batch(request: Request, v: guard.Viewer = Depends(guard.need_read)) -> Response:  # noqa: B008
        return render(request, "batch.html", jobs=_my_jobs(v), error=None)

    @pages.post("/batch", response_class=HTMLResponse)
    def batch_upload(
        request: Request,
        file: UploadFile = File(...),  # noqa: B008
        csrf: str = Form("", max_length=200),
        v: guard.Viewer = Depends(guard.need_read),  # noqa: B008
    ) -> Response:
        guard.check_csrf(v, csrf)
        try:
            job = jobs.submit(file.file, file.filename or "upload.csv", created_by=v.actor)
        except SanctionsError as exc:
            return render(request, "batch.html", status=exc.http_status, jobs=_my_jobs(v), error=exc)
        return RedirectResponse(f"{_ui(request)}/batch/{job.id}", status_code=303)

    @pages.get("/batch/{job_id}", response_class=HTMLResponse)
    def batch_job(
        request: Request,
        job_id: str,
        page: int = Query(1, ge=1, le=1_000_000),
        v: guard.Viewer = Depends(guard.need_read),  # noqa: B008
    ) -> Response:
        job = jobs.get(job_id, v.actor, v.is_admin)
        matched, missing = None, None
        if job.status == "done":  # the rows with matches, a page at a time
            try:
                matched = matched_page(jobs.result_path(job_id, v.actor, v.is_admin), page)
            except NotFoundError as exc:  # the result file is gone from the jobs folder
                missing = exc
        return render(request, "job.html", job=job.to_dict(), matched=matched, missing=missing)

    @pages.get("/batch/{job_id}/result.{fmt}")
    def batch_result(
        request: Request,
        job_id: str,
        fmt: str = PathParam(..., pattern="^(jsonl|csv|xlsx)$"),
        v: guard.Viewer = Depends(guard.need_read),  # noqa: B008
    ) -> Response:
        return FileResponse(
            jobs.result_path(job_id, v.actor, v.is_admin, fmt),
            media_type=MEDIA_TYPES[fmt],
            filename=f"screening-{job_id[:12]}.{fmt}",
        )

    @pages.get("/entities/{entity_id}", response_class=HTMLResponse)
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
            story=entity_story(ledger, entity_id, history),
            prev_snapshot=prev_snapshot,
        )

    @pages.get("/lists/{name}", response_class=HTMLResponse)
    def list_page(request: Request, name: str) -> Response:
        tz = ledger.list_timezone(name)
        snaps = ledger.snapshots(name)
        return render(
            request, "list.html", name=name, tz=tz, snaps=_snap_rows(snaps, tz), chart=size_chart(snaps)
        )

    @pages.get("/lists/{name}/diff", response_class=HTMLResponse)
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

    @pages.get("/actions", response_class=HTMLResponse)
    def actions_page(
        request: Request,
        date: str | None = Query(None, max_length=10),
        tz: str | None = Query(None, max_length=64),
    ) -> Response:
        from sanctions_ledger.web import actions_view

        return render(request, "actions.html", **actions_view.context(services, date, tz))

    @pages.get("/actions/{action_id}", response_class=HTMLResponse)
    def action_page(request: Request, action_id: str) -> Response:
        from sanctions_ledger.web import actions_view

        return render(request, "action.html", **actions_view.action_context(services, action_id))

    @pages.get("/alerts", response_class=HTMLResponse)
    def alerts_page(
        request: Request,
        status: str = Query("queue", pattern="^(queue|open|closed|all)$"),
        watchlist: str | None = Query(None, max_length=128),
        alert: int | None = Query(None, ge=1, le=2**62),
    ) -> Response:
        from sanctions_ledger.monitoring import get_alert, list_alerts

        detail = get_alert(ledger, alert) if alert else None
        res = list_alerts(ledger, status=status, watchlist=watchlist or None, limit=200)
        return render(
            request,
            "alerts.html",
            res=res,
            shown=status,
            watchlist=watchlist or "",
            detail=detail,
            decisions=DECISION_LABELS,
            error=None,
            reason="",
        )

    @pages.post("/alerts/{alert_id}/decision", response_class=HTMLResponse)
    async def decide_alert(
        request: Request,
        alert_id: int = PathParam(..., ge=1, le=2**62),
        decision: str = Form("", max_length=32),
        reason: str = Form("", max_length=4000),
        csrf: str = Form("", max_length=200),
        status: str = Form("queue", pattern="^(queue|open|closed|all)$"),
    ) -> Response:
        from sanctions_ledger.monitoring import decide, get_alert, list_alerts

        v = await guard.need_scope(request, "analyst")
        guard.check_csrf(v, csrf)
        assert v.key is not None
        try:
            await run_in_threadpool(decide, ledger, alert_id, decision, reason, v.key.actor)
        except InputError as exc:
            detail = await run_in_threadpool(get_alert, ledger, alert_id)
            res = await run_in_threadpool(lambda: list_alerts(ledger, status=status, limit=200))
            return render(
                request,
                "alerts.html",
                status=422,
                res=res,
                shown=status,
                watchlist="",
                detail=detail,
                decisions=DECISION_LABELS,
                error=exc,
                reason=reason,
            )
        return RedirectResponse(f"{_ui(request)}/alerts?alert={alert_id}&status={status}", status_code=303)

    @pages.get("/check", response_class=HTMLResponse)
    def check_form(request: Request) -> Response:
        return render(request, "check.html", text="", at="", tz="", result=None, error=None)

    @pages.post("/check", response_class=HTMLResponse)
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

    web.include_router(pages)
    return web
