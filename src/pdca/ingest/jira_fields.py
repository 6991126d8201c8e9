"""What every Jira reader shares: status labels, issue types, the team/group field, SLA values.

Jira Service Management's default workflows (Atlassian's "Jira Service Management workflows"
and the JSM ITSM project templates) name their statuses; :data:`STATUSES` maps those names to
pdca's canonical states. A status a site added itself falls back to its status category
(``new`` / ``indeterminate`` / ``done``, the ``statusCategory.key`` of the REST ``status``
object, or ``status_category`` of the Data Center data pipeline) when the export carries it;
otherwise its label stays unmapped and the quality report lists it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from pdca.errors import InputError
from pdca.model.vocab import State, TicketType

STATUSES: dict[str, State] = {
    "open": State.NEW,
    "to do": State.NEW,
    "new": State.NEW,
    "backlog": State.NEW,
    "waiting for support": State.NEW,
    "in progress": State.IN_PROGRESS,
    "work in progress": State.IN_PROGRESS,
    "escalated": State.IN_PROGRESS,
    "investigating": State.IN_PROGRESS,
    "implementing": State.IN_PROGRESS,
    "reopened": State.IN_PROGRESS,
    "waiting for customer": State.WAITING_CUSTOMER,
    "pending": State.WAITING_CUSTOMER,
    "waiting for vendor": State.WAITING_VENDOR,
    "waiting for partner": State.WAITING_VENDOR,
    "waiting for third party": State.WAITING_VENDOR,
    "awaiting approval": State.WAITING_OTHER,
    "awaiting implementation": State.WAITING_OTHER,
    "resolved": State.RESOLVED,
    "done": State.RESOLVED,
    "completed": State.RESOLVED,
    "closed": State.CLOSED,
    "canceled": State.CANCELLED,
    "cancelled": State.CANCELLED,
    "declined": State.CANCELLED,
    "won't do": State.CANCELLED,
    "rejected": State.CANCELLED,
}
"""Default JSM / Jira workflow status names (lower case) and the canonical state of each."""

CATEGORIES: dict[str, State] = {
    "new": State.NEW,
    "to do": State.NEW,
    "indeterminate": State.IN_PROGRESS,
    "in progress": State.IN_PROGRESS,
    "done": State.RESOLVED,
}
"""Jira status categories (key or English name, lower case) for statuses not in STATUSES."""

ISSUE_TYPES: dict[str, TicketType] = {
    "incident": TicketType.INCIDENT,
    "service request": TicketType.SERVICE_REQUEST,
    "service request with approvals": TicketType.SERVICE_REQUEST,
    "problem": TicketType.PROBLEM,
    "change": TicketType.CHANGE,
}
"""JSM ITSM issue types; any other type (Task, Bug, …) is read as an incident (with a note)."""

GROUP_FIELD_NAMES: tuple[str, ...] = (
    "assignment group",
    "team",
    "group",
    "assigned group",
    "support group",
    "assignment groups",
)
"""Names of the field that holds a ticket's team or assignment group, in order of preference."""

LEVEL_FIELD_NAMES: tuple[str, ...] = ("support level", "tier", "support tier", "support line")
"""Names of a custom field holding the support level (L1, L2, …); FCR needs it."""

SLA_RESOLUTION = "time to resolution"
SLA_FIRST_RESPONSE = "time to first response"


def status_states(labels: Iterable[str], categories: dict[str, str]) -> dict[str, State | str]:
    """Status label -> canonical state, for every label seen (unknown labels left out).

    ``categories`` maps a status label to its status category, where the export says it.
    """
    out: dict[str, State | str] = {}
    for label in labels:
        known = STATUSES.get(label.strip().lower())
        if known is None:
            category = categories.get(label)
            known = CATEGORIES.get(category.strip().lower()) if category else None
        if known is not None:
            out[label] = known
    return out


def ticket_type(issuetype: str | None) -> tuple[TicketType, bool]:
    """The pdca ticket type of a Jira issue type, and whether it was a known ITSM type."""
    if not issuetype or not isinstance(issuetype, str):  # missing (None, NaN) or not text
        return TicketType.INCIDENT, False
    found = ISSUE_TYPES.get(issuetype.strip().lower())
    return (found, True) if found is not None else (TicketType.INCIDENT, False)


def is_group_field(name: str | None, chosen: str | None = None) -> bool:
    """True when a field (its name or id) is the team/assignment-group field."""
    if not name:
        return False
    if chosen:
        return name.strip().lower() == chosen.strip().lower()
    return name.strip().lower() in GROUP_FIELD_NAMES


def is_level_field(name: str | None) -> bool:
    """True when a field's name is the support-level field."""
    return bool(name) and str(name).strip().lower() in LEVEL_FIELD_NAMES


def chosen_group_field(mapping: Path | None) -> str | None:
    """The group field the user names in a mapping file (``[jira] group_field = "…"``).

    ``pdca ingest FILE --source jira --map jira.toml`` with a ``[jira]`` table whose
    ``group_field`` is a custom field id (``customfield_10050``) or name (``Support team``).
    """
    if mapping is None:
        return None
    try:
        data = tomllib.loads(mapping.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the mapping {mapping}: {exc}") from None
    table = data.get("jira", {})
    value = table.get("group_field") if isinstance(table, dict) else None
    if value is not None and not isinstance(value, str):
        raise InputError(f"{mapping}: [jira] group_field must be text", 'e.g. "customfield_10050"')
    return value


_DURATION = re.compile(r"^\s*(-)?\s*(\d+):([0-5]\d)\s*$")


def sla_hours(text: str | None) -> float | None:
    """A JSM SLA value as exported (``h:mm``, negative when breached) in hours; None if blank
    or not in that shape."""
    if text is None:
        return None
    match = _DURATION.match(str(text))
    if not match:
        return None
    sign = -1.0 if match.group(1) else 1.0
    return sign * (int(match.group(2)) + int(match.group(3)) / 60)
