"""Zendesk ticket audits and ticket metric events -> canonical events (``--source zendesk``).

Reads, with the field names Zendesk documents (developer.zendesk.com):

* the bundle ``pdca pull zendesk`` writes: ``{"tickets": [...], "audits": [...],
  "ticket_metric_events": [...], "groups": [...], "users": [...], "custom_statuses": [...],
  "pdca_bundle": {"source": "zendesk", ...}}`` (lookups optional);
* a raw audits response (``{"audits": [...]}``, "List Audits for a Ticket"
  ``GET /api/v2/tickets/{ticket_id}/audits`` or "List All Ticket Audits"
  ``GET /api/v2/ticket_audits``), with or without ``tickets``.

Documentation: "Ticket Audits" API
(https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/): an audit has
``id, ticket_id, created_at, author_id, via, events[]``; "Ticket audit events reference"
(https://developer.zendesk.com/documentation/ticketing/reference-guides/
ticket-audit-events-reference): ``Create`` events (``field_name, value``) set a property of a new
ticket, ``Change`` events (``field_name, value, previous_value``) change one; "Tickets" API
(https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/): ``id, created_at,
status, priority, group_id, assignee_id, type, custom_status_id``; "Custom Ticket Statuses" API
(``id, status_category, agent_label``); the metric events are read by
:mod:`pdca.ingest.zendesk_sla` ("Ticket Metric Events" API and its event types reference).

Zendesk records deltas only and the ticket record holds *current* values, so the values at
creation come from the ``Create`` events of the ticket's first audit (else from the
``previous_value`` of a field's first change, else, for a field that never changed, from the
ticket record). Each audit with a ``Change`` of ``status``, ``custom_status_id``, ``group_id``,
``assignee_id``, ``priority`` or ``type`` becomes one event carrying every field's value at that
moment (:func:`pdca.ingest.history.replay`).

Mapping (docs/connectors/zendesk.md): status -> activity; ``new`` -> new, ``open`` -> in_progress
(``open`` with no assignee is the group's queue: activity ``open (unassigned)`` -> new),
``pending`` -> waiting_customer, ``hold`` -> waiting_other, ``solved`` -> resolved, ``closed`` ->
closed; a custom status -> its agent label, in the state of its status category; group and
assignee ids -> names through the ``groups`` and ``users`` lookups (else the id); priority
``urgent/high/normal/low`` -> ``1 - Urgent`` … ``4 - Low`` (ranked like pdca's SLA targets);
type ``incident`` -> incident, ``problem`` -> problem, ``question``/``task`` ->
service_request; the ticket id is the case. Zendesk's SLA verdict from the metric events is the
``made_sla`` attribute of the ticket's events.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.bundle import peek_json
from pdca.ingest.history import batch_from_frame, file_sha256, replay, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import BadRow, read_bytes
from pdca.ingest.states import guess_state
from pdca.ingest.zendesk_sla import summarise
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State, TicketType

SOURCE = "zendesk"
_RAW = re.compile(r'^\{\s*"(audits|ticket_metric_events)"\s*:')

UNASSIGNED = " (unassigned)"
"""Appended to the label of an ``open`` ticket without an assignee (waiting in its group)."""

STATUSES: dict[str, State] = {
    "new": State.NEW,
    "open": State.IN_PROGRESS,
    "open" + UNASSIGNED: State.NEW,
    "pending": State.WAITING_CUSTOMER,
    "hold": State.WAITING_OTHER,
    "solved": State.RESOLVED,
    "closed": State.CLOSED,
}
"""Zendesk's system statuses (as the API writes them) and pdca's states."""

CATEGORIES: dict[str, State] = {k: v for k, v in STATUSES.items() if k in ("new", "open",
                                "pending", "hold", "solved")}  # fmt: skip
"""Custom status categories (``status_category``) and pdca's states."""

PRIORITIES: dict[str, str] = {
    "urgent": "1 - Urgent",
    "high": "2 - High",
    "normal": "3 - Normal",
    "low": "4 - Low",
}
"""Zendesk's priorities and the ranked labels pdca stores (priority 1 is the most urgent)."""

TYPES: dict[str, TicketType] = {
    "incident": TicketType.INCIDENT,
    "problem": TicketType.PROBLEM,
    "question": TicketType.SERVICE_REQUEST,
    "task": TicketType.SERVICE_REQUEST,
}
"""Zendesk's ticket types and pdca's record types."""

FIELDS: dict[str, str] = {
    "status": Col.ACTIVITY,
    "custom_status_id": Col.ACTIVITY,
    "group_id": Col.ASSIGNMENT_GROUP,
    "assignee_id": Col.RESOURCE,
    "priority": Col.PRIORITY,
    "type": Col.TICKET_TYPE,
}
"""Audit ``field_name`` -> canonical field (a custom status outranks the status it implies)."""


def detect(path: Path) -> bool:
    """A pdca bundle of Zendesk, or a JSON object that starts with ``"audits"`` or
    ``"ticket_metric_events"``."""
    peek = peek_json(path)
    if peek is None:
        return False
    if peek.source is not None:
        return peek.source == SOURCE
    return bool(_RAW.match(peek.head))


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Zendesk ticket audits (with tickets, lookups and ticket metric events) as events."""
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a Zendesk JSON file",
            "give the bundle of pdca pull zendesk or a saved audits response",
        )
    doc = _read_json(path)
    parsed = _Parsed.of(doc, path)
    return parsed.batch(path, options)


def _read_json(path: Path) -> dict[str, Any]:
    data = read_bytes(path)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} is not Zendesk JSON ({exc})",
            "give the bundle of pdca pull zendesk or a saved GET /api/v2/tickets/{id}/audits",
        ) from None
    if not isinstance(doc, dict):
        raise InputError(
            f"{path} is JSON but not a Zendesk response (a {type(doc).__name__}, not an object)",
            'give an object with "audits" (and optionally "tickets", "ticket_metric_events")',
        )
    return doc


def id_text(value: Any) -> str | None:
    """A Zendesk id (integer or its text) as text; None for null or anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _lookup(items: Any, name_key: str = "name") -> dict[str, str]:
    """``[{id, name}, …]`` -> id text -> name."""
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and id_text(item.get("id")) and item.get(name_key):
            out[str(id_text(item.get("id")))] = str(item[name_key])
    return out


def _custom_statuses(items: Any) -> tuple[dict[str, str], dict[str, State]]:
    """Custom statuses: id -> agent label, and label -> state (its category's, refined by the
    label's words within the waiting categories: "Waiting for vendor" -> waiting_vendor)."""
    labels: dict[str, str] = {}
    states: dict[str, State] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        key, label = id_text(item.get("id")), item.get("agent_label")
        category = CATEGORIES.get(str(item.get("status_category")))
        if key is None or not label or category is None:
            continue
        labels[key] = str(label)
        guess = guess_state(str(label))
        waiting = {State.WAITING_CUSTOMER, State.WAITING_VENDOR, State.WAITING_OTHER}
        refined = guess if category in waiting and guess in waiting else category
        states[str(label)] = refined
    return labels, states


@dataclass
class _Parsed:
    """The audits of a document as replay input, plus what was set aside."""

    created: pd.DataFrame
    changes: pd.DataFrame
    states: dict[str, State]
    attributes: dict[str, dict[str, str]]
    bad: list[BadRow] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: dict[str, Any], path: Path) -> _Parsed:
        bundle = doc.get("pdca_bundle")
        if isinstance(bundle, dict) and bundle.get("source") not in (None, SOURCE):
            raise InputError(
                f"{path} is a pdca bundle of {bundle.get('source')!r}, not of Zendesk",
                f"import it with --source {bundle.get('source')}",
            )
        audits = doc.get("audits")
        if audits is None and "audit" in doc:
            audits = [doc["audit"]]
        if audits is None:
            if "ticket_metric_events" in doc:
                raise InputError(
                    f"{path} holds Zendesk ticket metric events but no ticket audits",
                    "metric events give the SLA clock only: add the audits "
                    "(GET /api/v2/tickets/{id}/audits) or use pdca pull zendesk",
                )
            raise InputError(
                f'{path} is not a Zendesk audits response or bundle (no "audits" key)',
                "give the bundle of pdca pull zendesk or a saved GET /api/v2/tickets/{id}/audits",
            )
        if not isinstance(audits, list):
            raise InputError(f'{path}: "audits" is not a list', "give the API's response as is")
        tickets = doc.get("tickets")
        if tickets is None and isinstance(doc.get("ticket"), dict):
            tickets = [doc["ticket"]]
        reader = _AuditReader(
            groups=_lookup(doc.get("groups")),
            users=_lookup(doc.get("users")),
            custom=_custom_statuses(doc.get("custom_statuses")),
            level=_level_field(doc.get("ticket_fields")),
        )
        reader.read_audits(audits)
        reader.read_tickets(tickets if isinstance(tickets, list) else [])
        metric_events = doc.get("ticket_metric_events")
        summary = summarise(metric_events if isinstance(metric_events, list) else [])
        counts = reader.counts
        counts["metric_events"] = summary.events_read
        counts["metric_events_unreadable"] = summary.events_skipped
        known = set(reader.cases)
        counts["metric_events_tickets_without_audits"] = len(set(summary.attributes) - known)
        states = {**STATUSES, **reader.custom[1]}
        states.update({label + UNASSIGNED: State.NEW for label, s in reader.custom[1].items()
                       if s == State.IN_PROGRESS})  # fmt: skip
        return cls(
            created=reader.created_frame(),
            changes=reader.changes_frame(),
            states=states,
            attributes=summary.attributes,
            bad=reader.bad,
            counts=counts,
        )

    def batch(self, path: Path, options: LoadOptions) -> ImportBatch:
        frame = self.events()
        batch = batch_from_frame(
            frame,
            source=SOURCE,
            states=dict(self.states),
            path=path,
            options=options,
            sha256=file_sha256(path),
            bad_rows=self.bad,
        )
        reasons = batch.details.get("quarantine_reasons", {})
        reasons.pop("line has the wrong number of fields", None)
        for bad in self.bad:
            kind = re.sub(r"\d+", "N", bad.reason)
            reasons[kind] = reasons.get(kind, 0) + 1
        with_verdict = {c for c, a in self.attributes.items() if "made_sla" in a}
        self.counts["tickets_with_zendesk_sla_verdict"] = len(
            with_verdict & set(frame[Col.CASE_ID])
        )
        batch.details[SOURCE] = self.counts
        return batch

    def events(self) -> pd.DataFrame:
        """The replayed events with pdca's labels, ticket types and Zendesk's SLA attributes."""
        created = self.created.copy()
        if self.attributes:
            attrs = pd.DataFrame.from_dict(self.attributes, orient="index")
            attrs.index.name = Col.CASE_ID
            created = created.merge(attrs.reset_index(), on=Col.CASE_ID, how="left")
        events = replay(created, self.changes)
        if not len(events):
            return events
        # an open ticket that nobody holds waits in its group's queue
        label = events[Col.ACTIVITY]
        queued = events[Col.RESOURCE].isna() & label.map(
            lambda v: self.states.get(v) == State.IN_PROGRESS if isinstance(v, str) else False
        )
        events.loc[queued, Col.ACTIVITY] = label[queued] + UNASSIGNED
        # the ticket's type is its last known one, on each of its events
        kind = events[Col.TICKET_TYPE].map(
            lambda v: TYPES[v].value if isinstance(v, str) and v in TYPES else None
        )
        last = kind.groupby(events[Col.CASE_ID], sort=False).transform("last")
        events[Col.TICKET_TYPE] = last.fillna(TicketType.INCIDENT.value)
        events[Col.SEQ] = events.groupby(Col.CASE_ID, sort=False).cumcount()
        return events


@dataclass
class _AuditReader:
    groups: dict[str, str]
    users: dict[str, str]
    custom: tuple[dict[str, str], dict[str, State]]
    level: tuple[str | None, dict[str, str]] = (None, {})
    """The custom ticket field that holds the support level (its id, option value -> name)."""
    bad: list[BadRow] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    creation: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Ticket id -> {timestamp, audit id, canonical field -> value} of its Create audit."""
    change_rows: list[dict[str, Any]] = field(default_factory=list)
    cases: set[str] = field(default_factory=set)
    record: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _count(self, key: str, name: str) -> None:
        bucket: dict[str, int] = self.counts.setdefault(key, {})
        bucket[name] = bucket.get(name, 0) + 1

    def value(self, name: str, raw: Any) -> Any:  # noqa: PLR0911 (one answer per field)
        """A Zendesk field value as pdca stores it."""
        if raw is None or raw == "":
            return None
        if name == "group_id":
            key = id_text(raw)
            return None if key is None else self.groups.get(key, key)
        if name == "assignee_id":
            key = id_text(raw)
            return None if key is None else self.users.get(key, key)
        if name == "custom_status_id":
            key = id_text(raw)
            return None if key is None else self.custom[0].get(key, f"custom status {key}")
        if name == "priority":
            return PRIORITIES.get(str(raw).lower(), str(raw))
        if name == self.level[0]:
            return self.level[1].get(str(raw), str(raw))
        return str(raw)

    def canonical(self, name: Any) -> str | None:
        """The canonical field an audit event's ``field_name`` sets, if pdca reads it."""
        if name in FIELDS:
            return FIELDS[name]
        if self.level[0] is not None and id_text(name) == self.level[0]:
            return Col.SUPPORT_LEVEL
        return None

    def read_audits(self, audits: list[Any]) -> None:
        self.counts["audits"] = len(audits)
        position = 0
        ordered: list[tuple[str, str, int, int, dict[str, Any]]] = []
        for index, audit in enumerate(audits):
            if not isinstance(audit, dict):
                self.bad.append(BadRow(None, f"audit {index} is not a JSON object", str(audit)))
                continue
            ticket = id_text(audit.get("ticket_id"))
            events = audit.get("events")
            if ticket is None or not isinstance(events, list):
                missing = "ticket_id" if ticket is None else "events list"
                self.bad.append(BadRow(None, f"audit {index} has no {missing}", _dump(audit)))
                continue
            created = utc_text(pd.Series([audit.get("created_at")], dtype=object)).iloc[0]
            ordered.append((ticket, created or "", _int(audit.get("id")), index, audit))
        # Zendesk lists audits oldest first; sort anyway (time, then audit id), stably
        ordered.sort(key=lambda item: (item[0], item[1] == "", item[1], item[2], item[3]))
        for ticket, created, audit_id, index, audit in ordered:
            self.cases.add(ticket)
            at = created or None
            kinds = [e.get("type") if isinstance(e, dict) else None for e in audit["events"]]
            is_create = "Create" in kinds and ticket not in self.creation
            if is_create:
                self.creation[ticket] = {Col.TIMESTAMP: at, "_audit": index}
            for event in audit["events"]:
                position += 1
                self._event(ticket, at, f"{ticket}/{audit_id}/{index}", event, is_create)

    def _event(self, ticket: str, at: str | None, key: str, event: Any, is_create: bool) -> None:
        if not isinstance(event, dict):
            self.bad.append(BadRow(None, f"audit {key}: an event is not a JSON object", str(event)))
            return
        kind, name = event.get("type"), event.get("field_name")
        canonical = self.canonical(name)
        if kind not in ("Create", "Change"):
            if canonical is not None:
                self.bad.append(
                    BadRow(
                        None,
                        f"audit event of type {kind!r} names field {name!r}: only Create and "
                        "Change events set ticket fields",
                        _dump(event),
                    )
                )
            else:
                self._count("audit_events_ignored_by_type", str(kind))
            return
        if canonical is None:
            self._count("fields_ignored", str(name))
            return
        name = str(self.level[0] if canonical == Col.SUPPORT_LEVEL else name)
        value = self.value(name, event.get("value"))
        if kind == "Create" and is_create:
            holder = self.creation[ticket]
            if name == "custom_status_id" or canonical not in holder:
                holder[canonical] = value
            return
        if kind == "Create":  # a Create event outside the ticket's first audit: a late setting
            self._count("create_events_after_creation", str(name))
        self.change_rows.append(
            {
                Col.CASE_ID: ticket,
                Col.TIMESTAMP: at,
                "field": canonical,
                "value": value,
                "previous": self.value(name, event.get("previous_value")),
                "event": key,
                "_custom": name == "custom_status_id",
            }
        )

    def read_tickets(self, tickets: list[Any]) -> None:
        self.counts["tickets"] = len(tickets)
        for index, ticket in enumerate(tickets):
            key = id_text(ticket.get("id")) if isinstance(ticket, dict) else None
            if key is None or not isinstance(ticket, dict):
                self.bad.append(BadRow(None, f"ticket {index} has no id", str(ticket)[:500]))
                continue
            self.record[key] = ticket

    def created_frame(self) -> pd.DataFrame:
        """One row per ticket with its creation time and values at creation."""
        changed = {(r[Col.CASE_ID], r["field"]) for r in self.change_rows}
        rows = []
        no_creation = 0
        for case in sorted(self.cases | set(self.record), key=_case_order):
            record = self.record.get(case, {})
            head = self.creation.get(case)
            when = utc_text(pd.Series([record.get("created_at")], dtype=object)).iloc[0]
            if when is None and head is not None:
                when = head[Col.TIMESTAMP]
            if when is None and head is None:
                no_creation += 1
                self.bad.append(
                    BadRow(
                        None,
                        f"ticket {case}: neither its Create audit nor its record is in the "
                        "file, so its creation is unknown (its changes are kept)",
                        json.dumps({"ticket_id": case}),
                    )
                )
                continue
            row: dict[str, Any] = {Col.CASE_ID: case, Col.TIMESTAMP: when}
            for name, canonical in self.fields().items():
                value = (head or {}).get(canonical)
                current = _record_value(record, name)
                if value is None and (case, canonical) not in changed and current is not None:
                    value = self.value(name, current)
                if value is not None or canonical not in row:
                    row[canonical] = value
            if case not in self.cases:
                self._count_ticket_without_audits()
            rows.append(row)
        self.counts["tickets_without_creation"] = no_creation
        columns = [Col.CASE_ID, Col.TIMESTAMP, *dict.fromkeys(self.fields().values())]
        return pd.DataFrame(rows, columns=columns)

    def fields(self) -> dict[str, str]:
        """Ticket field -> canonical field, the support-level custom field included."""
        extra = {} if self.level[0] is None else {self.level[0]: Col.SUPPORT_LEVEL}
        return {**FIELDS, **extra}

    def _count_ticket_without_audits(self) -> None:
        self.counts["tickets_without_audits"] = self.counts.get("tickets_without_audits", 0) + 1

    def changes_frame(self) -> pd.DataFrame:
        columns = [Col.CASE_ID, Col.TIMESTAMP, "field", "value", "previous", "event"]
        if not self.change_rows:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(self.change_rows)
        # within an audit, a custom status comes after the status it implies (and wins)
        frame = frame.sort_values("_custom", kind="stable")
        frame["_key"] = frame["event"]
        order = {k: i for i, k in enumerate(dict.fromkeys(r["event"] for r in self.change_rows))}
        frame = frame.sort_values(by="_key", key=lambda s: s.map(order), kind="stable")
        return frame[columns].reset_index(drop=True)


LEVEL_TITLES = re.compile(r"^\s*(support\s+level|support\s+tier|tier|level)\s*$", re.IGNORECASE)
"""Titles of the custom ticket field read as the support level (L1, L2, …)."""


def _level_field(items: Any) -> tuple[str | None, dict[str, str]]:
    """The custom ticket field (``GET /api/v2/ticket_fields``) titled "Support level" (or
    "Support tier", "Tier", "Level"): its id and its options' value -> name."""
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not LEVEL_TITLES.match(str(item.get("title", ""))):
            continue
        key = id_text(item.get("id"))
        if key is None:
            continue
        options = item.get("custom_field_options")
        names = {
            str(o.get("value")): str(o.get("name"))
            for o in (options if isinstance(options, list) else [])
            if isinstance(o, dict) and o.get("value") is not None and o.get("name")
        }
        return key, names
    return None, {}


def _record_value(record: dict[str, Any], name: str) -> Any:
    """A ticket record's current value of a field (custom fields under ``custom_fields``)."""
    if name in record:
        return record.get(name)
    for item in record.get("custom_fields") or []:
        if isinstance(item, dict) and id_text(item.get("id")) == name:
            return item.get("value")
    return None


def _case_order(case: str) -> tuple[int, str]:
    return (int(case), "") if case.isdigit() else (1 << 62, case)


def _int(value: Any) -> int:
    key = id_text(value)
    return int(key) if key is not None and key.isdigit() else -1


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:2000]
