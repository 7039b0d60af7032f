"""Loading snapshots: the one pipeline behind ``sanctions load`` and ``sanctions update``.

Each entry function stores list sets (files and folders, observation archives, a local tree, the official
downloads) and then, once everything is stored, runs the post-load steps its caller passes, in order.
A step is a function of the ledger and what was loaded; monitoring's delta re-screen,
:func:`rescreen_watchlists`, is one. No step runs unless the caller passes it, and a load that fails runs
none (what was stored before the failure stays stored, and ``sanctions monitor run`` catches up).

A :class:`LoadReporter` hears the load as it goes: the CLI prints what was stored at once (so a later
failure does not hide it) and draws progress bars from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.archive import ReplaySummary, is_archive, replay
from sanctions_ledger.ledger.records import LoadResult
from sanctions_ledger.monitoring import Monitor
from sanctions_ledger.services.fetching import (
    FORMAT_SOURCES,
    OFFICIAL_SOURCES,
    FetchOutcome,
    fetch_list,
    update_from_dir,
)


@dataclass(frozen=True)
class StepOutcome:
    """What one post-load step did: its ``name``, one line for a person, and the step's own report."""

    name: str
    message: str
    detail: dict[str, Any]


@dataclass
class Loaded:
    """What one load stored: list sets loaded from paths or a local tree (``loads``), archives replayed
    (``replays``), official downloads (``fetches``, each with its load when a file changed), and what the
    post-load steps did (``steps``, in order; a step that had nothing to do is left out)."""

    loads: list[LoadResult] = field(default_factory=list)
    replays: list[ReplaySummary] = field(default_factory=list)
    fetches: list[FetchOutcome] = field(default_factory=list)
    steps: list[StepOutcome] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The loads and replays (what ``sanctions load --json`` prints)."""
        return {"loads": [r.to_dict() for r in self.loads], "replays": [r.to_dict() for r in self.replays]}


# A step after a load: given the ledger and what was loaded, what it did (None: nothing to do).
PostLoadStep = Callable[[Ledger, Loaded], StepOutcome | None]


class LoadReporter:
    """Hears a load as it goes. Every method does nothing here; override those you need."""

    def loading(self, what: str) -> None:
        """A list set of a local tree is about to be loaded (``ofac-sdn 2019-01-04``)."""

    def stored(self, results: Sequence[LoadResult]) -> None:
        """The list sets of the files and folders given were stored, one result per set."""

    def replaying(self, archive: Path, done: int, total: int) -> None:
        """``done`` of the ``total`` observations of ``archive`` are through."""

    def replayed(self, summary: ReplaySummary) -> None:
        """An archive was replayed."""

    def finished(self, loaded: Loaded) -> None:
        """Everything was stored; the post-load steps run next."""


def _after(ledger: Ledger, loaded: Loaded, steps: Sequence[PostLoadStep], reporter: LoadReporter) -> Loaded:
    reporter.finished(loaded)
    for step in steps:
        outcome = step(ledger, loaded)
        if outcome is not None:
            loaded.steps.append(outcome)
    return loaded


def _replay(
    ledger: Ledger, archive: Path, list_name: str, limit: int | None, reporter: LoadReporter
) -> ReplaySummary:
    def progress(done: int, total: int) -> None:
        reporter.replaying(archive, done, total)

    summary = replay(ledger, archive, list_name=list_name, limit=limit, progress=progress)
    reporter.replayed(summary)
    return summary


def load_files(
    ledger: Ledger,
    paths: Sequence[Path],
    *,
    observed_at: str | None = None,
    list_name: str | None = None,
    limit: int | None = None,
    after: Sequence[PostLoadStep] = (),
    reporter: LoadReporter | None = None,
) -> Loaded:
    """Load list files and folders of list sets (observed at ``observed_at``, default now; all parsed
    before anything is written, each set in one transaction), then replay the observation archives among
    ``paths`` (the first ``limit`` observations; as ``list_name``, default ``ofac-sdn``), then run the
    ``after`` steps."""
    rep = reporter or LoadReporter()
    archives = [p for p in paths if p.exists() and is_archive(p)]
    plain = [p for p in paths if p not in archives]
    loaded = Loaded()
    if plain:
        loaded.loads = ledger.load_paths(list(plain), observed_at, list_name=list_name)
        rep.stored(loaded.loads)
    for archive in archives:
        loaded.replays.append(_replay(ledger, archive, list_name or "ofac-sdn", limit, rep))
    return _after(ledger, loaded, after, rep)


def load_tree(
    ledger: Ledger,
    root: Path,
    *,
    lists: Sequence[str] = (),
    with_archives: bool = False,
    after: Sequence[PostLoadStep] = (),
    reporter: LoadReporter | None = None,
) -> Loaded:
    """Load every ``root/<list>/<YYYY-MM-DD>/`` set (of ``lists``, default all) in date order, observed at
    that date; with ``with_archives`` also replay ``root/<list>-daily/*.tar*``; then run the ``after``
    steps."""
    rep = reporter or LoadReporter()
    loaded = Loaded(loads=update_from_dir(ledger, root, lists=list(lists) or None, progress=rep.loading))
    if with_archives:
        for archive in sorted(root.glob("*-daily/*.tar*")):
            list_name = archive.parent.name.removesuffix("-daily")
            if lists and list_name not in lists:
                continue
            loaded.replays.append(_replay(ledger, archive, list_name, None, rep))
    return _after(ledger, loaded, after, rep)


def fetch_official(
    ledger: Ledger,
    cache_dir: Path,
    *,
    lists: Sequence[str] = (),
    fmt: str | None = None,
    after: Sequence[PostLoadStep] = (),
    reporter: LoadReporter | None = None,
) -> Loaded:
    """Download the official files of ``lists`` (default: every list with an official source; with ``fmt``,
    every list published in that format) into ``cache_dir`` with conditional requests, load each set whose
    files changed, then run the ``after`` steps."""
    rep = reporter or LoadReporter()
    if fmt is not None:  # an OFAC Sanctions List Service format: only the lists published in it
        names = list(lists) or [name for name, f in FORMAT_SOURCES if f == fmt]
    else:
        names = list(lists) or list(OFFICIAL_SOURCES)
    loaded = Loaded(fetches=[fetch_list(ledger, name, cache_dir, fmt=fmt) for name in names])
    loaded.loads = [f.load for f in loaded.fetches if f.load is not None]
    return _after(ledger, loaded, after, rep)


def rescreen_watchlists(ledger: Ledger, loaded: Loaded) -> StepOutcome | None:
    """Monitoring's delta re-screen as a post-load step: every snapshot not yet processed (this load's and
    any left pending) screened against every watchlist. Nothing to do when no watchlist exists."""
    monitor = Monitor(ledger)
    if not monitor.has_watchlists():
        return None
    r = monitor.run()
    raised = sum(p.get("alerts", {}).get("raised", 0) for p in r["processed"])
    return StepOutcome(
        "monitoring", f"monitoring: {len(r['processed'])} snapshot(s) screened, {raised} new alert(s)", r
    )
