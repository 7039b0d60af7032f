"""Run the ``sanctions`` command in a process that stops inside its first write transaction until told to go.

``python paused_writer.py SYNC_DIR ARGS...``: runs ``sanctions ARGS...``. When the command has opened
the transaction that stores a list (its first read of the ``lists`` table), the process creates
``SYNC_DIR/inside`` and waits until ``SYNC_DIR/go`` exists. Every time a transaction begins it creates
``SYNC_DIR/begins``. The test synchronises on these files, never on how long anything takes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

sync = Path(sys.argv[1])
paused = False


def _pause(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
    global paused
    if not paused and "FROM lists WHERE lists.name" in " ".join(statement.split()):
        paused = True
        (sync / "inside").touch()
        while not (sync / "go").exists():
            time.sleep(0.01)


def _begins(conn: Any) -> None:
    (sync / "begins").touch()


event.listen(Engine, "after_cursor_execute", _pause)
event.listen(Engine, "begin", _begins, insert=True)

from sanctions_ledger.cli.main import main  # noqa: E402

sys.argv = ["sanctions", *sys.argv[2:]]
main()
