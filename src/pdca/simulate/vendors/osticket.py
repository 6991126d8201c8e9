"""The simulated desk as osTicket's table dumps (``pdca simulate --to osticket``).

Writes a folder of CSV dumps shaped like osTicket's tables (osTicket/osTicket
``setup/inc/streams/core/install-mysql.sql``; rows as ``include/class.thread.php`` and
``include/class.ticket.php`` log them): ``thread_event.csv``, ``thread.csv``, ``ticket.csv``,
``event.csv`` (1.11's event ids), ``department.csv``, ``staff.csv``, ``team.csv``,
``ticket_status.csv`` (the default statuses), ``ticket__cdata.csv`` and ``ticket_priority.csv``
(the desk's own priority names).

What the app logs for each change of the simulated ticket: opening → ``created``; an agent
taking it → ``assigned`` (``{"claim": true}``); a move to another group → ``transferred``
(``{"dept": name}``, the agent released); a resolution → ``closed`` into status ``Resolved``,
a final closure → ``closed`` into ``Closed`` (each ``closed`` annuls the ticket's earlier
``closed`` rows, as ``ThreadEvents::log`` does); a reopen → ``reopened`` (annulling them too);
a missed SLA → ``overdue`` shortly before the resolution; and noise the connector must skip:
``viewed`` after each assignment, ``collab`` at some openings, ``edited`` at resolutions.

What osTicket cannot hold, and so is lost: waiting states (osTicket has no waiting status by
default — a wait and the resumption after it leave no row) and priority changes (the ticket's
current priority is kept). Every ``thread_event`` row snapshots the ticket's department, team and
agent (or the acting agent when none is assigned), as ``ThreadEvent::forTicket`` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

EVENTS = (
    "created",
    "closed",
    "reopened",
    "assigned",
    "released",
    "transferred",
    "referred",
    "overdue",
    "edited",
    "viewed",
    "error",
    "collab",
    "resent",
    "deleted",
)
"""osTicket 1.11's ``event`` table (id = position + 1)."""

STATUSES = (
    (1, "Open", "open"),
    (2, "Resolved", "closed"),
    (3, "Closed", "closed"),
    (4, "Archived", "archived"),
    (5, "Deleted", "deleted"),
)
"""osTicket's default ``ticket_status`` rows (id, name, state)."""

WAITING = ("waiting_customer", "waiting_vendor", "waiting_other")
KEPT = ("state", "assignment_group", "resource")


def kept_events(events: pd.DataFrame) -> pd.DataFrame:
    """The simulated events osTicket can record: waits dropped, then every event that changes
    none of state, group and assignee (the resumption after a wait) dropped too."""
    data = events.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    data = data[~data["state"].isin(WAITING)]
    marks = data[list(KEPT)].astype(object).where(data[list(KEPT)].notna(), "\u2400")
    previous = marks.groupby(data["case_id"]).shift()
    changed = (marks != previous).any(axis=1) | previous.isna().all(axis=1)
    return data[changed].reset_index(drop=True)


def _ids(values: pd.Series, start: int = 1) -> dict[str, int]:
    return {name: start + i for i, name in enumerate(sorted({str(v) for v in values.dropna()}))}


def _time(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the canonical ``events`` as osTicket's table dumps in the folder ``out``."""
    out.mkdir(parents=True)
    data = events.copy()
    data["timestamp"] = pd.to_datetime(data["timestamp"])
    verdict = _verdicts(data)
    data = kept_events(data)
    depts, staff = _ids(data["assignment_group"]), _ids(data["resource"])
    priorities = _ids(data["priority"])
    tickets = {case: i + 1 for i, case in enumerate(dict.fromkeys(data["case_id"]))}
    rows: list[dict[str, object]] = []
    ticket_rows: list[dict[str, object]] = []
    for case, steps in data.groupby("case_id", sort=False):
        ticket = tickets[str(case)]
        _ticket_events(steps, ticket, depts, staff, verdict.get(str(case)), rows)
        first, last = steps.iloc[0], steps.iloc[-1]
        status = {"resolved": 2, "closed": 3, "cancelled": 5}.get(str(last["state"]), 1)
        ended = status != 1
        ticket_rows.append(
            {
                "ticket_id": ticket,
                "ticket_pid": None,
                "number": case,
                "user_id": ticket,
                "status_id": status,
                "dept_id": depts[str(last["assignment_group"])],
                "sla_id": 1,
                "topic_id": 0,
                "staff_id": 0 if pd.isna(last["resource"]) else staff[str(last["resource"])],
                "team_id": 0,
                "source": "Email",
                "isoverdue": 0,
                "isanswered": int(ended),
                "duedate": None,
                "reopened": None,
                "closed": _time(last["timestamp"]) if ended else None,
                "lastupdate": _time(last["timestamp"]),
                "created": _time(first["timestamp"]),
                "updated": _time(last["timestamp"]),
            }
        )
    frame = pd.DataFrame(rows).sort_values(["timestamp", "thread_id"], kind="stable")
    frame.insert(0, "id", range(1, len(frame) + 1))
    stamp = _time(data["timestamp"].min()) if len(data) else "2025-01-01 00:00:00"
    threads = pd.DataFrame(
        {
            "id": [t + 1000 for t in tickets.values()],
            "object_id": list(tickets.values()),
            "object_type": "T",
            "extra": None,
            "lastresponse": None,
            "lastmessage": None,
            "created": stamp,
        }
    )
    return [
        _dump(frame, out / "thread_event.csv"),
        _dump(threads, out / "thread.csv"),
        _dump(pd.DataFrame(ticket_rows), out / "ticket.csv"),
        _dump(
            pd.DataFrame({"id": range(1, len(EVENTS) + 1), "name": EVENTS, "description": ""}),
            out / "event.csv",
        ),
        _dump(
            pd.DataFrame(
                [
                    {"id": i, "pid": None, "sla_id": 1, "name": n, "ispublic": 1, "path": f"/{i}/"}
                    for n, i in depts.items()
                ]
            ),
            out / "department.csv",
        ),
        _dump(_staff(staff, depts, data), out / "staff.csv"),
        _dump(
            pd.DataFrame(columns=["team_id", "lead_id", "flags", "name", "notes"]),
            out / "team.csv",
        ),
        _dump(
            pd.DataFrame(
                [
                    {"id": i, "name": n, "state": s, "mode": 3, "flags": 0, "sort": i}
                    for i, n, s in STATUSES
                ]
            ),
            out / "ticket_status.csv",
        ),
        _dump(
            pd.DataFrame(
                {
                    "ticket_id": list(tickets.values()),
                    "subject": [f"Ticket {c}" for c in tickets],
                    "priority": [
                        priorities[str(p)]
                        for p in data.groupby("case_id", sort=False)["priority"].last()
                    ],
                }
            ),
            out / "ticket__cdata.csv",
        ),
        _dump(
            pd.DataFrame(
                [
                    {
                        "priority_id": i,
                        "priority": n,
                        "priority_desc": n,
                        "priority_urgency": i,
                        "ispublic": 1,
                    }
                    for n, i in priorities.items()
                ]
            ),
            out / "ticket_priority.csv",
        ),
    ]


def _verdicts(events: pd.DataFrame) -> dict[str, str]:
    """Each ticket's last recorded SLA verdict (``made_sla`` in the attributes)."""
    if "attributes" not in events.columns:
        return {}
    made = events["attributes"].map(
        lambda a: json.loads(a).get("made_sla") if isinstance(a, str) and a else None
    )
    known = events.assign(_made=made).dropna(subset=["_made"])
    known = known.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    return {str(k): str(v) for k, v in known.groupby("case_id")["_made"].last().items()}


def _ticket_events(  # noqa: PLR0912, PLR0917 (one branch per kind of change)
    steps: pd.DataFrame,
    ticket: int,
    depts: dict[str, int],
    staff: dict[str, int],
    verdict: str | None,
    rows: list[dict[str, object]],
) -> None:
    thread = ticket + 1000
    closed_rows: list[dict[str, object]] = []
    before: pd.Series | None = None
    final_resolution = _final_resolution(steps)

    def log(name: str, step: pd.Series, at: pd.Timestamp, data: object = None) -> None:
        agent = None if pd.isna(step["resource"]) else staff[str(step["resource"])]
        acting = agent
        if acting is None and before is not None and not pd.isna(before["resource"]):
            acting = staff[str(before["resource"])]
        row: dict[str, object] = {
            "thread_id": thread,
            "thread_type": "T",
            "event_id": EVENTS.index(name) + 1,
            "staff_id": acting or 0,
            "team_id": 0,
            "dept_id": depts[str(step["assignment_group"])],
            "topic_id": 0,
            "data": None if data is None else json.dumps(data, separators=(",", ":")),
            "username": "SYSTEM" if acting is None else f"agent{acting}",
            "uid": acting,
            "uid_type": "S" if acting is not None else "U",
            "annulled": 0,
            "timestamp": _time(at),
        }
        if name in ("closed", "reopened"):
            for earlier in closed_rows:
                earlier["annulled"] = 1
        if name == "closed":
            closed_rows.append(row)
        rows.append(row)

    for _, step in steps.iterrows():
        at, state = step["timestamp"], str(step["state"])
        if before is None:
            log("created", step, at)
            if ticket % 7 == 3:
                log("collab", step, at + pd.Timedelta(seconds=1), {"add": {"1": "Cc"}})
        elif state == "new":
            moved = step["assignment_group"] != before["assignment_group"]
            if moved:
                log("transferred", step, at, {"dept": str(step["assignment_group"])})
            else:
                log("released", step, at, {"staff": True})
        elif state == "in_progress":
            if str(before["state"]) in ("resolved", "closed"):
                log("reopened", step, at)
            else:
                log("assigned", step, at, {"claim": True})
                log("viewed", step, at + pd.Timedelta(seconds=20))
        elif state in ("resolved", "closed"):
            if step.name == final_resolution and verdict == "false":
                gap = (at - before["timestamp"]) / 2
                log("overdue", before, before["timestamp"] + gap.floor("s"))
            status = (2, "Resolved") if state == "resolved" else (3, "Closed")
            log("closed", step, at, {"status": list(status)})
            if state == "resolved":
                log("edited", step, at + pd.Timedelta(seconds=5), {"fields": {"35": "x"}})
        elif state == "cancelled":
            log("deleted", step, at)
        before = step


def _final_resolution(steps: pd.DataFrame) -> object:
    """The index of the event that starts the ticket's final resolution (None if open)."""
    resolved = steps["state"].isin(["resolved", "closed"]).to_numpy()
    if not resolved[-1]:
        return None
    position = len(resolved) - 1
    while position > 0 and resolved[position - 1]:
        position -= 1
    return steps.index[position]


def _staff(staff: dict[str, int], depts: dict[str, int], data: pd.DataFrame) -> pd.DataFrame:
    home = data.dropna(subset=["resource"]).groupby("resource")["assignment_group"].first()
    rows = []
    for name, ident in staff.items():
        first, _, last = name.partition(" ")
        rows.append(
            {
                "staff_id": ident,
                "dept_id": depts.get(str(home.get(name)), 0),
                "username": f"agent{ident}",
                "firstname": first,
                "lastname": last,
                "isactive": 1,
            }
        )
    return pd.DataFrame(rows)


def _dump(frame: pd.DataFrame, path: Path) -> Path:
    for column in frame.columns:
        if frame[column].dtype == float and frame[column].dropna().mod(1).eq(0).all():
            frame[column] = frame[column].astype("Int64")
    frame.to_csv(path, index=False, lineterminator="\n")
    return path
