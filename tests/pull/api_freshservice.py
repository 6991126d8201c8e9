"""Freshservice's REST API v2 as a loopback handler, from the documented shapes.

Documentation: https://api.freshservice.com/ — "List All Tickets" (``updated_since``,
``per_page``, ``page``, pagination by the ``Link`` header; ``tickets`` with ``id, subject,
created_at, updated_at, status`` (2 Open, 3 Pending, 4 Resolved, 5 Closed), ``priority`` (1 Low
… 4 Urgent), ``group_id, responder_id, type, custom_fields``), "View a Ticket's Activities"
(``activities[{actor{id, name}, content, sub_contents, created_at}]``), "List All Groups",
"List All Agents" (``id, first_name, last_name``) and "Authentication" (API key, basic).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.pull.desk import AGENTS, GROUPS, Change, Desk, Ticket
from tests.pull.server import Reply, Request

STATUS = {"new": 2, "in_progress": 2, "resolved": 4, "closed": 5}
STATUS_NAME = {2: "Open", 4: "Resolved", 5: "Closed"}
PRIORITY = {1: 4, 2: 3, 3: 2, 4: 1}
PRIORITY_NAME = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}


def f_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "subject": "Printer jam",
        "created_at": f_time(t.created),
        "updated_at": f_time(t.updated),
        "status": STATUS[t.status],
        "priority": PRIORITY[t.priority],
        "group_id": t.group,
        "responder_id": t.agent,
        "requester_id": 3,
        "type": "Incident",
        "custom_fields": {},
    }


def _line(change: Change) -> str | None:
    if change.field == "status":
        if change.new == "in_progress":
            return None  # Freshservice keeps "Open"; an agent makes it in progress
        return f"set Status as {STATUS_NAME[STATUS[str(change.new)]]}"
    if change.field == "group":
        return f"set Group as {GROUPS[int(change.new)]}"  # type: ignore[call-overload]
    return f"set Agent as {AGENTS[int(change.new)]}"  # type: ignore[call-overload]


def activities(t: Ticket) -> list[dict[str, Any]]:
    out = [
        {
            "actor": {"id": 3, "name": "Rita Requester"},
            "content": " created a new ticket",
            "sub_contents": [
                "set Status as Open",
                f"set Priority as {PRIORITY_NAME[PRIORITY[t.priority]]}",
                f"set Group as {GROUPS[int(t.at_creation('group'))]}",  # type: ignore[call-overload]
            ],
            "created_at": f_time(t.created),
        }
    ]
    for update in t.updates():
        lines = [line for c in update if (line := _line(c))]
        out.append(
            {
                "actor": {"id": 11, "name": AGENTS[11]},
                "content": " " + lines[0],
                "sub_contents": lines[1:],
                "created_at": f_time(update[0].at),
            }
        )
    return list(reversed(out))  # newest first, as the UI shows them


class Freshservice:
    def __init__(self, desk: Desk, key: str) -> None:
        self.desk = desk
        self.auth = "Basic " + base64.b64encode(f"{key}:X".encode()).decode()

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != self.auth:
            return Reply(
                401,
                {
                    "code": "invalid_credentials",
                    "message": "You have to be logged in to perform this action.",
                },
            )
        path = request.path
        if path == "/api/v2/tickets":
            since = datetime.fromisoformat(
                (request.arg("updated_since") or "").replace("Z", "+00:00")
            )
            tickets = sorted(
                (t for t in self.desk.tickets.values() if t.updated >= since),
                key=lambda t: t.created,
            )
            return self._page(request, "tickets", [ticket(t) for t in tickets])
        found = re.fullmatch(r"/api/v2/tickets/(\d+)/activities", path)
        if found and int(found.group(1)) in self.desk.tickets:
            return Reply(200, {"activities": activities(self.desk.tickets[int(found.group(1))])})
        if path == "/api/v2/groups":
            return self._page(request, "groups", [{"id": i, "name": n} for i, n in GROUPS.items()])
        if path == "/api/v2/agents":
            agents = [
                {"id": i, "first_name": n.split()[0], "last_name": n.split()[1]}
                for i, n in AGENTS.items()
            ]
            return self._page(request, "agents", agents)
        return Reply(404, {"code": "not_found", "message": "Resource not found"})

    @staticmethod
    def _page(request: Request, key: str, items: list[Any]) -> Reply:
        page = int(request.arg("page") or 1)
        size = int(request.arg("per_page") or 30)
        headers = {}
        if page * size < len(items):
            query = dict(request.query)
            query["page"] = str(page + 1)
            host = request.headers.get("host")
            headers["link"] = f'<http://{host}{request.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, {key: items[(page - 1) * size : page * size]}, headers)
