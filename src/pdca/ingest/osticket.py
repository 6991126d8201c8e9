"""osTicket: the ``thread_event`` activity log with its ``thread``, ``ticket`` and ``event`` tables.

Field names as osTicket (osTicket/osTicket) documents them:

* ``setup/inc/streams/core/install-mysql.sql`` — tables ``thread_event`` (``id, thread_id,
  thread_type, event_id, staff_id, team_id, dept_id, topic_id, data, username, uid, uid_type,
  annulled, timestamp``), ``thread`` (``id, object_id, object_type``), ``ticket``
  (``ticket_id, number, status_id, dept_id, staff_id, team_id, created, closed, …``),
  ``department``, ``staff``, ``team``, ``ticket_status`` (``id, name, state``),
  ``ticket_priority`` (``priority_id, priority, priority_urgency``) and ``ticket__cdata``
  (``ticket_id, priority`` — the ticket form's priority);
* ``include/upgrader/streams/core/26fd79dc-00c949a6.patch.sql`` (v1.11) — the ``event`` table
  (1 created … 14 deleted) replacing ``thread_event.state``, which older versions fill with the
  event's name (both are read);
* ``include/class.thread.php`` (``ThreadEvent::forTicket``, ``ThreadEvents::log``) and
  ``include/class.ticket.php`` (``setStatus``, ``transfer``, ``assign``, ``markOverdue``) — what
  each event means and what its row holds.

Each ``thread_event`` row *snapshots* the ticket when the event is logged: ``dept_id``,
``team_id``, and ``staff_id`` = the assigned agent, or the acting agent when nobody is assigned
(``forTicket``). The mapping:

* ``created`` → new (no assignee yet; ``staff_id`` there is whoever typed the ticket);
* ``assigned`` → in_progress, ``staff_id`` → resource (``data`` ``{"claim": true}`` or
  ``{"staff": [id, name]}``; ``{"team": id}`` assigns a team and keeps the agent);
* ``transferred`` → new: the ticket waits in the new department's queue, assignee released
  (osTicket keeps the agent only when the new department lets non-members be assigned);
* ``released`` → new, no assignee;
* ``closed`` → the status in ``data`` (``{"status": [id, name]}``): osTicket has no separate
  resolve step, a ticket is *closed* into a status whose state is ``closed`` — the default
  ``Resolved`` → resolved, ``Closed`` (and any other closed-state status) → closed,
  ``Archived`` → closed, ``Deleted`` → cancelled; without a status → closed;
* ``reopened`` → in_progress (a reopen after a resolution);
* ``deleted`` → cancelled;
* ``overdue`` is not an event: it sets the tool's SLA verdict — a ticket with an ``overdue`` row
  gets ``made_sla`` false on its resolution events, any other resolved ticket true (osTicket
  marks only open tickets overdue, when their due date passes);
* ``viewed``, ``edited``, ``collab``, ``resent``, ``referred``, ``error`` and other names change
  no canonical field: not events (counted in the import details).

assignment_group is the team's name when the row names a team (``team_id`` ≠ 0), else the
department's name; resource is the staff member's name (``firstname lastname``, else
``username``); priority is the ticket's *current* priority (``ticket__cdata`` joined to
``ticket_priority``; osTicket logs priority changes only as ``edited`` form data).

``annulled = 1`` rows are kept as events: osTicket annuls the earlier ``closed`` rows of a ticket
when it is reopened or closed again, only so that its own dashboards count each ticket's closing
once (``ThreadEvents::log``); the resolution they record did happen. They are counted in the
details and carry the attribute ``annulled``.

osTicket has no waiting states (its default statuses are Open, Resolved, Closed, Archived,
Deleted), so waiting time cannot be known from it; see docs/connectors/osticket.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.history import batch_from_frame, file_sha256, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.osticket_tables import EVENTS_1_11, Dump, read_dump
from pdca.ingest.reader import ROW, BadRow
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State

STATES: dict[str, State] = {
    "created": State.NEW,
    "assigned": State.IN_PROGRESS,
    "transferred": State.NEW,
    "released": State.NEW,
    "reopened": State.IN_PROGRESS,
    "Resolved": State.RESOLVED,
    "Closed": State.CLOSED,
    "Archived": State.CLOSED,
    "Deleted": State.CANCELLED,
    "deleted": State.CANCELLED,
}
"""Activity (event name, or the status a ``closed`` event closed into) -> pdca state."""

EVENTS = frozenset({"created", "assigned", "transferred", "released", "closed", "reopened"})
EVENTS_ALL = EVENTS | {"deleted"}
STATUS_STATES = {"closed": State.CLOSED, "archived": State.CLOSED, "deleted": State.CANCELLED}

REQUIRED = ("thread_event.csv", "thread.csv", "ticket.csv")


def detect(path: Path) -> bool:
    """A folder holding osTicket's thread_event, thread and ticket table dumps."""
    try:
        return path.is_dir() and all((path / name).is_file() for name in REQUIRED)
    except OSError:
        return False


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """osTicket thread_event with thread, ticket and event tables."""
    if not path.is_dir():
        raise InputError(
            f"{path} is not an osTicket export",
            "give a folder of table dumps: thread_event.csv, thread.csv, ticket.csv "
            "(+ event.csv since osTicket 1.11; optional department.csv, staff.csv, team.csv, "
            "ticket_status.csv, ticket__cdata.csv, ticket_priority.csv)",
        )
    dump = read_dump(path)
    rows = dump.events
    names = _event_names(rows, dump)
    rows = rows.assign(_name=names, _t=utc_text(rows["timestamp"], options.timezone))
    thread_ticket: pd.Series = dump.threads["object_id"]
    rows["_ticket"] = pd.to_numeric(rows["thread_id"].map(thread_ticket), errors="coerce")
    object_type: pd.Series = dump.threads["object_type"]
    rows["_is_ticket"] = rows["thread_id"].map(object_type) == "T"

    problems = pd.Series(None, index=rows.index, dtype=object)
    stamp = rows["timestamp"].astype(object)
    bad_time = stamp.isna() | (rows["_t"].astype(object) == stamp)
    problems[bad_time] = "timestamp is not a time: " + stamp[bad_time].fillna("(empty)").astype(str)
    no_thread = rows["thread_id"].map(thread_ticket).isna()
    problems[no_thread] = "thread_id is not in thread.csv: " + rows.loc[
        no_thread, "thread_id"
    ].fillna("(empty)").astype(str)
    no_ticket = ~no_thread & rows["_is_ticket"] & ~rows["_ticket"].isin(dump.tickets.index)
    problems[no_ticket] = "the thread's ticket is not in ticket.csv: " + rows.loc[
        no_ticket, "thread_id"
    ].astype(str)
    no_name = rows["_name"].isna()
    problems[no_name] = "event is not named (event_id not in event.csv): " + rows.loc[
        no_name, "event_id"
    ].fillna("(empty)").astype(str)
    bad = [BadRow(int(i) + 2, str(problems[i]), dump.raw(i)) for i in rows.index[problems.notna()]]
    rows = rows[problems.isna()]

    ticket_rows = rows[rows["_is_ticket"]]
    noise: dict[str, int] = {}
    other = int((~rows["_is_ticket"]).sum())
    if other:
        noise["thread of another object (task)"] = other
    kept = ticket_rows["_name"].isin(EVENTS_ALL)
    for name, count in ticket_rows.loc[~kept, "_name"].value_counts().items():
        noise[str(name)] = int(count)
    overdue = set(
        ticket_rows.loc[
            (ticket_rows["_name"] == "overdue") & (ticket_rows["annulled"] != "1"), "_ticket"
        ]
    )
    frame = _frame(ticket_rows[kept], dump, overdue)
    batch = batch_from_frame(
        frame,
        source="osticket",
        states=_states(dump),
        path=path,
        options=options,
        sha256=file_sha256(path),
        bad_rows=bad,
    )
    reasons = batch.details.setdefault("quarantine_reasons", {})
    reasons.pop("line has the wrong number of fields", None)
    for item in bad:
        key = item.reason.split(": ", 1)[0]
        reasons[key] = reasons.get(key, 0) + 1
    batch.details["osticket"] = {
        "thread_event_rows": len(dump.events),
        "events": len(frame),
        "rows_not_events": noise,
        "rows_quarantined": len(bad),
        "annulled_rows_kept": int((ticket_rows.loc[kept, "annulled"] == "1").sum()),
        "overdue_tickets": len(overdue),
        "event_names_from": dump.names_from,
    }
    return batch


def _event_names(rows: pd.DataFrame, dump: Dump) -> pd.Series:
    """Each row's event name: ``event_id`` via event.csv (1.11+), else ``state`` (older)."""
    if "event_id" in rows.columns and rows["event_id"].notna().any():
        table = dump.event_names if dump.event_names else EVENTS_1_11
        names = rows["event_id"].map(table)
        if "state" in rows.columns:
            names = names.where(names.notna(), rows["state"])
        return names
    if "state" in rows.columns:
        dump.names_from = "thread_event.state (before osTicket 1.11)"
        return rows["state"]
    raise InputError(
        "thread_event.csv has neither event_id nor state",
        "export the whole thread_event table",
    )


def _frame(rows: pd.DataFrame, dump: Dump, overdue: set[int]) -> pd.DataFrame:
    """One canonical event per kept row, from the row's snapshot and its event's meaning."""
    rows = rows.assign(_n=range(len(rows))).sort_values(["_ticket", "_t", "_n"], kind="stable")
    name = rows["_name"]
    data = rows["data"].map(dump.data)
    status = data.map(lambda d: d.get("status") if isinstance(d, dict) else None)
    label = name.copy()
    closed = name == "closed"
    label[closed] = status[closed].map(dump.status_name).fillna("Closed")
    team = rows["team_id"].where(~rows["team_id"].isin(["0", None]), None)
    group = team.map(dump.teams).where(team.notna(), rows["dept_id"].map(dump.departments))
    staff = rows["staff_id"].where(~rows["staff_id"].isin(["0", None]), None)
    resource = staff.map(dump.staff).astype(object)
    resource[name.isin(["created", "transferred", "released", "deleted"])] = None
    team_only = (name == "assigned") & data.map(lambda d: isinstance(d, dict) and "team" in d)
    resource[team_only] = None  # carried below
    ticket = rows["_ticket"].astype("int64")
    frame = pd.DataFrame(
        {
            ROW: rows.index.astype("int64"),
            Col.CASE_ID: ticket.map(dump.tickets["number"]).astype(str).to_numpy(),
            Col.TIMESTAMP: rows["_t"].to_numpy(),
            Col.ACTIVITY: label.to_numpy(),
            Col.ASSIGNMENT_GROUP: group.to_numpy(),
            Col.RESOURCE: resource.to_numpy(),
            Col.PRIORITY: ticket.map(dump.tickets["priority"]).to_numpy(),
        }
    )
    if team_only.any():
        carried = frame[Col.RESOURCE].groupby(frame[Col.CASE_ID]).ffill()
        frame.loc[team_only.to_numpy(), Col.RESOURCE] = carried[team_only.to_numpy()]
    resolution = label.isin(dump.resolution_labels()).to_numpy()
    verdict = ticket.isin(overdue).map({True: "false", False: "true"}).to_numpy()
    frame["made_sla"] = pd.Series(verdict, dtype=object).where(resolution, None).to_numpy()
    frame["annulled"] = (
        rows["annulled"].where(rows["annulled"] == "1", None).to_numpy()
        if "annulled" in rows.columns
        else None
    )
    return frame


def _states(dump: Dump) -> dict[str, State | str]:
    labels: dict[str, State | str] = dict(STATES)
    for status, state in dump.status_states.items():
        if status not in labels and state in STATUS_STATES:
            labels[status] = STATUS_STATES[state]
    return labels
