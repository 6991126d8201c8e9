"""What the change-history connectors share: vendor rows in, canonical events out.

A helpdesk that keeps a history (Jira's changelog, Zendesk's audits, GLPI's ``glpi_logs``,
Znuny's ``ticket_history``, Zammad's ``histories``, osTicket's ``thread_event``, Freshservice's
activities) records *changes*. A connector turns them into one flat table with pdca's canonical
column names (see :data:`FIELDS`) and hands it to :func:`batch_from_frame`, which runs it through
the same canonicalisation as every CSV (quarantine with reasons, counts that reconcile, the
quality report). Two helpers cover what most of them need:

* :func:`utc_text` reads the vendor's time stamps (ISO 8601 with an offset, or naive times in a
  stated zone) into UTC text; a value it cannot read is kept as it was, so that the row is
  quarantined with the value in its reason instead of being dropped;
* :func:`replay` turns a ticket record (the values at creation) plus a list of deltas (field,
  new value, optionally old value) into one event per change with the ticket's *whole* state at
  that moment, as an audit log such as ServiceNow's records it. When the ticket record lacks a
  field's value at creation, the old value of that field's first change is used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.ingest.delimited import batch_from_raw
from pdca.ingest.mapping import parse_mapping
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, RawTable
from pdca.model.batch import ImportBatch
from pdca.model.schema import MAPPABLE_TEXT_COLUMNS, Col
from pdca.model.vocab import State, TicketType

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
"""How :func:`utc_text` writes a time (UTC)."""

FIELDS: tuple[str, ...] = (
    Col.CASE_ID,
    Col.TIMESTAMP,
    Col.SEQ,
    Col.ACTIVITY,
    Col.TICKET_TYPE,
    *(c for c in MAPPABLE_TEXT_COLUMNS if c != Col.ACTIVITY),
)
"""Canonical columns a connector's frame may hold; any other column becomes a source
attribute (kept as JSON in ``events.attributes``; ``made_sla`` there is the tool's SLA verdict)."""

_CLEARED = "\x00cleared"
"""Stands, during :func:`replay`, for a change that clears a field (new value null)."""

SNAPSHOT_FIELDS: tuple[str, ...] = tuple(
    c for c in FIELDS if c not in (Col.CASE_ID, Col.TIMESTAMP, Col.SEQ)
)


def _nanoseconds(values: pd.Series) -> pd.Series:
    """Naive times in nanoseconds; a time that unit cannot hold (before 1677 or after 2262,
    such as year -1, which ISO 8601 parsing gives in microseconds) becomes unreadable (NaT).
    Times that carry an offset the offset pattern missed (``+01``) are converted to UTC."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(values.dtype):  # mixed offsets: objects
        values = pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)
    inside = values.notna() & (values >= pd.Timestamp.min) & (values <= pd.Timestamp.max)
    return values.where(inside).astype("datetime64[ns]")


def order_times(values: pd.Series) -> pd.Series:
    """Times (the UTC text of :func:`utc_text`) as naive UTC datetimes to order events by; what
    cannot be read is NaT, and text with an offset that :func:`utc_text` left as given is
    converted to UTC instead of stopping the import with pandas' mixed-time-zone error."""
    parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    return parsed.dt.tz_localize(None)


def utc_text(values: pd.Series, timezone: str | None = None) -> pd.Series:
    """Vendor times as UTC text in :data:`TIME_FORMAT`; unreadable values are kept as given.

    Values with an offset (``2024-03-01T10:00:00.000+0100``, ``…Z``) are converted; values
    without one are read in ``timezone`` (default UTC). Numbers are not guessed as epochs here:
    a connector whose tool writes epoch seconds converts them itself.
    """
    text = values.astype("string")
    offset = text.str.contains(
        r"(?:Z|[+-]\d\d:?\d\d|:\d\d(?:\.\d+)?[+-]\d\d)\s*$", regex=True, na=False
    )
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if offset.any():
        aware = pd.to_datetime(text[offset], errors="coerce", utc=True, format="ISO8601")
        parsed[offset] = _nanoseconds(aware.dt.tz_localize(None))
    naive = text.notna() & ~offset
    if naive.any():
        try:
            local = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        except ValueError:  # offsets of another form mixed with naive times: read all as UTC
            local = pd.to_datetime(text[naive], errors="coerce", format="ISO8601", utc=True)
        local = _nanoseconds(local)
        if timezone and timezone.upper() != "UTC":
            local = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            local = local.dt.tz_convert("UTC").dt.tz_localize(None)
        parsed[naive] = local
    out = text.astype(object).where(text.notna(), None)
    ok = parsed.notna()
    if ok.any():
        out[ok] = parsed[ok].dt.strftime(TIME_FORMAT)
    return out


def replay(
    created: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    creation_activity: str | None = None,
) -> pd.DataFrame:
    """One event per change, carrying every field's value at that moment.

    ``created``: one row per ticket with ``case_id``, ``timestamp`` (creation) and the values at
    creation of any snapshot field (``activity`` = the status at creation, ``assignment_group``,
    ``resource``, ``priority``, …) plus any other columns (kept on every event of the ticket).
    ``changes``: one row per changed field with ``case_id``, ``timestamp``, ``field`` (a
    canonical field name), ``value`` (new), optionally ``previous`` (old) and ``event`` (changes
    with the same ticket and event id form one event; default: the same ticket and time), and
    optionally ``seq``. Rows are ordered by time, then ``seq``, then their position.
    Returns the creation events and the change events, in that order within each ticket.
    """
    changes = changes.copy()
    if "event" not in changes.columns:
        changes["event"] = changes[Col.TIMESTAMP].astype(str)
    changes["_pos"] = range(len(changes))
    base = created.copy()
    fields = [f for f in SNAPSHOT_FIELDS if f in base.columns or f in set(changes["field"])]
    for name in fields:
        if name not in base.columns:
            base[name] = None
    if "previous" in changes.columns and len(changes):
        # the old value of each field's *first* change (a null there means null at creation)
        first_old = (
            changes.sort_values([Col.TIMESTAMP, "_pos"], kind="stable")
            .drop_duplicates([Col.CASE_ID, "field"])
            .dropna(subset=["previous"])
            .pivot(index=Col.CASE_ID, columns="field", values="previous")
        )
        for name in first_old.columns:
            if name in base.columns:
                fill = base[Col.CASE_ID].map(first_old[name])
                base[name] = base[name].where(base[name].notna(), fill)
    if creation_activity is not None:
        base[Col.ACTIVITY] = base[Col.ACTIVITY].where(base[Col.ACTIVITY].notna(), creation_activity)
    base["_order"] = -1
    if not len(changes):
        return base.drop(columns="_order")
    keys = [Col.CASE_ID, "event"]
    head = changes.groupby(keys, sort=False).agg(
        timestamp=(Col.TIMESTAMP, "first"), _order=("_pos", "min")
    )
    if "seq" in changes.columns:
        head[Col.SEQ] = changes.groupby(keys, sort=False)["seq"].first()
    # a change *to* null (a field cleared) must survive the forward fill below
    changes["value"] = changes["value"].astype(object).where(changes["value"].notna(), _CLEARED)
    values = changes.drop_duplicates([*keys, "field"], keep="last").pivot(
        index=keys, columns="field", values="value"
    )
    steps = head.join(values).reset_index().drop(columns="event")
    carried = [c for c in base.columns if c not in steps.columns and c != Col.TIMESTAMP]
    steps = steps.merge(base[[Col.CASE_ID, *[c for c in carried if c != Col.CASE_ID]]],
                        on=Col.CASE_ID, how="left", suffixes=("", "_base"))  # fmt: skip
    both = pd.concat([base, steps], ignore_index=True)
    both["_t"] = order_times(both[Col.TIMESTAMP])
    both = both.sort_values([Col.CASE_ID, "_t", "_order"], kind="stable", na_position="last")
    for name in fields:
        both[name] = both.groupby(Col.CASE_ID, sort=False)[name].ffill()
    for name in values.columns:
        if name in both.columns:
            both[name] = both[name].astype(object).where(both[name] != _CLEARED, None)
    return both.drop(columns=["_order", "_t"]).reset_index(drop=True)


def batch_from_frame(
    frame: pd.DataFrame,
    *,
    source: str,
    states: dict[str, State | str],
    path: Path,
    options: LoadOptions,
    sha256: str | None = None,
    ticket_type: TicketType = TicketType.INCIDENT,
    rows_read: int | None = None,
    bad_rows: list[Any] | None = None,
) -> ImportBatch:
    """Canonicalise a connector's flat frame (canonical column names, times from
    :func:`utc_text`) into a batch; ``states`` maps the tool's status labels to pdca's states.

    ``row`` (if present) is the position of each row's origin in the source (the history row
    number); otherwise the frame's order. Every other non-canonical column is kept as a source
    attribute.
    """
    data = frame.copy()
    if ROW not in data.columns:
        data[ROW] = range(len(data))
    for name in (Col.CASE_ID, Col.TIMESTAMP, Col.ACTIVITY):
        if name not in data.columns:
            data[name] = None
    text_cols = [c for c in data.columns if c != ROW]
    data[text_cols] = data[text_cols].astype(object).where(data[text_cols].notna(), None)
    for name in text_cols:
        data[name] = data[name].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    columns: dict[str, Any] = {
        "case_id": Col.CASE_ID,
        "timestamp": Col.TIMESTAMP,
        "activity": Col.ACTIVITY,
    }
    if Col.SEQ in data.columns:
        columns["seq"] = Col.SEQ
    if Col.TICKET_TYPE in data.columns:
        columns["ticket_type"] = Col.TICKET_TYPE
    columns.update({n: n for n in MAPPABLE_TEXT_COLUMNS if n != Col.ACTIVITY and n in data.columns})
    mapping = parse_mapping(
        {
            "source": source,
            "ticket_type": ticket_type.value,
            "read": {"missing_values": [""]},
            "columns": columns,
            "timestamp": {"format": TIME_FORMAT, "timezone": "UTC"},
            "states": {label: State(state).value for label, state in states.items()},
        },
        f"built-in mapping of the {source} connector",
    )
    raw = RawTable(frame=data.reset_index(drop=True), bad_rows=list(bad_rows or []))
    if sha256 is None:
        sha256 = file_sha256(path)
    batch = batch_from_raw(raw, mapping, path, sha256, options)
    if rows_read is not None:
        batch.rows_read = rows_read
    return batch


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, or of a folder's files (names and contents, in name order)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(item.relative_to(path)).encode())
            digest.update(item.read_bytes())
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()
