"""Zendesk's REST API v2 as a loopback handler, from the documented shapes.

Documentation (developer.zendesk.com/api-reference): "Incremental Exports" — incremental ticket
export, cursor based (``start_time``, ``cursor``, ``per_page``; ``tickets``, ``after_cursor``,
``after_url``, ``before_cursor``, ``end_of_stream``) and incremental ticket metric events
(``start_time``; ``ticket_metric_events``, ``next_page``, ``count``, ``end_time``); "Ticket
Audits" (``audits`` with ``id, ticket_id, created_at, author_id, via, events[{id, type,
field_name, value, previous_value}]``; cursor pagination ``page[size]``, ``meta.has_more``,
``links.next``); "Ticket Metric Events" (``id, ticket_id, metric, instance_id, type, time``,
``sla{target, business_hours, policy}`` on ``apply_sla``); "Groups"; "Users" ``show_many``;
authentication "API token" (``{email}/token:{api_token}``, basic).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.pull.desk import AGENTS, GROUPS, Desk, Ticket
from tests.pull.server import Reply, Request

USER = "admin@example.com"
STATUS = {"new": "new", "in_progress": "open", "resolved": "solved", "closed": "closed"}
PRIORITY = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
FIELD = {"status": "status", "group": "group_id", "agent": "assignee_id"}


def z_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(name: str, value: object) -> object:
    if name == "status":
        return STATUS[str(value)]
    return None if value is None else str(value)


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "url": f"https://example.zendesk.com/api/v2/tickets/{t.id}.json",
        "created_at": z_time(t.created),
        "updated_at": z_time(t.updated),
        "type": "incident",
        "subject": "Printer jam",
        "status": STATUS[t.status],
        "priority": PRIORITY[t.priority],
        "group_id": t.group,
        "assignee_id": t.agent,
        "requester_id": 3,
    }


def audits(t: Ticket) -> list[dict[str, Any]]:
    create = {
        "id": t.id * 10,
        "ticket_id": t.id,
        "created_at": z_time(t.created),
        "author_id": 3,
        "via": {"channel": "email"},
        "events": [
            {"id": t.id * 100 + 1, "type": "Comment", "body": "The printer jams", "public": True},
            {
                "id": t.id * 100 + 2,
                "type": "Create",
                "field_name": "status",
                "value": STATUS[str(t.at_creation("status"))],
            },
            {
                "id": t.id * 100 + 3,
                "type": "Create",
                "field_name": "priority",
                "value": PRIORITY[t.priority],
            },
            {
                "id": t.id * 100 + 4,
                "type": "Create",
                "field_name": "group_id",
                "value": str(t.at_creation("group")),
            },
            {"id": t.id * 100 + 5, "type": "Create", "field_name": "assignee_id", "value": None},
        ],
    }
    out = [create]
    for update in t.updates():
        out.append(  # noqa: PERF401 (one audit per update, readable)
            {
                "id": update[0].id,
                "ticket_id": t.id,
                "created_at": z_time(update[0].at),
                "author_id": 11,
                "via": {"channel": "web"},
                "events": [
                    {
                        "id": c.id * 10,
                        "type": "Change",
                        "field_name": FIELD[c.field],
                        "value": _value(c.field, c.new),
                        "previous_value": _value(c.field, c.old),
                    }
                    for c in update
                ],
            }
        )
    return out


def metric_events(t: Ticket) -> list[dict[str, Any]]:
    base = {"ticket_id": t.id, "metric": "reply_time", "instance_id": 1}
    out = [
        {**base, "id": t.id * 10 + 1, "type": "activate", "time": z_time(t.created)},
        {
            **base,
            "id": t.id * 10 + 2,
            "type": "apply_sla",
            "time": z_time(t.created),
            "sla": {
                "target": 60,
                "business_hours": False,
                "policy": {"id": 7, "title": "Standard", "description": ""},
            },
        },
    ]
    taken = next((c.at for c in t.changes if c.field == "status"), None)
    if taken is not None:
        out.append({**base, "id": t.id * 10 + 3, "type": "fulfill", "time": z_time(taken)})
    return out


class Zendesk:
    def __init__(self, desk: Desk, token: str) -> None:
        self.desk = desk
        self.auth = "Basic " + base64.b64encode(f"{USER}/token:{token}".encode()).decode()

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != self.auth:
            return Reply(401, {"error": "Couldn't authenticate you"})
        host = f"http://{request.headers.get('host')}"
        path = request.path
        if path == "/api/v2/incremental/tickets/cursor.json":
            return self.export(request, host)
        if path == "/api/v2/incremental/ticket_metric_events":
            start = int(request.arg("start_time") or 0)
            events = sorted(
                (
                    e
                    for t in self.desk.tickets.values()
                    for e in metric_events(t)
                    if datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp() >= start
                ),
                key=lambda e: (e["time"], e["id"]),
            )
            offset = int(request.arg("offset") or 0)
            page = events[offset : offset + 2]
            more = offset + 2 < len(events)
            nxt = f"{host}{path}?{urlencode({'start_time': start, 'offset': offset + 2})}"
            return Reply(
                200,
                {
                    "ticket_metric_events": page,
                    "count": len(page),
                    "end_time": start,
                    "next_page": nxt if more else None,
                },
            )
        found = re.fullmatch(r"/api/v2/tickets/(\d+)/audits", path)
        if found and int(found.group(1)) in self.desk.tickets:
            items = audits(self.desk.tickets[int(found.group(1))])
            size = int(request.arg("page[size]") or 100)
            after = int(request.arg("page[after]") or 0)
            page = items[after : after + size]
            more = after + size < len(items)
            query = urlencode({"page[size]": size, "page[after]": after + size})
            return Reply(
                200,
                {
                    "audits": page,
                    "meta": {"has_more": more},
                    "links": {"next": f"{host}{path}?{query}" if more else None},
                },
            )
        if path == "/api/v2/groups":
            groups = [{"id": i, "name": n} for i, n in GROUPS.items()]
            return Reply(200, {"groups": groups, "next_page": None, "count": len(groups)})
        if path == "/api/v2/users/show_many":
            wanted = (request.arg("ids") or "").split(",")
            users = [{"id": i, "name": n} for i, n in AGENTS.items() if str(i) in wanted]
            return Reply(200, {"users": users, "next_page": None})
        if path == "/api/v2/custom_statuses":
            return Reply(200, {"custom_statuses": []})
        return Reply(404, {"error": "InvalidEndpoint"})

    def export(self, request: Request, host: str) -> Reply:
        start = int(request.arg("start_time") or 0)
        tickets = sorted(
            (t for t in self.desk.tickets.values() if t.updated.timestamp() >= start),
            key=lambda t: (t.updated, t.id),
        )
        offset = int(request.arg("cursor") or 0)
        size = int(request.arg("per_page") or 1000)
        page = tickets[offset : offset + size]
        end = offset + size >= len(tickets)
        after = str(offset + len(page))
        path = request.path
        return Reply(
            200,
            {
                "tickets": [ticket(t) for t in page],
                "after_cursor": after,
                "after_url": f"{host}{path}?{urlencode({'cursor': after})}",
                "before_cursor": None,
                "before_url": None,
                "end_of_stream": end,
            },
        )
