"""FollowTheMoney entity files (OpenSanctions datasets): JSON lines, one FtM entity per line.

The list is the dataset the file's entities belong to (``eu_fsf`` -> list ``eu-fsf``; ``ofac_sdn`` from our
own export -> ``ofac-sdn``). Every line must be a JSON object with ``id``, ``schema`` and ``properties``;
a bad line stops the load with its line number. OpenSanctions' delta files (``{"op": ..., "entity": ...}``
lines) are changes, not a publication, and are refused with that reason. The folding of entities into
ours is in :mod:`sanctions_ledger.ftm.reading`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ftm.ids import FTM_ID, list_from_dataset
from sanctions_ledger.ftm.reading import Record, to_entities
from sanctions_ledger.parsers.base import ParsedList, source_file

MAX_LINE = 5_000_000


def first_object(path: Path) -> dict[str, Any] | None:
    """The first line as a JSON object, or None when it is not one."""
    with path.open("rb") as f:
        line = f.readline(MAX_LINE)
    try:
        data = json.loads(line.lstrip(b"\xef\xbb\xbf"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def sniff(path: Path) -> str | None:
    """``ftm-json`` for an FtM entity file, ``ftm-delta`` for a delta file, None otherwise."""
    data = first_object(path)
    if data is None:
        return None
    if "op" in data and isinstance(data.get("entity"), dict):
        return "ftm-delta"
    if "schema" in data and "id" in data:
        return "ftm-json"
    return None


def dataset_list(path: Path) -> str | None:
    """The list named by the dataset all the file's entities belong to (None when they belong to several,
    or to none). Refuses a delta file."""
    _refuse_delta(path)
    datasets: set[str] = set()
    with path.open("rb") as f:
        for raw in f:
            try:
                data = json.loads(raw)
            except ValueError:
                continue  # parse() reports the line
            ds = data.get("datasets") if isinstance(data, dict) else None
            if isinstance(ds, list):
                datasets.update(x for x in ds if isinstance(x, str))
            if len(datasets) > 1:
                return None
    return list_from_dataset(next(iter(datasets))) if datasets else None


def _refuse_delta(path: Path) -> None:
    if sniff(path) == "ftm-delta":
        raise ParseError(
            "this is an FtM delta file (ADD/MOD/DEL changes), not a full publication of a list",
            path=path,
            line=1,
            hint="load the dataset's full entities file (entities.ftm.json)",
        )


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    _refuse_delta(path)
    records: list[Record] = []
    datasets: set[str] = set()
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            if len(raw) >= MAX_LINE:
                raise ParseError(f"line longer than {MAX_LINE} bytes", path=path, line=n)
            text = raw.strip()
            if not text:
                continue
            try:
                data = json.loads(text.decode("utf-8").lstrip("\ufeff"))
            except UnicodeDecodeError as exc:
                raise ParseError("not UTF-8", path=path, line=n) from exc
            except ValueError as exc:
                raise ParseError(f"not JSON: {exc}", path=path, line=n) from exc
            if not isinstance(data, dict):
                raise ParseError("a line must be one JSON object (an FtM entity)", path=path, line=n)
            _check(data, path, n)
            for ds in data.get("datasets") or []:
                if isinstance(ds, str):
                    datasets.add(ds)
            records.append(Record(data, n))
    if not records:
        raise ParseError("no FtM entities in the file", path=path)
    name = list_name
    if name is None:
        if len(datasets) != 1:
            raise ParseError(
                f"the entities belong to {len(datasets)} datasets ({', '.join(sorted(datasets)[:5])})",
                path=path,
                hint="pass --list to say which list this file is",
            )
        name = list_from_dataset(next(iter(datasets)))
    folded = to_entities(records, name, path.name)
    for e in folded.entities:
        e.freeze()
    parsed = ParsedList(
        list=name,
        format="ftm-json",
        entities=folded.entities,
        files=[source_file("entities.ftm.json", path)],
        counts={
            "records": len(records),
            "entities": len(folded.entities),
            "folded": folded.folded,
            "skipped": len(folded.skipped),
        },
        warnings=folded.skipped,
    )
    return parsed


def _check(data: dict[str, Any], path: Path, line: int) -> None:
    eid, schema, props = data.get("id"), data.get("schema"), data.get("properties", {})
    if not isinstance(eid, str) or not FTM_ID.match(eid):
        raise ParseError(f"invalid FtM id {eid!r}", path=path, line=line)
    if not isinstance(schema, str) or model.get(schema) is None:
        raise ParseError(f"entity {eid}: unknown FtM schema {schema!r}", path=path, line=line)
    if not isinstance(props, dict) or not all(isinstance(v, list) for v in props.values()):
        raise ParseError(f"entity {eid}: properties must map names to lists", path=path, line=line)
