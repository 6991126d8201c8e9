"""Znuny's GenericInterface REST web service as a loopback handler, from the documented shapes.

Documentation (znuny/Znuny): ``development/webservices/GenericTicketConnectorREST.yml`` (routes
``/Session``, ``/Ticket``, ``/Ticket/:TicketID``, ``/TicketHistory/:TicketID``),
``Kernel/GenericInterface/Operation/Session/SessionCreate.pm`` (``SessionID``),
``…/Ticket/TicketSearch.pm`` (``TicketChangeTimeNewerDate``; ``TicketID``), ``TicketGet.pm``
(``Ticket[{TicketID, TicketNumber, Created, Changed, State, StateID, StateType, Queue, QueueID,
Owner, OwnerID, Priority, PriorityID, Type}]``), ``TicketHistoryGet.pm`` (``TicketHistory[{
TicketID, History[{HistoryType, HistoryTypeID, Name, CreateTime, CreateBy, QueueID, OwnerID,
PriorityID, StateID, TypeID, ArticleID, TicketID}]}]``), ``Kernel/System/Ticket.pm`` (the
``Name`` formats ``%%tn%%queue%%priority%%state%%id``, ``%%old%%new%%``, ``%%new%%newid%%old%%
oldid``, ``%%login%%id``) and ``scripts/database/initial_insert.xml`` (default states and
priorities). Errors: ``{"Error": {"ErrorCode", "ErrorMessage"}}`` with HTTP 200.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.pull.desk import GROUPS, Change, Desk, Ticket
from tests.pull.server import Reply, Request

USER = "pdca.reader"
SESSION = "a9Fq3ZkPx7"
STATES = {
    "new": (1, "new", "new"),
    "in_progress": (4, "open", "open"),
    "resolved": (7, "pending auto close+", "pending auto"),
    "closed": (2, "closed successful", "closed"),
}
PRIORITIES = {1: (5, "5 very high"), 2: (4, "4 high"), 3: (3, "3 normal"), 4: (2, "2 low")}
LOGINS = {None: (1, "root@localhost"), 11: (11, "ana"), 12: (12, "bo")}
HISTORY_TYPES = {"NewTicket": 1, "StateUpdate": 27, "Move": 16, "OwnerUpdate": 23}


def o_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _snapshot(values: dict[str, Any], t: Ticket) -> dict[str, Any]:
    return {
        "QueueID": str(values["group"]),
        "OwnerID": str(LOGINS[values["agent"]][0]),
        "PriorityID": str(PRIORITIES[t.priority][0]),
        "StateID": str(STATES[values["status"]][0]),
        "TypeID": "1",
        "TicketID": str(t.id),
        "ArticleID": "",
        "CreateBy": "11",
    }


def history(t: Ticket) -> dict[str, Any]:
    values = {n: t.at_creation(n) for n in ("status", "group", "agent")}
    rows = [
        {
            "HistoryType": "NewTicket",
            "HistoryTypeID": "1",
            "Name": f"%%{2024000 + t.id}%%{GROUPS[int(values['group'])]}%%"  # type: ignore[call-overload]
            f"{PRIORITIES[t.priority][1]}%%{STATES[str(values['status'])][1]}%%{t.id}",
            "CreateTime": o_time(t.created),
            **_snapshot(values, t),
        }
    ]
    for update in t.updates():
        before = dict(values)
        values.update({c.field: c.new for c in update})
        for change in update:
            rows.append(  # noqa: PERF401 (one row per change, readable)
                {
                    "HistoryType": _kind(change),
                    "HistoryTypeID": str(HISTORY_TYPES[_kind(change)]),
                    "Name": _name(change, before),
                    "CreateTime": o_time(change.at),
                    **_snapshot(values, t),
                }
            )
    return {"TicketID": str(t.id), "History": rows}


def _kind(change: Change) -> str:
    return {"status": "StateUpdate", "group": "Move", "agent": "OwnerUpdate"}[change.field]


def _name(change: Change, before: dict[str, Any]) -> str:
    if change.field == "status":
        return f"%%{STATES[str(change.old)][1]}%%{STATES[str(change.new)][1]}%%"
    if change.field == "group":
        new, old = int(change.new), int(change.old)  # type: ignore[call-overload]
        return f"%%{GROUPS[new]}%%{new}%%{GROUPS[old]}%%{old}"
    login = LOGINS[change.new]  # type: ignore[index]
    return f"%%{login[1]}%%{login[0]}"


def ticket(t: Ticket) -> dict[str, Any]:
    state = STATES[t.status]
    return {
        "TicketID": str(t.id),
        "TicketNumber": str(2024000 + t.id),
        "Title": "Printer jam",
        "Created": o_time(t.created),
        "Changed": o_time(t.updated),
        "State": state[1],
        "StateID": str(state[0]),
        "StateType": state[2],
        "Queue": GROUPS[t.group],
        "QueueID": str(t.group),
        "Owner": LOGINS[t.agent][1],
        "OwnerID": str(LOGINS[t.agent][0]),
        "Priority": PRIORITIES[t.priority][1],
        "PriorityID": str(PRIORITIES[t.priority][0]),
        "Type": "Incident",
    }


class Znuny:
    def __init__(self, desk: Desk, password: str) -> None:
        self.desk = desk
        self.password = password

    def __call__(self, request: Request) -> Reply:
        path = request.path.split("/Webservice/GenericTicketConnectorREST", 1)[-1]
        if path == "/Session" and request.method == "POST":
            body = request.json()
            if body != {"UserLogin": USER, "Password": self.password}:
                return Reply(
                    200,
                    {
                        "Error": {
                            "ErrorCode": "SessionCreate.AuthFail",
                            "ErrorMessage": "Authorization failing!",
                        }
                    },
                )
            return Reply(200, {"SessionID": SESSION})
        if request.arg("SessionID") != SESSION:
            return Reply(
                200,
                {
                    "Error": {
                        "ErrorCode": "TicketSearch.AuthFail",
                        "ErrorMessage": "Authorization failing!",
                    }
                },
            )
        if path == "/Ticket":
            since = request.arg("TicketChangeTimeNewerDate")
            ids = [
                str(t.id)
                for t in self.desk.tickets.values()
                if since is None or o_time(t.updated) >= since
            ]
            return Reply(200, {"TicketID": ids} if ids else {})
        found = re.fullmatch(r"/(Ticket|TicketHistory)/([\d,]+)", path)
        if found:
            tickets = [self.desk.tickets[int(i)] for i in found.group(2).split(",")]
            if found.group(1) == "Ticket":
                return Reply(200, {"Ticket": [ticket(t) for t in tickets]})
            return Reply(200, {"TicketHistory": [history(t) for t in tickets]})
        return Reply(404, b"")
