"""Znuny / OTRS ticket_history with its lookup tables.

Reads a folder of table dumps (``ticket_history.csv``; ``ticket.csv`` and the lookups
``ticket_state.csv``, ``ticket_state_type.csv``, ``ticket_history_type.csv``, ``queue.csv``,
``users.csv``, ``ticket_priority.csv`` when given) or a ``pdca pull`` bundle ``{"tickets":
[...], "history": [...]}`` (GenericInterface ``TicketGet`` / ``TicketHistoryGet``). Field names
as znuny/Znuny documents them: ``scripts/database/schema.xml`` (``otrs-schema.mysql.sql`` in
OTRS), ``scripts/database/initial_insert.xml`` (default states, state types, history types,
priorities), ``Kernel/System/Ticket.pm`` (``HistoryAdd`` and the ``Name`` formats) and
``Kernel/GenericInterface/Operation/Ticket/TicketHistoryGet.pm``.

How the history becomes events (docs/connectors/znuny.md). Every ``ticket_history`` row
snapshots the ticket's state, queue, owner and priority *after* the action it records. The rows
of a ticket, in (``create_time``, ``id``) order, are grouped by second (one user action writes
several rows — Move, OwnerUpdate, StateUpdate — in the same second; a field that changes twice in
one second starts a new group). A group becomes an event when it is the ticket's first, when its
last snapshot differs from the previous event's, or when it holds a state, queue, owner or
priority change row (NewTicket, StateUpdate, Move, OwnerUpdate, PriorityUpdate). Rows such as
AddNote, SendAnswer, Lock or SendAgentNotification with an unchanged snapshot make no event.

state -> activity (its name) and canonical state through its state *type*: new -> new, open ->
in_progress, pending reminder -> waiting_customer, pending auto -> resolved (the answer is given
and the ticket closes itself unless the customer replies), closed -> closed, removed and merged ->
cancelled; ``[znuny.states]`` in the ``--map`` file overrides a state by name. queue ->
assignment_group, owner (login) -> resource, except the owners in ``unowned_owner_ids`` (default
user 1, the admin account Znuny makes the owner of tickets nobody has taken) -> none. Case id:
the ticket number ``tn`` (``ticket_id`` without a ticket table).

SLA: Znuny keeps only the *next* escalation deadlines on the ticket (``escalation_*_time``,
cleared once the ticket is closed or pending), not a verdict, so no ``made_sla`` is read; pdca's
own SLA clocks measure it (docs/connectors/znuny.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.history import TIME_FORMAT, batch_from_frame, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, BadRow
from pdca.ingest.znuny_tables import ZnunyTables, read_bundle, read_folder
from pdca.ingest.znuny_tables import detect as _detect
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State

SOURCE = "znuny"
TYPE_STATES: dict[str, State] = {
    "new": State.NEW,
    "open": State.IN_PROGRESS,
    "pending reminder": State.WAITING_CUSTOMER,
    "pending auto": State.RESOLVED,
    "closed": State.CLOSED,
    "removed": State.CANCELLED,
    "merged": State.CANCELLED,
}
CHANGE_TYPES = frozenset({"NewTicket", "StateUpdate", "Move", "OwnerUpdate", "PriorityUpdate"})
FIELDS = ("state", "queue", "owner", "priority")


@dataclass(frozen=True)
class ZnunySettings:
    """What the ``[znuny]`` table of a ``--map`` file can change."""

    unowned_owner_ids: frozenset[str] = frozenset({"1"})
    states: dict[str, State] = field(default_factory=dict)
    support_levels: dict[str, str] = field(default_factory=dict)


def read_settings(path: Path | None) -> ZnunySettings:
    """``[znuny] unowned_owner_ids = [1]``, ``[znuny.states] "name" = "state"``,
    ``[znuny.support_levels] "queue" = "L2"``; the defaults without a file."""
    if path is None:
        return ZnunySettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    table = data.get("znuny")
    if not isinstance(table, dict):
        raise InputError(f"{path} has no [znuny] table", "see docs/connectors/znuny.md")
    try:
        states = {str(k): State(v) for k, v in table.get("states", {}).items()}
    except ValueError as exc:
        raise InputError(f"{path}: [znuny.states]: {exc}") from None
    owners = table.get("unowned_owner_ids", [1])
    return ZnunySettings(
        unowned_owner_ids=frozenset(str(o) for o in owners),
        states=states,
        support_levels={str(k): str(v) for k, v in table.get("support_levels", {}).items()},
    )


def detect(path: Path) -> bool:
    """A folder with a ticket_history dump or a Znuny/OTRS bundle."""
    return _detect(path)


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Znuny / OTRS ticket_history with its lookup tables."""
    settings = read_settings(options.mapping)
    tables = read_folder(path) if path.is_dir() else read_bundle(path)
    frame, bad, details = build_events(tables, settings, options.timezone)
    batch = batch_from_frame(
        frame,
        source=SOURCE,
        states=state_labels(tables, settings),
        path=path,
        options=options,
        sha256=tables.sha256,
        bad_rows=tables.bad_rows + bad,
    )
    batch.details["history_rows"] = details
    return batch


def state_labels(tables: ZnunyTables, s: ZnunySettings) -> dict[str, State | str]:
    """Each state name -> pdca state, through its type (a name in ``[znuny.states]`` wins)."""
    out: dict[str, State | str] = {}
    for name, kind in tables.lookups.states.values():
        state = TYPE_STATES.get((kind or "").lower())
        if state is not None:
            out[name] = state
    out.update(s.states)
    return out


def _snapshots(tables: ZnunyTables, s: ZnunySettings, rows: pd.DataFrame) -> pd.DataFrame:
    look = tables.lookups
    out = pd.DataFrame(index=rows.index)

    def column(name: str) -> pd.Series:  # queue, owner and priority may be absent from a dump
        if name in rows.columns:
            return rows[name]
        return pd.Series([None] * len(rows), index=rows.index, dtype=object)

    out["state"] = rows["state_id"].map(lambda i: look.states.get(str(i), (str(i), None))[0])
    out["queue"] = column("queue_id").map(lambda i: look.queues.get(str(i), str(i)) if i else None)
    out["owner"] = column("owner_id").map(
        lambda i: (
            None if i is None or str(i) in s.unowned_owner_ids else look.users.get(str(i), str(i))
        )
    )
    out["priority"] = column("priority_id").map(
        lambda i: look.priorities.get(str(i), str(i)) if i else None
    )
    return out


def _quarantine(tables: ZnunyTables, ok: pd.Series) -> tuple[pd.Series, list[BadRow]]:
    hist = tables.history
    reason = pd.Series("", index=hist.index, dtype=object)
    ticket = hist["ticket_id"]
    reason[ticket.isna()] = "no ticket_id"
    if tables.tickets is not None:
        unknown = ticket.notna() & ~ticket.astype(str).isin(set(tables.tickets))
        reason[unknown] = "ticket " + ticket.astype(str) + " is not in the ticket table"
    reason[hist["state_id"].isna()] = "no state_id"
    reason[~ok] = "create_time " + hist["create_time"].astype(str) + " is not a date"
    bad = reason != ""
    cols = [c for c in hist.columns if c != ROW]
    rows = [
        BadRow(None, f"ticket_history row {int(r[ROW]) + 1}: {why}", str({c: r[c] for c in cols}))
        for (_, r), why in zip(hist[bad].iterrows(), reason[bad], strict=True)
    ]
    return bad, rows


def build_events(
    tables: ZnunyTables, s: ZnunySettings, timezone: str | None = None
) -> tuple[pd.DataFrame, list[BadRow], dict[str, Any]]:
    """The canonical frame (one row per event), the rows set aside and the row counts."""
    hist = tables.history
    when = utc_text(hist["create_time"], timezone)
    ok = pd.to_datetime(when, format=TIME_FORMAT, errors="coerce").notna()
    bad, bad_rows = _quarantine(tables, ok)
    rows = hist[~bad].copy()
    rows[Col.TIMESTAMP] = when[~bad]
    kinds = rows.get("history_type")
    by_id = rows["history_type_id"].map(lambda i: tables.lookups.history_types.get(str(i)))
    rows["_type"] = by_id if kinds is None else kinds.where(kinds.notna(), by_id)
    rows["_id"] = pd.to_numeric(rows["id"], errors="coerce").fillna(rows[ROW])
    rows = pd.concat([rows, _snapshots(tables, s, rows)], axis=1)
    rows = rows.sort_values(["ticket_id", Col.TIMESTAMP, "_id"], kind="stable")
    events: list[dict[str, Any]] = []
    for ticket, group in rows.groupby("ticket_id", sort=False):
        events += _ticket_events(str(ticket), group)
    frame = pd.DataFrame(events)
    if len(frame):
        case = frame["ticket_id"].map(lambda t: (tables.tickets or {}).get(t, t))
        frame.insert(0, Col.CASE_ID, case)
        frame = frame.rename(
            columns={"state": Col.ACTIVITY, "queue": Col.ASSIGNMENT_GROUP, "owner": Col.RESOURCE}
        )
        if s.support_levels:
            frame[Col.SUPPORT_LEVEL] = frame[Col.ASSIGNMENT_GROUP].map(s.support_levels)
        frame[Col.SEQ] = frame.groupby(Col.CASE_ID, sort=False).cumcount()
        frame = frame.rename(columns={"ticket_id": "znuny_ticket_id"})
    types = rows["_type"].fillna("?").value_counts()
    details = {
        "history_rows": len(hist),
        "history_rows_quarantined": int(bad.sum()),
        "events": len(frame),
        "history_rows_by_type": {str(k): int(v) for k, v in types.items()},
        "lookups_defaulted": list(tables.lookups.defaults_used),
    }
    return frame, bad_rows, details


def _ticket_events(ticket: str, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """One ticket's events: rows grouped by second (split when a field changes twice)."""
    out: list[dict[str, Any]] = []
    last: tuple[Any, ...] | None = None
    group: list[dict[str, Any]] = []

    def close() -> None:
        nonlocal last
        if not group:
            return
        snap = tuple(group[-1][f] for f in FIELDS)
        changes = any(r["_type"] in CHANGE_TYPES for r in group)
        if last is None or snap != last or changes:
            first = group[0]
            out.append(
                {
                    "ticket_id": ticket,
                    Col.TIMESTAMP: first[Col.TIMESTAMP],
                    **dict(zip(FIELDS, snap, strict=True)),
                }
            )
        last = snap
        group.clear()

    changed: set[str] = set()
    before = None
    for record in rows.to_dict("records"):
        row: dict[str, Any] = {str(k): v for k, v in record.items()}
        for name in FIELDS:
            row[name] = None if pd.isna(row[name]) else row[name]
        snap = tuple(row[f] for f in FIELDS)
        moved = {f for f, a, b in zip(FIELDS, snap, before or snap, strict=True) if a != b}
        same_second = bool(group) and row[Col.TIMESTAMP][:19] == group[0][Col.TIMESTAMP][:19]
        if not same_second or moved & changed:
            close()
            changed = set()
        changed |= moved
        group.append(row)
        before = snap
    close()
    return out
