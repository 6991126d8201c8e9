"""A tiny service desk whose tickets the loopback servers show in each vendor's API shape.

Times are UTC. A ticket has values at creation and a list of changes (status, group, agent);
:meth:`Desk.touch` and :meth:`Desk.open_ticket` change the desk between two pulls, as users
of the tool would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

GROUPS = {1: "Service Desk", 2: "Network"}
AGENTS = {11: "Ana Lima", 12: "Bo Berg"}
STATUSES = ("new", "in_progress", "resolved", "closed")
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Change:
    id: int
    at: datetime
    field: str  # "status", "group" or "agent"
    old: object
    new: object


@dataclass
class Ticket:
    id: int
    created: datetime
    status: str = "new"
    group: int = 1
    agent: int | None = None
    priority: int = 3
    changes: list[Change] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        return max([self.created, *(c.at for c in self.changes)])

    def at_creation(self, name: str) -> object:
        for change in self.changes:
            if change.field == name:
                return change.old
        return getattr(self, name)

    def updates(self) -> list[list[Change]]:
        """Changes grouped by time (one update of the ticket each)."""
        out: list[list[Change]] = []
        for change in self.changes:
            if out and out[-1][0].at == change.at:
                out[-1].append(change)
            else:
                out.append([change])
        return out


def truth(desk: Desk) -> list[tuple[int, str, str, str, str | None]]:
    """The events every connector must give: (ticket id, UTC time, state, group, agent) at the
    creation and after each update, in order."""
    rows = []
    for t in desk.tickets.values():
        values = {name: t.at_creation(name) for name in ("status", "group", "agent")}
        steps = [(t.created, dict(values))]
        for update in t.updates():
            values.update({c.field: c.new for c in update})
            steps.append((update[0].at, dict(values)))
        rows += [
            (
                t.id,
                at.strftime("%Y-%m-%d %H:%M:%S"),
                str(v["status"]),
                GROUPS[int(v["group"])],  # type: ignore[call-overload]
                None if v["agent"] is None else AGENTS[int(v["agent"])],  # type: ignore[call-overload]
            )
            for at, v in steps
        ]
    return sorted(rows)


class Desk:
    def __init__(self) -> None:
        self.tickets: dict[int, Ticket] = {}
        self._change_id = 1000

    @classmethod
    def seeded(cls, n: int = 4) -> Desk:
        desk = cls()
        for i in range(n):
            t0 = START + timedelta(hours=3 * i)
            ticket = desk.open_ticket(t0, priority=2 + i % 3)
            desk.change(ticket.id, t0 + timedelta(minutes=20), status="in_progress", agent=11)
            if i % 2 == 0:
                desk.change(ticket.id, t0 + timedelta(minutes=50), group=2, agent=12)
                desk.change(ticket.id, t0 + timedelta(hours=2), status="resolved")
        return desk

    def open_ticket(self, at: datetime, priority: int = 3) -> Ticket:
        ticket = Ticket(id=101 + len(self.tickets), created=at, priority=priority)
        self.tickets[ticket.id] = ticket
        return ticket

    def change(self, ticket_id: int, at: datetime, **values: object) -> None:
        ticket = self.tickets[ticket_id]
        for name, new in values.items():
            self._change_id += 1
            ticket.changes.append(Change(self._change_id, at, name, getattr(ticket, name), new))
            setattr(ticket, name, new)

    @property
    def last(self) -> datetime:
        return max(t.updated for t in self.tickets.values())

    def move_on(self) -> tuple[int, int]:
        """Between two pulls: one ticket moves on (resolved), a new one is opened and taken.
        Returns (updated ticket id, new ticket id)."""
        later = self.last + timedelta(hours=1)
        touched = next(t for t in self.tickets.values() if t.status == "in_progress")
        self.change(touched.id, later, status="resolved")
        new = self.open_ticket(later + timedelta(minutes=5))
        self.change(new.id, later + timedelta(minutes=15), status="in_progress", agent=12)
        return touched.id, new.id
