"""The ``sanctions`` command: thin — parse flags, call the Python API, print."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from sanctions_ledger import __version__
from sanctions_ledger.cli.output import closed_pipe_is_quiet
from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ledger import Ledger, open_ledger

F = TypeVar("F", bound=Callable[..., Any])


class Context(dict[str, Any]):
    """``ctx.obj``: a dict (``ctx.obj["db_url"]``) that also opens the ledger once, on first use."""

    def __init__(self, db_url: str | None) -> None:
        super().__init__(db_url=db_url)
        self._ledger: Ledger | None = None

    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = open_ledger(self["db_url"])
        return self._ledger


def get_ledger(ctx: click.Context) -> Ledger:
    obj: Context = ctx.find_object(Context)  # type: ignore[assignment]
    return obj.ledger()


class Group(click.Group):
    """Turns every :class:`SanctionsError` into a message on stderr and its exit code; a closed stdout
    (``| head``) ends any command, its ``--help`` and ``--version`` included, quietly with exit 0."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with closed_pipe_is_quiet():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with closed_pipe_is_quiet():
                return super().invoke(ctx)
        except SanctionsError as exc:
            # the exit code tells the error even when nobody reads stderr any more
            with contextlib.suppress(BrokenPipeError):
                click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option(
    "--db", "db_url", envvar="SANCTIONS_DB", help="Database URL (sqlite:///path or postgresql://...)."
)
@click.version_option(__version__, prog_name="sanctions")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """Sanctions Ledger: a versioned record of official sanctions lists, screening and statement checks."""
    ctx.obj = Context(db_url)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(f)


def register_all() -> None:
    """Add every subcommand to :data:`cli` (idempotent). The command modules import this one, so they are
    imported here, when the commands are registered, not at the top."""
    from sanctions_ledger.cli import actions, export, ledger_cmds, monitoring, screening, serve

    for module in (ledger_cmds, screening, actions, serve, monitoring, export):
        module.register(cli)


def parse_at(value: str | None, tz: str) -> datetime | None:
    from sanctions_ledger.model.times import parse_instant

    return parse_instant(value, tz, end_of_day=True, what="--as-of") if value else None


def main() -> None:
    register_all()
    cli(prog_name="sanctions")


__all__ = ["cli", "get_ledger", "json_option", "main", "parse_at"]
