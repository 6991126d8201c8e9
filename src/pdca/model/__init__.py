"""Canonical ITSM model: tickets, events, vocabularies and the ticket facts derived from events."""

from pdca.model.schema import EVENT_COLUMNS, TICKET_DIMENSIONS, Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State, TicketType

__all__ = [
    "EVENT_COLUMNS",
    "OPEN_STATES",
    "RESOLUTION_STATES",
    "TICKET_DIMENSIONS",
    "Col",
    "State",
    "TicketType",
]
