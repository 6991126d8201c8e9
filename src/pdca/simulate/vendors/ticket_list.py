"""The simulated desk as a ticket list: one row per ticket, as a search screen exports it.

A ticket list keeps, of each ticket's events, exactly these (the definitions of
:mod:`pdca.model.facts`, over the ticket's events in their stable order):

* ``Opened`` — the time of its first event;
* ``First response`` — the time of its first event in a worked state (in progress, waiting,
  resolved or closed);
* ``Resolved`` — its *final* resolution: the first resolution-state event after its last event in
  an open state (empty when the ticket ends open or cancelled); an earlier resolution that was
  reopened is lost;
* ``Closed`` — the time it entered its final ``closed`` state (empty when it is not closed);
* the fields (priority, group, agent, category, service) as they were on its last event that
  names them, the status label of its last event, and the tool's SLA verdict on its last event
  that records one (``Made SLA``: Yes/No).

Everything in between — waits, reassignments, the reopen cycles, other agents — is lost, so from
a ticket list MTTR (final resolution), MTTA and the SLA verdicts equal the event log's, while the
reopen rate is 0 and FCR counts no reassignment (docs/connectors/ticket-lists.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State

_WORKED = {s.value for s in State} - {
    State.NEW.value,
    State.CANCELLED.value,
    State.UNKNOWN.value,
}
_OPEN = {s.value for s in OPEN_STATES}
_RESOLUTION = {s.value for s in RESOLUTION_STATES}
FIELDS = (
    Col.PRIORITY,
    Col.ASSIGNMENT_GROUP,
    Col.RESOURCE,
    Col.CATEGORY,
    Col.SUBCATEGORY,
    Col.SERVICE,
    Col.TICKET_TYPE,
)


def _made_sla(text: object) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    value = json.loads(text).get("made_sla")
    return value if value in ("true", "false") else None


def tickets(events: pd.DataFrame) -> pd.DataFrame:
    """One row per ticket: opened, first_response, resolved, closed, the fields, status (the
    last event's activity), made_sla ("true"/"false"/None), in the order tickets first appear."""
    ev = events.copy()
    ev["_pos"] = np.arange(len(ev))
    ev = ev.sort_values([Col.CASE_ID, Col.TIMESTAMP, Col.SEQ, "_pos"], kind="stable")
    ev["_i"] = ev.groupby(Col.CASE_ID, sort=False).cumcount()
    known = ev[Col.STATE] != State.UNKNOWN.value
    ev["_open_i"] = ev["_i"].where(ev[Col.STATE].isin(_OPEN))
    ev["_nonclosed_i"] = ev["_i"].where(known & (ev[Col.STATE] != State.CLOSED.value))
    grouped = ev.groupby(Col.CASE_ID, sort=False)
    ev["_last_open"] = grouped["_open_i"].transform("max").fillna(-1)
    ev["_last_nonclosed"] = grouped["_nonclosed_i"].transform("max").fillna(-1)
    ev["_made_sla"] = ev[Col.ATTRIBUTES].map(_made_sla)
    t = ev[Col.TIMESTAMP]
    out = pd.DataFrame(
        {
            "opened": grouped[Col.TIMESTAMP].min(),
            "first_response": t.where(ev[Col.STATE].isin(_WORKED)).groupby(ev[Col.CASE_ID]).min(),
            "resolved": t.where(ev[Col.STATE].isin(_RESOLUTION) & (ev["_i"] > ev["_last_open"]))
            .groupby(ev[Col.CASE_ID])
            .min(),
            "closed": t.where(
                (ev[Col.STATE] == State.CLOSED.value) & (ev["_i"] > ev["_last_nonclosed"])
            )
            .groupby(ev[Col.CASE_ID])
            .min(),
            "status": grouped[Col.ACTIVITY].last(),
            "state": grouped[Col.STATE].last(),
            "made_sla": grouped["_made_sla"].last(),
            **{name: grouped[name].last() for name in FIELDS if name in ev.columns},
        }
    )
    first_seen = events.drop_duplicates(Col.CASE_ID)[Col.CASE_ID]
    return out.reindex(first_seen.to_numpy()).rename_axis(Col.CASE_ID).reset_index()


def _time(values: pd.Series, fmt: str) -> pd.Series:
    text: pd.Series = values.dt.strftime(fmt)
    return text.where(values.notna(), "")


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """One CSV row per ticket with English headers (comma, UTF-8, ISO times in UTC)."""
    rows = tickets(events)
    fmt = "%Y-%m-%d %H:%M:%S"
    frame = pd.DataFrame(
        {
            "Ticket": rows[Col.CASE_ID],
            "Opened": _time(rows["opened"], fmt),
            "First response": _time(rows["first_response"], fmt),
            "Resolved": _time(rows["resolved"], fmt),
            "Closed": _time(rows["closed"], fmt),
            "Priority": rows[Col.PRIORITY],
            "Assignment group": rows[Col.ASSIGNMENT_GROUP],
            "Assigned to": rows[Col.RESOURCE],
            "Category": rows[Col.CATEGORY],
            "Service": rows[Col.SERVICE],
            "Status": rows["status"],
            "Made SLA": rows["made_sla"].map({"true": "Yes", "false": "No"}),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, encoding="utf-8")
    return [out]
