"""GLPI's REST API (``apirest.php``) as a loopback handler, from the documented shapes.

Documentation: glpi-project/glpi ``apirest.md`` (initSession with ``Authorization: user_token``
and ``App-Token`` → ``session_token``; killSession; search with ``criteria``, ``forcedisplay``,
``sort``, ``order``, ``range`` answering ``totalcount``, ``count``, ``data`` and
``Content-Range``; getItem; getSubItems ``Log``, ``Group_Ticket``, ``Ticket_User``), ``src/Log.php``
(``linked_action`` 15 add / 16 delete relation), ``src/CommonITILObject.php`` (statuses 1 New,
2 Processing (assigned), 5 Solved, 6 Closed) and the table ``glpi_logs``
(``install/mysql/glpi-*-empty.sql``: ``id, itemtype, items_id, itemtype_link, linked_action,
user_name, date_mod, id_search_option, old_value, new_value``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.pull.desk import AGENTS, GROUPS, Desk, Ticket
from tests.pull.server import Reply, Request

APP_TOKEN = "app-0c1d2e"
APP_ENV = "PDCA_TEST_GLPI_APP_TOKEN"
STATUS = {"new": 1, "in_progress": 2, "resolved": 5, "closed": 6}
SESSION = "83af7e620c83a50a18d3eac2f6ed05a3ca0bea62"


def g_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "entities_id": 0,
        "name": "Printer jam",
        "date": g_time(t.created),
        "date_mod": g_time(t.updated),
        "closedate": None,
        "solvedate": g_time(t.updated) if t.status == "resolved" else None,
        "status": STATUS[t.status],
        "priority": t.priority,
        "urgency": 3,
        "impact": 3,
        "itilcategories_id": 0,
        "type": 1,
        "time_to_resolve": None,
    }


def logs(t: Ticket) -> list[dict[str, Any]]:
    def row(n: int, when: datetime, option: int, link: str, action: int, old: str, new: str):
        return {
            "id": t.id * 100 + n,
            "itemtype": "Ticket",
            "items_id": t.id,
            "itemtype_link": link,
            "linked_action": action,
            "user_name": "glpi (2)",
            "date_mod": g_time(when),
            "id_search_option": option,
            "old_value": old,
            "new_value": new,
        }

    group = t.at_creation("group")
    rows = [row(0, t.created, 8, "Group", 15, "", f"{GROUPS[int(group)]} ({group})")]  # type: ignore[call-overload]
    for change in t.changes:
        n = len(rows)
        if change.field == "status":
            old, new = STATUS[str(change.old)], STATUS[str(change.new)]
            rows.append(row(n, change.at, 12, "", 0, str(old), str(new)))
        else:
            option, link, names = (
                (8, "Group", GROUPS) if change.field == "group" else (5, "User", AGENTS)
            )
            if change.old is not None:
                rows.append(
                    row(
                        n,
                        change.at,
                        option,
                        link,
                        16,
                        f"{names[int(change.old)]} ({change.old})",
                        "",
                    )
                )  # type: ignore[call-overload]
            if change.new is not None:
                rows.append(
                    row(
                        len(rows),
                        change.at,
                        option,
                        link,
                        15,
                        "",
                        f"{names[int(change.new)]} ({change.new})",
                    )
                )  # type: ignore[call-overload]
    return rows


def _range(request: Request, items: list[Any]) -> Reply:
    first, last = (int(x) for x in (request.arg("range") or "0-49").split("-"))
    if items and first >= len(items):
        return Reply(400, ["ERROR_RANGE_EXCEEDED_TOTAL", "Provided range exceed total count"])
    page = items[first : last + 1]
    end = first + len(page) - 1
    status = 206 if len(page) < len(items) else 200
    return Reply(status, page, {"Content-Range": f"{first}-{end}/{len(items)}"}), page  # type: ignore[return-value]


class Glpi:
    def __init__(self, desk: Desk, token: str) -> None:
        self.desk = desk
        self.token = token
        self.sessions: set[str] = set()

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("app-token") != APP_TOKEN:
            return Reply(
                400, ["ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong"]
            )
        path = request.path.removeprefix("/apirest.php/")
        if path == "initSession":
            if request.headers.get("authorization") != f"user_token {self.token}":
                return Reply(
                    401, ["ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"]
                )
            self.sessions.add(SESSION)
            return Reply(200, {"session_token": SESSION})
        if request.headers.get("session-token") not in self.sessions:
            return Reply(401, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"])
        if path == "killSession":
            return Reply(200, [])
        if path == "search/Ticket":
            return self.search(request)
        found = re.fullmatch(r"Ticket/(\d+)(?:/(\w+))?", path)
        if not found or int(found.group(1)) not in self.desk.tickets:
            return Reply(404, ["ERROR_ITEM_NOT_FOUND", "Item not found"])
        t = self.desk.tickets[int(found.group(1))]
        sub = found.group(2)
        if sub is None:
            return Reply(200, ticket(t))
        items: list[Any] = {"Log": logs(t), "Group_Ticket": [], "Ticket_User": []}.get(sub, [])
        reply, _ = _range(request, items)  # type: ignore[misc]
        return reply

    def search(self, request: Request) -> Reply:
        tickets = list(self.desk.tickets.values())
        if request.arg("criteria[0][field]") == "19":
            assert request.arg("criteria[0][searchtype]") == "morethan"
            since = request.arg("criteria[0][value]") or ""
            tickets = [t for t in tickets if g_time(t.updated) > since]
        tickets.sort(key=lambda t: t.updated)
        rows = [{"2": t.id, "19": g_time(t.updated)} for t in tickets]
        if not rows:
            return Reply(200, {"totalcount": 0, "count": 0, "sort": [19], "order": ["ASC"]})
        reply, page = _range(request, rows)  # type: ignore[misc]
        reply.body = {
            "totalcount": len(rows),
            "count": len(page),
            "sort": [19],
            "order": ["ASC"],
            "data": page,
            "content-range": reply.headers["Content-Range"],
        }
        return reply
