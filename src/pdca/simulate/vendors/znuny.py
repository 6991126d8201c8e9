"""The simulated desk as Znuny's tables: ``ticket_history``, ``ticket`` and the lookups.

Writes a folder of CSV dumps with a header line (columns of znuny/Znuny
``scripts/database/schema.xml``): ``ticket_history.csv``, ``ticket.csv``, ``ticket_state.csv``,
``ticket_state_type.csv``, ``ticket_history_type.csv``, ``queue.csv``, ``users.csv``,
``ticket_priority.csv``. Every history row snapshots the ticket's queue, owner, priority and
state after its action, as ``HistoryAdd`` does; one change writes its rows in Znuny's order
(Move, OwnerUpdate, PriorityUpdate, StateUpdate) with the ``Name`` texts of
``Kernel/System/Ticket.pm`` (``%%old%%new%%`` …). Rows that change nothing are written too:
SendAnswer and Lock when work starts, AddNote half-way to the next change while pending, and
SendCustomerNotification after a change of state.

Mapping of the simulator's states: new -> ``new``, in progress -> ``open``, waiting for the user
-> ``pending reminder``, waiting for a vendor -> a desk's own state ``pending vendor`` (type
pending reminder), resolved -> ``pending auto close+``, closed -> ``closed successful``. Queues
are the simulator's groups, priorities a desk's own priority names (the simulator's labels),
owners users whose login is the agent's name; no owner is Znuny's user 1 (``root@localhost``).
The ticket number is Znuny's AutoIncrement form, SystemID 10 and the simulator's number
(``INC0000042`` -> ``1000042``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.ingest.znuny_tables import DEFAULT_HISTORY_TYPES, DEFAULT_STATE_TYPES

TIME = "%Y-%m-%d %H:%M:%S"
STATES: dict[str, tuple[int, str]] = {
    "new": (1, "new"),
    "in_progress": (4, "open"),
    "waiting_customer": (6, "pending reminder"),
    "waiting_other": (6, "pending reminder"),
    "waiting_vendor": (10, "pending vendor"),
    "resolved": (7, "pending auto close+"),
    "closed": (2, "closed successful"),
    "cancelled": (5, "removed"),
}
STATE_ROWS = [
    (1, "new", 1),
    (2, "closed successful", 3),
    (3, "closed unsuccessful", 3),
    (4, "open", 2),
    (5, "removed", 6),
    (6, "pending reminder", 4),
    (7, "pending auto close+", 5),
    (8, "pending auto close-", 5),
    (9, "merged", 7),
    (10, "pending vendor", 4),
]
TYPE_ID = {name: int(i) for i, name in DEFAULT_HISTORY_TYPES.items()}
ROOT = 1


def ticket_number(case_id: str) -> str:
    """``INC0000042`` -> ``1000042`` (SystemID 10, counter at least 5 digits)."""
    digits = re.sub(r"\D", "", case_id).lstrip("0") or "0"
    return f"10{int(digits):05d}"


def _ids(values: pd.Series, start: int = 1) -> dict[str, int]:
    names = sorted({v for v in values if isinstance(v, str) and v})
    return {name: i + start for i, name in enumerate(names)}


class _History:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self, kind: str, name: str, tid: int, when: str, snap: dict[str, int], *, by: int
    ) -> None:
        self.rows.append(
            {
                "id": len(self.rows) + 1,
                "name": name,
                "history_type_id": TYPE_ID[kind],
                "ticket_id": tid,
                "article_id": "",
                "type_id": 1,
                "queue_id": snap["queue"],
                "owner_id": snap["owner"],
                "priority_id": snap["priority"],
                "state_id": snap["state"],
                "create_time": when,
                "create_by": by,
                "change_time": when,
                "change_by": by,
            }
        )


def _ticket(events: pd.DataFrame, tid: int, ctx: dict[str, Any], h: _History) -> dict[str, Any]:
    queues, users, prios = ctx["queues"], ctx["users"], ctx["priorities"]
    names = {v: k for k, v in users.items()}
    qnames = {v: k for k, v in queues.items()}
    pnames = {v: k for k, v in prios.items()}
    tn = ticket_number(str(events["case_id"].iloc[0]))
    snap: dict[str, int] = {}
    stamps = list(events["timestamp"])
    for i, (_, ev) in enumerate(events.iterrows()):
        when = stamps[i].strftime(TIME)
        state_id, state = STATES[str(ev["state"])]
        new = {
            "queue": queues.get(ev["assignment_group"], 1),
            "owner": users.get(ev["resource"], ROOT),
            "priority": prios.get(ev["priority"], 3),
            "state": state_id,
        }
        by = new["owner"]
        if i == 0:
            snap = dict(new)
            h.add(
                "NewTicket",
                f"%%{tn}%%{qnames.get(snap['queue'], 'Raw')}%%"
                f"{pnames.get(snap['priority'], '3 normal')}%%{state}%%{tid}",
                tid,
                when,
                snap,
                by=by,
            )
            if new["owner"] != ROOT:
                h.add(
                    "OwnerUpdate",
                    f"%%{names[new['owner']]}%%{new['owner']}",
                    tid,
                    when,
                    snap,
                    by=by,
                )
            continue
        old = dict(snap)
        if new["queue"] != old["queue"]:
            snap["queue"] = new["queue"]
            h.add(
                "Move",
                f"%%{qnames[new['queue']]}%%{new['queue']}%%{qnames[old['queue']]}%%{old['queue']}",
                tid,
                when,
                snap,
                by=by,
            )
        if new["owner"] != old["owner"]:
            snap["owner"] = new["owner"]
            login = names.get(new["owner"], "root@localhost")
            h.add("OwnerUpdate", f"%%{login}%%{new['owner']}", tid, when, snap, by=by)
            if new["owner"] != ROOT and old["state"] == 1:
                h.add("Lock", "%%lock", tid, when, snap, by=by)
        if new["priority"] != old["priority"]:
            snap["priority"] = new["priority"]
            h.add(
                "PriorityUpdate",
                f"%%{pnames[old['priority']]}%%{old['priority']}"
                f"%%{pnames[new['priority']]}%%{new['priority']}",
                tid,
                when,
                snap,
                by=by,
            )
        if new["state"] != old["state"]:
            before = next(n for i_, n, _ in STATE_ROWS if i_ == old["state"])
            snap["state"] = new["state"]
            h.add("StateUpdate", f"%%{before}%%{state}%%", tid, when, snap, by=by)
            h.add("SendCustomerNotification", "%%customer@example.com", tid, when, snap, by=ROOT)
            if state == "open" and old["state"] == 1:
                h.add("SendAnswer", "%%customer@example.com", tid, when, snap, by=by)
        if new["state"] in (6, 10) and i + 1 < len(stamps):
            half = stamps[i] + (stamps[i + 1] - stamps[i]) / 2
            if half.floor("s") > stamps[i]:
                h.add("AddNote", "%%Note", tid, half.strftime(TIME), snap, by=by)
    return {
        "id": tid,
        "tn": tn,
        "title": str(events["category"].iloc[0] or "Ticket"),
        "queue_id": snap["queue"],
        "ticket_lock_id": 2 if snap["owner"] != ROOT else 1,
        "type_id": 1,
        "service_id": "",
        "sla_id": "",
        "user_id": snap["owner"],
        "responsible_user_id": 1,
        "ticket_priority_id": snap["priority"],
        "ticket_state_id": snap["state"],
        "customer_id": "",
        "customer_user_id": "",
        "timeout": 0,
        "until_time": 0,
        "escalation_time": 0,
        "escalation_update_time": 0,
        "escalation_response_time": 0,
        "escalation_solution_time": 0,
        "archive_flag": 0,
        "create_time": stamps[0].strftime(TIME),
        "create_by": 1,
        "change_time": stamps[-1].strftime(TIME),
        "change_by": 1,
    }


def frames(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The Znuny tables of the simulated desk, as frames (also used by tests for the bundle)."""
    ev = events.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    ctx = {
        "queues": _ids(ev["assignment_group"], start=5),  # 1-4 are Znuny's own queues
        "users": _ids(ev["resource"], start=2),  # 1 is root@localhost
        "priorities": _ids(ev["priority"]),
    }
    h = _History()
    tickets = []
    for _, group in ev.groupby("case_id", sort=True):
        tid = int(re.sub(r"\D", "", str(group["case_id"].iloc[0])) or 0)
        tickets.append(_ticket(group, tid, ctx, h))
    now = "2020-01-01 00:00:00"
    stamp = {"valid_id": 1, "create_time": now, "create_by": 1, "change_time": now, "change_by": 1}
    queues = [(1, "Postmaster"), (2, "Raw"), (3, "Junk"), (4, "Misc")]
    queues += [(i, n) for n, i in ctx["queues"].items()]
    users = [{"id": 1, "login": "root@localhost", "first_name": "Admin", "last_name": "OTRS"}]
    users += [
        {
            "id": i,
            "login": n,
            "first_name": n.split(" ")[0],
            "last_name": " ".join(n.split(" ")[1:]),
        }
        for n, i in ctx["users"].items()
    ]
    return {
        "ticket_history": pd.DataFrame(h.rows),
        "ticket": pd.DataFrame(tickets),
        "ticket_state": pd.DataFrame(
            [{"id": i, "name": n, "comments": "", "type_id": t, **stamp} for i, n, t in STATE_ROWS]
        ),
        "ticket_state_type": pd.DataFrame(
            [
                {"id": int(i), "name": n, "comments": "", **stamp}
                for i, n in DEFAULT_STATE_TYPES.items()
            ]
        ),
        "ticket_history_type": pd.DataFrame(
            [{"id": int(i), "name": n, **stamp} for i, n in DEFAULT_HISTORY_TYPES.items()]
        ),
        "queue": pd.DataFrame([{"id": i, "name": n, "group_id": 1, **stamp} for i, n in queues]),
        "users": pd.DataFrame([{**u, **stamp} for u in users]),
        "ticket_priority": pd.DataFrame(
            [{"id": i, "name": n, **stamp} for n, i in ctx["priorities"].items()]
        ),
    }


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the desk as a folder of Znuny table dumps (CSV with a header line)."""
    out.mkdir(parents=True)
    written = []
    for name, frame in frames(events).items():
        path = out / f"{name}.csv"
        frame.replace({np.nan: ""}).to_csv(path, index=False)
        written.append(path)
    return written
