"""Browser tests: a real uvicorn server on 127.0.0.1 (a free port) over a ledger with real OFAC data, driven
by Debian's headless Chromium through Playwright. Skipped cleanly when either is missing."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.server import ApiSettings, create_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SANCTIONS_CHROMIUM", "/usr/bin/chromium")
SHOTS = REPO / "artifacts" / "screenshots"
OFAC = Path(os.environ.get("SANCTIONS_SHARED_DATA", REPO.parent / "shared" / "data")) / "ofac-sdn"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end test in headless Chromium (needs chromium, playwright)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A uvicorn server over a ledger with two real OFAC SDN publications (2015-01-17, 2019-01-04) when the
    shared data is there, else the synthetic one of the unit tests."""
    import uvicorn

    db = tmp_path_factory.mktemp("browser") / "ledger.db"
    ledger = open_ledger(f"sqlite:///{db}")
    if (OFAC / "2019-01-04").is_dir() and (OFAC / "2015-01-17").is_dir():
        ledger.load_paths([OFAC / "2015-01-17"], "2015-01-17")
        ledger.load_paths([OFAC / "2019-01-04"], "2019-01-04")
        facts = OFAC.parents[1] / "facts" / "dprk-actions-2017-2019.json"
        if facts.is_file():
            from sanctions_ledger.actions.facts import import_facts

            import_facts(ledger, facts)
    else:
        from tests.unit.test_api import fill

        fill(ledger)
    app = create_app(ledger=ledger, settings=ApiSettings(), warm_index=True)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    # the deadlines only stop a hung test: a busy machine starts slower, never wrong
    deadline = time.monotonic() + 600
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=60).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    # the index is built in the background; wait until screening answers
    while httpx.get(f"{base}/readyz", timeout=60).json().get("screening_index") != "ready":
        if time.monotonic() > deadline:
            raise RuntimeError("the test server's screening index was not built")
        time.sleep(0.1)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server)
    pg = ctx.new_page()
    pg.set_default_timeout(300_000)  # waits for what the test expects; only a hang reaches this
    yield pg
    ctx.close()


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), 2400)
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": height})
    return path


def publish(path: Path) -> None:
    """Copy a screenshot to docs/screenshots when SANCTIONS_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("SANCTIONS_UPDATE_SCREENSHOTS") == "1":
        dest = REPO / "docs" / "screenshots"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest / path.name)
