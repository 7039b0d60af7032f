"""Web sign-in, scopes, per-key batch jobs, CSRF, cross-origin writes, security headers and error shapes
(issue 10, items 1 and 2). Each test here failed on the code before the web sign-in existed."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select, update

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.sessions_tables import web_sessions
from sanctions_ledger.screening.output import CSV_OUT, MEDIA_TYPES
from sanctions_ledger.server import ApiSettings, create_app
from sanctions_ledger.services.keys import create_key, revoke_key
from tests.unit.test_api import filled

__all__ = ["filled"]

CSV = b"id,name\nc1,Kim Jong Un\nc2,Nobody Here\n"


def make(ledger: Ledger, https: bool = False, **settings: object) -> TestClient:
    app = create_app(ledger=ledger, settings=ApiSettings(**settings))  # type: ignore[arg-type]
    base = "https://testserver" if https else "http://testserver"
    return TestClient(app, raise_server_exceptions=False, base_url=base)


@pytest.fixture
def keys(filled: Ledger) -> dict[str, str]:
    return {
        scope: create_key(filled, f"k-{scope}", scope, "test")[0] for scope in ("read", "analyst", "admin")
    } | {"other": create_key(filled, "k-other", "read", "test")[0]}


@pytest.fixture
def locked(filled: Ledger) -> Iterator[TestClient]:
    """A server that needs a key for reads."""
    with make(filled, read_requires_key=True) as c:
        yield c


def token(client: TestClient, page: str = "/ui/login") -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert m, f"no CSRF token on {page}"
    return m.group(1)


def sign_in(client: TestClient, key: str) -> None:
    r = client.post(
        "/ui/login", data={"key": key, "csrf": token(client), "next": "/ui/"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/ui/", r.text


def job_by_api(client: TestClient, key: str) -> str:
    r = client.post(
        "/screen/jobs", files={"file": ("secret-customers.csv", CSV, "text/csv")}, headers={"X-API-Key": key}
    )
    assert r.status_code == 202, r.text
    job_id = str(r.json()["id"])
    for _ in range(1000):
        if client.get(f"/screen/jobs/{job_id}", headers={"X-API-Key": key}).json()["status"] == "done":
            return job_id
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def page_paths(job_id: str) -> list[str]:
    return [
        "/ui/",
        "/ui/screen?name=Kim+Jong+Un",
        "/ui/batch",
        f"/ui/batch/{job_id}",
        f"/ui/batch/{job_id}/result.jsonl",
        f"/ui/batch/{job_id}/result.csv",
        f"/ui/batch/{job_id}/result.xlsx",
        "/ui/entities/ofac-sdn:30002",
        "/ui/lists/ofac-sdn",
        "/ui/lists/ofac-sdn/diff",
        "/ui/actions",
        "/ui/alerts",
        "/ui/alerts?status=all",
        "/ui/check",
    ]


def test_with_read_requiring_a_key_no_page_answers_anonymously(
    locked: TestClient, keys: dict[str, str]
) -> None:
    job_id = job_by_api(locked, keys["read"])
    assert locked.get(f"/screen/jobs/{job_id}/result").status_code == 401
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in page_paths(job_id):
        r = locked.get(path, follow_redirects=False, headers=html)  # a browser is sent to the sign-in form
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=%2Fui%2F"), path
        r = locked.get(path, follow_redirects=False)  # another client gets the API's error shape
        assert r.status_code == 401 and r.json()["error"]["type"] == "AuthError", path
        assert "Kim Jong Un" not in r.text and "secret-customers" not in r.text
    r = locked.post("/ui/check", data={"text": "x"})
    assert r.status_code == 401
    assert locked.get("/ui/login").status_code == 200  # the one page there must be
    sign_in(locked, keys["read"])
    for path in page_paths(job_id):
        assert locked.get(path).status_code == 200, path


def test_sign_in_cookie_and_sign_out_end_the_session_on_the_server(
    filled: Ledger, keys: dict[str, str]
) -> None:
    with make(filled, read_requires_key=True) as c:
        r = c.post("/ui/login", data={"key": keys["read"], "csrf": token(c)}, follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("sl_session=")
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/ui", "Max-Age=28800"):
            assert attribute.lower() in cookie.lower(), cookie
        assert "secure" not in cookie.lower()  # plain HTTP: a Secure cookie would never come back
        secret = c.cookies.get("sl_session")
        assert secret and keys["read"] not in cookie  # the key itself never goes into the cookie
        page = c.get("/ui/").text
        assert 'id="signed-in"' in page and "k-read" in page
        r = c.post("/ui/logout", data={"csrf": token(c, "/ui/")}, follow_redirects=False)
        assert r.status_code == 303 and 'sl_session=""' in r.headers["set-cookie"]
        assert c.get("/ui/", follow_redirects=False).status_code == 401
        c.cookies.set("sl_session", secret, path="/ui")  # a copy of the cookie kept after signing out
        assert c.get("/ui/", follow_redirects=False).status_code == 401
    with filled.engine.connect() as conn:
        rows = conn.execute(select(web_sessions)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None and rows[0].key_name == "k-read"
    assert secret not in str(rows[0])  # only its digest is stored
    actions = [a["action"] for a in filled.audit_entries()]
    assert "web.sign_in" in actions and "web.sign_out" in actions


def test_a_session_ends_at_its_expiry_and_when_its_key_is_revoked(
    filled: Ledger, keys: dict[str, str]
) -> None:
    with make(filled, read_requires_key=True) as c:
        sign_in(c, keys["read"])
        assert c.get("/ui/").status_code == 200
        with filled.engine.begin() as conn:
            conn.execute(update(web_sessions).values(expires_at=t.utcnow()))
        assert c.get("/ui/", follow_redirects=False).status_code == 401
        sign_in(c, keys["other"])
        assert c.get("/ui/").status_code == 200
        revoke_key(filled, "k-other", "test")
        assert c.get("/ui/", follow_redirects=False).status_code == 401
        r = c.post("/ui/login", data={"key": keys["other"], "csrf": token(c)})
        assert r.status_code == 401 and "unknown or revoked" in r.text


def test_the_session_cookie_is_secure_over_tls(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled, https=True) as c:
        r = c.post("/ui/login", data={"key": keys["read"], "csrf": token(c)}, follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_sign_in_goes_back_only_to_a_page_of_this_site(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled) as c:
        for target in ("https://evil.example/", "//evil.example/ui/", "/ui/../../x"):
            r = c.post(
                "/ui/login",
                data={"key": keys["read"], "csrf": token(c), "next": target},
                follow_redirects=False,
            )
            assert r.status_code == 303
            assert not r.headers["location"].startswith(("http", "//")), target
            c.post("/ui/logout", data={"csrf": token(c, "/ui/")})


def test_batch_jobs_are_seen_by_their_key_and_admins_only(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled) as c:  # reads open: still, a key's jobs are its own
        job_id = job_by_api(c, keys["read"])
        for who, status in (
            (keys["read"], 200),
            (keys["admin"], 200),
            (keys["other"], 404),
            (keys["analyst"], 404),
            (None, 404),
        ):
            headers = {"X-API-Key": who} if who else {}
            assert c.get(f"/screen/jobs/{job_id}", headers=headers).status_code == status
            assert c.get(f"/screen/jobs/{job_id}/result", headers=headers).status_code == status
        batch = c.get("/ui/batch").text
        assert "secret-customers" not in batch and job_id[:12] not in batch
        assert c.get(f"/ui/batch/{job_id}").status_code == 404
        assert c.get(f"/ui/batch/{job_id}/result.jsonl").status_code == 404
        sign_in(c, keys["other"])
        assert "secret-customers" not in c.get("/ui/batch").text
        assert c.get(f"/ui/batch/{job_id}/result.jsonl").status_code == 404
        c.post("/ui/logout", data={"csrf": token(c, "/ui/")})
        sign_in(c, keys["admin"])
        assert "secret-customers" in c.get("/ui/batch").text
        assert c.get(f"/ui/batch/{job_id}/result.jsonl").text.count("\n") == 2
        c.post("/ui/logout", data={"csrf": token(c, "/ui/")})
        sign_in(c, keys["read"])
        assert "secret-customers" in c.get("/ui/batch").text
        r = c.post(
            "/ui/batch",
            files={"file": ("mine.csv", CSV, "text/csv")},
            data={"csrf": token(c, "/ui/batch")},
            follow_redirects=False,
        )
        assert r.status_code == 303
        mine = r.headers["location"].rsplit("/", 1)[1]
        assert c.get(f"/screen/jobs/{mine}", headers={"X-API-Key": keys["read"]}).json()["created_by"] == (
            "api-key:k-read"
        )


def test_job_results_as_csv_and_xlsx_for_their_key_and_admins_only(
    filled: Ledger, keys: dict[str, str]
) -> None:
    with make(filled) as c:
        job_id = job_by_api(c, keys["read"])
        url = f"/screen/jobs/{job_id}/result"
        for who, status in ((keys["read"], 200), (keys["admin"], 200), (keys["other"], 404), (None, 404)):
            headers = {"X-API-Key": who} if who else {}
            for fmt in ("csv", "xlsx"):
                r = c.get(url, params={"format": fmt}, headers=headers)
                assert r.status_code == status, (who, fmt)
                if status == 404:
                    assert "Kim Jong Un" not in r.text and r.json()["error"]["type"] == "NotFoundError"
        mine = {"X-API-Key": keys["read"]}
        r = c.get(url, params={"format": "csv"}, headers=mine)
        assert r.headers["content-type"].startswith("text/csv")
        assert f'filename="screening-{job_id}.csv"' in r.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(r.text)))
        assert tuple(rows[0]) == CSV_OUT and [x[0] for x in rows[1:]] == ["c1", "c2"]
        assert rows[1][1] == "Kim Jong Un" and rows[1][4] == "ofac-sdn:20285" and float(rows[1][5]) > 0.9
        assert rows[2][3] == "0"
        r = c.get(url, params={"format": "xlsx"}, headers=mine)
        assert r.headers["content-type"] == MEDIA_TYPES["xlsx"]
        sheet = (
            CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_name("screening").to_python()
        )
        assert [x[0] for x in sheet] == ["id", "c1", "c2"] and sheet[1][4] == "ofac-sdn:20285"
        assert c.get(url, headers=mine).headers["content-type"].startswith("application/x-ndjson")
        assert c.get(url, params={"format": "xml"}, headers=mine).status_code == 422
        # the pages' downloads go through the web session, with the same owner-or-admin rule
        assert c.get(f"/ui/batch/{job_id}/result.csv").status_code == 404
        sign_in(c, keys["other"])
        assert c.get(f"/ui/batch/{job_id}/result.csv").status_code == 404
        assert c.get(f"/ui/batch/{job_id}/result.xlsx").status_code == 404
        c.post("/ui/logout", data={"csrf": token(c, "/ui/")})
        sign_in(c, keys["read"])
        r = c.get(f"/ui/batch/{job_id}/result.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(r.text)))[1][0] == "c1"
        assert c.get(f"/ui/batch/{job_id}/result.xlsx").content[:2] == b"PK"
        assert c.get(f"/ui/batch/{job_id}/result.exe").status_code == 422


def test_forms_need_their_csrf_token(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled) as c:
        upload = {"file": ("c.csv", CSV, "text/csv")}
        for data in ({}, {"csrf": "0" * 64}):
            r = c.post("/ui/batch", files=upload, data=data)
            assert r.status_code == 403 and "CSRF" in r.text
            assert c.post("/ui/login", data={"key": keys["read"], **data}).status_code == 403
        assert c.get("/screen/jobs/x", headers={"X-API-Key": keys["admin"]}).status_code in (404, 422)
        sign_in(c, keys["analyst"])
        anonymous_token = "0" * 64
        r = c.post("/ui/logout", data={"csrf": anonymous_token})
        assert r.status_code == 403
        assert c.get("/ui/").status_code == 200 and 'id="signed-in"' in c.get("/ui/").text


def test_cross_origin_form_posts_are_refused(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled) as c:
        evil = {"Origin": "https://evil.example"}
        r = c.post("/screen/jobs", files={"file": ("c.csv", CSV, "text/csv")}, headers=evil)
        assert r.status_code == 403 and r.json()["error"]["type"] == "PermissionDeniedError"
        r = c.post(
            "/ui/batch", files={"file": ("c.csv", CSV, "text/csv")}, data={"csrf": token(c)}, headers=evil
        )
        assert r.status_code == 403
        for headers in ({"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            r = c.post("/screen/jobs", files={"file": ("c.csv", CSV, "text/csv")}, headers=headers)
            assert r.status_code == 403, headers
        r = c.post(
            "/screen/jobs",
            files={"file": ("c.csv", CSV, "text/csv")},
            headers={"Origin": "http://testserver", "X-API-Key": keys["read"]},
        )
        assert r.status_code == 202  # the server's own pages, and clients that send no Origin, are served
    with make(filled, cors_origins=("https://app.example",)) as c:
        r = c.post(
            "/screen/jobs",
            files={"file": ("c.csv", CSV, "text/csv")},
            headers={"Origin": "https://app.example", "X-API-Key": keys["read"]},
        )
        assert r.status_code == 202


@pytest.mark.parametrize(
    "path", ["/ui/", "/ui/login", "/ui/nope", "/health", "/lists", "/nope", "/ui/static/style.css", "/screen"]
)
def test_every_response_has_the_security_headers(filled: Ledger, path: str) -> None:
    with make(filled) as c:
        r = c.post("/screen", json={"name": "Kim Jong Un"}) if path == "/screen" else c.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_pages_use_nothing_the_policy_forbids(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled) as c:
        job_id = job_by_api(c, keys["read"])
        sign_in(c, keys["read"])
        for path in page_paths(job_id):
            if path.endswith(".jsonl"):
                continue
            html = c.get(path).text
            assert "<script" not in html.lower() and " style=" not in html and " on" + "click" not in html


def test_ui_errors_use_the_documented_shape_and_name_no_server_path(
    filled: Ledger, keys: dict[str, str]
) -> None:
    with make(filled) as c:
        r = c.get("/ui/nope", headers={"Accept": "application/json"})
        assert r.status_code == 404
        assert r.json() == {
            "error": {"type": "NotFoundError", "message": "no such page", "hint": r.json()["error"]["hint"]}
        }
        r = c.get("/ui/nope", headers={"Accept": "text/html"})
        assert r.status_code == 404 and "no such page" in r.text and "<h1>Not found</h1>" in r.text
        r = c.get("/ui/alerts?alert=x", headers={"Accept": "application/json"})
        assert r.status_code == 422 and r.json()["error"]["type"] == "InputError"
        jobs_dir = str(c.app.state.jobs.root)  # type: ignore[attr-defined]
        for body in (b"", b"who\nx\n"):
            r = c.post(
                "/screen/jobs",
                files={"file": ("empty.csv", body, "text/csv")},
                headers={"X-API-Key": keys["read"]},
            )
            assert r.status_code == 422
            msg = r.json()["error"]["message"]
            assert msg.startswith("empty.csv: ") and jobs_dir not in msg and "input.csv" not in msg
            r = c.post("/ui/batch", files={"file": ("empty.csv", body, "text/csv")}, data={"csrf": token(c)})
            assert r.status_code == 422 and jobs_dir not in r.text and "input.csv" not in r.text


def test_a_forged_cookie_or_another_sessions_token_is_refused(filled: Ledger, keys: dict[str, str]) -> None:
    with make(filled, read_requires_key=True) as alice, make(filled, read_requires_key=True) as mallory:
        sign_in(alice, keys["analyst"])
        sign_in(mallory, keys["read"])
        theirs = token(mallory, "/ui/batch")
        r = alice.post("/ui/batch", files={"file": ("c.csv", CSV, "text/csv")}, data={"csrf": theirs})
        assert r.status_code == 403  # a token is bound to its session
        for forged in ("x" * 43, "", "sk_" + "a" * 40, keys["read"]):
            mallory.cookies.set("sl_session", forged, path="/ui")
            assert mallory.get("/ui/", follow_redirects=False).status_code == 401, forged


def test_sessions_that_expired_long_ago_are_dropped_at_the_next_sign_in(
    filled: Ledger, keys: dict[str, str]
) -> None:
    from datetime import timedelta

    with make(filled) as c:
        sign_in(c, keys["read"])
        with filled.engine.begin() as conn:
            conn.execute(update(web_sessions).values(expires_at=t.utcnow() - timedelta(days=8)))
        sign_in(c, keys["other"])
    with filled.engine.connect() as conn:
        assert [r.key_name for r in conn.execute(select(web_sessions))] == ["k-other"]
