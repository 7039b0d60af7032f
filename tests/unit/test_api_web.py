"""The pages (rendered by the test client): content, escaping, forms that work without JavaScript."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from sanctions_ledger.ledger import Ledger
from tests.unit.test_api import client, filled

__all__ = ["client", "filled"]


def form_token(client: TestClient, page: str = "/ui/batch") -> str:
    """The CSRF token the forms of ``page`` carry for this client (its cookies)."""
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert m, f"no CSRF token on {page}"
    return m.group(1)


def test_home_and_list_page_with_chart(client: TestClient) -> None:
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200 and "ofac-sdn" in r.text
    r = client.get("/ui/lists/ofac-sdn")
    assert r.status_code == 200
    assert "<svg" in r.text and "<polyline" in r.text and 'class="bar-added"' in r.text
    assert "<script" not in r.text.lower()


def test_screen_page_escapes_and_explains(client: TestClient) -> None:
    r = client.get("/ui/screen", params={"name": "Kim Jong Un", "type": "person"})
    assert r.status_code == 200
    assert "/ui/entities/ofac-sdn%3A20285" in r.text and "<details>" in r.text
    r = client.get("/ui/screen", params={"name": "<script>alert(1)</script> old trading", "threshold": "0.1"})
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    r = client.get("/ui/screen", params={"name": "x", "threshold": "lots"})
    assert r.status_code == 422 and "not a number" in r.text


def test_entity_page_timeline_and_delisted(client: TestClient) -> None:
    r = client.get("/ui/entities/ofac-sdn:30002")
    assert r.status_code == 200 and 'class="timeline"' in r.text and "changed: remarks" in r.text
    r = client.get("/ui/entities/ofac-sdn:30003")  # delisted: shown as last listed, escaped
    assert r.status_code == 200 and "not on the latest snapshot" in r.text
    assert "<SCRIPT>" not in r.text and "&lt;SCRIPT&gt;" in r.text
    r = client.get("/ui/entities/ofac-sdn:1")
    assert r.status_code == 404 and "never seen" in r.text


def test_diff_page(client: TestClient, filled: Ledger) -> None:
    r = client.get("/ui/lists/ofac-sdn/diff")
    assert r.status_code == 200 and "1 removed" in r.text
    first, second = (s.id for s in filled.snapshots()[:2])
    r = client.get("/ui/lists/ofac-sdn/diff", params={"from": first, "to": second})
    assert "2 added" in r.text and "DALIAN HAIBO" in r.text and "remarks" in r.text


def test_batch_upload_progress_and_download(client: TestClient) -> None:
    r = client.post(
        "/ui/batch",
        files={"file": ("c.csv", b"name\nKim Jong Un\nNobody Here\n", "text/csv")},
        data={"csrf": form_token(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job_page = r.headers["location"]
    deadline = time.monotonic() + 600  # only stops a hung test; the job runs in the server's thread
    while time.monotonic() < deadline:
        page = client.get(job_page).text
        if "Download JSON lines" in page:
            break
        assert 'http-equiv="refresh"' in page
        time.sleep(0.02)
    link = re.search(r'href="([^"]+result\.jsonl)"', page)
    assert link
    lines = client.get(link.group(1)).text.splitlines()
    assert len(lines) == 2
    # the rows with matches, each linked to its entity; the other row is not listed
    assert "1 row with matches" in page and 'class="matched-rows"' in page
    rows = re.findall(r'<tr class="matched">(.*?)</tr>', page, re.S)
    assert len(rows) == 1 and "Kim Jong Un" in rows[0] and "/ui/entities/ofac-sdn%3A20285" in rows[0]
    assert "Nobody Here" not in page
    csv_link = re.search(r'<a id="download-csv" href="([^"]+)"[^>]*>Download CSV</a>', page)
    assert csv_link
    r = client.get(csv_link.group(1))
    assert r.headers["content-type"].startswith("text/csv")
    assert [x.split(",")[1] for x in r.text.splitlines()] == ["name", "Kim Jong Un", "Nobody Here"]
    r = client.post(
        "/ui/batch", files={"file": ("c.csv", b"who\nx\n", "text/csv")}, data={"csrf": form_token(client)}
    )
    assert r.status_code == 422 and "name" in r.text


def _finished(client: TestClient, job_page: str) -> str:
    deadline = time.monotonic() + 600  # only stops a hung test; the job runs in the server's thread
    while time.monotonic() < deadline:
        page = str(client.get(job_page).text)
        if 'id="job-status">done' in page:
            return page
        assert 'id="job-status">failed' not in page
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_a_big_job_shows_its_matched_rows_a_page_at_a_time(client: TestClient) -> None:
    rows = "".join(f"c{i},{'Kim Jong Un' if i % 3 else 'Nobody Here'}\n" for i in range(1, 331))
    r = client.post(
        "/ui/batch",
        files={"file": ("big.csv", f"id,name\n{rows}".encode(), "text/csv")},
        data={"csrf": form_token(client)},
        follow_redirects=False,
    )
    job_page = r.headers["location"]
    page = _finished(client, job_page)
    assert "220 rows with matches" in page and "page 1 of 3" in page
    shown = re.findall(r'<tr class="matched">\s*<td>(c\d+)</td>', page)
    assert len(shown) == 100 and shown[:3] == ["c1", "c2", "c4"]
    nxt = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert nxt and 'rel="prev"' not in page
    page2 = client.get(nxt.group(1).replace("&amp;", "&")).text
    assert re.findall(r'<tr class="matched">\s*<td>(c\d+)</td>', page2)[0] == "c151"
    last = client.get(job_page, params={"page": 3}).text
    assert "Rows 201–220 of 220" in last and 'rel="next"' not in last
    assert len(re.findall(r'<tr class="matched">', last)) == 20
    assert client.get(job_page, params={"page": 0}).status_code == 422
    jobs = client.app.state.jobs  # type: ignore[attr-defined]
    (jobs.root / job_page.rsplit("/", 1)[1] / "result.jsonl").unlink()  # the jobs folder lost the result
    gone = client.get(job_page)
    assert gone.status_code == 200 and "no longer in the jobs folder" in gone.text
    assert "matched-rows" not in gone.text and "Download CSV" not in gone.text


def test_actions_and_check_pages(client: TestClient) -> None:
    assert client.get("/ui/actions", params={"date": "2019-03-21"}).status_code == 200
    r = client.get("/ui/check")
    assert r.status_code == 200 and "<textarea" in r.text
    r = client.post(
        "/ui/check",
        data={
            "text": "Treasury announced sanctions on North Korea today",
            "at": "2019-03-22T13:20:00-04:00",
            "tz": "America/New_York",
        },
    )
    assert r.status_code == 200 and "check-result" in r.text


def test_check_statement_api(client: TestClient) -> None:
    r = client.post(
        "/check-statement",
        json={"text": "Treasury announced sanctions on North Korea today", "at": "2019-03-22T13:20:00-04:00"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] in ("supported", "contradicted", "ambiguous", "unverifiable")
    r = client.post("/check-statement", json={"text": "x", "at": "yesterday"})
    assert r.status_code == 422 and r.json()["error"]["message"]


def test_screen_page_groups_one_party_one_row(ledger: Ledger) -> None:
    from tests.unit.test_api import make_client
    from tests.unit.test_api_screen import add_linked_party

    add_linked_party(ledger)
    with make_client(ledger) as c:
        page = c.get("/ui/screen", params={"name": "Ri Won Ho", "type": "person"}).text
        assert len(re.findall(r'<tr class="match">', page)) == 4 and 'class="party"' not in page
        assert 'name="group" value="1">' in page  # the box, unchecked
        r = c.get("/ui/screen", params={"name": "Ri Won Ho", "type": "person", "group": "1"})
        assert r.status_code == 200
        assert "2 parties for" in r.text and 'name="group" value="1" checked>' in r.text
        rows = re.findall(r'<tr class="party">(.*?)</tr>', r.text, re.S)
        assert len(rows) == 2 and '<tr class="match">' not in r.text
        (linked,) = [row for row in rows if "un:KPi.033" in row]
        for eid in ("un%3AKPi.033", "uk-hmt%3A13422", "ofac-sdn%3A40001"):
            assert f"/ui/entities/{eid}" in linked
        assert "3 records on ofac-sdn, uk-hmt, un" in linked
        assert "same UN reference number KPi.033" in linked and "same passport number 381310014" in linked
        (alone,) = [row for row in rows if row is not linked]
        assert "/ui/entities/ofac-sdn%3A40002" in alone and "one record" in alone
        assert linked.count("On validation data") == 3  # what each record's score means
        assert "compared word by word" in linked and "token " not in r.text
