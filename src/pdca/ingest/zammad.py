"""Zammad ticket histories: the ``histories`` table with its lookups, or the REST bundle.

Zammad records a ticket's *changes*: one ``histories`` row per changed attribute
(``history_type`` ``updated``, ``history_attribute`` ``state`` / ``group`` / ``owner`` /
``priority``, with ``value_from``/``value_to`` names and ``id_from``/``id_to`` ids) and one row
of type ``created`` when the ticket is made. Sources of the field names (zammad/zammad):

* ``db/migrate/20120101000001_create_base.rb`` — tables ``histories``, ``history_types``,
  ``history_objects``, ``history_attributes``, ``tickets``, ``ticket_states``, ``groups``,
  ``users``, ``ticket_priorities``;
* ``app/models/history.rb`` (``History.add`` / ``History.list``) and
  ``app/models/concerns/has_history.rb`` (one ``updated`` row per attribute, ``*_id`` attributes
  named without ``_id`` and their values as the related record's name or full name);
* ``config/routes/ticket.rb`` — ``GET /api/v1/tickets/:id`` and ``GET /api/v1/ticket_history/:id``
  (``{"history": [...], "assets": {...}}``);
* ``db/seeds/ticket_states.rb`` / ``ticket_priorities.rb`` — the default states and priorities.

Two inputs: a folder of table dumps (``histories.csv``, ``history_types.csv``,
``history_objects.csv``, ``history_attributes.csv``, ``tickets.csv``; optional
``ticket_states.csv`` (+ ``ticket_state_types.csv``), ``groups.csv``, ``users.csv``,
``ticket_priorities.csv``), or the bundle ``pdca pull zammad`` writes (``{"tickets": [...],
"histories": {"<id>": {"history": [...], "assets": {...}}}}``).

Mapping: rows whose object is ``Ticket``; ``state`` → activity (the state's name), ``group`` →
assignment_group, ``owner`` → resource (Zammad's placeholder user ``-``, id 1, means nobody),
``priority`` → priority, and a ticket attribute ``support_level`` (an Object Manager attribute,
if the instance has one) → support_level. The ``created`` row gives the creation; the values at
creation are the first change's ``value_from`` of each attribute, else the ticket record's. All
rows of one ticket with the same ``created_at`` are one event (Zammad writes one row per changed
attribute of one update, all with the update's time).

States: ``new`` → new, ``open`` → in_progress, ``pending reminder`` → waiting_customer (the agent
waits until a reminder date, typically for the customer), ``pending close`` → resolved (the work
is done and the ticket closes itself at the pending time unless the customer answers — what
other tools call *resolved*), ``closed`` → closed, ``merged`` and ``removed`` → cancelled (not a
resolution). Custom states map by their state type when ``ticket_states.csv`` and
``ticket_state_types.csv`` (or the bundle's ``states`` with ``state_type``) are given.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.history import batch_from_frame, file_sha256, replay, utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, BadRow
from pdca.ingest.zammad_tables import FIELDS, NOBODY, Lookups, Tables, read_bundle, read_folder
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State

STATES: dict[str, State] = {
    "new": State.NEW,
    "open": State.IN_PROGRESS,
    "pending reminder": State.WAITING_CUSTOMER,
    "pending close": State.RESOLVED,
    "closed": State.CLOSED,
    "merged": State.CANCELLED,
    "removed": State.CANCELLED,
}
"""Zammad's default states (db/seeds/ticket_states.rb) -> pdca's states."""

STATE_TYPES: dict[str, State] = {
    "new": State.NEW,
    "open": State.IN_PROGRESS,
    "pending reminder": State.WAITING_CUSTOMER,
    "pending action": State.RESOLVED,
    "closed": State.CLOSED,
    "merged": State.CANCELLED,
    "removed": State.CANCELLED,
}
"""Zammad's state types (``ticket_state_types``) -> pdca's states, for custom state names."""

TABLES = ("histories.csv", "history_types.csv", "history_objects.csv", "history_attributes.csv")
"""The table dumps a Zammad folder must hold (with ``tickets.csv``)."""


def detect(path: Path) -> bool:
    """A folder with Zammad's history tables, or a Zammad bundle / ticket_history response."""
    try:
        if path.is_dir():
            return all((path / name).is_file() for name in (*TABLES, "tickets.csv"))
        if path.suffix.lower() != ".json":
            return False
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    compact = head.replace(" ", "").replace("\n", "")
    if '"pdca_bundle"' in compact:
        return '"source":"zammad"' in compact
    return '"history":[' in compact and '"o_id"' in compact and '"created_at"' in compact


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Zammad histories with their lookup tables, or ticket_history JSON."""
    if path.is_dir():
        tables = read_folder(path)
    elif path.suffix.lower() == ".json":
        tables = read_bundle(path)
    else:
        raise InputError(
            f"{path} is not a Zammad export",
            "give a folder of table dumps (histories.csv, history_types.csv, "
            "history_objects.csv, history_attributes.csv, tickets.csv) or a pdca pull bundle",
        )
    return _batch(tables, path, options)


def _batch(tables: Tables, path: Path, options: LoadOptions) -> ImportBatch:
    tables.timezone = options.timezone
    rows, lookups = tables.histories, tables.lookups
    kind = rows["type"].fillna("(none)")
    is_ticket = rows["object"] == "Ticket"
    is_field = rows["attribute"].isin(list(FIELDS))
    used = is_ticket & ((kind == "created") | ((kind == "updated") & is_field))
    noise: dict[str, int] = {}
    for label, mask in (
        ("object", ~is_ticket),
        ("type", is_ticket & ~kind.isin(["created", "updated"])),
        ("attribute", is_ticket & (kind == "updated") & ~is_field),
    ):
        counts = rows.loc[mask, label].fillna("(none)").value_counts()
        noise.update({f"{label} {value}": int(n) for value, n in counts.items()})
    rows = rows[used].copy()
    rows["_value"] = _names(rows, lookups, "value_to", "id_to")
    rows["_prev"] = _names(rows, lookups, "value_from", "id_from")
    rows["_t"] = utc_text(rows["created_at"], options.timezone)

    problems = _problems(rows, tables)
    bad = [
        BadRow(tables.line(i), str(problems[i]), json.dumps(tables.raw(i), default=str))
        for i in rows.index[problems.notna()]
    ]
    rows = rows[problems.isna()]
    rows = rows.assign(_ticket=pd.to_numeric(rows["o_id"]).astype("int64"))
    frame, without_created = _events(rows, tables)
    batch = batch_from_frame(
        frame,
        source="zammad",
        states=_state_labels(lookups),
        path=path,
        options=options,
        sha256=file_sha256(path),
        bad_rows=bad,
    )
    _relabel(batch, bad)
    batch.details["zammad"] = {
        "history_rows": tables.rows_total,
        "history_rows_used": len(rows),
        "history_rows_not_events": noise,
        "history_rows_quarantined": len(bad),
        "tickets_without_created_row": without_created,
    }
    return batch


def _relabel(batch: ImportBatch, bad: list[BadRow]) -> None:
    """Count the connector's own quarantine reasons by kind (not as malformed CSV lines)."""
    reasons = batch.details.setdefault("quarantine_reasons", {})
    reasons.pop("line has the wrong number of fields", None)
    for item in bad:
        key = item.reason.split(": ", 1)[0]
        reasons[key] = reasons.get(key, 0) + 1


def _problems(rows: pd.DataFrame, tables: Tables) -> pd.Series:
    """Why a history row cannot be used (None when it can)."""
    out = pd.Series(None, index=rows.index, dtype=object)
    created = rows["created_at"].astype(object)
    bad_time = created.isna() | (rows["_t"].astype(object) == created)
    out[bad_time] = "created_at is not a time: " + created[bad_time].fillna("(empty)").astype(str)
    o_id = pd.to_numeric(rows["o_id"], errors="coerce")
    unknown = ~o_id.isin(tables.tickets.index)
    out[unknown] = "o_id is not a ticket of the export: " + rows.loc[unknown, "o_id"].fillna(
        "(empty)"
    ).astype(str)
    unnamed = (rows["type"] == "updated") & rows["_value"].isna()
    out[unnamed] = "change without value_to or a known id_to: " + rows.loc[unnamed, "attribute"]
    return out


def _names(rows: pd.DataFrame, lookups: Lookups, value: str, ident: str) -> pd.Series:
    """A change's value as a name: the value column, else the id's name; nobody as NOBODY."""
    out = rows[value].astype(object).where(rows[value].notna(), None)
    missing = out.isna() & rows[ident].notna()
    if missing.any():
        out[missing] = [
            lookups.name(a, i)
            for a, i in zip(rows.loc[missing, "attribute"], rows.loc[missing, ident], strict=True)
        ]
    owner = rows["attribute"] == "owner"
    nobody = owner & (out.isna() | out.isin(["-", ""]) | (rows[ident].astype(str) == "1"))
    nobody |= (rows["attribute"] == "support_level") & (out.isna() | (out == ""))
    return out.where(~nobody, NOBODY)


def _events(rows: pd.DataFrame, tables: Tables) -> tuple[pd.DataFrame, int]:
    """Creation events (the values at creation) plus one event per ticket and update time."""
    tickets = tables.tickets
    ids = sorted(set(rows["_ticket"]))
    changes = rows[rows["type"] == "updated"].sort_values(["_ticket", "_t", "_row"])
    created = rows[rows["type"] == "created"].drop_duplicates("_ticket").set_index("_ticket")
    base = pd.DataFrame(index=pd.Index(ids, name="_ticket"))
    base[Col.CASE_ID] = tickets.loc[ids, "number"].astype(str)
    base[Col.TIMESTAMP] = created["_t"].reindex(ids)
    missing = base[Col.TIMESTAMP].isna()
    if missing.any():
        fallback = utc_text(tickets.loc[ids, "created_at"], tables.timezone)
        base.loc[missing, Col.TIMESTAMP] = fallback[missing]
    first_row = rows.groupby("_ticket")["_row"].min()
    base[Col.SEQ] = created["_row"].reindex(ids).fillna(first_row).astype("int64")
    first_old = changes.drop_duplicates(["_ticket", "attribute"]).set_index(
        ["_ticket", "attribute"]
    )["_prev"]
    for attribute, column in FIELDS.items():
        current = (
            tickets.loc[ids, attribute]
            if attribute in tickets.columns
            else pd.Series(None, index=ids, dtype=object)
        )
        old = pd.Series([first_old.get((i, attribute)) for i in ids], index=ids, dtype=object)
        changed = pd.Series([(i, attribute) in first_old.index for i in ids], index=ids, dtype=bool)
        if changed.any() or attribute in tickets.columns:
            base[column] = old.where(changed, current)
    base = base.reset_index(drop=True)
    step = pd.DataFrame(
        {
            Col.CASE_ID: changes["_ticket"].map(tickets["number"]).astype(str),
            Col.TIMESTAMP: changes["_t"],
            "field": changes["attribute"].map(FIELDS),
            "value": changes["_value"],
            "event": changes["_t"],
            "seq": changes["_row"],
        }
    )
    events = replay(base, step)
    events[ROW] = events.pop(Col.SEQ).astype("int64")
    for column in FIELDS.values():
        if column in events.columns:
            events[column] = events[column].where(events[column] != NOBODY, None)
    return events, int(missing.sum())


def _state_labels(lookups: Lookups) -> dict[str, State | str]:
    labels: dict[str, State | str] = dict(STATES)
    for name, kind in lookups.state_types.items():
        if name not in labels and kind in STATE_TYPES:
            labels[name] = STATE_TYPES[kind]
    return labels
