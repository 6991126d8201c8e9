"""Ticket lists: one row per ticket, with its date columns, made into canonical events.

A search-screen export (GLPI's, Znuny's, osTicket's, Zammad's, any tool's "export to CSV") has
one row per ticket and a few date columns: opening, first response or assignment, solution,
closing. A mapping names them in ``[dates]``; each date a row has becomes one event in the
state the date starts (opened -> new, first_response/assigned -> in_progress, resolved ->
resolved, closed -> closed, or the state a ``{column, state}`` entry names), carrying every
mapped field of the row. So MTTA runs from opening to first response and MTTR from opening to
resolution, as the tool's own columns say.

Rules, so that nothing is guessed or lost silently:

* one date format for all date columns together, detected over all their values (day-first or
  month-first is never guessed: set ``timestamp.dayfirst`` or ``--dayfirst``);
* a row without a readable opening date is quarantined with the reason; a row missing another
  date just lacks that event; a date that is present but unreadable, or an end date (any date
  but the opening) earlier than the opening, quarantines the row with the reason;
* a date of an open state (first response, waiting, …) later than the row's resolution or
  closure is left out and counted (``details.ticket_list.left_out_after_resolution``): as an
  event it would read as a reopen; without it the resolution is the first response, as the KPI
  definitions say (GLPI's delay to take into account keeps seconds while its dates keep minutes,
  so a ticket taken and solved within a minute has its first response after its solution date);
* ``rows_read`` counts the file's rows: ``rows_read = rows kept + rows quarantined``, and the
  events made from the kept rows are ``stored + duplicates`` (the import report gives both, under
  ``details.ticket_list``);
* each event's ``row`` is ``file row * 100 + the date's rank`` (the dates ordered by the state
  they start: opened first, then first response, waiting, resolved, closed, cancelled), so
  ``row // 100`` is the file row (0-based); the rank is also the event's ``seq``, which orders
  two dates of one ticket that fall on the same second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import MappingError
from pdca.ingest.canonical import (
    _given_by,
    _missing_mask,
    _quality,
    _quarantine,
    _Rejects,
    _ticket_type,
    _timezone,
)
from pdca.ingest.dates import DateFormat, check_order, detect_format, parse_with
from pdca.ingest.durations import read_durations
from pdca.ingest.mapping import Mapping
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.reader import ROW, RawTable
from pdca.ingest.recode import recode, renamed_attributes
from pdca.model.batch import ImportBatch
from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State

_OPEN = OPEN_STATES
_RESOLUTION = RESOLUTION_STATES
ROW_STRIDE = 100
"""An event's ``row`` is the file row times this, plus the rank of its date."""

_STATE_RANK = {
    State.NEW: 0,
    State.IN_PROGRESS: 1,
    State.WAITING_CUSTOMER: 2,
    State.WAITING_VENDOR: 2,
    State.WAITING_OTHER: 2,
    State.RESOLVED: 3,
    State.CLOSED: 4,
    State.CANCELLED: 5,
    State.UNKNOWN: 6,
}


def _check_columns(mapping: Mapping, frame: pd.DataFrame) -> None:
    absent = sorted(c for c in mapping.source_columns() if c not in frame.columns)
    if absent:
        have = ", ".join(repr(c) for c in list(frame.columns)[:16] if c != ROW)
        raise MappingError(
            f"column(s) {', '.join(repr(c) for c in absent)} not found in the file (it has {have})",
            "fix the mapping, or let `pdca suggest-mapping FILE` draft one",
        )


def _detect(texts: dict[str, pd.Series], mapping: Mapping) -> DateFormat:
    opts = mapping.timestamp
    if opts.format:
        return DateFormat(opts.format, "given", 1.0)
    pooled = pd.concat([t.dropna() for t in texts.values()], ignore_index=True)
    names = ", ".join(texts)
    return detect_format(pooled, dayfirst=opts.dayfirst, column=f"dates ({names})")


def _parse(text: pd.Series, fmt: DateFormat, mapping: Mapping, column: str) -> pd.Series:
    """Naive UTC times of one date column; NaT where missing or unreadable."""
    codes, uniques = pd.factorize(text)
    parsed_uniques = parse_with(pd.Series(uniques, dtype=object), fmt.format)
    parsed = pd.Series(parsed_uniques.array.take(codes, allow_fill=True), index=text.index)
    refused = text.notna() & parsed.isna()
    if refused.any():
        opts = mapping.timestamp
        check_order(
            pd.Series(uniques, dtype=object),
            parsed_uniques,
            fmt,
            column=column,
            refused_rows=int(refused.sum()),
            rows=int(text.notna().sum()),
            given_by=_given_by(opts.format, opts.dayfirst),
        )
    if fmt.has_offset:
        return parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    zone = mapping.timestamp.timezone
    if zone.upper() == "UTC":
        return parsed
    local = parsed.dt.tz_localize(_timezone(zone), ambiguous="NaT", nonexistent="NaT")
    return local.dt.tz_convert("UTC").dt.tz_localize(None)


def _dates(
    values: pd.DataFrame, mapping: Mapping, rejects: _Rejects
) -> tuple[dict[str, pd.Series], DateFormat]:
    columns = mapping.date_columns()
    texts = {s.column: values[s.column] for s in columns.values() if s.after is None}
    fmt = _detect(texts, mapping)
    times: dict[str, pd.Series] = {}
    opened_column = columns["opened"].column
    opened_text = values[opened_column]
    rejects.add(opened_text.isna().to_numpy(), f"missing opening date (column {opened_column!r})")
    for name, (column, _, after) in columns.items():
        text = values[column]
        if after is not None:
            continue

        parsed = _parse(text, fmt, mapping, column)
        bad = text.notna() & parsed.isna()
        rejects.add(
            bad.to_numpy(),
            f"{name} date "
            + text.astype(str).map(repr)
            + f" does not match the format {fmt.format} (column {column!r})",
        )
        times[name] = parsed
    for name, (column, _, after) in columns.items():
        if after is None:
            continue
        seconds, reasons = read_durations(values[column])
        rejects.add(
            reasons.notna().to_numpy(),
            f"{name}: duration (column {column!r}) " + reasons.fillna("").astype(str),
        )
        times[name] = times[after] + pd.to_timedelta(seconds, unit="s")
    opened = times["opened"]
    for name, (column, _, _) in columns.items():
        if name == "opened":
            continue
        early = (times[name] < opened).fillna(value=False).to_numpy(dtype=bool)
        rejects.add(
            early,
            f"{name} date "
            + values[column].astype(str).map(repr)
            + f" (column {column!r}) is before the opening date "
            + opened_text.astype(str).map(repr),
        )
    return times, fmt


def _after_resolution(times: dict[str, pd.Series], mapping: Mapping) -> dict[str, int]:
    """Leave out the open-state dates (first response, waiting, …) later than the row's
    resolution or closure: such an event would read as a reopen; without it the resolution is
    the first response, as the KPI definitions say. Returns how many were left out, per date."""
    columns = mapping.date_columns()
    ends = [times[n] for n, spec in columns.items() if spec.state in _RESOLUTION]
    if not ends:
        return {}
    first_end = pd.concat(ends, axis=1).min(axis=1)
    dropped: dict[str, int] = {}
    for name, spec in columns.items():
        if name == "opened" or spec.state not in _OPEN:
            continue
        late = (times[name] > first_end).fillna(value=False)
        if late.any():
            dropped[name] = int(late.sum())
            times[name] = times[name].mask(late)
    return dropped


def canonicalize_list(
    raw: RawTable, mapping: Mapping, *, log: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Like :func:`pdca.ingest.canonical.canonicalize`, for a ticket list: (events, quarantine,
    details, attributes), the quarantine holding whole file rows."""
    frame = raw.frame
    _check_columns(mapping, frame)
    source_cols = [c for c in frame.columns if c != ROW]
    values = frame[source_cols].mask(_missing_mask(frame[source_cols], mapping.read.missing_values))
    values, unmapped_values = recode(values, mapping)
    rejects = _Rejects(len(frame))
    cols = mapping.columns
    case = values[cols.case_id]
    rejects.add(case.isna().to_numpy(), f"missing case id (column {cols.case_id!r})")
    times, fmt = _dates(values, mapping, rejects)
    dropped = _after_resolution(times, mapping)
    ttype = _ticket_type(values, mapping, rejects)
    good = ~rejects.mask

    mapped = mapping.source_columns()
    attr_cols = [c for c in source_cols if c not in mapped]
    row_attrs = pd.concat([values[attr_cols], renamed_attributes(values, mapping)], axis=1)
    parts: list[pd.DataFrame] = []
    attrs: list[pd.DataFrame] = []
    per_date: dict[str, int] = {}
    ranked = sorted(
        mapping.date_columns().items(), key=lambda item: _STATE_RANK[item[1][1]]
    )  # sorted() is stable: dates of one state keep the mapping's order
    for rank, (name, (_, state, _)) in enumerate(ranked):
        has = good & times[name].notna().to_numpy()
        per_date[name] = int(has.sum())
        part = pd.DataFrame(
            {
                Col.LOG: log,
                Col.CASE_ID: case[has].astype(str),
                Col.TICKET_TYPE: ttype[has],
                Col.TIMESTAMP: times[name][has].astype("datetime64[us]"),
                Col.SEQ: rank,
                Col.ROW: frame.loc[has, ROW].astype("int64") * ROW_STRIDE + rank,
                Col.ACTIVITY: name,
                Col.STATE: state.value,
                Col.ATTRIBUTES: None,
            }
        )
        for canonical, source in cols.text_fields().items():
            part[canonical] = values.loc[has, source]
        parts.append(part)
        attrs.append(row_attrs[has])
    events = pd.concat(parts) if parts else pd.DataFrame()
    attributes = pd.concat(attrs) if attrs else pd.DataFrame()
    order = np.argsort(events[Col.ROW].to_numpy(), kind="stable")
    events = events.iloc[order].reset_index(drop=True)
    attributes = attributes.iloc[order].reset_index(drop=True)
    events[Col.SEQ] = events[Col.SEQ].astype("Int64")
    for name in EVENT_COLUMNS:
        if name not in events.columns and name not in (Col.IMPORT_ID, Col.EVENT_KEY):
            events[name] = None

    quarantine = _quarantine(raw, rejects, source_cols)
    details = _quality(
        raw,
        values,
        events,
        rejects,
        fmt=fmt,
        timezone=mapping.timestamp.timezone,
        unmapped=pd.Series([], dtype=object),
    )
    details["formats"]["date_columns"] = [s.column for s in mapping.date_columns().values()]
    details["unmapped_values"] = unmapped_values
    details["absent_columns"] = []
    details["ticket_list"] = {
        "rows": raw.rows_read,
        "rows_kept": int(good.sum()),
        "rows_quarantined": int((~good).sum()) + len(raw.bad_rows),
        "events": len(events),
        "events_per_date": per_date,
        "left_out_after_resolution": dropped,
    }
    return events, quarantine, details, attributes


def batch_from_list(
    raw: RawTable, mapping: Mapping, path: Path, sha256: str, options: LoadOptions
) -> ImportBatch:
    """Canonicalise a ticket list already read into a batch (``rows_read``: file rows)."""
    log = options.log or default_log_name(path)
    events, quarantine, details, attributes = canonicalize_list(raw, mapping, log=log)
    return ImportBatch(
        log=log,
        source=mapping.source,
        path=str(path),
        sha256=sha256,
        rows_read=raw.rows_read,
        events=events,
        quarantine=quarantine,
        details=details,
        attributes=attributes,
    )
