"""Column names and types of the canonical tables.

Two tables hold the data of every helpdesk:

* ``events`` — one row per recorded change of a ticket (state change, reassignment, update);
* ``tickets`` — one row per ticket, derived from its events by :mod:`pdca.model.facts`.

Column names are constants of :class:`Col`; never spell them as bare strings elsewhere.
"""

from __future__ import annotations

from typing import Final


class Col:
    """Canonical column names."""

    LOG: Final = "log"
    """Name of the imported log the row belongs to (one store can hold several logs)."""
    CASE_ID: Final = "case_id"
    TICKET_TYPE: Final = "ticket_type"
    TIMESTAMP: Final = "timestamp"
    """Event time in UTC (naive UTC timestamp in the store)."""
    SEQ: Final = "seq"
    """Source sequence number (e.g. ServiceNow ``sys_mod_count``) for stable ordering of ties."""
    ROW: Final = "row"
    """Position of the row in its source file (0-based), the last tie-breaker."""
    ACTIVITY: Final = "activity"
    """The source's own label of the event (e.g. ``Awaiting User Info``)."""
    STATE: Final = "state"
    """Canonical state (:class:`pdca.model.vocab.State`)."""
    ASSIGNMENT_GROUP: Final = "assignment_group"
    RESOURCE: Final = "resource"
    PRIORITY: Final = "priority"
    SUPPORT_LEVEL: Final = "support_level"
    SERVICE: Final = "service"
    CATEGORY: Final = "category"
    SUBCATEGORY: Final = "subcategory"
    CHANNEL: Final = "channel"
    LOCATION: Final = "location"
    IMPACT: Final = "impact"
    URGENCY: Final = "urgency"
    CALLER: Final = "caller"
    ATTRIBUTES: Final = "attributes"
    """All other source columns of the row, as a JSON object of strings."""
    IMPORT_ID: Final = "import_id"
    EVENT_KEY: Final = "event_key"
    """Content hash of the source row (with the log name); used to skip duplicates."""

    # ticket facts (tickets table)
    OPENED_AT: Final = "opened_at"
    FIRST_RESPONSE_AT: Final = "first_response_at"
    FIRST_RESOLVED_AT: Final = "first_resolved_at"
    RESOLVED_AT: Final = "resolved_at"
    CLOSED_AT: Final = "closed_at"
    LAST_EVENT_AT: Final = "last_event_at"
    LAST_STATE: Final = "last_state"
    IS_OPEN: Final = "is_open"
    EVENT_COUNT: Final = "event_count"
    REOPEN_COUNT: Final = "reopen_count"
    REASSIGNMENT_COUNT: Final = "reassignment_count"
    SUPPORT_LEVEL_REACHED: Final = "support_level_reached"


TICKET_DIMENSIONS: tuple[str, ...] = (
    Col.PRIORITY,
    Col.SERVICE,
    Col.CATEGORY,
    Col.SUBCATEGORY,
    Col.CHANNEL,
    Col.LOCATION,
    Col.IMPACT,
    Col.URGENCY,
    Col.CALLER,
)
"""Descriptive ticket attributes; a ticket takes the last non-missing value of its events."""

MAPPABLE_TEXT_COLUMNS: tuple[str, ...] = (
    Col.ACTIVITY,
    Col.ASSIGNMENT_GROUP,
    Col.RESOURCE,
    Col.SUPPORT_LEVEL,
    *TICKET_DIMENSIONS,
)
"""Canonical text columns a mapping may fill from a source column."""

# name -> logical type; "string", "timestamp", "int64". Engines translate these.
EVENT_COLUMNS: dict[str, str] = {
    Col.LOG: "string",
    Col.CASE_ID: "string",
    Col.TICKET_TYPE: "string",
    Col.TIMESTAMP: "timestamp",
    Col.SEQ: "int64",
    Col.ROW: "int64",
    Col.ACTIVITY: "string",
    Col.STATE: "string",
    Col.ASSIGNMENT_GROUP: "string",
    Col.RESOURCE: "string",
    Col.SUPPORT_LEVEL: "string",
    **dict.fromkeys(TICKET_DIMENSIONS, "string"),
    Col.ATTRIBUTES: "string",
    Col.IMPORT_ID: "int64",
    Col.EVENT_KEY: "string",
}

EVENT_ORDER: tuple[str, ...] = (
    Col.LOG,
    Col.CASE_ID,
    Col.TIMESTAMP,
    Col.SEQ,
    Col.IMPORT_ID,
    Col.ROW,
)
"""The stable order of events within a ticket: time, then source sequence, then file position."""

TICKET_FACT_COLUMNS: dict[str, str] = {
    Col.LOG: "string",
    Col.CASE_ID: "string",
    Col.TICKET_TYPE: "string",
    **dict.fromkeys(TICKET_DIMENSIONS, "string"),
    Col.OPENED_AT: "timestamp",
    Col.FIRST_RESPONSE_AT: "timestamp",
    Col.FIRST_RESOLVED_AT: "timestamp",
    Col.RESOLVED_AT: "timestamp",
    Col.CLOSED_AT: "timestamp",
    Col.LAST_EVENT_AT: "timestamp",
    Col.LAST_STATE: "string",
    Col.IS_OPEN: "boolean",
    Col.EVENT_COUNT: "int64",
    Col.REOPEN_COUNT: "int64",
    Col.REASSIGNMENT_COUNT: "int64",
    Col.SUPPORT_LEVEL_REACHED: "string",
}
