"""Freshservice tickets with their activities -> canonical events (``--source freshservice``).

Reads the bundle ``pdca pull freshservice`` writes: ``{"tickets": [...], "activities":
{"<ticket id>": [...]}, "groups": [...], "agents": [...], "pdca_bundle": {"source":
"freshservice", ...}}`` (lookups optional), with the field names of Freshservice API v2
(https://api.freshservice.com/): "View a Ticket" (``GET /api/v2/tickets/{id}``: ``id,
created_at, status, priority, group_id, responder_id, type, custom_fields``) and "View a
Ticket's Activities" (``GET /api/v2/tickets/{id}/activities``: ``activities[{actor{id, name},
content, sub_contents[], created_at}]``); "List All Groups" (``id, name``) and "List All
Agents" (``id, first_name, last_name``).

Activities are text; :mod:`pdca.ingest.freshservice_text` reads them with documented patterns.
An activity with at least one change becomes one event carrying every field's value at that
moment (:func:`pdca.ingest.history.replay`); a text the patterns do not know is kept out of the
events and counted (with examples) in the import details.

Values at creation: the changes listed with the ``created a new ticket`` activity, else — for a
field that never changes afterwards — the ticket record (which holds current values), else,
for the status, ``Open`` (Freshservice opens every ticket Open). Activity texts carry no old
values, so a field that changes later and is not set at creation starts empty.

Mapping (docs/connectors/freshservice.md): status ``Open`` (2) -> in_progress, ``Open`` with no
agent -> activity ``Open (unassigned)`` -> new (the group's queue), ``Pending`` (3) ->
waiting_customer, ``Resolved`` (4) -> resolved, ``Closed`` (5) -> closed; a custom status by its
words (``Awaiting Vendor`` -> waiting_vendor; else unknown); priority ``Low/Medium/High/Urgent``
(1-4) -> ``4 - Low`` … ``1 - Urgent`` (ranked like pdca's SLA targets); group and agent by name
(ids through the lookups); type ``Incident`` -> incident, ``Service Request`` ->
service_request; a custom field labelled Support Level (``support_level`` in
``custom_fields``) -> support level. The ticket id is the case.
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
from pdca.ingest.freshservice_text import LEVEL_NAMES, read_line
from pdca.ingest.history import batch_from_frame, file_sha256, replay, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import BadRow, read_bytes
from pdca.ingest.states import guess_state
from pdca.ingest.zendesk import id_text
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State, TicketType

SOURCE = "freshservice"
UNASSIGNED = " (unassigned)"

STATUS_IDS: dict[int, str] = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
"""Freshservice's status codes and labels (API v2)."""
STATUSES: dict[str, State] = {
    "Open": State.IN_PROGRESS,
    "Open" + UNASSIGNED: State.NEW,
    "Pending": State.WAITING_CUSTOMER,
    "Resolved": State.RESOLVED,
    "Closed": State.CLOSED,
}
PRIORITY_IDS: dict[int, str] = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}
PRIORITIES: dict[str, str] = {
    "urgent": "1 - Urgent",
    "high": "2 - High",
    "medium": "3 - Medium",
    "low": "4 - Low",
}
"""Freshservice's priorities and the ranked labels pdca stores (1 is the most urgent)."""
TYPES: dict[str, str] = {
    "incident": TicketType.INCIDENT.value,
    "service request": TicketType.SERVICE_REQUEST.value,
    "problem": TicketType.PROBLEM.value,
    "change": TicketType.CHANGE.value,
}
_LEVEL_KEYS = tuple(name.replace(" ", "_") for name in LEVEL_NAMES)
_SAMPLES = 10


def detect(path: Path) -> bool:
    """A pdca bundle of Freshservice."""
    peek = peek_json(path)
    return peek is not None and peek.source == SOURCE


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Freshservice tickets and their activities as events."""
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a Freshservice JSON file",
            "give the bundle of pdca pull freshservice",
        )
    doc = _read_json(path)
    reader = _Reader(groups=_names(doc.get("groups")), agents=_agent_names(doc.get("agents")))
    reader.read(doc["tickets"], doc["activities"])
    frame = reader.events()
    batch = batch_from_frame(
        frame,
        source=SOURCE,
        states=reader.states(),
        path=path,
        options=options,
        sha256=file_sha256(path),
        bad_rows=reader.bad,
    )
    reasons = batch.details.get("quarantine_reasons", {})
    reasons.pop("line has the wrong number of fields", None)
    for bad in reader.bad:
        kind = re.sub(r"\d+", "N", bad.reason)
        reasons[kind] = reasons.get(kind, 0) + 1
    batch.details[SOURCE] = reader.counts
    return batch


def _read_json(path: Path) -> dict[str, Any]:
    hint = 'give the bundle of pdca pull freshservice ({"tickets": [...], "activities": {...}})'
    try:
        doc = json.loads(read_bytes(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not Freshservice JSON ({exc})", hint) from None
    if not isinstance(doc, dict):
        raise InputError(f"{path} is JSON but not a Freshservice bundle (not an object)", hint)
    bundle = doc.get("pdca_bundle")
    if isinstance(bundle, dict) and bundle.get("source") not in (None, SOURCE):
        raise InputError(
            f"{path} is a pdca bundle of {bundle.get('source')!r}, not of Freshservice",
            f"import it with --source {bundle.get('source')}",
        )
    if not isinstance(doc.get("tickets"), list) or not isinstance(doc.get("activities"), dict):
        raise InputError(
            f'{path} is not a Freshservice bundle (needs "tickets" and "activities" by ticket id)',
            hint,
        )
    return doc


def _names(items: Any) -> dict[str, str]:
    return {
        str(id_text(i.get("id"))): str(i["name"])
        for i in (items if isinstance(items, list) else [])
        if isinstance(i, dict) and id_text(i.get("id")) and i.get("name")
    }


def _agent_names(items: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or id_text(item.get("id")) is None:
            continue
        name = " ".join(str(item.get(k) or "") for k in ("first_name", "last_name")).strip()
        if name:
            out[str(id_text(item.get("id")))] = name
    return out


@dataclass
class _Reader:
    groups: dict[str, str]
    agents: dict[str, str]
    bad: list[BadRow] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)

    def _count(self, key: str, name: str | None = None) -> None:
        if name is None:
            self.counts[key] = self.counts.get(key, 0) + 1
            return
        bucket: dict[str, int] = self.counts.setdefault(key, {})
        bucket[name] = bucket.get(name, 0) + 1

    def value(self, canonical: str, raw: str | None) -> str | None:
        """A value from an activity text as pdca stores it."""
        if raw is None:
            return None
        if canonical == Col.PRIORITY:
            return PRIORITIES.get(raw.lower(), raw)
        if canonical == Col.TICKET_TYPE:
            return TYPES.get(raw.lower())
        if canonical == Col.ACTIVITY:
            self.labels.add(raw)
        return raw

    def read(self, tickets: list[Any], activities: dict[str, Any]) -> None:
        self.counts.update(tickets=len(tickets), activities=0, activity_lines=0)
        self.counts["not_understood"] = 0
        self.counts["not_understood_examples"] = []
        seen: set[str] = set()
        for index, ticket in enumerate(tickets):
            key = id_text(ticket.get("id")) if isinstance(ticket, dict) else None
            if key is None or not isinstance(ticket, dict):
                self.bad.append(BadRow(None, f"ticket {index} has no id", str(ticket)[:500]))
                continue
            seen.add(key)
            listed = activities.get(key)
            if listed is not None and not isinstance(listed, list):
                self.bad.append(BadRow(None, f"ticket {key}: activities are not a list", ""))
                listed = []
            self._ticket(key, ticket, listed or [])
        self.counts["activities_of_unknown_tickets"] = len(set(activities) - seen)

    def _ticket(self, key: str, ticket: dict[str, Any], activities: list[Any]) -> None:
        items = []
        for position, activity in enumerate(activities):
            if not isinstance(activity, dict):
                self.bad.append(BadRow(None, f"ticket {key}: an activity is not an object", ""))
                continue
            at = utc_text(pd.Series([activity.get("created_at")], dtype=object)).iloc[0]
            items.append((at or "", position, at, activity))
        items.sort(key=lambda item: (item[0] == "", item[0], item[1]))
        at_creation: dict[str, Any] = {}
        later: set[str] = set()
        created_seen = False
        for n, (_, _, at, activity) in enumerate(items):
            self.counts["activities"] += 1
            given = activity.get("actor")
            actor: dict[str, Any] = given if isinstance(given, dict) else {}
            lines = [activity.get("content")]
            subs = activity.get("sub_contents")
            lines += subs if isinstance(subs, list) else []
            name = actor.get("name")
            who = name if isinstance(name, str) else None  # a name that is not text is no name
            read = [read_line(str(t), who) for t in lines if isinstance(t, str)]
            self.counts["activity_lines"] += len(read)
            creation = any(r.kind == "created" for r in read) and not created_seen
            created_seen |= creation
            for text, line in zip([t for t in lines if isinstance(t, str)], read, strict=True):
                if line.kind == "unknown":
                    self._count("not_understood")
                    examples = self.counts["not_understood_examples"]
                    if len(examples) < _SAMPLES and text.strip() not in examples:
                        examples.append(text.strip())
                elif line.kind == "ignored_field":
                    self._count("fields_ignored", str(line.label))
                elif line.kind == "info":
                    self._count("informational_lines")
                elif line.kind == "change" and line.field is not None:
                    value = self.value(line.field, line.value)
                    if creation:
                        at_creation[line.field] = value
                    else:
                        later.add(line.field)
                        self.changes.append(
                            {
                                Col.CASE_ID: key,
                                Col.TIMESTAMP: at,
                                "field": line.field,
                                "value": value,
                                "event": f"{key}/{n}",
                            }
                        )
        self.created.append(self._creation(key, ticket, at_creation, later))

    def _creation(
        self, key: str, ticket: dict[str, Any], given: dict[str, Any], later: set[str]
    ) -> dict[str, Any]:
        when = utc_text(pd.Series([ticket.get("created_at")], dtype=object)).iloc[0]
        current = {
            Col.ACTIVITY: self._status(ticket.get("status")),
            Col.PRIORITY: self._priority(ticket.get("priority")),
            Col.ASSIGNMENT_GROUP: self._lookup(self.groups, ticket.get("group_id")),
            Col.RESOURCE: self._lookup(self.agents, ticket.get("responder_id")),
            Col.TICKET_TYPE: TYPES.get(str(ticket.get("type") or "").lower()),
            Col.SUPPORT_LEVEL: _custom_level(ticket.get("custom_fields")),
        }
        row: dict[str, Any] = {Col.CASE_ID: key, Col.TIMESTAMP: when}
        for name, value in current.items():
            if name in given:
                row[name] = given[name]
            elif name not in later:
                row[name] = value
            else:
                row[name] = "Open" if name == Col.ACTIVITY else None
        return row

    def _status(self, raw: Any) -> str | None:
        if isinstance(raw, int) and not isinstance(raw, bool):
            label = STATUS_IDS.get(raw, f"status {raw}")
        elif isinstance(raw, str) and raw:
            label = raw
        else:
            return None
        self.labels.add(label)
        return label

    @staticmethod
    def _priority(raw: Any) -> str | None:
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = PRIORITY_IDS.get(raw, str(raw))
        return PRIORITIES.get(str(raw).lower(), str(raw)) if raw is not None else None

    @staticmethod
    def _lookup(names: dict[str, str], raw: Any) -> str | None:
        key = id_text(raw)
        return None if key is None else names.get(key, key)

    def states(self) -> dict[str, State | str]:
        """Status label -> state: the system statuses, custom ones by their words."""
        states: dict[str, State | str] = dict(STATUSES)
        for label in self.labels - set(STATUSES):
            guess = guess_state(label)
            if guess is not None:
                states[label] = guess
                if guess == State.IN_PROGRESS:
                    states[label + UNASSIGNED] = State.NEW
        return states

    def events(self) -> pd.DataFrame:
        columns = [Col.CASE_ID, Col.TIMESTAMP, "field", "value", "event"]
        changes = pd.DataFrame(self.changes, columns=columns)
        events = replay(pd.DataFrame(self.created), changes)
        if not len(events):
            return events
        states = self.states()
        label = events[Col.ACTIVITY]
        queued = events[Col.RESOURCE].isna() & label.map(
            lambda v: isinstance(v, str) and states.get(v) == State.IN_PROGRESS
        )
        events.loc[queued, Col.ACTIVITY] = label[queued] + UNASSIGNED
        last = events[Col.TICKET_TYPE].groupby(events[Col.CASE_ID], sort=False).transform("last")
        events[Col.TICKET_TYPE] = last.fillna(TicketType.INCIDENT.value)
        events[Col.SEQ] = events.groupby(Col.CASE_ID, sort=False).cumcount()
        return events


def _custom_level(custom: Any) -> str | None:
    if not isinstance(custom, dict):
        return None
    for key in _LEVEL_KEYS:
        if custom.get(key) not in (None, ""):
            return str(custom[key])
    return None
