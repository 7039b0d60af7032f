"""Property-based API tests: schemathesis generates requests from /openapi.json; no answer may be a 5xx.

Bounded: SANCTIONS_SCHEMATHESIS_EXAMPLES (default 8) examples per operation, so the run stays well
under a minute. Raise it for a deeper run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.server import ApiSettings, create_app
from sanctions_ledger.services.keys import create_key
from tests.unit.test_api import fill

EXAMPLES = int(os.environ.get("SANCTIONS_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def api_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    db = Path(tmp_path_factory.mktemp("schemathesis")) / "ledger.db"
    ledger = open_ledger(f"sqlite:///{db}")
    fill(ledger)
    admin = create_key(ledger, "fuzz-admin", "admin", "test")[0]
    app = create_app(ledger=ledger, settings=ApiSettings(max_jobs=1000))
    yield app, admin
    ledger.close()


def _operations() -> list[str]:
    app = create_app("sqlite:///:memory:", ApiSettings())
    spec = app.openapi()
    return [f"{m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops]


@pytest.mark.parametrize("label", _operations())
def test_no_server_errors(label: str, api_state: tuple[Any, str]) -> None:
    app, admin = api_state
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    headers = {"X-API-Key": admin}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} {case.query or ''} -> {response.status_code}: "
            f"{response.text[:500]}"
        )
        ctype = response.headers.get("content-type") or [""]
        if response.status_code >= 400 and str(ctype[0] if isinstance(ctype, list) else ctype).startswith(
            "application/json"
        ):
            body = response.json()
            # yente's routes (/match, /search, /entities/{ftm id}, ...) also carry yente's `detail`
            assert set(body) - {"detail"} == {"error"} and body["error"]["message"], body

    check()
