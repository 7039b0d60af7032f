"""Check FtM entities with the ``followthemoney`` library: schema, id, dataset names, every property value
valid for its type, entity references well formed (and, when ``known`` is given, pointing at an entity in
the set)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from followthemoney import model
from followthemoney.dataset.util import dataset_name_check
from followthemoney.types import registry


def problems(data: dict[str, Any], known: set[str] | None = None) -> list[str]:
    """What is wrong with one FtM entity (an empty list when it is valid)."""
    out: list[str] = []
    eid = data.get("id")
    if not isinstance(eid, str) or not registry.entity.validate(eid):
        out.append(f"invalid id {eid!r}")
    schema = model.get(str(data.get("schema")))
    if schema is None:
        return [*out, f"unknown schema {data.get('schema')!r}"]
    if schema.abstract:
        out.append(f"schema {schema.name} is abstract")
    for ds in data.get("datasets") or []:
        try:
            dataset_name_check(ds)
        except ValueError:
            out.append(f"invalid dataset name {ds!r}")
    props = data.get("properties")
    if not isinstance(props, dict):
        return [*out, "properties is not a mapping"]
    try:
        proxy = model.get_proxy({"id": eid, "schema": schema.name, "properties": props}, cleaned=True)
    except Exception as exc:  # followthemoney raises its own InvalidData and ValueErrors
        return [*out, f"followthemoney refuses it: {exc}"]
    for name, values in props.items():
        prop = schema.get(name)
        if prop is None:
            out.append(f"schema {schema.name} has no property {name!r}")
            continue
        if not isinstance(values, list):
            out.append(f"{name}: not a list")
            continue
        for v in values:
            if not isinstance(v, str) or not prop.type.validate(v):
                out.append(f"{name}: invalid {prop.type.name} value {v!r}")
            elif prop.type == registry.entity and known is not None and v not in known:
                out.append(f"{name}: refers to {v!r}, which is not in the set")
    for required in schema.required:
        if not proxy.get(required):
            out.append(f"required property {required!r} is missing")
    return out


def validate_all(entities: Iterable[dict[str, Any]], check_refs: bool = True) -> dict[str, list[str]]:
    """Problems by entity id over a whole set (empty when every entity is valid)."""
    items = list(entities)
    known = {str(e.get("id")) for e in items} if check_refs else None
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for e in items:
        p = problems(e, known)
        eid = str(e.get("id"))
        if eid in seen:
            p.append("duplicate id")
        seen.add(eid)
        if p:
            out[eid] = p
    return out
