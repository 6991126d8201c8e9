"""Reading Freshservice activity texts (used by :mod:`pdca.ingest.freshservice`).

Freshservice's "View a Ticket's Activities" (``GET /api/v2/tickets/{id}/activities``,
https://api.freshservice.com/#view_ticket_activities) returns, per activity, ``actor{id, name}``,
``content`` (text the UI prints after the actor's name, e.g. ``" set Status as Pending"``),
``sub_contents`` (further lines, e.g. the changes an automation made) and ``created_at``. pdca
reads each line (the content and every sub-content) with these patterns (case-insensitive; a
leading actor name is dropped):

* ``set <Field> as <value>`` -> a change of the field (``Status``, ``Priority``, ``Group``,
  ``Agent``, ``Support Level``/``Support Tier``/``Tier``/``Level``, ``Type``; other fields are
  recognised and ignored); the value ``None``, ``--`` or nothing clears the field;
* ``assigned to <agent>`` -> a change of the agent;
* ``changed the status (from <old>) to <new>`` -> a change of the status;
* ``created a new ticket`` (or incident, service request) -> the creation;
* informational lines (``added a note``, ``replied``, ``sent an email``, ``forwarded``,
  ``executed <automator>``, ``updated …``, ``edited …``, ``deleted …``, ``merged …``,
  ``linked …``, ``attached …``, ``approved …``, ``requested …``) -> nothing (their
  sub-contents are still read);
* anything else -> not understood: kept out of the events, counted in the import details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pdca.model.schema import Col

LEVEL_NAMES = ("support level", "support tier", "tier", "level")
"""Labels of a custom field read as the support level."""

FIELDS: dict[str, str] = {
    "status": Col.ACTIVITY,
    "priority": Col.PRIORITY,
    "group": Col.ASSIGNMENT_GROUP,
    "agent": Col.RESOURCE,
    "type": Col.TICKET_TYPE,
    **dict.fromkeys(LEVEL_NAMES, Col.SUPPORT_LEVEL),
}
"""Field label (lower case) in ``set <Field> as …`` -> canonical field."""

_SET = re.compile(r"^set\s+(?P<field>.+?)\s+as\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_ASSIGNED = re.compile(r"^assigned\s+to\s+(?P<value>.+?)\s*$", re.IGNORECASE)
_STATUS = re.compile(
    r"^changed\s+the\s+status\s+(?:from\s+.+?\s+)?to\s+(?P<value>.+?)\s*$", re.IGNORECASE
)
_CREATED = re.compile(
    r"^created\s+(?:a|an)\s+(?:new\s+)?(?:ticket|incident|service\s+request|request)\b",
    re.IGNORECASE,
)
_INFORMATIONAL = re.compile(
    r"^(?:added|replied|sent|forwarded|executed|updated|edited|deleted|merged|linked|"
    r"attached|approved|requested|rejected|associated|restored|viewed|shared|responded)\b",
    re.IGNORECASE,
)
CLEARED = frozenset({"", "none", "--", "-"})
"""Values that mean a field was emptied."""


@dataclass(frozen=True)
class Line:
    """What one activity line says."""

    kind: str
    """``change``, ``created``, ``info``, ``ignored_field`` or ``unknown``."""
    field: str | None = None
    """Canonical field of a change."""
    value: str | None = None
    label: str | None = None
    """The field label as written (for an ignored field)."""


def read_line(text: str, actor: str | None = None) -> Line:  # noqa: PLR0911 (one per pattern)
    """Classify one activity line (see the module docstring)."""
    line = text.strip().rstrip(".").strip()
    if actor and line.lower().startswith(actor.lower() + " "):
        line = line[len(actor) :].strip()
    if _CREATED.match(line):
        return Line("created")
    found = _SET.match(line)
    if found:
        label = " ".join(found.group("field").lower().split())
        value = found.group("value").strip()
        value_or_none = None if value.lower() in CLEARED else value
        if label in FIELDS:
            return Line("change", FIELDS[label], value_or_none)
        return Line("ignored_field", label=found.group("field"))
    found = _ASSIGNED.match(line)
    if found:
        return Line("change", Col.RESOURCE, found.group("value"))
    found = _STATUS.match(line)
    if found:
        return Line("change", Col.ACTIVITY, found.group("value"))
    if _INFORMATIONAL.match(line):
        return Line("info")
    return Line("unknown")


__all__ = ["CLEARED", "FIELDS", "LEVEL_NAMES", "Line", "read_line"]
