"""ServiceNow Table API bundle: incident records and their ``sys_audit`` rows.

What ``pdca pull servicenow`` writes (and a user may save by hand)::

    {"pdca_bundle": {"source": "servicenow", "version": 1},
     "incidents": [...],   # GET /api/now/table/incident?sysparm_display_value=all (or =true)
     "audit": [...],       # GET /api/now/table/sys_audit rows of those incidents
     "choices": [...],     # optional: sys_choice rows (element, value, label) of incident
     "groups": [...], "users": [...]}   # optional: sys_user_group / sys_user (sys_id, name)

Documented at https://www.servicenow.com/docs (REST API reference, "Table API"; tables
``incident``, ``sys_audit``: ``documentkey, tablename, fieldname, oldvalue, newvalue,
sys_created_on, user, record_checkpoint``; ``sys_choice``: ``element, value, label``).

Each incident gives the same events as a row of the audit CSV (``servicenow.py``): one at its
opening (``opened_at``, update 0) and one per update — the audit rows of one incident with the
same ``record_checkpoint`` (the update's number; without one, the same ``sys_created_on``) — with
every field's value at that moment (:func:`pdca.ingest.history.replay`); activity =
``incident_state`` label, seq = ``record_checkpoint``. A field's value at the opening is the old
value of its first audit row, or the record's current value when the field never changed. Stored
values (choice numbers, ``sys_id`` references) are shown by their labels and names from the
``choices``, ``groups`` and ``users`` lists, or the record's own display value.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.history import batch_from_frame, replay, utc_text
from pdca.ingest.options import LoadOptions
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col

FIELDS: dict[str, str] = {
    "incident_state": Col.ACTIVITY,
    "assignment_group": Col.ASSIGNMENT_GROUP,
    "assigned_to": Col.RESOURCE,
    "priority": Col.PRIORITY,
    "impact": Col.IMPACT,
    "urgency": Col.URGENCY,
    "category": Col.CATEGORY,
    "subcategory": Col.SUBCATEGORY,
    "contact_type": Col.CHANNEL,
    "location": Col.LOCATION,
    "caller_id": Col.CALLER,
    "made_sla": "made_sla",
}
"""Incident field → pdca column (``made_sla`` stays a source attribute: the tool's verdict)."""

REFERENCE_TABLES = {"assignment_group": "groups", "assigned_to": "users", "caller_id": "users"}

INCIDENT_STATE_LABELS = {
    "1": "New",
    "2": "Active",
    "3": "Awaiting Problem",
    "4": "Awaiting User Info",
    "5": "Awaiting Evidence",
    "6": "Resolved",
    "7": "Closed",
    "8": "Canceled",
}
"""The base system's ``incident_state`` choices, used when the bundle brings no ``choices``."""


def _states() -> dict[str, str]:
    text = resources.files("pdca.ingest.mappings").joinpath("servicenow.toml").read_text("utf-8")
    states: dict[str, str] = tomllib.loads(text)["states"]
    return states


def is_bundle(data: Any) -> bool:
    """Whether parsed JSON is a ServiceNow bundle."""
    if not isinstance(data, dict):
        return False
    marker = data.get("pdca_bundle")
    if isinstance(marker, dict):
        return marker.get("source") == "servicenow"
    return isinstance(data.get("incidents"), list) and isinstance(data.get("audit"), list)


def detect(path: Path) -> bool:
    """A ``.json`` file whose first KB names the servicenow bundle (or incidents and audit)."""
    try:
        if not path.is_file() or not path.name.lower().endswith(".json"):
            return False
        with path.open("rb") as f:
            head = f.read(1024).decode("utf-8", errors="ignore")
    except OSError:
        return False
    marked = '"pdca_bundle"' in head and '"servicenow"' in head
    return marked or ('"incidents"' in head and '"audit"' in head)


def _raw(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def _display(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("display_value", value.get("value"))
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


class _Labels:
    """Stored values → what people see (choice labels, names of referenced records)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.choices: dict[tuple[str, str], str] = {}
        for row in data.get("choices") or []:
            language = _raw(row.get("language"))
            element, value, label = (_raw(row.get(k)) for k in ("element", "value", "label"))
            if element and value is not None and label and language in (None, "en"):
                self.choices.setdefault((element, value), label)
        for value, label in INCIDENT_STATE_LABELS.items():
            self.choices.setdefault(("incident_state", value), label)
        self.names: dict[str, dict[str, str]] = {}
        for key in ("groups", "users"):
            table: dict[str, str] = {}
            for row in data.get(key) or []:
                sys_id, name = _raw(row.get("sys_id")), _raw(row.get("name"))
                if sys_id and name:
                    table[sys_id] = name
            self.names[key] = table

    def label(self, field: str, raw: str | None, record: dict[str, Any]) -> str | None:
        if raw is None:
            return None
        if field == "made_sla":
            return raw.lower()
        current = record.get(field)
        if (field, raw) in self.choices:
            return self.choices[(field, raw)]
        table = REFERENCE_TABLES.get(field)
        if table and raw in self.names[table]:
            return self.names[table][raw]
        if _raw(current) == raw:
            return _display(current)
        return raw


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path.name} is not a readable JSON file: {exc}",
            "give the bundle `pdca pull servicenow` writes, or the audit CSV",
        ) from None
    if not is_bundle(data):
        raise InputError(
            f"{path.name} is not a ServiceNow Table API bundle (no 'incidents' and 'audit' lists)",
            'save {"incidents": [...], "audit": [...]} from the Table API, or use `pdca pull`',
        )
    return data


def frames(data: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The incidents at their opening, their changes (for ``replay``), and the rows read."""
    labels = _Labels(data)
    incidents = {
        sys_id: record
        for record in data.get("incidents") or []
        if isinstance(record, dict) and (sys_id := _raw(record.get("sys_id")))
    }
    rows = [
        r
        for r in data.get("audit") or []
        if isinstance(r, dict)
        and _raw(r.get("documentkey")) in incidents
        and _raw(r.get("tablename")) in (None, "incident")
        and _raw(r.get("fieldname")) in FIELDS
    ]
    changes: list[dict[str, Any]] = []
    first: dict[tuple[str, str], str | None] = {}
    inserted: dict[tuple[str, str], str | None] = {}
    for row in sorted(rows, key=_audit_order):
        key, field = str(_raw(row["documentkey"])), str(_raw(row["fieldname"]))
        record = incidents[key]
        checkpoint = _raw(row.get("record_checkpoint"))
        new = labels.label(field, _raw(row.get("newvalue")), record)
        if checkpoint is not None and checkpoint.strip() == "0":  # audited insert: the opening
            inserted[(key, field)] = new
            continue
        first.setdefault((key, field), labels.label(field, _raw(row.get("oldvalue")), record))
        changes.append(
            {
                Col.CASE_ID: _display(record.get("number")),
                Col.TIMESTAMP: _raw(row.get("sys_created_on")),
                "field": FIELDS[field],
                "value": new,
                "event": checkpoint or _raw(row.get("sys_created_on")),
                "seq": checkpoint,
            }
        )
    created = []
    for key, record in incidents.items():
        opening: dict[str, Any] = {
            Col.CASE_ID: _display(record.get("number")),
            Col.TIMESTAMP: _raw(record.get("opened_at")) or _raw(record.get("sys_created_on")),
            Col.SEQ: "0",
        }
        for field, column in FIELDS.items():
            if (key, field) in inserted:
                opening[column] = inserted[(key, field)]
            elif (key, field) in first:
                opening[column] = first[(key, field)]
            else:
                opening[column] = labels.label(field, _raw(record.get(field)), record)
        created.append(opening)
    columns = [Col.CASE_ID, Col.TIMESTAMP, "field", "value", "event", "seq"]
    return pd.DataFrame(created), pd.DataFrame(changes, columns=columns), len(incidents) + len(rows)


def _audit_order(row: dict[str, Any]) -> tuple[str, str, int]:
    checkpoint = _raw(row.get("record_checkpoint")) or ""
    number = int(checkpoint) if checkpoint.isdigit() else -1
    return (str(_raw(row.get("documentkey"))), str(_raw(row.get("sys_created_on")) or ""), number)


def events(data: dict[str, Any]) -> tuple[pd.DataFrame, int]:
    """The canonical frame of a bundle (before canonicalisation) and the rows read."""
    created, changes, rows_read = frames(data)
    if created.empty:
        return pd.DataFrame(columns=[Col.CASE_ID, Col.TIMESTAMP, Col.ACTIVITY]), rows_read
    if changes.empty:
        frame = created
    else:
        frame = replay(created, changes)
        if "made_sla" in frame.columns:  # an attribute: carried like the snapshot fields
            frame["made_sla"] = frame.groupby(Col.CASE_ID, sort=False)["made_sla"].ffill()
    frame[Col.TIMESTAMP] = utc_text(frame[Col.TIMESTAMP], "UTC")
    return frame.reset_index(drop=True), rows_read


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read a ServiceNow Table API bundle (incidents + sys_audit) into a batch."""
    data = _read(path)
    frame, _ = events(data)
    return batch_from_frame(frame, source="servicenow", states=_states(), path=path,
                            options=options)  # fmt: skip
