"""Jira Cloud REST v3 as a loopback handler, from the documented shapes.

Documentation: https://developer.atlassian.com/cloud/jira/platform/rest/v3/ — "Search for issues
using JQL enhanced search" (``GET /rest/api/3/search/jql``: ``jql``, ``nextPageToken``,
``maxResults``, ``expand=changelog,names``; ``issues``, ``nextPageToken``, ``isLast``,
``names``), "Get changelogs" (``GET /rest/api/3/issue/{issueIdOrKey}/changelog``: ``startAt``,
``maxResults``, ``total``, ``isLast``, ``values``), "Get current user" (``timeZone``).
The embedded changelog holds one history (``maxResults`` 1, ``total`` all), so the puller
must page the changelog endpoint; JQL times are read in the user's time zone (Berlin here).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.pull.desk import AGENTS, GROUPS, Change, Desk, Ticket
from tests.pull.server import Reply, Request

USER = "agent@example.com"
ZONE = ZoneInfo("Europe/Berlin")
STATUS = {
    "new": ("1", "To Do", "new"),
    "in_progress": ("3", "In Progress", "indeterminate"),
    "resolved": ("5", "Resolved", "done"),
    "closed": ("6", "Closed", "done"),
}
PRIORITY = {1: "Highest", 2: "High", 3: "Medium", 4: "Low"}
GROUP_FIELD = "customfield_10050"


def jira_time(when: datetime) -> str:
    local = when.astimezone(ZONE)
    return local.strftime("%Y-%m-%dT%H:%M:%S.000") + local.strftime("%z")


def _user(agent: object) -> dict[str, str] | None:
    if agent is None:
        return None
    return {"accountId": f"5b10a{agent}", "displayName": AGENTS[int(agent)]}  # type: ignore[call-overload]


def _item(change: Change) -> dict[str, Any]:
    if change.field == "status":
        old, new = STATUS[str(change.old)], STATUS[str(change.new)]
        return {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": old[0],
            "fromString": old[1],
            "to": new[0],
            "toString": new[1],
        }
    if change.field == "agent":
        old_u, new_u = _user(change.old), _user(change.new)
        return {
            "field": "assignee",
            "fieldtype": "jira",
            "fieldId": "assignee",
            "from": old_u and old_u["accountId"],
            "fromString": old_u and old_u["displayName"],
            "to": new_u and new_u["accountId"],
            "toString": new_u and new_u["displayName"],
        }
    return {
        "field": "Assignment group",
        "fieldtype": "custom",
        "fieldId": GROUP_FIELD,
        "from": str(change.old),
        "fromString": GROUPS[int(change.old)],  # type: ignore[call-overload]
        "to": str(change.new),
        "toString": GROUPS[int(change.new)],
    }  # type: ignore[call-overload]


def histories(t: Ticket) -> list[dict[str, Any]]:
    return [
        {
            "id": str(update[0].id),
            "author": {"accountId": "5b10a11", "displayName": AGENTS[11]},
            "created": jira_time(update[0].at),
            "items": [_item(c) for c in update],
        }
        for update in t.updates()
    ]


def issue(t: Ticket) -> dict[str, Any]:
    status = STATUS[t.status]
    all_histories = histories(t)
    return {
        "id": str(10000 + t.id),
        "key": f"SD-{t.id}",
        "self": f"https://example.atlassian.net/rest/api/3/issue/{10000 + t.id}",
        "fields": {
            "created": jira_time(t.created),
            "updated": jira_time(t.updated),
            "status": {"name": status[1], "id": status[0], "statusCategory": {"key": status[2]}},
            "priority": {"name": PRIORITY[t.priority], "id": str(t.priority)},
            "assignee": _user(t.agent),
            "issuetype": {"name": "Incident"},
            "resolutiondate": None,
            GROUP_FIELD: {"value": GROUPS[t.group], "id": str(t.group)},
        },
        "changelog": {
            "startAt": 0,
            "maxResults": 1,
            "total": len(all_histories),
            "histories": all_histories[:1],
        },
    }


class Jira:
    def __init__(self, desk: Desk, token: str) -> None:
        self.desk = desk
        self.auth = "Basic " + base64.b64encode(f"{USER}:{token}".encode()).decode()

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != self.auth:
            return Reply(401, {"errorMessages": ["Client must be authenticated"], "errors": {}})
        if request.path == "/rest/api/3/myself":
            return Reply(200, {"accountId": "5b10a11", "timeZone": "Europe/Berlin"})
        if request.path == "/rest/api/3/search/jql":
            return self.search(request)
        found = re.fullmatch(r"/rest/api/3/issue/SD-(\d+)/changelog", request.path)
        if found and int(found.group(1)) in self.desk.tickets:
            values = histories(self.desk.tickets[int(found.group(1))])
            start = int(request.arg("startAt") or 0)
            size = int(request.arg("maxResults") or 100)
            page = values[start : start + size]
            return Reply(
                200,
                {
                    "startAt": start,
                    "maxResults": size,
                    "total": len(values),
                    "isLast": start + size >= len(values),
                    "values": page,
                },
            )
        return Reply(404, {"errorMessages": ["Issue does not exist"]})

    def search(self, request: Request) -> Reply:
        match = re.fullmatch(
            r'updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)" ORDER BY updated ASC',
            request.arg("jql") or "",
        )
        if match is None:
            return Reply(400, {"errorMessages": ["Error in the JQL Query"]})
        since = datetime.strptime(match.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=ZONE)
        tickets = sorted(
            (t for t in self.desk.tickets.values() if t.updated >= since), key=lambda t: t.updated
        )
        start = int(request.arg("nextPageToken") or 0)
        size = int(request.arg("maxResults") or 50)
        page = [issue(t) for t in tickets[start : start + size]]
        last = start + size >= len(tickets)
        body: dict[str, Any] = {
            "issues": page,
            "isLast": last,
            "names": {GROUP_FIELD: "Assignment group", "status": "Status"},
        }
        if not last:
            body["nextPageToken"] = str(start + size)
        return Reply(200, body)
