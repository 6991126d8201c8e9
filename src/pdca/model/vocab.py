"""Controlled vocabularies of the canonical model.

Every source labels its ticket states differently ("Awaiting User Info", "Wait - User", …).
pdca keeps the source label as the event's *activity* and maps it to one canonical *state* so that
KPIs, SLA clocks and conformance checks work the same for every helpdesk. The mapping for each
connector lives in its declarative mapping file (``pdca/ingest/mappings/*.toml``);
``docs/model.md`` explains it.
"""

from __future__ import annotations

from enum import StrEnum


class TicketType(StrEnum):
    """ITIL record types."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    PROBLEM = "problem"
    CHANGE = "change"


class State(StrEnum):
    """Canonical ticket states."""

    NEW = "new"
    """Logged or queued, waiting to be picked up (new, awaiting assignment)."""
    IN_PROGRESS = "in_progress"
    """Someone works on it (accepted, assigned, active)."""
    WAITING_CUSTOMER = "waiting_customer"
    """On hold until the customer/user answers."""
    WAITING_VENDOR = "waiting_vendor"
    """On hold until an external supplier acts."""
    WAITING_OTHER = "waiting_other"
    """On hold for another internal reason (a problem record, a change, an implementation date)."""
    RESOLVED = "resolved"
    """A fix or workaround was delivered; the customer may still reopen."""
    CLOSED = "closed"
    """Finally closed."""
    CANCELLED = "cancelled"
    """Withdrawn or logged in error; not a resolution."""
    UNKNOWN = "unknown"
    """A source label pdca has no mapping for (kept as activity, counted in the quality report)."""


OPEN_STATES: frozenset[State] = frozenset(
    {
        State.NEW,
        State.IN_PROGRESS,
        State.WAITING_CUSTOMER,
        State.WAITING_VENDOR,
        State.WAITING_OTHER,
    }
)
"""States in which a ticket counts as open (backlog)."""

WAITING_STATES: frozenset[State] = frozenset(
    {State.WAITING_CUSTOMER, State.WAITING_VENDOR, State.WAITING_OTHER}
)
"""States that typically pause an SLA resolution clock."""

RESOLUTION_STATES: frozenset[State] = frozenset({State.RESOLVED, State.CLOSED})
"""States that mean the ticket was resolved (closing implies resolution)."""

END_STATES: frozenset[State] = frozenset({State.RESOLVED, State.CLOSED, State.CANCELLED})
"""States after which a ticket no longer counts as open."""
