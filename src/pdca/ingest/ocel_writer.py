"""Writing canonical events as OCEL 2.0 JSON (see :mod:`pdca.ingest.ocel` for the mapping).

The JSON is written piece by piece (one object or event per line) into a temporary file that
replaces the target when complete; ``.gz`` targets are gzip-compressed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.ingest.interchange import (
    ATTR_PREFIX,
    CARRIED_FIELDS,
    INT_FIELDS,
    PDCA_PREFIX,
    case_names,
    format_times,
    grouped_by_case,
    none_if_missing,
    open_target,
    source_attributes,
)
from pdca.model.schema import Col

OCEL_FIELDS: tuple[str, ...] = (Col.ASSIGNMENT_GROUP, Col.RESOURCE, *CARRIED_FIELDS)
"""Canonical fields written as ``pdca:<field>`` event attributes."""

TICKET_QUALIFIER = "ticket"
GROUP_TYPE = "assignment_group"
RESOURCE_TYPE = "resource"
FALLBACK_TICKET_TYPE = "ticket"
"""Object type of a ticket whose events name no ticket type."""
_EPOCH_TEXT = "1970-01-01T00:00:00Z"
CHUNK = 20_000


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Ids:
    """Object ids, kept unique: helper objects never take a ticket's id."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def make(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{wanted}#{n}"
        self.taken.add(candidate)
        return candidate


def _helper_objects(
    frame: pd.DataFrame, column: str, kind: str, prefix: str, ids: _Ids
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    values = frame[column].dropna()
    names = [str(v) for v in pd.unique(values) if str(v) != ""]
    lookup = {name: ids.make(prefix + name) for name in names}
    objects = [
        {
            "id": oid,
            "type": kind,
            "attributes": [{"name": "name", "time": _EPOCH_TEXT, "value": name}],
        }
        for name, oid in lookup.items()
    ]
    return lookup, objects


def _event_ids(frame: pd.DataFrame, *, multi: bool) -> list[str]:
    if Col.EVENT_KEY in frame.columns and not multi:
        keys = frame[Col.EVENT_KEY]
        if keys.notna().all() and keys.is_unique:
            return [str(k) for k in keys]
    return [f"e{i}" for i in range(len(frame))]


def _event_types(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each activity with the attributes its events carry."""
    declared: dict[str, dict[str, str]] = {}
    present = [f for f in OCEL_FIELDS if f in frame.columns]
    seen = frame.groupby(Col.ACTIVITY, sort=False, dropna=True)[present].count() > 0
    for activity, row in seen.iterrows():
        declared[str(activity)] = {
            PDCA_PREFIX + f: ("integer" if f in INT_FIELDS else "string") for f in present if row[f]
        }
    if Col.ATTRIBUTES in frame.columns:
        for activity, text in zip(frame[Col.ACTIVITY], frame[Col.ATTRIBUTES], strict=True):
            if not isinstance(activity, str):
                continue
            attrs = source_attributes(text)
            target = declared.setdefault(activity, {})
            if attrs is None:
                if isinstance(text, str):
                    target.setdefault(f"{PDCA_PREFIX}attributes", "string")
                continue
            for name in attrs:
                target.setdefault(ATTR_PREFIX + name, "string")
    return [
        {"name": name, "attributes": [{"name": k, "type": t} for k, t in attrs.items()]}
        for name, attrs in declared.items()
    ]


_enc = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept as is


def _value_json(value: Any) -> str:
    if isinstance(value, str):
        return _enc(value)
    return "null" if value is None else _dumps(value)


def _fragments(values: pd.Series, render: Any) -> np.ndarray[Any, Any]:
    """``render(value)`` per event, computed once per distinct value ('' where missing)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([*(render(u) for u in uniques), ""], dtype=object)
    return table[codes]


class _SourceAttributes:
    """The ``attr:NAME`` attribute list of an event, from its ``attributes`` JSON."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._keys: dict[str, str] = {}

    def _key(self, name: str) -> str:
        out = self._keys.get(name)
        if out is None:
            out = self._keys[name] = f'{{"name":{_enc(ATTR_PREFIX + name)},"value":'
        return out

    def __call__(self, text: Any) -> str:
        if not isinstance(text, str):
            return ""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        attrs = source_attributes(text)
        if attrs is None:
            out = f'{{"name":"{PDCA_PREFIX}attributes","value":{_enc(text)}}}'
        else:
            key = self._key
            out = ",".join(
                f"{key(k)}{_enc(v) if isinstance(v, str) else _value_json(v)}}}"
                for k, v in attrs.items()
            )
        if len(self._cache) < 100_000:
            self._cache[text] = out
        return out


def _events(
    frame: pd.DataFrame,
    tickets: list[str | None],
    codes: np.ndarray[Any, Any],
    groups: dict[str, str],
    resources: dict[str, str],
    *,
    multi: bool,
) -> Iterator[str]:
    ids = _event_ids(frame, multi=multi)
    present = [f for f in OCEL_FIELDS if f in frame.columns]
    source = _SourceAttributes()
    ticket_rels = [
        "" if t is None else f'{{"objectId":{_enc(t)},"qualifier":"{TICKET_QUALIFIER}"}}'
        for t in tickets
    ]

    def helper(lookup: dict[str, str], qualifier: str) -> Any:
        def render(name: Any) -> str:
            oid = lookup.get(str(name))
            return "" if oid is None else f'{{"objectId":{_enc(oid)},"qualifier":"{qualifier}"}}'

        return render

    def field(name: str) -> Any:
        key = _enc(PDCA_PREFIX + name)
        if name in INT_FIELDS:
            return lambda v: f'{{"name":{key},"value":{int(v)}}}'
        return lambda v: f'{{"name":{key},"value":{_enc(str(v))}}}'

    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK]
        stop = start + len(chunk)
        attributes = [_fragments(chunk[f], field(f)) for f in present]
        if Col.ATTRIBUTES in chunk.columns:
            attributes.append(np.array([source(t) for t in chunk[Col.ATTRIBUTES]], dtype=object))
        relations = [np.array([ticket_rels[c] for c in codes[start:stop]], dtype=object)]
        if Col.ASSIGNMENT_GROUP in chunk.columns:
            relations.append(_fragments(chunk[Col.ASSIGNMENT_GROUP], helper(groups, GROUP_TYPE)))
        if Col.RESOURCE in chunk.columns:
            relations.append(_fragments(chunk[Col.RESOURCE], helper(resources, RESOURCE_TYPE)))
        heads = _fragments(chunk[Col.ACTIVITY], _enc)
        times = format_times(chunk[Col.TIMESTAMP], "Z")
        for i, (attrs, rels) in enumerate(
            zip(zip(*attributes, strict=True), zip(*relations, strict=True), strict=True)
        ):
            kind = heads[i] or "null"
            time = "null" if times[i] is None else f'"{times[i]}"'
            yield (
                f'{{"id":{_enc(ids[start + i])},"type":{kind},"time":{time},'
                f'"attributes":[{",".join(a for a in attrs if a)}],'
                f'"relationships":[{",".join(r for r in rels if r)}]}}'
            )


def write_ocel(events: pd.DataFrame, target: Path) -> Path:
    """Write canonical events to an OCEL 2.0 JSON file: tickets, groups and resources as objects."""
    frame, codes, multi = grouped_by_case(events)
    names = case_names(frame, multi=multi)
    n_cases = int(codes.max()) + 1 if len(codes) else 0
    first = np.unique(codes, return_index=True)[1]
    tickets: list[str | None] = [none_if_missing(names.iat[i]) for i in first]
    tickets = [None if t is None else str(t) for t in tickets]
    types = frame.groupby(codes)[Col.TICKET_TYPE].last().reindex(range(n_cases))
    ticket_types = [str(t) if isinstance(t, str) and t else FALLBACK_TICKET_TYPE for t in types]
    ids = _Ids({t for t in tickets if t is not None})
    groups, group_objects = _helper_objects(frame, Col.ASSIGNMENT_GROUP, GROUP_TYPE, "group:", ids)
    resources, resource_objects = _helper_objects(
        frame, Col.RESOURCE, RESOURCE_TYPE, "resource:", ids
    )
    object_types: list[dict[str, Any]] = [
        {"name": t, "attributes": []} for t in dict.fromkeys(ticket_types)
    ]
    for kind, objs in ((GROUP_TYPE, group_objects), (RESOURCE_TYPE, resource_objects)):
        if objs:
            object_types.append({"name": kind, "attributes": [{"name": "name", "type": "string"}]})
    ticket_objects = [
        {"id": t, "type": ticket_types[i], "attributes": []}
        for i, t in enumerate(tickets)
        if t is not None
    ]
    with open_target(target) as out:
        out.write('{\n"objectTypes": ' + _dumps(object_types) + ",\n")
        out.write('"eventTypes": ' + _dumps(_event_types(frame)) + ",\n")
        out.write('"objects": [')
        for i, obj in enumerate([*ticket_objects, *group_objects, *resource_objects]):
            out.write(("\n" if i == 0 else ",\n") + _dumps(obj))
        out.write('\n],\n"events": [')
        for i, text in enumerate(_events(frame, tickets, codes, groups, resources, multi=multi)):
            out.write(("\n" if i == 0 else ",\n") + text)
        out.write("\n]\n}\n")
    return target
