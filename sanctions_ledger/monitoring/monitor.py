"""Ongoing monitoring: watchlists re-screened when a list changes, idempotently and resumably.

- :meth:`Monitor.load_watchlist` adds or updates a watchlist from a file; new and changed customer
  records are screened against the lists as monitoring last processed them, and alerts of removed or
  changed records are closed.
- :meth:`Monitor.run` processes every snapshot not yet processed, oldest first: only the entities the
  snapshot added or changed (against the snapshot before it) are screened, and alerts on removed or
  changed entities are closed. Each snapshot is one transaction that also records it in
  ``monitor_processed``, so an interrupted run resumes where it stopped and never raises an alert twice.
- :meth:`Monitor.full` re-screens every watchlist against the latest snapshots, refreshes the scoring
  baseline (see :mod:`sanctions_ledger.monitoring.engine`) and closes alerts that no longer match.

Writers serialise on an optimistic version counter in ``monitor_state``: each operation reads the
version, computes outside any write transaction, then writes only if the version is unchanged (else it
recomputes), so two processes (or a watchlist update racing a snapshot) never lose work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import monitoring_tables as mt
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.load import members_at
from sanctions_ledger.ledger.queries import snapshot_info
from sanctions_ledger.ledger.records import SnapshotInfo
from sanctions_ledger.ledger.store import Ledger, default_actor
from sanctions_ledger.matching.index import Baseline, MatchIndex
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import iso
from sanctions_ledger.monitoring import alerts as al
from sanctions_ledger.monitoring.engine import (
    CustomerKeys,
    EntityVersion,
    Hit,
    MonitorIndex,
    Work,
    screen_on,
    screen_records,
)
from sanctions_ledger.monitoring.records import CustomerRecord, read_records
from sanctions_ledger.screening import DEFAULT_THRESHOLD
from sanctions_ledger.screening.executors import Executor

RETRIES = 5


class _Stale(Exception):
    """Another monitoring writer committed since this operation read the state: recompute."""


@dataclass
class _Customers:
    records: list[CustomerRecord]
    record_ids: dict[str, int]
    keys: CustomerKeys | None = None
    keys_baseline: str = ""


class Monitor:
    """Monitoring over one ledger. ``executor`` screens record sets of ``executor_min_records`` or more
    (default: all in this process; any executor of :mod:`sanctions_ledger.screening.executors`, such as a
    Dask cluster)."""

    def __init__(
        self,
        ledger: Ledger,
        threshold: float = DEFAULT_THRESHOLD,
        executor: Executor | None = None,
        executor_min_records: int = 5000,
    ) -> None:
        self.ledger = ledger
        self.threshold = threshold
        self.executor = executor
        self.executor_min_records = executor_min_records
        self._baselines: dict[str, Baseline] = {}
        self._customers: dict[tuple[int, int], _Customers] = {}
        self._indexes: dict[tuple[tuple[int, ...], str], MonitorIndex] = {}

    # ---- state -------------------------------------------------------------------------------------

    @staticmethod
    def _state(conn: Connection) -> tuple[int, str | None]:
        s = mt.monitor_state
        vals = dict(conn.execute(select(s.c.key, s.c.value)).all())
        return int(vals.get("version", "0")), vals.get("baseline_at")

    @staticmethod
    def _bump(conn: Connection, version: int, baseline_at: str | None = None) -> None:
        s = mt.monitor_state
        res = conn.execute(
            update(s).where(s.c.key == "version", s.c.value == str(version)).values(value=str(version + 1))
        )
        if res.rowcount == 0:
            have = conn.execute(select(s.c.value).where(s.c.key == "version")).scalar()
            if have is not None or version != 0:
                raise _Stale()
            conn.execute(insert(s).values(key="version", value="1"))
        if baseline_at is not None:
            n = conn.execute(update(s).where(s.c.key == "baseline_at").values(value=baseline_at)).rowcount
            if n == 0:
                conn.execute(insert(s).values(key="baseline_at", value=baseline_at))

    def _write(self, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run a read-compute-write step, recomputing when another writer got there first."""
        for _ in range(RETRIES):
            try:
                return fn()
            except (_Stale, IntegrityError):  # IntegrityError: a writer raced past the version check
                continue
        raise ConflictError(
            "monitoring state kept changing under this operation (other monitors are writing)",
            hint="run it again",
        )

    # ---- ledger reads -------------------------------------------------------------------------------

    @staticmethod
    def _members(conn: Connection, snap: SnapshotInfo) -> dict[str, EntityVersion]:
        return {
            e: (m.version_id, m.content_hash)
            for e, m in members_at(conn, snap.list, snap.observed_at).items()
        }

    @staticmethod
    def _entities(conn: Connection, version_ids: Sequence[int]) -> list[Entity]:
        v = t.entity_versions
        out: list[Entity] = []
        ids = sorted(set(version_ids))
        for i in range(0, len(ids), 900):
            q = select(v.c.content).where(v.c.id.in_(ids[i : i + 900])).order_by(v.c.id)
            out += [Entity.from_dict(json.loads(c)) for (c,) in conn.execute(q)]
        return out

    def _baseline(self, conn: Connection, at: str) -> Baseline:
        found = self._baselines.get(at)
        if found is None:
            from sanctions_ledger.ledger.queries import entities_at

            index = MatchIndex(entities_at(conn, None, datetime.fromisoformat(at)))
            found = index.baseline(at)
            self._baselines[at] = found
        return found

    def _index(
        self, conn: Connection, snaps: Sequence[SnapshotInfo], baseline: Baseline | None
    ) -> MonitorIndex:
        """An index over the entities of ``snaps`` (one per list) scored with ``baseline`` (None: its own
        statistics, stamped with the latest snapshot's instant)."""
        key = (tuple(sorted(s.id for s in snaps)), baseline.at if baseline else "(own)")
        found = self._indexes.get(key)
        if found is not None:
            return found
        versions: dict[str, EntityVersion] = {}
        for s in snaps:
            versions.update(self._members(conn, s))
        ents = self._entities(conn, [v for v, _ in versions.values()])
        index = MonitorIndex.build(ents, baseline, versions)
        if baseline is None:
            at = iso(max(s.observed_at for s in snaps)) if snaps else ""
            index.baseline = replace(index.baseline, at=at or "")
            self._baselines[index.baseline.at] = index.baseline
        self._indexes.clear()  # keep one: they are large
        self._indexes[key] = index
        return index

    @staticmethod
    def _latest_snapshots(conn: Connection, processed_only: bool) -> list[SnapshotInfo]:
        sn, p = t.snapshots, mt.monitor_processed
        q = select(sn.c.list, func.max(sn.c.observed_at).label("at"))
        if processed_only:
            q = q.join(p, p.c.snapshot_id == sn.c.id)
        rows = list(conn.execute(q.group_by(sn.c.list)))
        out = []
        for r in rows:
            at = t.UTCDateTime().process_result_value(r.at, conn.dialect)
            sid = conn.execute(select(sn.c.id).where(sn.c.list == r.list, sn.c.observed_at == at)).scalar()
            if sid is not None:
                out.append(snapshot_info(conn, int(sid)))
        return sorted(out, key=lambda s: s.list)

    @staticmethod
    def pending_ids(conn: Connection, limit: int | None = None) -> list[int]:
        """Ids of the snapshots not processed yet, oldest observation first."""
        sn, p = t.snapshots, mt.monitor_processed
        q = (
            select(sn.c.id)
            .outerjoin(p, p.c.snapshot_id == sn.c.id)
            .where(p.c.snapshot_id.is_(None))
            .order_by(sn.c.observed_at, sn.c.id)
        )
        if limit is not None:
            q = q.limit(limit)
        return [int(i) for (i,) in conn.execute(q)]

    @classmethod
    def pending(cls, conn: Connection) -> list[SnapshotInfo]:
        return [snapshot_info(conn, i) for i in cls.pending_ids(conn)]

    @staticmethod
    def _previous(conn: Connection, snap: SnapshotInfo) -> SnapshotInfo | None:
        sn = t.snapshots
        sid = conn.execute(
            select(sn.c.id)
            .where(sn.c.list == snap.list, sn.c.observed_at < snap.observed_at)
            .order_by(sn.c.observed_at.desc())
            .limit(1)
        ).scalar()
        return snapshot_info(conn, int(sid)) if sid is not None else None

    # ---- watchlists ---------------------------------------------------------------------------------

    @staticmethod
    def _watchlists(conn: Connection) -> list[Any]:
        w = mt.watchlists
        return list(conn.execute(select(w).order_by(w.c.name)))

    def _current(self, conn: Connection, wid: int, upload: int) -> _Customers:
        key = (wid, upload)
        found = self._customers.get(key)
        if found is None:
            r = mt.watchlist_records
            rows = conn.execute(
                select(r.c.id, r.c.content, r.c.source_line)
                .where(r.c.watchlist_id == wid, r.c.last_upload.is_(None))
                .order_by(r.c.id)
            )
            records, ids = [], {}
            for rid, content, line in rows:
                rec = CustomerRecord.from_json(content, line)
                records.append(rec)
                ids[rec.customer_id] = int(rid)
            found = _Customers(records, ids)
            for k in [k for k in self._customers if k[0] == wid]:
                del self._customers[k]
            self._customers[key] = found
        return found

    def _screen(self, index: MonitorIndex, records: Sequence[CustomerRecord]) -> tuple[list[Hit], Work]:
        if self.executor is not None and len(records) >= self.executor_min_records:
            return screen_on(self.executor, index, records, self.threshold)
        return screen_records(index, records, self.threshold)

    def watchlists(self) -> list[dict[str, Any]]:
        """Each watchlist with its current records, open alerts (cleared ones are not open) and the alerts
        waiting for review: the same counts as ``list_alerts(status="open" | "queue")``."""
        r = mt.watchlist_records
        out = []
        with self.ledger.engine.connect() as conn:
            for row in self._watchlists(conn):
                n = conn.execute(
                    select(func.count()).where(r.c.watchlist_id == row.id, r.c.last_upload.is_(None))
                ).scalar()
                alert_counts = al.counts(conn, int(row.id))
                out.append(
                    {
                        "id": row.id,
                        "name": row.name,
                        "description": row.description,
                        "created_at": iso(row.created_at),
                        "created_by": row.created_by,
                        "uploads": row.current_upload,
                        "records": int(n or 0),
                        "open_alerts": alert_counts["open"],
                        "queue_alerts": alert_counts["queue"],
                    }
                )
        return out

    def add_watchlist(
        self,
        name: str,
        path: Path,
        *,
        actor: str | None = None,
        description: str = "",
        source: str | None = None,
    ) -> dict[str, Any]:
        """Create watchlist ``name`` from ``path`` and screen it against the current snapshots at once.

        The new records are screened against the snapshots monitoring has processed; then monitoring is
        brought up to date: with no snapshot processed yet, a full re-screen against the latest snapshot of
        every list; else the snapshots loaded since (one delta each). The result is the load's counts with
        ``caught_up``: what that second step did (None when there was nothing to do)."""
        actor = actor or default_actor()
        stats = self.load_watchlist(
            name, path, create=True, actor=actor, description=description, source=source
        )
        with self.ledger.engine.connect() as conn:
            _, baseline_at = self._state(conn)
            pending = len(self.pending_ids(conn))
            any_snapshot = conn.execute(select(t.snapshots.c.id).limit(1)).first() is not None
        caught_up: dict[str, Any] | None = None
        if any_snapshot and (baseline_at is None or not stats["screened_against"]):
            full = self.full(actor)
            caught_up = {"mode": "full", "snapshots": full["snapshots"], "alerts": full["alerts"]}
        elif pending:
            run = self.run(actor)
            totals = {"raised": 0, "reopened": 0, "closed": 0}
            for p in run["processed"]:
                for k in totals:
                    totals[k] += int(p.get("alerts", {}).get(k, 0))
            caught_up = {
                "mode": "delta",
                "snapshots": [p["snapshot"] for p in run["processed"]],
                "alerts": totals,
            }
        stats["caught_up"] = caught_up
        return stats

    def load_watchlist(
        self,
        name: str,
        path: Path,
        *,
        create: bool,
        actor: str | None = None,
        description: str = "",
        source: str | None = None,
    ) -> dict[str, Any]:
        """Add (``create``) or update a watchlist from a CSV or Parquet file. The file is validated
        completely first: any bad row refuses the whole file. ``source`` names the file in the results and
        the audit log (default: ``path``; an upload gives the name it was uploaded under)."""
        name = name.strip()
        if not name or len(name) > 128:
            raise InputError("a watchlist name must be 1 to 128 characters")
        records, fmt, sha = read_records(path)
        actor = actor or default_actor()
        return self._write(
            lambda: self._load_watchlist(
                name, source or str(path), records, fmt, sha, create, actor, description
            )
        )

    def _load_watchlist(
        self,
        name: str,
        path: str,
        records: list[CustomerRecord],
        fmt: str,
        sha: str,
        create: bool,
        actor: str,
        description: str,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        w, r = mt.watchlists, mt.watchlist_records
        with self.ledger.engine.connect() as conn:
            version, baseline_at = self._state(conn)
            row = conn.execute(select(w).where(w.c.name == name)).first()
            if create and row is not None:
                raise ConflictError(
                    f"watchlist {name!r} exists",
                    hint=f"`sanctions watchlist update {name} FILE` loads a new file",
                )
            if not create and row is None:
                raise NotFoundError(
                    f"no watchlist {name!r}", hint=f"`sanctions watchlist add {name} FILE` creates it"
                )
            upload = int(row.current_upload) if row is not None else 0
            cur = self._current(conn, int(row.id), upload) if row is not None else _Customers([], {})
            old = {rec.customer_id: rec.content_hash for rec in cur.records}
            new = {rec.customer_id: rec for rec in records}
            added = [rec for c, rec in new.items() if c not in old]
            changed = [rec for c, rec in new.items() if c in old and old[c] != rec.content_hash]
            removed = [c for c in old if c not in new]
            to_screen = added + changed
            processed = self._latest_snapshots(conn, processed_only=True)
            hits: list[Hit] = []
            work = Work()
            if processed and to_screen and baseline_at:
                index = self._index(conn, processed, self._baseline(conn, baseline_at))
                hits, work = self._screen(index, to_screen)
        now = t.utcnow()
        with self.ledger.engine.begin() as conn:
            self._bump(conn, version)
            if row is None:
                wid = int(
                    conn.execute(
                        insert(w).values(
                            name=name,
                            description=description,
                            created_at=now,
                            created_by=actor,
                            current_upload=0,
                        )
                    ).inserted_primary_key[0]  # type: ignore[index]
                )
            else:
                wid = int(row.id)
            seq = upload + 1
            conn.execute(
                insert(mt.watchlist_uploads).values(
                    watchlist_id=wid,
                    seq=seq,
                    loaded_at=now,
                    loaded_by=actor,
                    file=path,
                    sha256=sha,
                    format=fmt,
                    rows=len(records),
                    added=len(added),
                    changed=len(changed),
                    removed=len(removed),
                    unchanged=len(records) - len(added) - len(changed),
                )
            )
            ending = [cur.record_ids[c] for c in removed] + [
                cur.record_ids[rec.customer_id] for rec in changed
            ]
            for i in range(0, len(ending), 500):
                conn.execute(update(r).where(r.c.id.in_(ending[i : i + 500])).values(last_upload=upload))
            if to_screen:
                conn.execute(
                    insert(r),
                    [
                        {
                            "watchlist_id": wid,
                            "customer_id": rec.customer_id,
                            "content_hash": rec.content_hash,
                            "name": rec.name,
                            "content": rec.content_json(),
                            "source_line": rec.line,
                            "first_upload": seq,
                            "last_upload": None,
                        }
                        for rec in to_screen
                    ],
                )
            conn.execute(update(w).where(w.c.id == wid).values(current_upload=seq))
            record_ids = {
                c: int(i)
                for c, i in conn.execute(
                    select(r.c.customer_id, r.c.id).where(r.c.watchlist_id == wid, r.c.first_upload == seq)
                )
            }
            closing: dict[str, str | None] = {c: None for c in removed}
            closing.update({rec.customer_id: rec.content_hash for rec in changed})
            closed = al.close_customers(
                conn,
                wid,
                closing,
                f"customer record changed (upload {seq})",
                f"customer removed from the watchlist (upload {seq})",
                actor,
            )
            counts = al.upsert_hits(conn, wid, hits, record_ids, None, actor)
            stats = {
                "watchlist": name,
                "upload": seq,
                "file": path,
                "format": fmt,
                "rows": len(records),
                "added": len(added),
                "changed": len(changed),
                "removed": len(removed),
                "unchanged": len(records) - len(added) - len(changed),
                "screened_against": [s.id for s in processed],
                "alerts": {**counts, "closed": closed},
                "work": work.to_dict(),
            }
            self._log(conn, "watchlist", None, wid, started, actor, stats)
            self.ledger.audit(
                conn, actor, "watchlist.create" if create else "watchlist.update", f"watchlist:{name}", stats
            )
        return stats

    # ---- delta processing ---------------------------------------------------------------------------

    def run(
        self,
        actor: str | None = None,
        limit: int | None = None,
        progress: Callable[[SnapshotInfo, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Process every snapshot not yet processed (at most ``limit``), oldest first."""
        actor = actor or default_actor()
        done: list[dict[str, Any]] = []
        total = Work()
        while limit is None or len(done) < limit:
            with self.ledger.engine.connect() as conn:
                head = self.pending_ids(conn, limit=1)
                if not head:
                    break
                snap = snapshot_info(conn, head[0])
            result = self._write(lambda s=snap: self._process(s, actor))  # type: ignore[misc]
            if result.get("skipped"):
                continue
            done.append(result)
            w = result["work"]
            total.add(
                Work(w["queries"], w["candidates_scored"], w["hits"], w["seconds"], w["index_entities"])
            )
            if progress:
                progress(snap, result)
        with self.ledger.engine.connect() as conn:
            left = len(self.pending_ids(conn))
        return {"processed": done, "pending": left, "work": total.to_dict()}

    def _process(self, snap: SnapshotInfo, actor: str) -> dict[str, Any]:
        started = time.perf_counter()
        with self.ledger.engine.connect() as conn:
            version, baseline_at = self._state(conn)
            if conn.execute(
                select(mt.monitor_processed.c.snapshot_id).where(
                    mt.monitor_processed.c.snapshot_id == snap.id
                )
            ).first():
                return {"skipped": True}
            if self._superseded(conn, snap):
                return self._mark_superseded(snap, version, actor, started)
            new_baseline = None
            if baseline_at is None:
                latest = self._latest_snapshots(conn, processed_only=False)
                baseline_at = new_baseline = iso(max(s.observed_at for s in latest))
            assert baseline_at is not None
            baseline = self._baseline(conn, baseline_at)
            prev = self._previous(conn, snap)
            mb = self._members(conn, snap)
            ma = self._members(conn, prev) if prev else {}
            added = [e for e in mb if e not in ma]
            removed = [e for e in ma if e not in mb]
            changed = [e for e in mb if e in ma and ma[e][0] != mb[e][0]]
            fresh = {e: mb[e] for e in added + changed}
            delta = MonitorIndex.build(self._entities(conn, [v for v, _ in fresh.values()]), baseline, fresh)
            per_list: list[tuple[int, dict[str, int], list[Hit]]] = []
            work = Work(index_entities=len(delta.entities))
            customers_total = 0
            for wl in self._watchlists(conn):
                cur = self._current(conn, int(wl.id), int(wl.current_upload))
                customers_total += len(cur.records)
                if not delta.entities or not cur.records:
                    continue
                if cur.keys is None or cur.keys_baseline != baseline.at:
                    cur.keys = CustomerKeys.build(cur.records, delta)
                    cur.keys_baseline = baseline.at
                affected = cur.keys.affected(delta)
                hits, w = screen_records(delta, [cur.records[p] for p in affected], self.threshold)
                work.add(w)
                per_list.append((int(wl.id), cur.record_ids, hits))
        with self.ledger.engine.begin() as conn:
            self._bump(conn, version, new_baseline)
            reason_removed = f"entity removed from {snap.list} (snapshot #{snap.id})"
            reason_changed = f"entity changed in {snap.list} (snapshot #{snap.id})"
            closed = al.close_entities(conn, removed, {}, reason_removed, actor, snap.id)
            closed += al.close_entities(
                conn, changed, {e: mb[e][0] for e in changed}, reason_changed, actor, snap.id
            )
            counts = {"raised": 0, "reopened": 0, "already_open": 0, "suppressed": 0}
            for wid, record_ids, hits in per_list:
                for k, v in al.upsert_hits(conn, wid, hits, record_ids, snap.id, actor).items():
                    counts[k] += v
            stats = {
                "snapshot": snap.id,
                "list": snap.list,
                "observed_at": iso(snap.observed_at),
                "previous": prev.id if prev else None,
                "entities": {"added": len(added), "changed": len(changed), "removed": len(removed)},
                "customers": customers_total,
                "alerts": {**counts, "closed": closed},
                "work": work.to_dict(),
                "baseline_at": baseline.at,
            }
            run_id = self._log(conn, "delta", snap.id, None, started, actor, stats)
            conn.execute(
                insert(mt.monitor_processed).values(
                    snapshot_id=snap.id, run_id=run_id, mode="delta", processed_at=t.utcnow()
                )
            )
            self.ledger.audit(conn, actor, "monitor.delta", f"{snap.list}#{snap.id}", stats)
        return stats

    @staticmethod
    def _superseded(conn: Connection, snap: SnapshotInfo) -> bool:
        """A snapshot loaded after a later one of its list was processed (an archive filled in behind):
        the alerts already reflect the later content, so it is recorded without screening."""
        sn, p = t.snapshots, mt.monitor_processed
        q = (
            select(sn.c.id)
            .join(p, p.c.snapshot_id == sn.c.id)
            .where(sn.c.list == snap.list, sn.c.observed_at > snap.observed_at)
            .limit(1)
        )
        return conn.execute(q).first() is not None

    def _mark_superseded(
        self, snap: SnapshotInfo, version: int, actor: str, started: float
    ) -> dict[str, Any]:
        stats: dict[str, Any] = {
            "snapshot": snap.id,
            "list": snap.list,
            "superseded": True,
            "work": Work().to_dict(),
        }
        with self.ledger.engine.begin() as conn:
            self._bump(conn, version)
            run_id = self._log(conn, "delta", snap.id, None, started, actor, stats)
            conn.execute(
                insert(mt.monitor_processed).values(
                    snapshot_id=snap.id, run_id=run_id, mode="superseded", processed_at=t.utcnow()
                )
            )
        return stats

    # ---- full re-screen -----------------------------------------------------------------------------

    def full_hits(
        self, refresh_baseline: bool = True
    ) -> tuple[dict[int, list[Hit]], Work, list[SnapshotInfo], Baseline | None]:
        """Screen every current record of every watchlist against the latest snapshots (``refresh_baseline``)
        or against the processed snapshots with the stored baseline (what the deltas maintain)."""
        with self.ledger.engine.connect() as conn:
            _, baseline_at = self._state(conn)
            snaps = self._latest_snapshots(conn, processed_only=not refresh_baseline)
            if not snaps:
                return {}, Work(), [], None
            if refresh_baseline or baseline_at is None:
                index = self._index(conn, snaps, None)
            else:
                index = self._index(conn, snaps, self._baseline(conn, baseline_at))
            out: dict[int, list[Hit]] = {}
            work = Work(index_entities=len(index.entities))
            for wl in self._watchlists(conn):
                cur = self._current(conn, int(wl.id), int(wl.current_upload))
                hits, w = self._screen(index, cur.records)
                work.add(w)
                out[int(wl.id)] = hits
        return out, work, snaps, index.baseline

    def full(self, actor: str | None = None) -> dict[str, Any]:
        """Re-screen everything against the latest snapshots with a fresh baseline; close what no longer
        matches; mark every snapshot seen so far processed."""
        actor = actor or default_actor()
        return self._write(lambda: self._full(actor))

    def _full(self, actor: str) -> dict[str, Any]:
        started = time.perf_counter()
        with self.ledger.engine.connect() as conn:
            version, _ = self._state(conn)
            pending = self.pending_ids(conn)
        hits_by_wl, work, snaps, baseline = self.full_hits(refresh_baseline=True)
        snap_of = {s.list: s.id for s in snaps}
        with self.ledger.engine.begin() as conn:
            self._bump(conn, version, baseline.at if baseline else None)
            a = mt.alerts
            counts = {"raised": 0, "reopened": 0, "already_open": 0, "suppressed": 0}
            wanted: set[tuple[int, str, str, int]] = set()
            closed = 0
            for wl in self._watchlists(conn):
                wid = int(wl.id)
                hits = hits_by_wl.get(wid, [])
                wanted |= {(wid, *h.key) for h in hits}
                cur = self._current(conn, wid, int(wl.current_upload))
                # each alert names the snapshot it was screened against: its list's latest
                by_list: dict[str, list[Hit]] = {}
                for h in hits:
                    by_list.setdefault(h.list, []).append(h)
                for list_name, list_hits in sorted(by_list.items()):
                    sid = snap_of.get(list_name)
                    for k, v in al.upsert_hits(conn, wid, list_hits, cur.record_ids, sid, actor).items():
                        counts[k] += v
            stale = [i for i, key in al.open_alert_ids(conn).items() if key not in wanted]
            for part in range(0, len(stale), 500):
                closed += al.close_where(
                    conn, a.c.id.in_(stale[part : part + 500]), "no longer matched by a full re-screen", actor
                )
            stats = {
                "snapshots": [s.id for s in snaps],
                "baseline_at": baseline.at if baseline else None,
                "alerts": {**counts, "closed": closed},
                "marked_processed": len(pending),
                "work": work.to_dict(),
            }
            run_id = self._log(conn, "full", None, None, started, actor, stats)
            now = t.utcnow()
            if pending:
                conn.execute(
                    insert(mt.monitor_processed),
                    [
                        {"snapshot_id": s, "run_id": run_id, "mode": "full", "processed_at": now}
                        for s in pending
                    ],
                )
            self.ledger.audit(conn, actor, "monitor.full", None, stats)
        return stats

    # ---- misc ---------------------------------------------------------------------------------------

    @staticmethod
    def _log(
        conn: Connection,
        kind: str,
        snapshot_id: int | None,
        watchlist_id: int | None,
        started: float,
        actor: str,
        stats: dict[str, Any],
    ) -> int:
        now = t.utcnow()
        elapsed = time.perf_counter() - started
        res = conn.execute(
            insert(mt.monitor_runs).values(
                kind=kind,
                snapshot_id=snapshot_id,
                watchlist_id=watchlist_id,
                started_at=now - timedelta(seconds=elapsed),
                finished_at=now,
                actor=actor,
                stats=json.dumps({**stats, "wall_seconds": round(elapsed, 3)}, sort_keys=True),
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def has_watchlists(self) -> bool:
        with self.ledger.engine.connect() as conn:
            return conn.execute(select(mt.watchlists.c.id).limit(1)).first() is not None

    def status(self) -> dict[str, Any]:
        with self.ledger.engine.connect() as conn:
            version, baseline_at = self._state(conn)
            pending = self.pending_ids(conn)
            processed = conn.execute(select(func.count()).select_from(mt.monitor_processed)).scalar()
        return {
            "version": version,
            "baseline_at": baseline_at,
            "processed_snapshots": int(processed or 0),
            "pending_snapshots": pending,
        }
