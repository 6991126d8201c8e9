"""The simulated desk as GLPI's tables: ``glpi_logs``, ``glpi_tickets`` and the actor tables.

Writes a folder of CSV dumps with a header line, as ``SELECT *`` exported by DBeaver gives them
(columns of glpi-project/glpi ``install/mysql/glpi-*-empty.sql``; NULL as an empty field):
``glpi_tickets.csv``, ``glpi_logs.csv``, ``glpi_groups.csv``, ``glpi_users.csv``,
``glpi_groups_tickets.csv``, ``glpi_tickets_users.csv``. The log holds deltas, as GLPI writes
them: a ``HISTORY_CREATE_ITEM`` row at the opening, the actors added then, and for each later
change its old and new value — status under search option 12 and priority under 3 as bare
numbers, assigned group/technician as ``HISTORY_ADD_RELATION`` / ``HISTORY_DEL_RELATION`` rows
with ``"name (id)"`` values (options 8 and 5). Rows that are no state change are written too, as
GLPI does: the requester added at the opening (option 4), a follow-up when work starts
(``ITILFollowup``, ``HISTORY_ADD_SUBITEM``), the solution and the ``solvedate`` field when the
ticket is solved.

Simplifications: the ticket id is the simulator's number (``INC0000042`` -> 42); the simulator's
"Queued" (waiting for a group to pick it up) is written as status 1 New although a real GLPI
moves a ticket with an assigned group to status 2 itself; both pending kinds (user, vendor) are
GLPI's one status 4 Pending. ``time_to_resolve`` is the opening plus the simulator's default
resolution target plus the time spent pending (GLPI extends the due time while a ticket is
pending), moved just past or before ``solvedate`` when that estimate disagrees with the
simulator's verdict ``made_sla``, so that ``solvedate <= time_to_resolve`` is that verdict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.model.objectives import priority_key

TIME = "%Y-%m-%d %H:%M:%S"
STATUS = {
    "new": 1,
    "in_progress": 2,
    "waiting_customer": 4,
    "waiting_vendor": 4,
    "waiting_other": 4,
    "resolved": 5,
    "closed": 6,
    "cancelled": 6,
}
CREATE_ITEM, ADD_RELATION, DEL_RELATION, ADD_SUBITEM = 20, 15, 16, 17
STATUS_OPTION, PRIORITY_OPTION, SOLVEDATE_OPTION = 12, 3, 17
GROUP_OPTION, USER_OPTION, REQUESTER_OPTION = 8, 5, 4
LOG_COLUMNS = (
    "id",
    "itemtype",
    "items_id",
    "itemtype_link",
    "linked_action",
    "user_name",
    "date_mod",
    "id_search_option",
    "old_value",
    "new_value",
)


def ticket_number(case_id: str) -> int:
    """``INC0000042`` -> 42 (the digits of the simulator's case id)."""
    digits = re.sub(r"\D", "", case_id)
    return int(digits) if digits else 0


def glpi_priority(label: Any) -> int:
    """The simulator's ITIL priority (1 most urgent) as GLPI's (5 "Very high" … 1)."""
    if not isinstance(label, str):
        return 3
    key = priority_key(label)
    return min(max(6 - int(key), 1), 6) if key.isdigit() else 3


def _ids(values: pd.Series) -> dict[str, int]:
    names = sorted({v for v in values if isinstance(v, str) and v})
    return {name: i + 1 for i, name in enumerate(names)}


def _made_sla(attributes: Any) -> bool | None:
    if not isinstance(attributes, str):
        return None
    value = json.loads(attributes).get("made_sla")
    return None if value is None else value == "true"


def _targets() -> dict[str, float]:
    from pdca.simulate.config import SimulationConfig  # noqa: PLC0415 (only the writer needs it)

    return {priority_key(p): t.resolution for p, t in SimulationConfig().sla.items()}


class _Log:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, ticket: int, when: str, user: str, **values: Any) -> None:
        row = {
            "id": len(self.rows) + 1,
            "itemtype": "Ticket",
            "items_id": ticket,
            "itemtype_link": "",
            "linked_action": 0,
            "user_name": user,
            "date_mod": when,
            "id_search_option": 0,
            "old_value": "",
            "new_value": "",
        }
        row.update(values)
        self.rows.append(row)


def _actor_rows(
    log: _Log,
    at: tuple[int, str, str],
    prev: dict[str, Any],
    now: dict[str, Any],
    ctx: dict[str, Any],
) -> None:
    """DEL/ADD relation rows for the assigned group and technician that changed."""
    for kind, key, option, ids in (
        ("Group", "group", GROUP_OPTION, ctx["groups"]),
        ("User", "user", USER_OPTION, ctx["users"]),
    ):
        old, new = prev[key], now[key]
        if new == old:
            continue
        if old is not None:
            log.add(
                *at,
                itemtype_link=kind,
                linked_action=DEL_RELATION,
                id_search_option=option,
                old_value=f"{old} ({ids[old]})",
            )
        if new is not None:
            log.add(
                *at,
                itemtype_link=kind,
                linked_action=ADD_RELATION,
                id_search_option=option,
                new_value=f"{new} ({ids[new]})",
            )


def _field_rows(
    log: _Log,
    at: tuple[int, str, str],
    prev: dict[str, Any],
    now: dict[str, Any],
    solved: str | None,
) -> None:
    """Priority and status changes, and the rows GLPI writes beside them (no state change)."""
    tid, when = at[0], at[1]
    if now["prio"] != prev["prio"]:
        log.add(
            *at,
            id_search_option=PRIORITY_OPTION,
            old_value=str(prev["prio"]),
            new_value=str(now["prio"]),
        )
    status = now["state"]
    if status == prev["state"]:
        return
    log.add(
        *at, id_search_option=STATUS_OPTION, old_value=str(prev["state"]), new_value=str(status)
    )
    if status == 2 and prev["state"] == 1:
        log.add(*at, itemtype_link="ITILFollowup", linked_action=ADD_SUBITEM, new_value=str(tid))
    if status == 5:
        log.add(*at, itemtype_link="ITILSolution", linked_action=ADD_SUBITEM, new_value=str(tid))
        log.add(*at, id_search_option=SOLVEDATE_OPTION, old_value=solved or "", new_value=when)


def _now(ev: pd.Series) -> dict[str, Any]:
    return {
        "state": STATUS[str(ev["state"])],
        "group": ev["assignment_group"] if isinstance(ev["assignment_group"], str) else None,
        "user": ev["resource"] if isinstance(ev["resource"], str) else None,
        "prio": glpi_priority(ev["priority"]),
    }


def _history(events: pd.DataFrame, tid: int, ctx: dict[str, Any], log: _Log) -> dict[str, Any]:
    """Write the ticket's log rows; return its last status, solve/close dates and time pending."""
    users = ctx["users"]
    times = [t.strftime(TIME) for t in events["timestamp"]]
    log.add(tid, times[0], "glpi (2)", linked_action=CREATE_ITEM)
    caller = events["caller"].iloc[0] if "caller" in events.columns else None
    if isinstance(caller, str):
        log.add(
            tid,
            times[0],
            "glpi (2)",
            itemtype_link="User",
            linked_action=ADD_RELATION,
            id_search_option=REQUESTER_OPTION,
            new_value=f"{caller} ({users[caller]})",
        )
    prev: dict[str, Any] = {"state": None, "group": None, "user": None, "prio": None}
    out: dict[str, Any] = {"solved": None, "closed": None, "waited": 0.0}
    since: pd.Timestamp | None = None
    for i, (_, ev) in enumerate(events.iterrows()):
        now = _now(ev)
        who = f"{now['user']} ({users[now['user']]})" if now["user"] else "glpi (2)"
        at = (tid, times[i], who)
        _actor_rows(log, at, prev, now, ctx)
        if i:
            _field_rows(log, at, prev, now, out["solved"])
        if now["state"] == 4 and since is None:
            since = ev["timestamp"]
        elif now["state"] != 4 and since is not None:
            out["waited"] += (ev["timestamp"] - since).total_seconds()
            since = None
        out["solved"] = (
            times[i] if now["state"] == 5 else (None if now["state"] < 5 else out["solved"])
        )
        out["closed"] = times[i] if now["state"] == 6 else None
        prev = now
    out["status"] = prev["state"]
    out["solved"] = out["solved"] or out["closed"]
    return out


def _due(events: pd.DataFrame, hist: dict[str, Any], ctx: dict[str, Any]) -> pd.Timestamp:
    """time_to_resolve: opening + target + time pending, agreeing with the verdict made_sla."""
    hours = ctx["targets"].get(priority_key(str(events["priority"].iloc[0])), 72.0)
    due = events["timestamp"].iloc[0] + pd.Timedelta(hours=hours, seconds=hist["waited"])
    verdict = _made_sla(events["attributes"].iloc[-1]) if "attributes" in events else None
    solved = hist["solved"]
    if solved is not None and verdict is not None and (pd.Timestamp(solved) <= due) != verdict:
        due = pd.Timestamp(solved) + pd.Timedelta(minutes=1 if verdict else -1)
    return pd.Timestamp(due)


def _ticket(events: pd.DataFrame, ctx: dict[str, Any], log: _Log) -> dict[str, Any]:
    """Write one ticket's log rows; return its glpi_tickets row."""
    first = events.iloc[0]
    tid = ticket_number(str(first["case_id"]))
    hist = _history(events, tid, ctx, log)
    opened = first["timestamp"].strftime(TIME)
    return {
        "id": tid,
        "entities_id": 0,
        "name": f"{first.get('category') or 'Ticket'}: {first.get('subcategory') or ''}".strip(),
        "date": opened,
        "closedate": hist["closed"] or "",
        "solvedate": hist["solved"] or "",
        "date_mod": events["timestamp"].iloc[-1].strftime(TIME),
        "users_id_lastupdater": 2,
        "status": hist["status"],
        "users_id_recipient": 2,
        "requesttypes_id": 1,
        "content": "",
        "urgency": 3,
        "impact": 3,
        "priority": glpi_priority(first["priority"]),
        "itilcategories_id": 0,
        "type": 2 if first.get("ticket_type") == "service_request" else 1,
        "global_validation": 1,
        "slas_id_ttr": 1,
        "slas_id_tto": 0,
        "slalevels_id_ttr": 0,
        "time_to_resolve": _due(events, hist, ctx).strftime(TIME),
        "time_to_own": "",
        "begin_waiting_date": "",
        "sla_waiting_duration": int(hist["waited"]),
        "waiting_duration": int(hist["waited"]),
        "close_delay_stat": 0,
        "solve_delay_stat": 0,
        "takeintoaccount_delay_stat": 0,
        "actiontime": 0,
        "is_deleted": 0,
        "locations_id": 0,
        "date_creation": opened,
    }


def frames(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The GLPI tables of the simulated desk, as frames (also used by tests for the bundle)."""
    ev = events.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    callers = ev["caller"] if "caller" in ev.columns else pd.Series(dtype=object)
    people = pd.concat([ev["resource"], callers])
    users = {name: i + 10 for name, i in _ids(people).items()}  # 2 is GLPI's own "glpi" user
    ctx: dict[str, Any] = {
        "groups": _ids(ev["assignment_group"]),
        "users": users,
        "targets": _targets(),
    }
    log = _Log()
    tickets = [_ticket(group, ctx, log) for _, group in ev.groupby("case_id", sort=True)]
    last = ev.groupby("case_id", sort=True).tail(1)
    gt: list[dict[str, Any]] = []
    tu: list[dict[str, Any]] = []
    for _, row in last.iterrows():
        tid = ticket_number(str(row["case_id"]))
        if isinstance(row["assignment_group"], str):
            gt.append(
                {
                    "id": len(gt) + 1,
                    "tickets_id": tid,
                    "groups_id": ctx["groups"][row["assignment_group"]],
                    "type": 2,
                }
            )
        if isinstance(row.get("caller"), str):
            tu.append(
                {
                    "id": len(tu) + 1,
                    "tickets_id": tid,
                    "users_id": ctx["users"][row["caller"]],
                    "type": 1,
                    "use_notification": 1,
                    "alternative_email": "",
                }
            )
        if isinstance(row["resource"], str):
            tu.append(
                {
                    "id": len(tu) + 1,
                    "tickets_id": tid,
                    "users_id": ctx["users"][row["resource"]],
                    "type": 2,
                    "use_notification": 1,
                    "alternative_email": "",
                }
            )
    groups = pd.DataFrame(
        [
            {
                "id": i,
                "entities_id": 0,
                "is_recursive": 1,
                "name": n,
                "comment": "",
                "groups_id": 0,
                "completename": n,
                "level": 1,
                "is_assign": 1,
            }
            for n, i in ctx["groups"].items()
        ]
    )
    user_rows = pd.DataFrame(
        [
            {
                "id": i,
                "name": re.sub(r"\W+", ".", n.lower()),
                "realname": n,
                "firstname": "",
                "is_active": 1,
            }
            for n, i in ctx["users"].items()
        ]
    )
    return {
        "glpi_tickets": pd.DataFrame(tickets),
        "glpi_logs": pd.DataFrame(log.rows, columns=list(LOG_COLUMNS)),
        "glpi_groups": groups,
        "glpi_users": user_rows,
        "glpi_groups_tickets": pd.DataFrame(gt, columns=["id", "tickets_id", "groups_id", "type"]),
        "glpi_tickets_users": pd.DataFrame(
            tu,
            columns=[
                "id",
                "tickets_id",
                "users_id",
                "type",
                "use_notification",
                "alternative_email",
            ],
        ),
    }


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the desk as a folder of GLPI table dumps (CSV with a header line)."""
    out.mkdir(parents=True)
    written = []
    for name, frame in frames(events).items():
        path = out / f"{name}.csv"
        frame.replace({np.nan: ""}).to_csv(path, index=False)
        written.append(path)
    return written
