"""Per-snapshot provenance (entity -> file and line/element), stored compactly on the snapshot row.

Lines shift in every daily file, so provenance belongs to the snapshot, not the entity version. Encoding:
per file, the entity ids in line order and the line numbers as deltas (mostly 1), zlib-compressed JSON.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from typing import Any

from sanctions_ledger.model import Entity


def encode(entities: list[Entity]) -> bytes:
    per_file: dict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
    for e in entities:
        p = e.provenance
        if p is None:
            continue
        per_file[p.file].append((p.line or 0, e.source_id, p.element))
    out: dict[str, Any] = {}
    for file, rows in per_file.items():
        rows.sort(key=lambda r: r[0])
        prev = 0
        deltas = []
        for line, _, _ in rows:
            deltas.append(line - prev)
            prev = line
        entry: dict[str, Any] = {"ids": [r[1] for r in rows], "line_deltas": deltas}
        if any(r[2] for r in rows):
            entry["elements"] = [r[2] for r in rows]
        out[file] = entry
    return zlib.compress(json.dumps(out, separators=(",", ":")).encode(), 9)


def decode(blob: bytes) -> dict[str, dict[str, Any]]:
    """source_id -> {"file", "line"?, "element"?}"""
    if not blob:
        return {}
    data = json.loads(zlib.decompress(blob))
    result: dict[str, dict[str, Any]] = {}
    for file, entry in data.items():
        line = 0
        elements = entry.get("elements")
        for i, (sid, d) in enumerate(zip(entry["ids"], entry["line_deltas"], strict=True)):
            line += d
            rec: dict[str, Any] = {"file": file}
            if line:
                rec["line"] = line
            if elements and elements[i]:
                rec["element"] = elements[i]
            result[sid] = rec
    return result
