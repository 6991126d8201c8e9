"""Zammad's REST API v1 as a loopback handler, from the documented shapes.

Documentation: https://docs.zammad.org/en/latest/api/ticket/index.html (list and search with
``expand=true``, ``page``, ``per_page``, ``sort_by``, ``order_by``), the history route
``GET /api/v1/ticket_history/:id`` of zammad/zammad ``config/routes/ticket.rb`` (``history``
rows ``id, o_id, history_type, history_object, history_attribute, value_from, value_to,
id_from, id_to, created_at, created_by_id`` and ``assets``), ``db/seeds/ticket_states.rb`` and
``ticket_priorities.rb`` (default states and priorities), and "API Introduction"
(``Authorization: Token token=…``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.pull.desk import AGENTS, GROUPS, Change, Desk, Ticket
from tests.pull.server import Reply, Request

STATES = {"new": 1, "in_progress": 2, "closed": 4, "resolved": 7}
STATE_NAMES = {1: "new", 2: "open", 4: "closed", 7: "pending close"}
STATE_TYPES = {1: "new", 2: "open", 4: "closed", 7: "pending action"}
PRIORITIES = {1: "1 low", 2: "2 normal", 3: "3 high"}
DESK_PRIORITY = {1: 3, 2: 3, 3: 2, 4: 1}
NOBODY = 1


def z_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _owner(agent: object) -> int:
    return NOBODY if agent is None else int(agent)  # type: ignore[call-overload]


def _user(user_id: int) -> dict[str, Any]:
    if user_id == NOBODY:
        return {"id": 1, "login": "-", "firstname": "-", "lastname": ""}
    first, last = AGENTS[user_id].split()
    return {"id": user_id, "login": first.lower(), "firstname": first, "lastname": last}


def ticket(t: Ticket) -> dict[str, Any]:
    owner = _owner(t.agent)
    return {
        "id": t.id,
        "number": f"31{t.id:03d}",
        "title": "Printer jam",
        "group_id": t.group,
        "group": GROUPS[t.group],
        "state_id": STATES[t.status],
        "state": STATE_NAMES[STATES[t.status]],
        "priority_id": DESK_PRIORITY[t.priority],
        "priority": PRIORITIES[DESK_PRIORITY[t.priority]],
        "owner_id": owner,
        "owner": _user(owner)["login"],
        "customer_id": 3,
        "created_at": z_time(t.created),
        "updated_at": z_time(t.updated),
    }


def _row(t: Ticket, change: Change) -> dict[str, Any]:
    if change.field == "status":
        ids = STATES[str(change.old)], STATES[str(change.new)]
        names = STATE_NAMES[ids[0]], STATE_NAMES[ids[1]]
        attribute = "state"
    elif change.field == "group":
        ids = int(change.old), int(change.new)  # type: ignore[call-overload]
        names = GROUPS[ids[0]], GROUPS[ids[1]]
        attribute = "group"
    else:
        ids = _owner(change.old), _owner(change.new)
        names = tuple(  # type: ignore[assignment]
            " ".join(filter(None, (_user(i)["firstname"], _user(i)["lastname"]))) for i in ids
        )
        attribute = "owner"
    return {
        "id": change.id,
        "o_id": t.id,
        "history_type": "updated",
        "history_object": "Ticket",
        "history_attribute": attribute,
        "value_from": names[0],
        "value_to": names[1],
        "id_from": ids[0],
        "id_to": ids[1],
        "related_o_id": None,
        "created_at": z_time(change.at),
        "created_by_id": 11,
    }


def history(t: Ticket) -> dict[str, Any]:
    created = {
        "id": t.id * 10,
        "o_id": t.id,
        "history_type": "created",
        "history_object": "Ticket",
        "history_attribute": None,
        "value_from": None,
        "value_to": None,
        "id_from": None,
        "id_to": None,
        "related_o_id": None,
        "created_at": z_time(t.created),
        "created_by_id": 3,
    }
    users = {str(i): _user(i) for i in (NOBODY, *AGENTS)}
    return {
        "history": [created, *(_row(t, c) for c in t.changes)],
        "assets": {"Ticket": {str(t.id): ticket(t)}, "User": users},
    }


class Zammad:
    def __init__(self, desk: Desk, token: str) -> None:
        self.desk = desk
        self.auth = f"Token token={token}"

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != self.auth:
            return Reply(401, {"error": "authentication failed"})
        tickets = sorted(self.desk.tickets.values(), key=lambda t: t.id)
        path = request.path
        if path == "/api/v1/tickets/search":
            found = re.fullmatch(r'updated_at:\["([^"]+)" TO \*\]', request.arg("query") or "")
            if found is None:
                return Reply(422, {"error": "query not understood"})
            since = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
            tickets = sorted((t for t in tickets if t.updated >= since), key=lambda t: t.updated)
            return self._page(request, [ticket(t) for t in tickets])
        if path == "/api/v1/tickets":
            return self._page(request, [ticket(t) for t in tickets])
        found = re.fullmatch(r"/api/v1/ticket_history/(\d+)", path)
        if found and int(found.group(1)) in self.desk.tickets:
            return Reply(200, history(self.desk.tickets[int(found.group(1))]))
        lookups = {
            "/api/v1/ticket_states": [
                {"id": i, "name": n, "state_type_id": i, "state_type": STATE_TYPES[i]}
                for i, n in STATE_NAMES.items()
            ],
            "/api/v1/groups": [{"id": i, "name": n} for i, n in GROUPS.items()],
            "/api/v1/ticket_priorities": [{"id": i, "name": n} for i, n in PRIORITIES.items()],
        }
        if path in lookups:
            return self._page(request, lookups[path])
        return Reply(404, {"error": "No route matches"})

    @staticmethod
    def _page(request: Request, items: list[Any]) -> Reply:
        page = int(request.arg("page") or 1)
        size = int(request.arg("per_page") or 100)
        return Reply(200, items[(page - 1) * size : page * size])
