"""A reader that closes the pipe early (``sanctions diff ... | head``) is not an error for any command: the
command stops quietly with exit 0 (so ``set -o pipefail`` scripts such as scripts/run.sh keep going)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from sanctions_ledger.cli.main import cli, register_all

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "good"


def _closed_pipe() -> int:
    """The write end of a pipe whose reader is already gone: the first write fails with EPIPE."""
    r, w = os.pipe()
    os.close(r)
    return w


def _run_closed(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    w = _closed_pipe()
    try:
        return subprocess.run(
            [sys.executable, "-m", "sanctions_ledger", *args],
            stdout=w,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
            timeout=600,
        )
    finally:
        os.close(w)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    db = tmp_path_factory.mktemp("pipe") / "ledger.db"
    e = {**os.environ, "SANCTIONS_DB": f"sqlite:///{db}"}
    # the fixture folder's files are detected as an OFAC SDN set
    for day in ("2019-01-04", "2019-02-01"):
        done = subprocess.run(
            [sys.executable, "-m", "sanctions_ledger", "load", str(GOOD), "--observed-at", day],
            capture_output=True,
            env=e,
            check=False,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr.decode()
    yield e


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["stats"],
        ["snapshots", "--list", "ofac-sdn"],
        ["diff", "ofac-sdn", "2019-01-04", "2019-02-01"],
        ["show", "ofac-sdn:306", "--json"],
        ["audit"],
    ],
)
def test_a_closed_pipe_ends_the_command_quietly_with_exit_0(args: list[str], env: dict[str, str]) -> None:
    done = _run_closed(args, env)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""


def _commands(group: click.Group, prefix: list[str]) -> Iterator[list[str]]:
    for name, cmd in sorted(group.commands.items()):
        yield [*prefix, name]
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, [*prefix, name])


def test_every_command_s_help_on_a_closed_pipe_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, over every registered command and sub-command."""
    register_all()
    paths = list(_commands(cli, []))
    assert len(paths) > 20
    for path in paths:
        w = _closed_pipe()
        with os.fdopen(w, "w") as out:
            monkeypatch.setattr(sys, "stdout", out)
            with pytest.raises(SystemExit) as info:
                cli.main([*path, "--help"], prog_name="sanctions")
            monkeypatch.undo()
        assert info.value.code == 0, path


def test_an_error_keeps_its_exit_code_when_stdout_and_stderr_are_closed(env: dict[str, str]) -> None:
    w = _closed_pipe()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sanctions_ledger", "show", "ofac-sdn:999999"],
            stdout=w,
            stderr=w,
            env=env,
            check=False,
            timeout=600,
        )
    finally:
        os.close(w)
    assert done.returncode == 4  # not found, though nobody could read the message
