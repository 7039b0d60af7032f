"""Every entity of the newest official publication of each list we parse, exported as FtM, validates with
`followthemoney`; a delta between two real SDN snapshots accounts for every change; the export loads back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sanctions_ledger.ftm.validate import validate_all
from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.opensanctions.export import delta, export
from sanctions_ledger.parsers import parse_paths

pytestmark = pytest.mark.integration

NEWEST = {
    "ofac-sdn": "2024-07-02",
    "ofac-cons": "2025-12-19",
    "un": "2026-02-27",
    "uk-hmt": "2016-03-23",
    "us-bis-dpl": "2023-11-30",
}


def test_every_list_exports_valid_ftm(shared_data: Path, tmp_path: Path) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as lg:
        for name, day in NEWEST.items():
            lg.load_paths([shared_data / name / day], day)
        out = list(export(lg))
        assert validate_all(out) == {}
        listed = Counter(x["datasets"][0] for x in out if x["target"])
        stored = {n: sum(1 for _ in lg.entities_at([n])) for n in NEWEST}
        assert {k.replace("_", "-"): v for k, v in listed.items()} == stored
        ids = [x["id"] for x in out]
        assert len(ids) == len(set(ids))
        # the export loads back as the same entities
        path = tmp_path / "un.ftm.json"
        path.write_text(
            "".join(json.dumps(x) + "\n" for x in out if x["datasets"] == ["un"]), encoding="utf-8"
        )
        (back,) = parse_paths([path])
        assert {e.id for e in back.entities} == {e.id for e in lg.entities_at(["un"])}


def test_sdn_delta_accounts_for_every_change(shared_data: Path, tmp_path: Path) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as lg:
        for day in ("2019-01-04", "2021-06-29"):
            lg.load_paths([shared_data / "ofac-sdn" / day], day)
        d = lg.diff("ofac-sdn", "2019-01-04", "2021-06-29")
        ops = list(delta(lg, "ofac-sdn", "2019-01-04", "2021-06-29"))
        listed = {(o["op"], o["entity"]["id"]) for o in ops if o["op"] != "DEL" and o["entity"]["target"]}
        assert sum(1 for op, _ in listed if op == "ADD") == len(d.added) == 1858
        assert sum(1 for op, _ in listed if op == "MOD") == len(d.changed) == 843
        deleted = {o["entity"]["id"] for o in ops if o["op"] == "DEL"}
        assert {"ofac-sdn-" + i.split(":", 1)[1] for i in d.removed} <= deleted
        assert validate_all([o["entity"] for o in ops if o["op"] != "DEL"], check_refs=False) == {}
