"""Printing for the CLI: JSON on stdout for machines, short tables for people, errors on stderr."""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import click


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    cells = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for r in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def err(message: str) -> None:
    click.echo(message, err=True)


def progress_enabled() -> bool:
    return sys.stderr.isatty()


@contextmanager
def closed_pipe_is_quiet() -> Iterator[None]:
    """A reader that closed our stdout early (``sanctions diff ... | head``) ends the command quietly with
    exit 0, as with other Unix tools: no traceback, no message, and no failure under ``set -o pipefail``.

    Whatever is still buffered is sent to the null device so that the interpreter's last flush cannot fail
    again at exit."""
    try:
        yield
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        _stdout_to_devnull_and_exit()


def _stdout_to_devnull_and_exit() -> NoReturn:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
    sys.exit(0)
