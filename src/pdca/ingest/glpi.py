"""GLPI history: glpi_logs with the tickets table, or the REST Log.

Reads a folder of table dumps (``glpi_logs.csv`` + ``glpi_tickets.csv``, optionally
``glpi_groups.csv``, ``glpi_users.csv``, ``glpi_groups_tickets.csv``, ``glpi_tickets_users.csv``)
or a ``pdca pull`` bundle ``{"tickets": [...], "logs": [...]}`` (``GET apirest.php/Ticket/`` and
``GET apirest.php/Ticket/{id}/Log``). Field names as GLPI documents them:
glpi-project/glpi ``install/mysql/glpi-*-empty.sql`` (tables), ``src/Log.php`` (``HISTORY_*``
constants: 15 add relation, 16 delete relation), ``src/CommonITILObject.php`` (statuses 1 New …
6 Closed), ``src/Ticket_User.php`` / ``src/Group_Ticket.php`` (actor search options) and
``apirest.md`` (REST API).

How the history becomes events (docs/connectors/glpi.md):

* the case is ``glpi_tickets.id``; its opening (``date``) is the first event, in the status at
  creation (the old value of its first status change, else its current status) and the
  priority at creation (the old value of its first priority change, else ``priority``);
* ``glpi_logs`` rows of ``itemtype = 'Ticket'``: the status option (12) gives the activity
  (GLPI's status name) and the state; the priority option (3) the priority; relations with
  ``itemtype_link`` Group/User (``linked_action`` 15/16) logged under the assigned-group (8) or
  assigned-technician (5) option give ``assignment_group`` / ``resource`` (the most recently
  added one still assigned). Older GLPI logged relations with option 0: those count as
  assignments unless ``glpi_groups_tickets`` / ``glpi_tickets_users`` list that actor on the
  ticket only as requester or observer;
* the rows of one ticket with the same ``date_mod`` form one event, unless the status or the
  priority changes twice in that second (then the second change starts a new event);
* relations logged at the opening are the values at creation; a ticket whose log holds no
  assignment takes its current assigned group/technician from the actor tables;
* every other log row (follow-ups, solutions, other fields, other item types) is read but makes
  no event (counted in the import details);
* GLPI has no support level: ``[glpi.support_levels]`` in the ``--map`` file names the level of
  each assigned group (see :mod:`pdca.ingest.glpi_settings`);
* the tool's SLA verdict ``made_sla`` = ``solvedate <= time_to_resolve`` (both set), on the
  events from the solution on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.ingest.glpi_settings import (
    ADD_RELATION,
    DEL_RELATION,
    TYPES,
    GlpiSettings,
    read_settings,
)
from pdca.ingest.glpi_tables import GlpiTables, read_bundle, read_folder
from pdca.ingest.glpi_tables import detect as _detect
from pdca.ingest.history import TIME_FORMAT, batch_from_frame, replay, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, BadRow
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col

SOURCE = "glpi"
CLEARED = "\x00cleared"
"""Marks a field emptied by a change (all actors removed) until :func:`replay` has run."""
_LABEL_ID = re.compile(r"^(.*?)\s*\((\d+)\)\s*$")
_NUMBER = re.compile(r"^\s*(\d+)\s*$")
_ASSIGN_TYPE = "2"
"""``CommonITILActor::ASSIGN`` in ``glpi_groups_tickets.type`` / ``glpi_tickets_users.type``."""


def detect(path: Path) -> bool:
    """A folder of GLPI table dumps or a GLPI bundle."""
    return _detect(path)


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """GLPI history: glpi_logs with the tickets table, or the REST Log."""
    settings = read_settings(options.mapping)
    tables = read_folder(path) if path.is_dir() else read_bundle(path)
    frame, bad, details = build_events(tables, settings, options.timezone)
    batch = batch_from_frame(
        frame,
        source=SOURCE,
        states=settings.state_labels(),
        path=path,
        options=options,
        sha256=tables.sha256,
        bad_rows=tables.bad_rows + bad,
    )
    batch.details["history_rows"] = details
    return batch


# -- values ------------------------------------------------------------------------------------
def split_label(value: Any) -> tuple[str | None, str | None]:
    """``"Service Desk (3)"`` -> (``"Service Desk"``, ``"3"``); ``"7"`` -> (None, ``"7"``)."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    match = _LABEL_ID.match(value)
    if match:
        return (match.group(1) or None), match.group(2)
    if _NUMBER.match(value):
        return None, value.strip()
    return value.strip(), None


def number(value: Any) -> int | None:
    """A status or priority as GLPI logs it: ``"2"`` or ``"Processing (assigned) (2)"``."""
    _, ident = split_label(value)
    return int(ident) if ident is not None else None


def _times(values: pd.Series, timezone: str | None) -> tuple[pd.Series, pd.Series]:
    text = utc_text(values, timezone)
    ok = pd.to_datetime(text, format=TIME_FORMAT, errors="coerce").notna()
    return text, ok


def _bad(table: str, frame: pd.DataFrame, mask: pd.Series, reason: pd.Series) -> list[BadRow]:
    rows = frame[mask]
    cols = [c for c in frame.columns if c != ROW]
    return [
        BadRow(None, f"{table} row {int(r[ROW]) + 1}: {why}", str({c: r[c] for c in cols}))
        for (_, r), why in zip(rows.iterrows(), reason[mask], strict=True)
    ]


# -- tickets -----------------------------------------------------------------------------------
def _tickets(tables: GlpiTables, timezone: str | None) -> tuple[pd.DataFrame, list[BadRow]]:
    t = tables.frames["glpi_tickets"]
    ids = t["id"].astype(object)
    opened, ok = _times(t["date"], timezone)
    dup = ids.duplicated() & ids.notna()
    no_id = ids.isna() | ~ids.astype(str).str.fullmatch(r"\d+").fillna(value=False)
    reason = pd.Series("", index=t.index, dtype=object)
    reason[~ok] = "date " + t["date"].astype(str) + " is not a date"
    reason[dup] = "ticket id " + ids.astype(str) + " appears again"
    reason[no_id] = "id " + ids.astype(str) + " is not a ticket id"
    bad_mask = (~ok) | dup | no_id
    bad = _bad("glpi_tickets", t, bad_mask, reason)
    keep = t[~bad_mask]
    out = pd.DataFrame({Col.CASE_ID: keep["id"].astype(str), Col.TIMESTAMP: opened[~bad_mask]})
    for name in ("status", "priority", "type"):
        out[f"_{name}"] = keep[name].map(number) if name in keep.columns else None
    for name in ("solvedate", "time_to_resolve"):
        out[f"_{name}"] = (
            _times(keep[name], timezone)[0]
            if name in keep.columns
            else pd.Series(None, index=keep.index)
        )
    return out.reset_index(drop=True), bad


def _verdict(solved: Any, due: Any) -> str | None:
    if not isinstance(solved, str) or not isinstance(due, str):
        return None
    try:
        return "true" if pd.Timestamp(solved) <= pd.Timestamp(due) else "false"
    except ValueError:
        return None


# -- log rows ----------------------------------------------------------------------------------
def _classify(logs: pd.DataFrame, s: GlpiSettings) -> pd.Series:
    """Per log row: "status", "priority", "group", "user" or "" (no event)."""
    option = pd.to_numeric(logs["id_search_option"], errors="coerce")
    action = pd.to_numeric(
        logs.get("linked_action", pd.Series(0, index=logs.index)), errors="coerce"
    ).fillna(0)
    link = logs.get("itemtype_link", pd.Series(None, index=logs.index)).fillna("")
    kind = pd.Series("", index=logs.index, dtype=object)
    plain = action == 0
    kind[plain & (option == s.status_option)] = "status"
    kind[plain & (option == s.priority_option)] = "priority"
    relation = action.isin([ADD_RELATION, DEL_RELATION])
    kind[relation & (link == "Group") & option.isin([s.assigned_group_option, 0])] = "group"
    kind[relation & (link == "User") & option.isin([s.assigned_user_option, 0])] = "user"
    return kind


def _other_roles(tables: GlpiTables) -> set[tuple[str, str, str]]:
    """(kind, ticket, actor id) listed on a ticket only as requester or observer."""
    roles: set[tuple[str, str, str]] = set()
    for kind, table, column in (
        ("group", "glpi_groups_tickets", "groups_id"),
        ("user", "glpi_tickets_users", "users_id"),
    ):
        frame = tables.get(table)
        if frame is None or not {"tickets_id", column, "type"} <= set(frame.columns):
            continue
        assigned = frame["type"] == _ASSIGN_TYPE
        listed = set(zip(frame["tickets_id"].astype(str), frame[column].astype(str), strict=True))
        assign = set(
            zip(
                frame.loc[assigned, "tickets_id"].astype(str),
                frame.loc[assigned, column].astype(str),
                strict=True,
            )
        )
        roles |= {(kind, t, a) for t, a in listed - assign}
    return roles


def _names(tables: GlpiTables, table: str) -> dict[str, str]:
    frame = tables.get(table)
    if frame is None or "id" not in frame.columns:
        return {}
    name: pd.Series | None
    if table == "glpi_users" and {"realname", "firstname"} <= set(frame.columns):
        full = (frame["realname"].fillna("") + " " + frame["firstname"].fillna("")).str.strip()
        name = full.where(full != "", frame.get("name"))
    else:
        name = frame.get("completename", frame.get("name"))
    if name is None:
        return {}
    return {str(i): str(n) for i, n in zip(frame["id"], name, strict=True) if n is not None}


def _current_assigned(tables: GlpiTables, kind: str) -> dict[str, str]:
    table, column, names = (
        ("glpi_groups_tickets", "groups_id", "glpi_groups")
        if kind == "group"
        else ("glpi_tickets_users", "users_id", "glpi_users")
    )
    frame = tables.get(table)
    if frame is None or not {"tickets_id", column, "type"} <= set(frame.columns):
        return {}
    lookup = _names(tables, names)
    assigned = frame[frame["type"] == _ASSIGN_TYPE].sort_values(ROW)
    return {
        str(t): lookup.get(str(a), str(a))
        for t, a in zip(assigned["tickets_id"], assigned[column], strict=True)
    }


def _actor_values(rel: pd.DataFrame, lookups: dict[str, dict[str, str]]) -> list[str]:
    """The assigned group/technician after each relation row (rows sorted per ticket)."""
    values: list[str] = []
    current: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
    for ticket, kind, action, old, new in zip(
        rel[Col.CASE_ID],
        rel["_kind"],
        rel["_action"],
        rel["old_value"],
        rel["new_value"],
        strict=True,
    ):
        held = current.setdefault((ticket, kind), [])
        label, ident = split_label(new if action == ADD_RELATION else old)
        label = label or lookups[kind].get(ident or "", ident or "")
        if action == ADD_RELATION:
            if all(h[0] != ident or ident is None for h in held):
                held.append((ident, label))
        else:
            held[:] = [h for h in held if not (h[0] == ident if ident else h[1] == label)]
        values.append(held[-1][1] if held else CLEARED)
    return values


def _changes(
    tables: GlpiTables, s: GlpiSettings, tickets: pd.DataFrame, timezone: str | None
) -> tuple[pd.DataFrame, list[BadRow], dict[str, int]]:
    logs = tables.frames["glpi_logs"]
    is_ticket = logs["itemtype"] == "Ticket"
    kind = _classify(logs, s)
    when, ok = _times(logs["date_mod"], timezone)
    known = logs["items_id"].isin(set(tickets[Col.CASE_ID]))
    numbers = pd.Series([number(v) for v in logs["new_value"]], index=logs.index, dtype=object)
    olds = logs["old_value"] if "old_value" in logs.columns else pd.Series(None, index=logs.index)
    old_numbers = pd.Series([number(v) for v in olds], index=logs.index, dtype=object)
    valued = kind.isin(["status", "priority"])
    bad_value = valued & (numbers.isna() | (olds.notna() & old_numbers.isna()))
    relevant = is_ticket & (kind != "")
    reason = pd.Series("", index=logs.index, dtype=object)
    reason[bad_value] = (
        kind
        + " value "
        + logs["new_value"].astype(str)
        + " / "
        + olds.astype(str)
        + " has no GLPI number"
    )
    reason[~known] = "ticket " + logs["items_id"].astype(str) + " is not in glpi_tickets"
    reason[~ok] = "date_mod " + logs["date_mod"].astype(str) + " is not a date"
    bad_mask = relevant & (~ok | ~known | bad_value)
    bad = _bad("glpi_logs", logs, bad_mask, reason)
    use = relevant & ~bad_mask
    rows = logs[use].copy()
    rows[Col.CASE_ID] = rows["items_id"].astype(str)
    rows[Col.TIMESTAMP] = when[use]
    rows["_kind"] = kind[use]
    rows["_id"] = pd.to_numeric(rows.get("id", rows[ROW]), errors="coerce").fillna(rows[ROW])
    action = rows["linked_action"] if "linked_action" in rows.columns else 0
    rows["_action"] = pd.Series(pd.to_numeric(action, errors="coerce"), index=rows.index).fillna(0)
    rows["_new"] = numbers[use]
    rows["_old"] = old_numbers[use]
    if "old_value" not in rows.columns:
        rows["old_value"] = None
    others = _other_roles(tables)
    actor = rows["_kind"].isin(["group", "user"])
    option_zero = pd.to_numeric(rows["id_search_option"], errors="coerce") == 0
    actor_id = [
        split_label(n if a == ADD_RELATION else o)[1]
        for n, o, a in zip(rows["new_value"], rows["old_value"], rows["_action"], strict=True)
    ]
    not_assign = [
        z and (k, c, str(i)) in others
        for z, k, c, i in zip(option_zero, rows["_kind"], rows[Col.CASE_ID], actor_id, strict=True)
    ]
    rows = rows[~(actor & pd.Series(not_assign, index=rows.index))]
    rows = rows.sort_values([Col.CASE_ID, Col.TIMESTAMP, "_id"], kind="stable")
    counts = {
        "log_rows": len(logs),
        "ticket_log_rows": int(is_ticket.sum()),
        "log_rows_used": len(rows),
        "log_rows_quarantined": int(bad_mask.sum()),
    }
    counts["log_rows_without_event"] = (
        counts["log_rows"] - counts["log_rows_used"] - counts["log_rows_quarantined"]
    )
    return rows, bad, counts


def _field_frame(rows: pd.DataFrame, s: GlpiSettings, tables: GlpiTables) -> pd.DataFrame:
    """Log rows as (case, time, field, value, previous) deltas for :func:`replay`."""
    lookups = {"group": _names(tables, "glpi_groups"), "user": _names(tables, "glpi_users")}
    field = rows["_kind"].map(
        {
            "status": Col.ACTIVITY,
            "priority": Col.PRIORITY,
            "group": Col.ASSIGNMENT_GROUP,
            "user": Col.RESOURCE,
        }
    )
    value = pd.Series(None, index=rows.index, dtype=object)
    previous = pd.Series(None, index=rows.index, dtype=object)
    st, pr = rows["_kind"] == "status", rows["_kind"] == "priority"
    value[st] = rows.loc[st, "_new"].map(s.status_label)
    previous[st] = rows.loc[st, "_old"].map(lambda n: None if n is None else s.status_label(n))
    value[pr] = rows.loc[pr, "_new"].map(lambda n: s.priorities.get(n, str(n)))
    previous[pr] = rows.loc[pr, "_old"].map(
        lambda n: None if n is None else s.priorities.get(n, str(n))
    )
    actor = ~(st | pr)
    if actor.any():
        value[actor] = _actor_values(rows[actor], lookups)
    return pd.DataFrame(
        {
            Col.CASE_ID: rows[Col.CASE_ID],
            Col.TIMESTAMP: rows[Col.TIMESTAMP],
            "field": field,
            "value": value,
            "previous": previous,
        }
    )


def _event_ids(changes: pd.DataFrame) -> pd.Series:
    """Rows of one ticket and second form one event; a second change of the status or the
    priority within that second starts the next one."""
    keys = [changes[Col.CASE_ID], changes[Col.TIMESTAMP]]
    single = changes["field"].isin([Col.ACTIVITY, Col.PRIORITY])
    repeat = changes.groupby([*keys, changes["field"]], sort=False).cumcount().where(single, 0)
    part = repeat.groupby(keys, sort=False).cummax()
    return changes[Col.CASE_ID] + "|" + changes[Col.TIMESTAMP] + "|" + part.astype(str)


def build_events(
    tables: GlpiTables, s: GlpiSettings, timezone: str | None = None
) -> tuple[pd.DataFrame, list[BadRow], dict[str, int]]:
    """The canonical frame (one row per event), the rows set aside and the row counts."""
    tickets, bad = _tickets(tables, timezone)
    rows, bad_logs, counts = _changes(tables, s, tickets, timezone)
    changes = _field_frame(rows, s, tables)
    opened = changes[Col.CASE_ID].map(tickets.set_index(Col.CASE_ID)[Col.TIMESTAMP])
    at_open = changes["field"].isin([Col.ASSIGNMENT_GROUP, Col.RESOURCE]) & (
        changes[Col.TIMESTAMP] <= opened
    )
    created = tickets[[Col.CASE_ID, Col.TIMESTAMP]].copy()
    for fld, kind in ((Col.ASSIGNMENT_GROUP, "group"), (Col.RESOURCE, "user")):
        initial = changes[at_open & (changes["field"] == fld)].groupby(Col.CASE_ID)["value"].last()
        logged = set(changes.loc[changes["field"] == fld, Col.CASE_ID])
        current = _current_assigned(tables, kind)
        created[fld] = [
            initial.get(c) if c in initial.index else (None if c in logged else current.get(c))
            for c in created[Col.CASE_ID]
        ]
    changed = {
        f: set(changes.loc[changes["field"] == f, Col.CASE_ID])
        for f in (Col.ACTIVITY, Col.PRIORITY)
    }
    status = tickets["_status"].map(lambda n: None if pd.isna(n) else s.status_label(int(n)))
    created[Col.ACTIVITY] = status.where(~tickets[Col.CASE_ID].isin(changed[Col.ACTIVITY]), None)
    prio = tickets["_priority"].map(
        lambda n: None if pd.isna(n) else s.priorities.get(int(n), str(int(n)))
    )
    created[Col.PRIORITY] = prio.where(~tickets[Col.CASE_ID].isin(changed[Col.PRIORITY]), None)
    created[Col.TICKET_TYPE] = tickets["_type"].map(
        lambda n: TYPES.get(int(n), "incident") if pd.notna(n) else "incident"
    )
    created["_solved"] = tickets["_solvedate"]
    created["_verdict"] = [
        _verdict(a, b)
        for a, b in zip(tickets["_solvedate"], tickets["_time_to_resolve"], strict=True)
    ]
    changes = changes[~at_open].copy()
    changes["event"] = _event_ids(changes)
    events = replay(created, changes, creation_activity=s.status_label(1))
    for fld in (Col.ASSIGNMENT_GROUP, Col.RESOURCE):
        if fld in events.columns:
            events[fld] = events[fld].where(events[fld] != CLEARED, None)
    solved = events["_solved"].astype(object)
    after = solved.notna() & (events[Col.TIMESTAMP].astype(str) >= solved.astype(str))
    events["made_sla"] = events["_verdict"].where(after, None)
    if s.support_levels:
        events[Col.SUPPORT_LEVEL] = events[Col.ASSIGNMENT_GROUP].map(s.support_levels)
    events[Col.SEQ] = events.groupby(Col.CASE_ID, sort=False).cumcount()
    events = events.drop(columns=["_solved", "_verdict"])
    return events, bad + bad_logs, counts
