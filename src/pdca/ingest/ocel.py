"""OCEL 2.0 object-centric event logs (JSON): import and export.

OCEL 2.0 describes *objects* (tickets, groups, people, orders, …) and *events* that each relate to
any number of objects. The JSON file has four lists: ``objectTypes``, ``eventTypes``, ``objects``
and ``events``; an event has an ``id``, a ``type``, a ``time``, ``attributes`` (name/value pairs)
and ``relationships`` (object id + qualifier).

How pdca writes a log (``pdca export --to ocel``)
-------------------------------------------------

* every ticket is an object whose type is the ticket type (``incident``, ``service_request``,
  ``problem``, ``change``) and whose id is the case id (``log:case_id`` when several logs are
  exported);
* every assignment group and resource is an object of type ``assignment_group`` / ``resource``
  (id ``group:NAME`` / ``resource:NAME``, attribute ``name``);
* every event is an event whose ``type`` is the activity and whose ``time`` is the UTC time stamp
  (``2016-02-29T01:23:00Z``). It relates to its ticket (qualifier ``ticket``), its group
  (``assignment_group``) and its resource (``resource``), and carries the canonical fields as
  attributes ``pdca:assignment_group``, ``pdca:resource``, ``pdca:ticket_type``, ``pdca:seq``,
  ``pdca:row``, ``pdca:state``, ``pdca:support_level``, ``pdca:priority``, … ``pdca:caller``
  (left out when missing) and the source fields as ``attr:NAME`` (a missing source value is
  ``null``).

How pdca reads a log (``pdca ingest FILE.json``)
------------------------------------------------

pdca analyses tickets, so the log is *flattened* on a case notion: the object types that are
tickets. By default these are the ITIL ticket types present (``incident``, ``service_request``,
``problem``, ``change``, or pdca's fallback ``ticket``); failing that, the only, or else the most
frequent, object type. A mapping file (``--map``) can name them: ``case_object_types = ["order"]``.

* each event becomes one canonical event per related ticket object (``case_id`` = object id). An
  event related to two tickets is therefore counted twice; the import report says how many
  (``events_duplicated``). An event related to no ticket goes to quarantine;
* ``type`` -> ``activity``; ``time`` -> ``timestamp`` (converted to UTC);
* ``pdca:*`` attributes -> the canonical fields, ``attr:NAME`` -> source field ``NAME``; any other
  event attribute -> source field of the same name (numbers and booleans as text);
* related objects of type ``resource`` / ``assignment_group`` (or ``org:resource`` /
  ``org:group``, as PM4Py names them) fill ``resource`` / ``assignment_group`` when the event has
  no ``pdca:`` value for them (their ``name`` attribute, else their id); other related objects
  become source fields ``object:TYPE`` (ids joined by ``; ``);
* attributes of the ticket object become source fields ``case:NAME`` with the value valid at the
  event's time;
* state and ticket type as for XES: ``pdca:state``, else the mapping's ``[states]``, else
  ``unknown``; ``pdca:ticket_type``, else the object type when it is a ticket type, else the
  mapping's ``ticket_type``.

A pdca export read back this way gives the same canonical events (``row`` as for XES: from
``pdca:row`` when those are all present and distinct, else the position). OCEL 1.0
(``ocel:events``) and the XML/SQLite flavours of OCEL 2.0 are not read.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.collect import Collector, Labels, finish
from pdca.ingest.interchange import (
    ATTR_PREFIX,
    PDCA_PREFIX,
    Rules,
    attributes_json,
    gc_paused,
    load_rules,
    parse_micros,
    put_attribute,
    timezone,
)
from pdca.ingest.ocel_writer import (
    FALLBACK_TICKET_TYPE,
    GROUP_TYPE,
    OCEL_FIELDS,
    RESOURCE_TYPE,
    write_ocel,
)
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.reader import bom_encoding, compression, decode, read_bytes
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import TicketType

LABELS = Labels(case="related ticket object", activity="event type", timestamp="event time")
_TICKET_TYPES = frozenset(t.value for t in TicketType)
_FIELDS = {PDCA_PREFIX + f: f for f in OCEL_FIELDS}
_HELPERS = {
    RESOURCE_TYPE: Col.RESOURCE,
    "org:resource": Col.RESOURCE,
    GROUP_TYPE: Col.ASSIGNMENT_GROUP,
    "org:group": Col.ASSIGNMENT_GROUP,
}
"""Related object types that name the event's resource or assignment group."""


def _text(value: Any) -> str | None:
    """An attribute value as text: strings as they are, numbers and booleans as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _read_json(path: Path) -> tuple[dict[str, Any], str, bool]:
    """The JSON document (decompressed within the limits of :mod:`pdca.ingest.limits`)."""
    data = read_bytes(path)
    with path.open("rb") as handle:
        compressed = compression(handle.read(6)) != "none"
    text = decode(data, bom_encoding(data) or "utf-8", path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "the file may be truncated",
        ) from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be an OCEL file") from None
    if isinstance(doc, dict) and "ocel:events" in doc:
        raise InputError(
            f"{path} is an OCEL 1.0 file", "export it as OCEL 2.0 JSON (objectTypes, events, …)"
        )
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise InputError(f"{path} is not an OCEL 2.0 JSON file (it has no list of events)")
    return doc, hashlib.sha256(data).hexdigest(), compressed


class _Objects:
    """The file's objects: type, display name and time-stamped attributes."""

    def __init__(self, raw: Any) -> None:
        self.type: dict[str, str] = {}
        self.name: dict[str, str] = {}
        self.history: dict[str, dict[str, tuple[list[int], list[Any]]]] = {}
        for obj in raw if isinstance(raw, list) else []:
            if not isinstance(obj, dict) or obj.get("id") is None:
                continue
            oid = str(obj["id"])
            self.type[oid] = str(obj.get("type"))
            entries: dict[str, list[tuple[int, int, Any]]] = {}
            for n, attr in enumerate(obj.get("attributes") or []):
                if not isinstance(attr, dict) or attr.get("name") is None:
                    continue
                when = parse_micros(attr.get("time"))
                entries.setdefault(str(attr["name"]), []).append(
                    (when if when is not None else -(2**62), n, attr.get("value"))
                )
            if "name" in entries:
                self.name[oid] = str(_text(entries["name"][-1][2]))
            if entries:
                self.history[oid] = {
                    k: ([t for t, _, _ in sorted(v)], [x for _, _, x in sorted(v)])
                    for k, v in entries.items()
                }

    def case_types(self, rules: Rules) -> list[str]:
        if rules.case_object_types:
            return list(rules.case_object_types)
        counts = Counter(self.type.values())
        tickets = sorted(t for t in counts if t in _TICKET_TYPES or t == FALLBACK_TICKET_TYPE)
        if tickets:
            return tickets
        if not counts:
            raise InputError(
                "the OCEL file has no objects, so its events belong to no ticket",
                "pdca needs an object type that stands for the ticket (case)",
            )
        return [min(counts, key=lambda t: (-counts[t], t))]

    def state_at(self, oid: str, micros: int | None) -> dict[str, Any]:
        """The object's attributes as they were at ``micros`` (the latest value before it)."""
        out: dict[str, Any] = {}
        for name, (times, values) in self.history.get(oid, {}).items():
            i = bisect.bisect_right(times, micros) if micros is not None else len(times)
            if i:
                out[f"case:{name}"] = _text(values[i - 1])
        return out


def _event_fields(event: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, Any]]:
    values: dict[str, str | None] = {}
    attrs: dict[str, Any] = {}
    activity, time = event.get("type"), event.get("time")
    values[Col.ACTIVITY] = None if activity is None else str(activity)
    values[Col.TIMESTAMP] = None if time is None else str(time)
    fields, prefix, cut = _FIELDS, ATTR_PREFIX, len(ATTR_PREFIX)
    for attr in event.get("attributes") or ():
        try:
            name, value = attr["name"], attr.get("value")
        except (TypeError, KeyError, AttributeError):
            continue
        if not isinstance(name, str):
            if name is None:
                continue
            name = str(name)
        field = fields.get(name)
        if field is not None:
            values[field] = value if value is None or isinstance(value, str) else _text(value)
        elif name.startswith(prefix):
            key = name[cut:]
            if key in attrs:
                put_attribute(attrs, key, value)
            else:
                attrs[key] = value
        elif name == f"{PDCA_PREFIX}attributes" and isinstance(value, str):
            values[Col.ATTRIBUTES] = value
        else:
            put_attribute(attrs, name, _text(value))
    return values, attrs


def _relations(
    event: dict[str, Any], objects: _Objects, wanted: set[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """The event's ticket objects, and the names of its other related objects by type."""
    cases: list[str] = []
    related: dict[str, list[str]] = {}
    for rel in event.get("relationships") or ():
        oid = rel.get("objectId") if isinstance(rel, dict) else None
        if oid is None:
            continue
        oid = str(oid)
        kind = objects.type.get(oid)
        if kind in wanted:
            if oid not in cases:
                cases.append(oid)
        elif kind is not None:
            related.setdefault(kind, []).append(objects.name.get(oid, oid))
    return cases, related


def _use_related(
    related: dict[str, list[str]], values: dict[str, str | None], attrs: dict[str, Any]
) -> None:
    for kind, names in related.items():
        field = _HELPERS.get(kind)
        if field is None:
            put_attribute(attrs, f"object:{kind}", "; ".join(names))
        elif field not in values:
            values[field] = "; ".join(names)


def _flatten(doc: dict[str, Any], rules: Rules, collector: Collector) -> dict[str, Any]:
    objects = _Objects(doc.get("objects"))
    case_types = objects.case_types(rules) if doc["events"] else []
    wanted = set(case_types)
    several = duplicated = 0
    for position, event in enumerate(doc["events"]):
        if not isinstance(event, dict):
            collector.add(position, None, {}, "{}", "event is not a JSON object")
            continue
        values, attrs = _event_fields(event)
        cases, related = _relations(event, objects, wanted)
        _use_related(related, values, attrs)
        raw_text = values.pop(Col.ATTRIBUTES, None)
        if not cases:
            reason = f"event is related to no object of type {', '.join(case_types)}"
            collector.add(position, None, values, raw_text or attributes_json(attrs), reason)
            continue
        several += len(cases) > 1
        duplicated += len(cases) - 1
        micros = parse_micros(values[Col.TIMESTAMP])
        for case_id in cases:
            row_values = values
            kind = objects.type[case_id]
            if Col.TICKET_TYPE not in values and kind in _TICKET_TYPES:
                row_values = {**values, Col.TICKET_TYPE: kind}
            merged = objects.state_at(case_id, micros)
            for key, value in attrs.items():
                put_attribute(merged, key, value)
            text = raw_text if raw_text is not None and not merged else attributes_json(merged)
            collector.add(position, case_id, row_values, text)
    return {
        "ocel_events_read": len(doc["events"]),
        "ocel_objects": len(objects.type),
        "case_object_types": case_types,
        "events_related_to_several_tickets": several,
        "events_duplicated": duplicated,
    }


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read an OCEL 2.0 JSON file into a batch, flattened on the ticket objects."""
    rules = load_rules(options.mapping)
    zone = timezone(options.timezone)
    log = options.log or default_log_name(path)
    collector = Collector()
    with gc_paused():
        doc, sha256, compressed = _read_json(path)
        try:
            facts = _flatten(doc, rules, collector)
        except RecursionError:
            raise InputError(f"{path}: attribute values are nested too deeply") from None
        del doc
    events, quarantine, details = finish(
        collector,
        log=log,
        rules=rules,
        zone=zone,
        labels=LABELS,
        formats={"format": "OCEL 2.0 JSON", "compressed": compressed},
    )
    details.update(facts)
    return ImportBatch(
        log=log,
        source="ocel",
        path=str(path),
        sha256=sha256,
        rows_read=len(collector),
        events=events,
        quarantine=quarantine,
        details=details,
    )


def write(events: pd.DataFrame, target: Path) -> Path:
    """Write canonical events (as from ``Store.events_df``) to ``target`` (``.gz``: compressed)."""
    return write_ocel(events, target)
