"""The ledger on the real shared data, through the CLI contract: load, diff, show, history, asof."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.services.fetching import local_sets

pytestmark = pytest.mark.integration
register_all()


def raw_ent_nums(path: Path) -> set[str]:
    """ent_nums of an OFAC legacy main file, read with the csv module alone (independent of the parser)."""
    text = path.read_bytes().rstrip(b"\x1a").decode("cp1252")
    return {row[0] for row in csv.reader(io.StringIO(text)) if row and row[0].strip().isdigit()}


def run(db: str, *args: str) -> tuple[int, Any, str]:
    res = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    out: Any = None
    if "--json" in args and res.exit_code == 0:
        out = json.loads(res.stdout)
    return res.exit_code, out, res.stderr if res.exit_code else res.stdout


@pytest.fixture(scope="module")
def two_sdn(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'l.db'}"
    for day in ("2019-01-04", "2021-06-29"):
        code, out, msg = run(db, "load", str(shared_data / "ofac-sdn" / day), "--observed-at", day, "--json")
        assert code == 0, msg
        assert out["loads"][0]["status"] == "created"
    return db


def test_diff_equals_raw_set_difference(two_sdn: str, shared_data: Path) -> None:
    a = raw_ent_nums(shared_data / "ofac-sdn" / "2019-01-04" / "sdn.csv")
    b = raw_ent_nums(shared_data / "ofac-sdn" / "2021-06-29" / "sdn.csv")
    code, d, msg = run(two_sdn, "diff", "ofac-sdn", "2019-01-04", "2021-06-29", "--json")
    assert code == 0, msg
    assert {e.split(":")[1] for e in d["added"]} == b - a
    assert {e.split(":")[1] for e in d["removed"]} == a - b
    assert d["changed"], "two years apart, some entries must have changed"
    for c in d["changed"]:
        assert c["entity_id"].split(":")[1] in a & b and c["fields"]
    assert "ofac-sdn:26243" in d["added"] and "ofac-sdn:26244" in d["added"]


def test_show_contract(two_sdn: str) -> None:
    code, e, msg = run(two_sdn, "show", "ofac-sdn:26243", "--json")
    assert code == 0, msg
    for key in (
        "id",
        "schema",
        "names",
        "programs",
        "identifiers",
        "birth_dates",
        "nationalities",
        "addresses",
        "listed_on",
        "remarks",
    ):
        assert key in e
    assert e["id"] == "ofac-sdn:26243" and e["schema"] == "organization"
    assert e["names"][0] == {
        "name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD.",
        "kind": "primary",
        "script": "Latn",
    }
    assert e["programs"] == ["DPRK3"]
    code, _, msg = run(two_sdn, "show", "ofac-sdn:26243", "--as-of", "2019-03-20", "--json")
    assert code == 4 and "not on ofac-sdn" in msg


def test_history_and_asof(two_sdn: str, shared_data: Path) -> None:
    code, h, msg = run(two_sdn, "history", "ofac-sdn:26243", "--json")
    assert code == 0, msg
    assert h["first_seen"].startswith("2021-06-29") and len(h["versions"]) == 1
    code, out, msg = run(two_sdn, "asof", "2021-06-30", "--list", "ofac-sdn", "--json")
    assert code == 0, msg
    assert {e.split(":")[1] for e in out["entity_ids"]} == raw_ent_nums(
        shared_data / "ofac-sdn/2021-06-29/sdn.csv"
    )
    code, out, msg = run(two_sdn, "asof", "2021-06-30", "--list", "ofac-sdn", "--program", "DPRK3", "--json")
    assert code == 0 and "ofac-sdn:26243" in out["entity_ids"] and "ofac-sdn:26244" not in out["entity_ids"]


def _counts(db: str) -> dict[str, int]:
    lg = open_ledger(db)
    with lg.engine.connect() as c:
        out = {
            tb.name: int(c.execute(select(func.count()).select_from(tb)).scalar_one())
            for tb in (t.snapshots, t.entity_versions, t.spans, t.observations)
        }
    lg.close()
    return out


def test_every_shared_list_loads(tmp_path: Path, shared_data: Path) -> None:
    db = f"sqlite:///{tmp_path / 'all.db'}"
    code, out, msg = run(db, "update", "--from", str(shared_data), "--json")
    assert code == 0, msg
    loads = out["loads"]
    dated = local_sets(shared_data)  # every <list>/<YYYY-MM-DD>/ of a known list
    assert len(loads) == len(dated)
    for r in loads:
        assert r["records_in"] == r["entities_stored"]
    # the 2020-11-24 UN file differs from 2020-11-23 only in dateGenerated: no new snapshot
    un = [r for r in loads if r["snapshot"]["list"] == "un"]
    assert sum(1 for r in un if r["status"] == "unchanged") == 1
    code, stats, _ = run(db, "stats", "--json")
    assert set(stats["lists"]) == {lst for lst, _d, _f in dated}
    assert {"ofac-sdn", "ofac-cons", "un", "uk-hmt", "us-bis-dpl"} <= set(stats["lists"])
    assert stats["lists"]["un"]["snapshots"] == 8
    # loading the same tree again (the same files at the same observed times) changes nothing at all,
    # observations included
    before = _counts(db)
    code, out, msg = run(db, "update", "--from", str(shared_data), "--json")
    assert code == 0, msg
    assert {r["status"] for r in out["loads"]} == {"already_observed"}
    assert _counts(db) == before


BAD_INPUTS = {
    "zero.csv": (b"", "empty"),
    "sdn.csv": (
        b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        b'173,"ANGLO-CARIBBEAN CO., LTD.",-0- ,"CUBA",-0- ,-0- ,-0',
        "line 2",
    ),
    "consolidated.xml": (
        b'<?xml version="1.0"?>\n<CONSOLIDATED_LIST dateGenerated="2020-01-01T00:00:00">\n'
        b"<INDIVIDUALS>\n<INDIVIDUAL><DATAID>1</DATAID>\n",
        "line",
    ),
    "bomb.xml": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
        b"<CONSOLIDATED_LIST><INDIVIDUALS>&lol2;</INDIVIDUALS></CONSOLIDATED_LIST>\n",
        "bomb.xml",
    ),
    "random.txt": (b"hello world\nthis is not a list\n", "unknown format"),
    "dup/sdn.csv": (
        b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a',
        "line 2",
    ),
    "utf16/ConList.csv": ("Last Updated,23/03/2016\r\nName 6,Name 1\r\n".encode("utf-16"), "UTF-16"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_leaves_ledger_untouched(two_sdn: str, tmp_path: Path, name: str) -> None:
    content, expect = BAD_INPUTS[name]
    bad = tmp_path / name
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(content)
    before = _counts(two_sdn)
    code, _, msg = (
        run(
            two_sdn,
            "load",
            str(bad),
            "--list",
            "ofac-sdn" if name.endswith(".csv") else "un",
            "--observed-at",
            "2022-01-01",
        )
        if name == "zero.csv"
        else run(two_sdn, "load", str(bad), "--observed-at", "2022-01-01")
    )
    assert code != 0
    assert str(bad) in msg and expect in msg, msg
    assert _counts(two_sdn) == before
