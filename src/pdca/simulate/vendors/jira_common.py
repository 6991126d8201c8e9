"""What the three Jira writers share: the simulated desk seen as Jira issues.

The simulator's labels become Jira Service Management workflow statuses (``New`` -> ``Open``,
``Queued`` -> ``Waiting for support``, ``Awaiting User Info`` -> ``Waiting for customer``, …)
whose canonical state is the simulator's; its priorities, groups and agents keep their names
(a Jira site names its own priorities). Each issue's key is the simulated case id, so that a
round trip can compare tickets one by one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pdca.model.schema import Col

STATUS: dict[str, tuple[str, str, int]] = {
    "New": ("Open", "new", 1),
    "Queued": ("Waiting for support", "new", 10001),
    "In Progress": ("In Progress", "indeterminate", 3),
    "Awaiting User Info": ("Waiting for customer", "indeterminate", 10002),
    "Awaiting Vendor": ("Waiting for vendor", "indeterminate", 10003),
    "Resolved": ("Resolved", "done", 5),
    "Reopened": ("Reopened", "indeterminate", 4),
    "Closed": ("Closed", "done", 6),
}
"""Simulator label -> (Jira status name, status category key, status id)."""

BY_STATE: dict[str, tuple[str, str, int]] = {
    "new": ("Open", "new", 1),
    "in_progress": ("In Progress", "indeterminate", 3),
    "waiting_customer": ("Waiting for customer", "indeterminate", 10002),
    "waiting_vendor": ("Waiting for vendor", "indeterminate", 10003),
    "waiting_other": ("Awaiting implementation", "indeterminate", 10004),
    "resolved": ("Resolved", "done", 5),
    "closed": ("Closed", "done", 6),
    "cancelled": ("Canceled", "done", 10005),
}
"""Canonical state -> Jira status, for a simulator label not in :data:`STATUS`."""

ISSUE_TYPE: dict[str, str] = {
    "incident": "Incident",
    "service_request": "Service request",
    "problem": "Problem",
    "change": "Change",
}
GROUP_FIELD_ID = "customfield_10050"
GROUP_FIELD_NAME = "Assignment group"
SLA_RESOLUTION_ID = "customfield_10030"
LEVEL_FIELD_ID = "customfield_10060"
LEVEL_FIELD_NAME = "Support level"
TRACKED = (Col.ACTIVITY, Col.RESOURCE, Col.ASSIGNMENT_GROUP, Col.PRIORITY, Col.SUPPORT_LEVEL)


def status_of(label: str, state: str) -> tuple[str, str, int]:
    """The Jira status (name, category key, id) written for a simulator event."""
    return STATUS.get(label) or BY_STATE.get(state, (label, "indeterminate", 10099))


def account_id(name: str) -> str:
    """A stable Atlassian-style account id for an agent's display name."""
    return "5f" + hashlib.sha1(name.encode()).hexdigest()[:22]  # noqa: S324 (an id, not security)


def number(name: str, base: int = 10000) -> int:
    """A stable numeric id for a name (groups, priorities, users in Data Center)."""
    return base + int(hashlib.sha1(name.encode()).hexdigest()[:6], 16) % 90000  # noqa: S324


def made_sla(attributes: Any) -> str | None:
    """The simulated SLA verdict (``"true"``/``"false"``) in an event's attributes JSON."""
    if not isinstance(attributes, str) or not attributes:
        return None
    value = json.loads(attributes).get("made_sla")
    return None if value is None else str(value)


@dataclass
class Ticket:
    """One simulated ticket: its events in order, as plain records."""

    key: str
    number: int
    rows: list[dict[str, Any]]

    @property
    def first(self) -> dict[str, Any]:
        return self.rows[0]

    @property
    def last(self) -> dict[str, Any]:
        return self.rows[-1]

    def steps(self) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[str]]]:
        """(previous event, event, tracked fields that changed) for every event after the
        first; an event that changes none of them yields ``[Col.ACTIVITY]`` (Jira records
        a transition to the same status)."""
        for before, row in zip(self.rows, self.rows[1:], strict=False):
            changed = [f for f in TRACKED if _text(before[f]) != _text(row[f])]
            yield before, row, changed or [Col.ACTIVITY]

    def resolution_cycles(self) -> list[tuple[pd.Timestamp, pd.Timestamp, bool]]:
        """(start, stop, met) of each resolution: an event entering resolved/closed that
        carries the simulated verdict."""
        out: list[tuple[pd.Timestamp, pd.Timestamp, bool]] = []
        start = self.first[Col.TIMESTAMP]
        done = ("resolved", "closed")
        for before, row in zip(self.rows, self.rows[1:], strict=False):
            if row[Col.STATE] in done and before[Col.STATE] not in done:
                verdict = made_sla(row.get(Col.ATTRIBUTES))
                if verdict is not None:
                    out.append((start, row[Col.TIMESTAMP], verdict == "true"))
            if before[Col.STATE] in done and row[Col.STATE] not in done:
                start = row[Col.TIMESTAMP]
        return out

    def resolved_at(self) -> pd.Timestamp | None:
        """When the ticket last entered resolved/closed, if it ends there."""
        if self.last[Col.STATE] not in ("resolved", "closed"):
            return None
        when = self.last[Col.TIMESTAMP]
        for row in reversed(self.rows):
            if row[Col.STATE] not in ("resolved", "closed"):
                break
            when = row[Col.TIMESTAMP]
        return pd.Timestamp(when)


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def value(row: dict[str, Any], name: str) -> str | None:
    """A field's text in an event record (None when missing)."""
    return _text(row.get(name))


def tickets(events: pd.DataFrame) -> list[Ticket]:
    """The simulated tickets in case order, each with its events in time order."""
    frame = events.sort_values([Col.CASE_ID, Col.TIMESTAMP, Col.SEQ], kind="stable")
    frame = frame.astype(object).where(frame.notna(), None)
    out: list[Ticket] = []
    for position, (key, group) in enumerate(frame.groupby(Col.CASE_ID, sort=True)):
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in group.to_dict("records")
        ]
        out.append(Ticket(str(key), 10001 + position, records))
    return out


def jira_time(when: pd.Timestamp, offset_hours: int = 0) -> str:
    """A UTC time as Jira Cloud writes it: ``2025-01-01T01:56:02.000+0100``."""
    local = pd.Timestamp(when) + pd.Timedelta(hours=offset_hours)
    sign = "+" if offset_hours >= 0 else "-"
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}{sign}{abs(offset_hours):02d}00"
