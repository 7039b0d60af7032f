"""End to end in headless Chromium: screen a name, open an entity, view a diff and a list chart, upload a
batch, check a statement. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import publish, shot

pytestmark = pytest.mark.browser


def test_screen_then_open_entity(page: Any) -> None:
    page.goto("/ui/")
    publish(shot(page, "home"))
    page.fill("input[name=name]", "Kim Jong Un")
    page.click("button[type=submit]")
    page.wait_for_selector("table.results")
    heading = page.inner_text("#results")
    assert re.search(r"\d+ match", heading)
    first = page.locator("table.results tr.match").first
    assert float(first.locator("td.score").inner_text()) >= 0.85
    assert "KIM" in first.inner_text().upper()
    first.locator("summary").click()  # explanations open without JavaScript (<details>)
    assert first.locator("details ul li").count() >= 1
    publish(shot(page, "screen"))
    first.locator("td a").first.click()
    page.wait_for_selector("ol.timeline")
    assert "Programs" in page.inner_text("dl.facts") and "Names" in page.inner_text("dl.facts")
    assert page.locator("ol.timeline li").count() >= 1
    publish(shot(page, "entity"))


def test_list_chart_and_diff(page: Any) -> None:
    page.goto("/ui/")
    page.click("text=ofac-sdn")
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart polyline").count() == 1
    publish(shot(page, "list"))
    page.click("text=Latest changes")
    page.wait_for_selector("#diff-summary")
    summary = page.inner_text("#diff-summary")
    assert re.search(r"\d+ added, \d+ removed, \d+ changed", summary)
    publish(shot(page, "diff"))


def test_batch_upload_and_download(page: Any, tmp_path: Any) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("id,name,type\nc1,Kim Jong Un,person\nc2,Acme Bakery,organization\n", encoding="utf-8")
    page.goto("/ui/batch")
    page.set_input_files("input[type=file]", str(csv))
    page.click("button[type=submit]")
    page.wait_for_selector("#download", timeout=30_000)  # the job page refreshes itself until done
    assert page.inner_text("#job-status") == "done"
    publish(shot(page, "batch"))
    with page.expect_download() as dl:
        page.click("#download")
    lines = Path(dl.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    # the rows with matches are listed, best match linked to its entity page
    assert "1 row with matches" in page.inner_text("#matched")
    matched = page.locator("table.matched-rows tr.matched")
    assert matched.count() == 1
    cells = matched.first.locator("td").all_inner_texts()
    assert cells[0] == "c1" and cells[1] == "Kim Jong Un" and "KIM" in cells[2].upper()
    assert float(cells[4]) >= 0.85 and int(cells[5]) >= 1
    assert "Acme Bakery" not in page.inner_text("table.matched-rows")
    with page.expect_download() as dl:
        page.click("text=Download CSV")
    assert dl.value.suggested_filename.endswith(".csv")
    rows = Path(dl.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,name,error,matches") and [r.split(",")[0] for r in rows[1:]] == ["c1", "c2"]
    matched.first.locator("a").click()
    page.wait_for_selector("ol.timeline")


def test_check_statement(page: Any) -> None:
    page.goto("/ui/check")
    page.fill(
        "textarea[name=text]",
        "I have today ordered the withdrawal of the additional sanctions announced "
        "today by the U.S. Treasury on North Korea.",
    )
    page.fill("input[name=at]", "2019-03-22T13:20:00-04:00")
    page.fill("input[name=tz]", "America/New_York")
    page.click("button[type=submit]")
    page.wait_for_selector("#check-result")
    assert "Verdict" in page.inner_text("#check-result")
    publish(shot(page, "check"))


def test_actions_page(page: Any) -> None:
    page.goto("/ui/actions?date=2019-03-21&tz=Asia/Seoul")
    assert page.locator("h1").inner_text() == "Actions by date"
    publish(shot(page, "actions"))
