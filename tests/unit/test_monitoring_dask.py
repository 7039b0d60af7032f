"""Batch screening and full re-screens on Dask (a LocalCluster) give what the single process gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.monitoring import Monitor
from sanctions_ledger.screening import Screener
from sanctions_ledger.screening.batch import screen_file
from sanctions_ledger.screening.executors import DaskCluster, ForkPool, InProcess, dask_client, wants_dask
from tests.unit.test_monitoring import BASE, CUSTOMERS, entity, load, write

pytest.importorskip("distributed")

ROWS = """name,id,type,dob,country
Dalian Haibo International Freight,r1,organization,,
Kim Jong Example,,person,1970,KP
"broken ""quote",r3,,,
Jane Smith,r4,person,,
,r5,,,
Pak Chol Su,r6,person,,KP,extra
Ocean Star Shipping,r7,,,
"""


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    import dask

    # Dask's own connect/transfer timeouts (30 s) only guard against a hang here: a busy machine is slower,
    # never wrong
    with (
        dask.config.set(
            {"distributed.comm.timeouts.connect": "600s", "distributed.comm.timeouts.tcp": "600s"}
        ),
        dask_client(n_workers=2, processes=False) as c,
    ):
        yield c


def screener() -> Screener:
    return Screener(MatchIndex([entity(s, n, k) for s, (n, k) in BASE.items()]))


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_dask_batch_equals_single_process(tmp_path: Path, client: Any, suffix: str) -> None:
    src = write(tmp_path, "in.csv", ROWS * 30)
    single, dask_out = tmp_path / f"single{suffix}", tmp_path / f"dask{suffix}"
    c1 = screen_file(screener(), src, single, progress=False, executor=InProcess())
    c2 = screen_file(screener(), src, dask_out, progress=False, chunk_size=7, executor=DaskCluster(client))
    assert single.read_bytes() == dask_out.read_bytes()
    assert c2 == c1 and c1["errors"] >= 30
    forked = tmp_path / f"forked{suffix}"
    assert screen_file(screener(), src, forked, progress=False, chunk_size=5, executor=ForkPool(2)) == c1
    assert forked.read_bytes() == single.read_bytes()


def test_dask_parquet_input(tmp_path: Path, client: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    names = [n for n, _ in BASE.values()] * 10
    table = pa.table({"Name": names, "id": [f"p{i}" for i in range(len(names))]})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=7)
    out = tmp_path / "out.jsonl"
    counts = screen_file(
        screener(), tmp_path / "in.parquet", out, progress=False, executor=DaskCluster(client)
    )
    assert counts["rows"] == len(names)
    csv_in = write(tmp_path, "same.csv", "name,id\n" + "".join(f"{n},p{i}\n" for i, n in enumerate(names)))
    screen_file(screener(), csv_in, tmp_path / "ref.jsonl", workers=1, progress=False)
    assert out.read_text() == (tmp_path / "ref.jsonl").read_text()
    assert wants_dask(tmp_path / "in.parquet", None, False) and not wants_dask(csv_in, None, False)


def test_full_rescreen_on_dask_equals_local(ledger: Any, tmp_path: Path, client: Any) -> None:
    load(ledger, 1, BASE)
    mon = Monitor(ledger)
    mon.load_watchlist("bank", write(tmp_path, "a.csv", CUSTOMERS), create=True, actor="t")
    local, lw, _, _ = Monitor(ledger).full_hits()
    remote, rw, _, _ = Monitor(ledger, executor=DaskCluster(client), executor_min_records=1).full_hits()
    forked, _, _, _ = Monitor(ledger, executor=ForkPool(2), executor_min_records=1).full_hits()
    assert {w: sorted(h.key for h in hs) for w, hs in local.items()} == {
        w: sorted(h.key for h in hs) for w, hs in forked.items()
    }
    assert {w: sorted(h.key for h in hs) for w, hs in local.items()} == {
        w: sorted(h.key for h in hs) for w, hs in remote.items()
    }
    assert lw.scored == rw.scored and rw.queries == 6


def test_cli_screen_file_on_local_cluster_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI path with real worker processes (the index is pickled and broadcast, as on a cluster)."""
    monkeypatch.setenv("SANCTIONS_DASK_CONNECT_TIMEOUT", "1s")
    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "good"
    src = write(tmp_path, "in.csv", "name\nKim Jong Example\nAerocaribbean Airlines\nNobody At All\n")
    runner = CliRunner()
    common = ["screen-file", str(src), "--files", str(fixtures), "--no-progress", "--workers", "2"]
    r1 = runner.invoke(
        cli, ["--db", f"sqlite:///{tmp_path}/x.db", *common, "--out", str(tmp_path / "a.jsonl")]
    )
    assert r1.exit_code == 0, r1.output
    r2 = runner.invoke(
        cli, ["--db", f"sqlite:///{tmp_path}/x.db", *common, "--dask", "--out", str(tmp_path / "b.jsonl")]
    )
    assert r2.exit_code == 0, r2.output
    assert "on Dask" in r2.output
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    r4 = runner.invoke(
        cli, ["--db", f"sqlite:///{tmp_path}/x.db", *common, "--dask", "--out", str(tmp_path / "d.xlsx")]
    )
    assert r4.exit_code == 0 and f"wrote {tmp_path / 'd.xlsx'}" in r4.output, r4.output
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(tmp_path / "d.xlsx")).get_sheet_by_name("screening").to_python()
    single = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [row[0] for row in sheet[1:]] == [rec["id"] for rec in single]
    assert [row[3] for row in sheet[1:]] == [len(rec["matches"]) for rec in single]
    assert not [p for p in tmp_path.iterdir() if "part" in p.name]  # the JSON lines step is removed
    r3 = runner.invoke(
        cli,
        [
            "--db",
            f"sqlite:///{tmp_path}/x.db",
            *common,
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--out",
            str(tmp_path / "c.jsonl"),
        ],
    )
    assert r3.exit_code != 0 and "cannot reach the Dask scheduler" in r3.output
