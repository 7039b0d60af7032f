"""End to end in headless Chromium, on a server that needs a key for reads: sign in with an API key, see the
pages, decide an alert with the form (beside the earlier decision of a re-raised alert), sign out. Also:
the pages break none of the security policy's rules (Chromium reports any violation on the console)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.monitoring import Monitor, decide, list_alerts
from sanctions_ledger.server import ApiSettings, create_app
from sanctions_ledger.services.keys import create_key
from tests.browser.conftest import _free_port, publish, shot
from tests.unit.test_monitoring import BASE, CUSTOMERS, load, write

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Ledger, dict[str, str]]]:
    """A uvicorn server needing a key for reads, over a ledger with a watchlist whose alert on c6 was
    cleared and then raised again because an accent was added to the listed name."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("locked")
    ledger = open_ledger(f"sqlite:///{tmp / 'ledger.db'}")
    load(ledger, 1, BASE)
    mon = Monitor(ledger)
    mon.add_watchlist("bank", write(tmp, "a.csv", CUSTOMERS), actor="setup")
    first = list_alerts(ledger, customer_id="c6")["alerts"][0]
    decide(ledger, first["id"], "false_positive", "born 1988; the listed one 1961", "api-key:earlier")
    load(ledger, 2, {**BASE, "5": ("Pak Chŏl Su", "person")})
    mon.run(actor="setup")
    keys = {s: create_key(ledger, f"b-{s}", s, "setup")[0] for s in ("read", "analyst")}
    app = create_app(ledger=ledger, settings=ApiSettings(read_requires_key=True))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code in (200, 503):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start")
    yield base, ledger, keys
    srv.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture
def tab(browser: Any, locked: tuple[str, Ledger, dict[str, str]]) -> Iterator[tuple[Any, list[str]]]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=locked[0])
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    console: list[str] = []
    pg.on("console", lambda m: console.append(m.text))
    yield pg, console
    ctx.close()


def sign_in(page: Any, key: str) -> None:
    page.fill("#key", key)
    page.click("#sign-in-submit")


def test_sign_in_see_pages_sign_out(
    tab: tuple[Any, list[str]], locked: tuple[str, Ledger, dict[str, str]]
) -> None:
    page, console = tab
    page.goto("/ui/lists/ofac-sdn")
    assert "/ui/login?next=" in page.url  # not readable without a key
    publish(shot(page, "sign-in"))
    sign_in(page, "sk_not-a-key")
    assert "unknown or revoked" in page.inner_text("[role=alert]")
    sign_in(page, locked[2]["read"])
    page.wait_for_selector("svg.chart")
    assert page.url.endswith("/ui/lists/ofac-sdn")  # back where the visit started
    assert "b-read" in page.inner_text("#signed-in")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sl_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    assert cookie["expires"] > time.time() + 3600
    assert locked[2]["read"] not in cookie["value"]
    for path in (
        "/ui/",
        "/ui/screen?name=Pak+Chol+Su",
        "/ui/alerts",
        "/ui/batch",
        "/ui/actions",
        "/ui/check",
    ):
        page.goto(path)
        assert page.locator("#signed-in").count() == 1, path
    page.click("#sign-out")
    page.wait_for_selector("#signed-out")
    assert [c for c in page.context.cookies() if c["name"] == "sl_session"] == []
    page.goto("/ui/alerts")
    assert "/ui/login" in page.url
    assert not [m for m in console if "Content Security Policy" in m], console


def test_decision_form_beside_the_earlier_decision(
    tab: tuple[Any, list[str]], locked: tuple[str, Ledger, dict[str, str]]
) -> None:
    page, console = tab
    ledger = locked[1]
    again = list_alerts(ledger, customer_id="c6")["alerts"][0]
    page.goto(f"/ui/alerts?alert={again['id']}")
    sign_in(page, locked[2]["read"])
    page.wait_for_selector("#earlier")
    assert page.locator("#decide").count() == 0  # a read key may look, not decide
    page.click("#sign-out")
    page.goto(f"/ui/alerts?alert={again['id']}")
    sign_in(page, locked[2]["analyst"])
    page.wait_for_selector("#decide")
    earlier = page.inner_text("#earlier")
    assert "False positive" in earlier and "born 1988; the listed one 1961" in earlier
    assert "Pak Chol Su" in earlier and "Pak Chŏl Su" in earlier and "names" in earlier
    publish(shot(page, "alert-decision"))
    page.check("input[name=decision][value=escalate]")
    page.fill("#reason", "accented spelling of the same name: ask for the DOB")
    page.click("#decide button[type=submit]")
    page.wait_for_selector("text=accented spelling of the same name")
    history = page.inner_text("section.card table")
    assert "decision" in history and "api-key:b-analyst" in history and "escalate" in history
    entry = ledger.audit_entries(action="alerts.decide")[0]
    assert entry["actor"] == "api-key:b-analyst" and entry["detail"]["decision"] == "escalate"
    assert not [m for m in console if "Content Security Policy" in m], console


def test_a_page_on_another_site_cannot_submit_the_forms(
    browser: Any, locked: tuple[str, Ledger, dict[str, str]], tmp_path: Path
) -> None:
    """A signed-in analyst visits a hostile page that auto-submits a decision form to the server."""
    base, ledger, keys = locked
    ctx = browser.new_context(base_url=base)
    page = ctx.new_page()
    page.goto("/ui/login")
    sign_in(page, keys["analyst"])
    target = list_alerts(ledger, customer_id="c1")["alerts"][0]
    evil = f"""<html><body><form id=f method=post action="{base}/ui/alerts/{target["id"]}/decision">
    <input name=decision value=false_positive><input name=reason value=pwned><input name=csrf value=x>
    </form><form id=g method=post enctype=multipart/form-data action="{base}/screen/jobs">
    <input type=hidden name=x value=y></form></body></html>"""
    other = _free_port()
    served = threading.Event()

    import http.server

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = evil.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            served.set()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", other), Evil)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        page.goto(f"http://localhost:{other}/")
        with page.expect_navigation():
            page.locator("#f").evaluate("f => f.submit()")
        assert "cross-site request refused" in page.content() or "Sign in" in page.content()
        page.goto(f"http://localhost:{other}/")
        with page.expect_navigation():
            page.locator("#g").evaluate("f => f.submit()")
        assert "cross-site request refused" in page.content()
    finally:
        httpd.shutdown()
        ctx.close()
    assert served.is_set()
    assert list_alerts(ledger, status="all", customer_id="c1")["alerts"][0]["decision"] != "false_positive"
