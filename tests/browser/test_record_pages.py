"""The record in the browser: an entity's story with its designation action, the action's page with its
lifecycle and targets, and the diff page filtered, paged and highlighted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import publish, shot

pytestmark = pytest.mark.browser


def test_entity_story_links_its_designation_action(page: Any) -> None:
    page.goto("/ui/entities/ofac-sdn:21444")  # KIM, Yo Jong: designated 2017-01-11 (human rights)
    page.wait_for_selector("ol.story")
    story = page.inner_text("ol.story")
    if "us-ofac-2017-01-11-dprk-human-rights" not in story:
        pytest.skip("the facts file is not in the shared data")
    first = page.locator("ol.story li").first
    assert "2017-01-11" in first.inner_text() and "designated" in first.inner_text()
    assert "first seen" in story and "delisted" not in story
    publish(shot(page, "entity-story"))
    first.locator("a").click()
    page.wait_for_selector("h2:has-text('Lifecycle')")
    assert page.url.endswith("/ui/actions/us-ofac-2017-01-11-dprk-human-rights")
    facts = page.inner_text("dl.facts")
    assert "2017-01-11" in facts and "00:00" not in facts  # a day, not an invented midnight
    events = page.locator("ol.timeline li")
    assert events.count() >= 2 and "announced" in events.first.inner_text()
    publish(shot(page, "action"))
    page.locator("table a[href$='ofac-sdn%3A21444']").click()
    page.wait_for_selector("ol.story")
    assert "KIM" in page.inner_text("h1").upper()


def test_diff_page_filters_pages_and_highlights(page: Any) -> None:
    page.goto("/ui/lists/ofac-sdn/diff")
    page.wait_for_selector("#diff-summary")
    m = re.search(r"(\d+) added, (\d+) removed, (\d+) changed", page.inner_text("#diff-summary"))
    assert m
    added = int(m.group(1))
    assert page.locator("svg.program-chart rect").count() >= 3
    # at most 100 rows a page, with a link to the next
    assert page.locator("table.diff-rows tbody tr").count() <= 100
    if added + int(m.group(2)) + int(m.group(3)) > 100:
        page.click("nav.pages a[rel=next]")
        page.wait_for_selector("table.diff-rows")
        assert "Page 2 of" in page.inner_text("nav.pages")
    # only additions in one program
    page.goto("/ui/lists/ofac-sdn/diff")
    page.select_option("select[name=kind]", "added")
    page.select_option("select[name=program]", "SDGT")
    page.click("form.inline button[type=submit]")
    page.wait_for_selector("table.diff-rows")
    rows = page.locator("table.diff-rows tbody tr")
    assert rows.count() >= 1
    for i in range(min(rows.count(), 20)):
        text = rows.nth(i).inner_text()
        assert text.startswith("added") and "SDGT" in text
    # changed records show what changed inside them, not raw JSON
    page.goto("/ui/lists/ofac-sdn/diff?kind=changed")
    page.wait_for_selector("table.diff-rows")
    first = page.locator("table.diff-rows tbody tr").first
    assert first.locator("ins, del").count() >= 1
    assert "{" not in first.inner_text()
    publish(shot(page, "diff"))
