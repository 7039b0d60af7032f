"""A tiny inline SVG chart: list size over time (a line) and additions/removals per snapshot (bars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sanctions_ledger.ledger.records import SnapshotInfo


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # added | removed
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: str  # SVG points "x,y x,y ..."
    bars: list[Bar]
    y_labels: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    zero_y: float
    top: int
    bottom: int


def size_chart(snaps: list[SnapshotInfo], width: int = 760, height: int = 260) -> Chart | None:
    """Entity count per snapshot (upper panel) and +added / -removed per snapshot (lower panel)."""
    if not snaps:
        return None
    snaps = sorted(snaps, key=lambda s: s.observed_at)
    left, right, top = 56, 12, 12
    upper_bottom = int(height * 0.62)
    lower_top, bottom = upper_bottom + 18, height - 22
    t0, t1 = snaps[0].observed_at, snaps[-1].observed_at
    span = (t1 - t0).total_seconds() or 1.0

    def x_of(at: datetime) -> float:
        if len(snaps) == 1:
            return left + (width - left - right) / 2
        return left + (width - left - right) * (at - t0).total_seconds() / span

    counts = [s.entity_count for s in snaps]
    lo, hi = min(counts), max(counts)
    pad = max(1, (hi - lo) // 10)
    lo, hi = max(0, lo - pad), hi + pad

    def y_of(v: int) -> float:
        return upper_bottom - (upper_bottom - top) * (v - lo) / ((hi - lo) or 1)

    line = " ".join(f"{x_of(s.observed_at):.1f},{y_of(s.entity_count):.1f}" for s in snaps)
    biggest = max(max(s.added_count, s.removed_count) for s in snaps) or 1
    mid = (lower_top + bottom) / 2
    half = (bottom - lower_top) / 2
    bw = max(1.5, min(10.0, (width - left - right) / max(1, len(snaps)) * 0.6))
    bars: list[Bar] = []
    for s in snaps:
        x = x_of(s.observed_at) - bw / 2
        day = s.observed_at.date().isoformat()
        if s.added_count:
            h = half * s.added_count / biggest
            bars.append(Bar(x, mid - h, bw, h, "added", f"{day} snapshot #{s.id}: {s.added_count} added"))
        if s.removed_count:
            h = half * s.removed_count / biggest
            bars.append(Bar(x, mid, bw, h, "removed", f"{day} snapshot #{s.id}: {s.removed_count} removed"))
    y_labels = [(y_of(v), f"{v:,}") for v in sorted({lo, (lo + hi) // 2, hi})]
    x_labels = [(x_of(snaps[0].observed_at), t0.date().isoformat())]
    if len(snaps) > 1:
        x_labels.append((x_of(t1), t1.date().isoformat()))
    return Chart(width, height, line, bars, y_labels, x_labels, mid, top, bottom)
