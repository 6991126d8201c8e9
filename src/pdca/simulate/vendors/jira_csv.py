"""The simulated desk as a Jira Service Management "Export CSV (all fields)" file.

One row per issue with the column names of a real JSM export (the header kept in
``../shared/data/export_formats/jira_cloud_jsm``): ``Issue key``, ``Issue id``, ``Status``,
``Priority``, ``Assignee``, ``Created``, ``Resolved``, repeated ``Watchers`` columns,
``Custom field (Team)``, the SLA fields ``Custom field (Time to first response)`` and
``Custom field (Time to resolution)`` (``h:mm`` left on the clock when it stopped, negative when
breached: negative exactly when the simulated ``made_sla`` is false), ``Custom field ([CHART]
Date of First Response)``, ``Custom field ([CHART] Time in Status)``, ``Status Category``,
``Status Category Changed``. Dates read ``05/Mar/25 9:15 AM`` (UTC, the exporting user's zone).

What goes in: Created = the first event; Date of First Response = the first event in a worked
state; Resolved = when the ticket last entered resolved/closed (empty if it ends open);
Status Category Changed = the last change of the status category; Time in Status = per status
id, visits and milliseconds up to the export (the last event of the desk).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.model.schema import Col
from pdca.simulate.vendors import jira_common as jc

HEADER: tuple[str, ...] = (
    "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
    "Project type", "Priority", "Resolution", "Assignee", "Assignee Id", "Reporter",
    "Reporter Id", "Created", "Updated", "Resolved", "Watchers", "Watchers", "Watchers Id",
    "Watchers Id", "Custom field (Request Type)", "Custom field (Team)",
    "Custom field (Time to first response)", "Custom field (Time to resolution)",
    "Custom field ([CHART] Date of First Response)", "Custom field ([CHART] Time in Status)",
    "Comment", "Comment", "Status Category", "Status Category Changed",
)  # fmt: skip
_WORKED = {"in_progress", "waiting_customer", "waiting_vendor", "waiting_other", "resolved",
           "closed"}  # fmt: skip
_MULTI = ("Watchers", "Watchers Id", "Comment")
_CATEGORY = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}


def jira_date(when: Any) -> str:
    """``05/Mar/25 9:15 AM`` (English month names, 12-hour clock, minutes)."""
    t = pd.Timestamp(when)
    hour = t.hour % 12 or 12
    return f"{t:%d/%b/%y} {hour}:{t:%M} {'AM' if t.hour < 12 else 'PM'}"


def sla_text(minutes: int) -> str:
    """``h:mm`` with a minus sign when negative (JSM's exported SLA value)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def _time_in_status(ticket: jc.Ticket, export: pd.Timestamp) -> str:
    totals: dict[int, list[int]] = {}
    previous: int | None = None
    ends = [row[Col.TIMESTAMP] for row in ticket.rows[1:]] + [export]
    for row, end in zip(ticket.rows, ends, strict=True):
        ident = jc.status_of(str(row[Col.ACTIVITY]), str(row[Col.STATE]))[2]
        entry = totals.setdefault(ident, [0, 0])
        if ident != previous:
            entry[0] += 1
        entry[1] += int((pd.Timestamp(end) - pd.Timestamp(row[Col.TIMESTAMP])).total_seconds()
                        * 1000)  # fmt: skip
        previous = ident
    return "_*|*_".join(f"{i}_*:*_{v}_*:*_{ms}" for i, (v, ms) in totals.items())


def _category_changed(ticket: jc.Ticket) -> pd.Timestamp:
    def category(row: dict[str, Any]) -> str:
        return jc.status_of(str(row[Col.ACTIVITY]), str(row[Col.STATE]))[1]

    when = ticket.first[Col.TIMESTAMP]
    for before, row in zip(ticket.rows, ticket.rows[1:], strict=False):
        if category(before) != category(row):
            when = row[Col.TIMESTAMP]
    return pd.Timestamp(when)


def _row(ticket: jc.Ticket, export: pd.Timestamp) -> list[Any]:
    last = ticket.last
    status, category, _ = jc.status_of(str(last[Col.ACTIVITY]), str(last[Col.STATE]))
    resolved = ticket.resolved_at()
    worked = [r[Col.TIMESTAMP] for r in ticket.rows if r[Col.STATE] in _WORKED]
    verdicts = [jc.made_sla(r.get(Col.ATTRIBUTES)) for r in ticket.rows]
    verdict = next((v for v in reversed(verdicts) if v is not None), None)
    spread = ticket.number % 300
    resolution_sla = ""
    if resolved is not None and verdict is not None:
        resolution_sla = sla_text(60 + spread if verdict == "true" else -(1 + spread))
    assignee = jc.value(last, Col.RESOURCE)
    caller = str(jc.value(ticket.first, Col.CALLER) or "Customer")
    cells: dict[str, Any] = {
        "Summary": f"Simulated ticket {ticket.key}",
        "Issue key": ticket.key,
        "Issue id": ticket.number,
        "Issue Type": jc.ISSUE_TYPE.get(str(last[Col.TICKET_TYPE]), "Incident"),
        "Status": status,
        "Project key": "ITSM",
        "Project name": "IT service desk",
        "Project type": "service_desk",
        "Priority": jc.value(last, Col.PRIORITY),
        "Resolution": "Done" if resolved is not None else "",
        "Assignee": assignee or "",
        "Assignee Id": jc.account_id(assignee) if assignee else "",
        "Reporter": caller,
        "Reporter Id": jc.account_id(caller),
        "Created": jira_date(ticket.first[Col.TIMESTAMP]),
        "Updated": jira_date(last[Col.TIMESTAMP]),
        "Resolved": "" if resolved is None else jira_date(resolved),
        "Custom field (Request Type)": "Get IT help",
        "Custom field (Team)": jc.value(last, Col.ASSIGNMENT_GROUP) or "",
        "Custom field (Time to first response)": "",
        "Custom field (Time to resolution)": resolution_sla,
        "Custom field ([CHART] Date of First Response)": jira_date(worked[0]) if worked else "",
        "Custom field ([CHART] Time in Status)": _time_in_status(ticket, export),
        "Status Category": _CATEGORY.get(category, "In Progress"),
        "Status Category Changed": jira_date(_category_changed(ticket)),
    }
    repeated = {"Watchers": caller, "Watchers Id": jc.account_id(caller), "Comment": ""}
    # a multi-value field fills its first column; the repeated one stays empty here
    return [
        repeated.pop(name, "") if name in repeated or name in _MULTI else cells.get(name, "")
        for name in HEADER
    ]


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``events`` as one JSM CSV export at ``out``."""
    export = pd.Timestamp(events[Col.TIMESTAMP].max())
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for ticket in jc.tickets(events):
            writer.writerow(_row(ticket, export))
    return [out]
