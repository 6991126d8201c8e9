"""Applying a mapping to a raw table: canonical events, quarantine and data-quality facts.

Nothing is dropped silently. A row becomes an event, or a quarantine entry whose reason names the
column and the value that was wrong. Exact duplicate rows are kept here and counted by the store,
which also skips rows it already holds (re-importing a file is a no-op).
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from pdca.errors import MappingError
from pdca.ingest.dates import DateFormat, check_order, detect_format, parse_with
from pdca.ingest.mapping import Mapping
from pdca.ingest.reader import ROW, RawTable
from pdca.ingest.recode import recode, renamed_attributes
from pdca.model.batch import QUARANTINE_COLUMNS
from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.vocab import State, TicketType

_TICKET_TYPES = {t.value for t in TicketType}


def _missing_mask(frame: pd.DataFrame, tokens: list[str]) -> pd.DataFrame:
    mask = frame.isna()
    if tokens:
        mask |= frame.isin(tokens)
    return mask


def _check_columns(mapping: Mapping, frame: pd.DataFrame) -> tuple[Mapping, list[str]]:
    """The mapping restricted to the file's columns (lenient mappings), and what was absent."""
    absent = sorted(c for c in mapping.source_columns() if c not in frame.columns)
    core = {mapping.columns.case_id, mapping.columns.timestamp, *mapping.columns.activity_columns()}
    if absent and mapping.lenient and not core & set(absent):
        cleared = {
            field: None
            for field, column in mapping.columns.model_dump().items()
            if isinstance(column, str) and column in absent
        }
        return mapping.with_overrides(columns=cleared), absent
    if absent:
        have = ", ".join(repr(c) for c in list(frame.columns)[:12] if c != ROW)
        raise MappingError(
            f"column(s) {', '.join(repr(c) for c in absent)} not found in the file (it has {have})",
            "fix the mapping, or let `pdca suggest-mapping FILE` draft one",
        )
    return mapping, []


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"unknown time zone {name!r}", "use an IANA name such as Europe/Brussels or UTC"
        ) from None


class _Rejects:
    """Collects the first reason each row is rejected for."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)

    def add(self, mask: np.ndarray[Any, Any], reasons: pd.Series | str) -> None:
        free = mask & pd.isna(self.reason)
        if isinstance(reasons, str):
            self.reason[free] = reasons
        else:
            self.reason[free] = np.asarray(reasons, dtype=object)[free]

    @property
    def mask(self) -> np.ndarray[Any, Any]:
        return ~pd.isna(self.reason)


def _row_json(frame: pd.DataFrame) -> list[str]:
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    lines = text.split("\n")
    return lines[: len(frame)]


def _given_by(fmt: str | None, dayfirst: bool | None) -> str:
    """Where the timestamp format came from, in the words of an error message."""
    if fmt:
        return "the mapping"
    if dayfirst is None:
        return "detected"
    return "--dayfirst" if dayfirst else "--monthfirst"


SEQ_LIMIT = float(2**63 - 1024)
"""Sequence numbers must stay below this (the largest float64 under 2**63): 64-bit storage."""
EARLIEST = pd.Timestamp("1900-01-01")
LATEST = pd.Timestamp("2200-01-01")
"""Event times pdca stores: from 1900-01-01 up to (not including) 2200-01-01. Beyond them a date
is a placeholder (``31/12/9999``, ``01/01/0001``) or a typo, and durations and calendars computed
from it would overflow; such rows are quarantined with the reason."""


def _in_range(moments: pd.Series, text: pd.Series, column: str, rejects: _Rejects) -> None:
    outside = moments.notna() & ((moments < EARLIEST) | (moments >= LATEST))
    rejects.add(
        outside.to_numpy(),
        "timestamp "
        + text.astype(str).map(repr)
        + f" is outside the years pdca stores (1900 to 2199; column {column!r})",
    )


def _timestamps(
    values: pd.DataFrame, mapping: Mapping, rejects: _Rejects
) -> tuple[pd.Series, DateFormat]:
    column = mapping.columns.timestamp
    text = values[column]
    rejects.add(text.isna().to_numpy(), f"missing timestamp (column {column!r})")
    opts = mapping.timestamp
    if opts.format:
        fmt = DateFormat(opts.format, "given", 1.0)
    else:
        fmt = detect_format(text, dayfirst=opts.dayfirst, column=column)
    # parse each distinct text once: logs repeat timestamps a lot (minute resolution, bulk updates)
    codes, uniques = pd.factorize(text)
    parsed_uniques = parse_with(pd.Series(uniques), fmt.format)
    parsed = pd.Series(parsed_uniques.array.take(codes, allow_fill=True), index=text.index)
    refused = text.notna() & parsed.isna()
    if refused.any():
        check_order(
            pd.Series(uniques, dtype=object),
            parsed_uniques,
            fmt,
            column=column,
            refused_rows=int(refused.sum()),
            rows=int(text.notna().sum()),
            given_by=_given_by(opts.format, opts.dayfirst),
        )
    rejects.add(
        refused.to_numpy(),
        "timestamp "
        + text.astype(str).map(repr)
        + f" does not match the format {fmt.format} (column {column!r})",
    )
    if fmt.has_offset:
        moments = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        _in_range(moments, text, column, rejects)
        return moments, fmt
    _in_range(parsed, text, column, rejects)
    tz = _timezone(opts.timezone)
    if opts.timezone.upper() == "UTC":
        return parsed, fmt
    local = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    rejects.add(
        (parsed.notna() & local.isna()).to_numpy(),
        f"local time is ambiguous or does not exist in {opts.timezone} (clock change)",
    )
    return local.dt.tz_convert("UTC").dt.tz_localize(None), fmt


def _sequence(values: pd.DataFrame, mapping: Mapping, rejects: _Rejects) -> pd.Series:
    column = mapping.columns.seq
    if not column:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    text = values[column]
    seq = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = (text.notna() & (seq.isna() | (seq % 1 != 0))).to_numpy()
    rejects.add(
        bad,
        "sequence number "
        + text.astype(str).map(repr)
        + f" is not a whole number (column {column!r})",
    )
    # whole numbers beyond 64 bits (float64 holds them, the store's BIGINT does not)
    huge = (~bad & text.notna().to_numpy()) & (seq.abs() >= SEQ_LIMIT).to_numpy()
    rejects.add(
        huge,
        "sequence number "
        + text.astype(str).map(repr)
        + f" is beyond what 64 bits hold (±2^63; column {column!r})",
    )
    return seq.where(~(bad | huge)).astype("Int64")


def _activity(values: pd.DataFrame, mapping: Mapping, rejects: _Rejects) -> pd.Series:
    columns = mapping.columns.activity_columns()
    parts = values[columns]
    rejects.add(
        parts.isna().all(axis=1).to_numpy(),
        f"missing activity (column {', '.join(repr(c) for c in columns)})",
    )
    if len(columns) == 1:
        return parts[columns[0]]
    if parts.empty:  # pandas' row-wise join of no rows gives a frame, not a series
        return pd.Series([], index=values.index, dtype=object)
    return parts.fillna("").astype(str).agg(mapping.activity_separator.join, axis=1)


def _ticket_type(values: pd.DataFrame, mapping: Mapping, rejects: _Rejects) -> pd.Series:
    column = mapping.columns.ticket_type
    if not column:
        return pd.Series(mapping.ticket_type.value, index=values.index)
    ttype = values[column].str.strip().str.lower().str.replace(" ", "_")
    rejects.add(
        (ttype.notna() & ~ttype.isin(_TICKET_TYPES)).to_numpy(),
        "ticket type "
        + values[column].astype(str).map(repr)
        + f" is not one of {sorted(_TICKET_TYPES)}",
    )
    return ttype.fillna(mapping.ticket_type.value)


def _quarantine(raw: RawTable, rejects: _Rejects, source_cols: list[str]) -> pd.DataFrame:
    bad = rejects.mask
    rejected = raw.frame[bad]
    quarantine = pd.DataFrame(
        {
            "row": rejected[ROW].astype("int64").to_numpy(),
            "reason": rejects.reason[bad],
            "raw": _row_json(rejected[source_cols]),
        }
    )
    if raw.bad_rows:
        lines = pd.DataFrame(
            {
                # the record's position among the data records (as events' `row`); its file line
                # is in the reason
                "row": [
                    b.row if b.row is not None else (-1 if b.line is None else b.line)
                    for b in raw.bad_rows
                ],
                "reason": [
                    b.reason if b.line is None else f"line {b.line}: {b.reason}"
                    for b in raw.bad_rows
                ],
                "raw": [json.dumps({"line": b.text}, ensure_ascii=False) for b in raw.bad_rows],
            }
        )
        quarantine = pd.concat([quarantine, lines], ignore_index=True)
    return quarantine[list(QUARANTINE_COLUMNS)]


def canonicalize(
    raw: RawTable,
    mapping: Mapping,
    *,
    log: str,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Turn a raw table into (events, quarantine, details, attributes) following ``mapping``.

    ``attributes`` holds the source columns the mapping does not name, row-aligned with
    ``events``; the store keeps them as JSON in ``events.attributes``.
    """
    frame = raw.frame
    mapping, absent = _check_columns(mapping, frame)
    source_cols = [c for c in frame.columns if c != ROW]
    values = frame[source_cols].mask(_missing_mask(frame[source_cols], mapping.read.missing_values))
    values, unmapped_values = recode(values, mapping)
    rejects = _Rejects(len(frame))
    cols = mapping.columns

    case = values[cols.case_id]
    rejects.add(case.isna().to_numpy(), f"missing case id (column {cols.case_id!r})")
    timestamps, fmt = _timestamps(values, mapping, rejects)
    seq = _sequence(values, mapping, rejects)
    activity = _activity(values, mapping, rejects)
    states = {label: state.value for label, state in mapping.states.items()}
    state = activity.map(states).astype("str").where(activity.isin(states), State.UNKNOWN.value)
    ttype = _ticket_type(values, mapping, rejects)

    events = pd.DataFrame(
        {
            Col.LOG: log,
            Col.CASE_ID: case.astype(str),
            Col.TICKET_TYPE: ttype,
            Col.TIMESTAMP: timestamps.astype("datetime64[us]"),
            Col.SEQ: seq,
            Col.ROW: frame[ROW].astype("int64"),
            Col.ACTIVITY: activity,
            Col.STATE: state,
            Col.ATTRIBUTES: None,
        },
        index=frame.index,
    )
    for canonical, source in cols.text_fields().items():
        events[canonical] = values[source]
    for name in EVENT_COLUMNS:
        if name not in events.columns and name not in (Col.IMPORT_ID, Col.EVENT_KEY):
            events[name] = None
    good = ~rejects.mask
    events = events[good]
    mapped = mapping.source_columns()
    attr_cols = [c for c in source_cols if c not in mapped]
    attributes = pd.concat(
        [values.loc[good, attr_cols], renamed_attributes(values.loc[good], mapping)], axis=1
    ).reset_index(drop=True)
    events = events.reset_index(drop=True)

    quarantine = _quarantine(raw, rejects, source_cols)
    details = _quality(
        raw,
        values,
        events,
        rejects,
        fmt=fmt,
        timezone=mapping.timestamp.timezone,
        unmapped=activity[(state == State.UNKNOWN.value) & good],
    )
    details["absent_columns"] = absent
    details["unmapped_values"] = unmapped_values
    return events, quarantine, details, attributes


def _quality(
    raw: RawTable,
    values: pd.DataFrame,
    events: pd.DataFrame,
    rejects: _Rejects,
    *,
    fmt: DateFormat,
    timezone: str,
    unmapped: pd.Series,
) -> dict[str, Any]:
    reasons = pd.Series(rejects.reason[rejects.mask], dtype=object)
    # collapse value-specific reasons into their kind for the summary
    kinds = reasons.str.replace(r"'.*?' ", "", regex=True)
    kind_counts = {str(k): int(v) for k, v in kinds.value_counts().items()}
    if raw.bad_rows:
        kind_counts["line has the wrong number of fields"] = len(raw.bad_rows)
    # out-of-order: an event earlier than the previous event of its ticket in file order
    ordered = events.sort_values(Col.ROW, kind="stable")
    prev = ordered.groupby(Col.CASE_ID, sort=False)[Col.TIMESTAMP].shift()
    out_of_order = int((ordered[Col.TIMESTAMP] < prev).sum())
    unmapped_counts = unmapped.value_counts()
    span = (
        [str(events[Col.TIMESTAMP].min()), str(events[Col.TIMESTAMP].max())]
        if len(events)
        else [None, None]
    )
    return {
        "formats": {
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
            "timestamp_format": fmt.format,
            "timestamp_detected": fmt.order != "given",
            "dayfirst": fmt.dayfirst,
            "timezone": "from offsets" if fmt.has_offset else timezone,
        },
        "renamed_columns": raw.renamed_columns,
        "quarantine_reasons": kind_counts,
        "missing_values": {c: int(v) for c, v in values.isna().sum().items()},
        "out_of_order_timestamps": out_of_order,
        "time_span": span,
        "cases": int(events[Col.CASE_ID].nunique()),
        "unmapped_activities": {str(k): int(v) for k, v in unmapped_counts.items()},
    }
