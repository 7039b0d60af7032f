"""Loading snapshots with explicit post-load steps (services/loading.py), and the CLI commands built on it."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sanctions_ledger.cli as cli_package
from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.archive import ReplaySummary
from sanctions_ledger.ledger.records import LoadResult
from sanctions_ledger.monitoring import Monitor, list_alerts
from sanctions_ledger.services.loading import (
    Loaded,
    LoadReporter,
    StepOutcome,
    fetch_official,
    load_files,
    load_tree,
    rescreen_watchlists,
)
from tests.unit.mirror import Mirror
from tests.unit.ofac_archive import sdn_csv, standard, write_tar

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "ofac" / "good"
DAY1 = sdn_csv("ALPHA TRADING", "BETA LTD")
DAY2 = sdn_csv("ALPHA TRADING", "BETA LTD", "GAMMA SA")
WATCHLIST = "id,name,type\nc1,Kim Jong Example,person\nc2,Aerocaribbean Airlines,\n"


class Heard(LoadReporter):
    """Every call a load makes to its reporter, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def loading(self, what: str) -> None:
        self.calls.append(("loading", what))

    def stored(self, results: Sequence[LoadResult]) -> None:
        self.calls.append(("stored", [r.status for r in results]))

    def replaying(self, archive: Path, done: int, total: int) -> None:
        self.calls.append(("replaying", (archive.name, done, total)))

    def replayed(self, summary: ReplaySummary) -> None:
        self.calls.append(("replayed", summary.snapshots_created))

    def finished(self, loaded: Loaded) -> None:
        self.calls.append(("finished", (len(loaded.loads), len(loaded.replays), len(loaded.steps))))


class Steps:
    """Two post-load steps: one that reports, one that has nothing to do; both note when they ran."""

    def __init__(self, heard: Heard) -> None:
        self.heard = heard
        self.seen: list[Loaded] = []

    def counting(self, ledger: Ledger, loaded: Loaded) -> StepOutcome | None:
        self.heard.calls.append(("step", "counting"))
        self.seen.append(loaded)
        return StepOutcome("count", f"{len(ledger.snapshots())} snapshots", {})

    def idle(self, ledger: Ledger, loaded: Loaded) -> StepOutcome | None:
        self.heard.calls.append(("step", "idle"))
        return None


def archive(tmp_path: Path, *days: bytes, name: str = "a.tar.gz") -> Path:
    observations, members = standard(list(days))
    return write_tar(tmp_path / name, observations, members)


def test_files_then_archives_are_reported_as_stored_then_the_steps_run(
    ledger: Ledger, tmp_path: Path
) -> None:
    heard = Heard()
    steps = Steps(heard)
    loaded = load_files(
        ledger,
        [GOOD, archive(tmp_path, DAY1, DAY2)],
        observed_at="2024-01-01",
        after=[steps.counting, steps.idle],
        reporter=heard,
    )
    assert heard.calls == [
        ("stored", ["created"]),
        ("replaying", ("a.tar.gz", 1, 2)),
        ("replaying", ("a.tar.gz", 2, 2)),
        ("replayed", 2),
        ("finished", (1, 1, 0)),
        ("step", "counting"),
        ("step", "idle"),
    ]
    assert steps.seen == [loaded]
    assert loaded.steps == [StepOutcome("count", "3 snapshots", {})]  # the idle step is left out
    assert loaded.to_dict()["replays"][0]["snapshots_created"] == 2


def test_a_failing_load_runs_no_step_and_what_was_stored_was_reported(ledger: Ledger, tmp_path: Path) -> None:
    heard = Heard()
    steps = Steps(heard)
    bad = archive(tmp_path, DAY1, DAY2 + sdn_csv("DUPLICATE", start=100))
    with pytest.raises(ParseError, match="replay stopped at observation 2 of 2"):
        load_files(ledger, [GOOD, bad], observed_at="2024-01-01", after=[steps.counting], reporter=heard)
    assert [c[0] for c in heard.calls] == ["stored", "replaying"]
    assert steps.seen == [] and len(ledger.snapshots()) == 2  # the files and the first observation


def test_the_monitoring_step_rescreens_new_snapshots_when_a_watchlist_exists(
    ledger: Ledger, tmp_path: Path
) -> None:
    first = load_files(ledger, [archive(tmp_path, DAY1)], after=[rescreen_watchlists])
    assert first.steps == []  # no watchlist: nothing to do
    (tmp_path / "wl.csv").write_text(WATCHLIST)
    Monitor(ledger).add_watchlist("bank", tmp_path / "wl.csv")
    loaded = load_files(ledger, [GOOD], observed_at="2024-01-01", after=[rescreen_watchlists])
    [outcome] = loaded.steps
    assert outcome.name == "monitoring" and outcome.detail["pending"] == 0
    assert outcome.message == "monitoring: 1 snapshot(s) screened, 2 new alert(s)"
    assert {a["customer_id"] for a in list_alerts(ledger, status="all")["alerts"]} == {"c1", "c2"}


def test_a_local_tree_with_its_archives(ledger: Ledger, tmp_path: Path) -> None:
    day = tmp_path / "tree" / "ofac-sdn" / "2021-05-31"
    day.mkdir(parents=True)
    (day / "sdn.csv").write_bytes(sdn_csv("ALPHA TRADING"))
    (tmp_path / "tree" / "ofac-sdn-daily").mkdir()
    archive(tmp_path / "tree" / "ofac-sdn-daily", DAY1, DAY2)
    heard = Heard()
    steps = Steps(heard)
    only_un = load_tree(ledger, tmp_path / "tree", lists=["un"], with_archives=True, reporter=heard)
    assert (only_un.loads, only_un.replays, heard.calls) == ([], [], [("finished", (0, 0, 0))])
    loaded = load_tree(
        ledger, tmp_path / "tree", with_archives=True, after=[steps.counting], reporter=Heard()
    )
    assert [r.snapshot.list for r in loaded.loads] == ["ofac-sdn"] and len(loaded.replays) == 1
    assert loaded.steps == [StepOutcome("count", "3 snapshots", {})]
    quiet = Heard()
    load_tree(ledger, tmp_path / "tree", reporter=quiet)
    assert quiet.calls[0] == ("loading", "ofac-sdn 2021-05-31")


def test_official_downloads_then_the_steps(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (FIXTURES / "un" / "consolidated_small.xml").read_bytes()
    heard = Heard()
    steps = Steps(heard)
    with Mirror({"/consolidated.xml": body}) as origin:
        monkeypatch.setenv("SANCTIONS_SOURCE_UN", origin.base + "/consolidated.xml")
        first = fetch_official(ledger, tmp_path, lists=["un"], after=[steps.counting], reporter=heard)
        again = fetch_official(ledger, tmp_path, lists=["un"], after=[steps.counting], reporter=heard)
    assert [f.status for f in (*first.fetches, *again.fetches)] == ["loaded", "not-modified"]
    assert len(first.loads) == 1 and again.loads == []
    assert [s.message for s in (*first.steps, *again.steps)] == ["1 snapshots", "1 snapshots"]


# -- the CLI --------------------------------------------------------------------------------------------


def test_cli_update_from_a_tree_runs_the_monitoring_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_all()
    db = f"sqlite:///{tmp_path}/cli.db"
    (tmp_path / "wl.csv").write_text(WATCHLIST)
    tree = tmp_path / "tree" / "ofac-sdn" / "2024-01-01"
    tree.mkdir(parents=True)
    for f in GOOD.glob("*.csv"):
        (tree / f.name).write_bytes(f.read_bytes())
    run = CliRunner().invoke
    assert run(cli, ["--db", db, "watchlist", "add", "bank", str(tmp_path / "wl.csv")]).exit_code == 0
    r = run(cli, ["--db", db, "update", "--from", str(tmp_path / "tree"), "--json"])
    assert r.exit_code == 0, r.output
    assert [x["status"] for x in json.loads(r.stdout)["loads"]] == ["created"]
    assert "loading ofac-sdn 2024-01-01" not in r.stderr  # --json: no progress lines
    assert r.stderr.strip().endswith("monitoring: 1 snapshot(s) screened, 2 new alert(s)")
    monkeypatch.setenv("SANCTIONS_MONITOR_ON_LOAD", "0")
    (tmp_path / "tree" / "ofac-sdn" / "2024-01-02").mkdir()
    for f in GOOD.glob("*.csv"):
        (tmp_path / "tree" / "ofac-sdn" / "2024-01-02" / f.name).write_bytes(f.read_bytes())
    r = run(cli, ["--db", db, "update", "--from", str(tmp_path / "tree")])
    assert r.exit_code == 0 and "loading ofac-sdn 2024-01-02" in r.stderr and "monitoring:" not in r.stderr
    assert "ofac-sdn" in r.stdout and "unchanged" in r.stdout


def test_the_commands_declare_their_own_options_and_every_module_is_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sanctions_ledger.cli.screening import screen_file_cmd

    # screen-file has its Dask options without any other module adding them
    assert {"scheduler", "on_dask"} <= {p.name for p in screen_file_cmd.params}
    register_all()
    register_all()  # idempotent
    assert {
        "load",
        "update",
        "screen-file",
        "actions",
        "watchlist",
        "monitor",
        "alerts",
        "serve",
        "export",
    } <= set(cli.commands)
    assert [p.name for p in cli.commands["screen-file"].params].count("scheduler") == 1
    # a command module that cannot be imported is an error, not a silently missing command
    monkeypatch.delattr(cli_package, "export", raising=False)
    monkeypatch.setitem(sys.modules, "sanctions_ledger.cli.export", None)
    with pytest.raises(ImportError):
        register_all()
