"""ServiceNow's Table API as a loopback handler, from the documented shapes.

Documentation: ServiceNow REST API reference, "Table API" (``GET /api/now/table/{tableName}``:
``sysparm_query`` encoded queries, ``sysparm_display_value=all`` → ``{"display_value", "value"}``
per field, ``sysparm_fields``, ``sysparm_limit``/``sysparm_offset``, the ``Link`` header with
``rel="next"`` and ``X-Total-Count``); tables ``incident``, ``sys_audit`` (``documentkey,
tablename, fieldname, oldvalue, newvalue, sys_created_on, user, record_checkpoint``),
``sys_choice`` (``element, value, label``), ``sys_user_group`` and ``sys_user``.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.pull.desk import AGENTS, GROUPS, Desk, Ticket
from tests.pull.server import Reply, Request

USER = "pdca.integration"
STATE = {"new": "1", "in_progress": "2", "resolved": "6", "closed": "7"}
LABEL = {"1": "New", "2": "Active", "6": "Resolved", "7": "Closed"}
PRIORITY = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low"}
FIELD = {"status": "incident_state", "group": "assignment_group", "agent": "assigned_to"}


def sn_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def group_id(group: int | None) -> str:
    return "" if group is None else f"{group:032x}"


def user_id(agent: object) -> str:
    return "" if agent is None else f"{int(agent):032x}"  # type: ignore[call-overload]


def _raw(name: str, value: object) -> str:
    if name == "status":
        return STATE[str(value)]
    if name == "group":
        return group_id(value)  # type: ignore[arg-type]
    return user_id(value)


def incident(t: Ticket) -> dict[str, Any]:
    def both(value: str, display: str) -> dict[str, str]:
        return {"display_value": display, "value": value}

    state = STATE[t.status]
    return {
        "sys_id": both(f"{t.id:032x}", f"{t.id:032x}"),
        "number": both(f"INC{t.id:07d}", f"INC{t.id:07d}"),
        "opened_at": both(sn_time(t.created), t.created.strftime("%d/%m/%Y %H:%M:%S")),
        "sys_created_on": both(sn_time(t.created), t.created.strftime("%d/%m/%Y %H:%M:%S")),
        "sys_updated_on": both(sn_time(t.updated), t.updated.strftime("%d/%m/%Y %H:%M:%S")),
        "sys_mod_count": both(str(len(t.updates())), str(len(t.updates()))),
        "incident_state": both(state, LABEL[state]),
        "state": both(state, LABEL[state]),
        "assignment_group": both(group_id(t.group), GROUPS[t.group]),
        "assigned_to": both(user_id(t.agent), AGENTS.get(t.agent, "")),  # type: ignore[arg-type]
        "priority": both(str(t.priority), PRIORITY[t.priority]),
        "made_sla": both("true", "true"),
        "short_description": both("Printer jam", "Printer jam"),
    }


def audit(t: Ticket) -> list[dict[str, Any]]:
    return [
        {
            "documentkey": f"{t.id:032x}",
            "tablename": "incident",
            "fieldname": FIELD[change.field],
            "oldvalue": _raw(change.field, change.old),
            "newvalue": _raw(change.field, change.new),
            "sys_created_on": sn_time(change.at),
            "user": "admin",
            "record_checkpoint": str(checkpoint),
        }
        for checkpoint, update in enumerate(t.updates(), start=1)
        for change in update
    ]


def _matches(record: dict[str, Any], term: str) -> bool:
    def raw(name: str) -> str:
        value = record.get(name, "")
        return str(value.get("value") if isinstance(value, dict) else value)

    if ">=" in term:
        name, value = term.split(">=", 1)
        return raw(name) >= value
    if "IN" in term and "=" not in term:
        name, values = term.split("IN", 1)
        return raw(name) in values.split(",")
    name, value = term.split("=", 1)
    return raw(name) == value


class ServiceNow:
    """The tables of a :class:`Desk`, behind basic authentication."""

    def __init__(self, desk: Desk, password: str) -> None:
        self.desk = desk
        self.auth = "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        tickets = list(self.desk.tickets.values())
        return {
            "incident": [incident(t) for t in tickets],
            "sys_audit": [row for t in tickets for row in audit(t)],
            "sys_choice": [
                {"element": "incident_state", "value": v, "label": k, "language": "en"}
                for v, k in LABEL.items()
            ]
            + [
                {"element": "priority", "value": str(v), "label": k, "language": "en"}
                for v, k in PRIORITY.items()
            ],
            "sys_user_group": [{"sys_id": group_id(g), "name": n} for g, n in GROUPS.items()],
            "sys_user": [{"sys_id": user_id(a), "name": n} for a, n in AGENTS.items()],
        }

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != self.auth:
            return Reply(401, {"error": {"message": "User Not Authenticated"}, "status": "failure"})
        prefix = "/api/now/table/"
        if not request.path.startswith(prefix):
            return Reply(404, {"error": {"message": "Invalid table"}})
        rows = self.tables().get(request.path[len(prefix) :])
        if rows is None:
            return Reply(404, {"error": {"message": "Invalid table"}})
        order = None
        for term in (request.arg("sysparm_query") or "").split("^"):
            if term.startswith("ORDERBY"):
                order = term[len("ORDERBY") :]
            elif term:
                rows = [r for r in rows if _matches(r, term)]
        if order:
            rows.sort(
                key=lambda r: str(r[order]["value"] if isinstance(r[order], dict) else r[order])
            )
        fields = request.arg("sysparm_fields")
        if fields:
            rows = [{k: r.get(k, "") for k in fields.split(",")} for r in rows]
        limit = int(request.arg("sysparm_limit") or 10000)
        offset = int(request.arg("sysparm_offset") or 0)
        page = rows[offset : offset + limit]
        headers = {"X-Total-Count": str(len(rows))}
        if offset + limit < len(rows):
            query = dict(request.query)
            query["sysparm_offset"] = str(offset + limit)
            host = request.headers.get("host", "127.0.0.1")
            headers["Link"] = f'<http://{host}{request.path}?{urlencode(query)}>;rel="next"'
        return Reply(200, {"result": page}, headers)
