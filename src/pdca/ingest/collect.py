"""Turning the events read from an XES or OCEL file into a canonical batch.

A reader hands every event it meets to a :class:`Collector` (as text, exactly as in the file);
:func:`finish` then checks and converts them all at once. Nothing is dropped silently: an event
becomes a canonical event or a quarantine entry with the reason (missing case id, time stamp or
activity, unreadable time stamp, sequence number that is not a whole number, unknown ticket type).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pdca.ingest.canonical import EARLIEST, LATEST
from pdca.ingest.interchange import TEXT_FIELDS, Rules, parse_times, source_attributes
from pdca.model.batch import QUARANTINE_COLUMNS
from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.vocab import State, TicketType

_TICKET_TYPES = frozenset(t.value for t in TicketType)
_STATES = frozenset(s.value for s in State)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_BATCH_COLUMNS = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]


@dataclass
class Labels:
    """How a format names the case id, activity and time stamp (for quarantine reasons)."""

    case: str
    activity: str
    timestamp: str


class Collector:
    """Events read from a file, column by column, before they become canonical."""

    def __init__(self) -> None:
        self.position: list[int] = []
        self.case_id: list[str | None] = []
        self.activity: list[str | None] = []
        self.time_text: list[str | None] = []
        self.seq_text: list[str | None] = []
        self.row_text: list[str | None] = []
        self.text: dict[str, list[str | None]] = {name: [] for name in TEXT_FIELDS}
        self.attributes: list[str] = []
        self.reject: list[str | None] = []
        self.invalid_states = 0

    def __len__(self) -> int:
        return len(self.position)

    def add(
        self,
        position: int,
        case_id: str | None,
        values: dict[str, str | None],
        attributes: str,
        reject: str | None = None,
    ) -> None:
        """One event: ``values`` maps canonical names (and ``timestamp``) to their text."""
        self.position.append(position)
        self.case_id.append(case_id)
        self.activity.append(values.get(Col.ACTIVITY))
        self.time_text.append(values.get(Col.TIMESTAMP))
        self.seq_text.append(values.get(Col.SEQ))
        self.row_text.append(values.get(Col.ROW))
        for name, column in self.text.items():
            column.append(values.get(name))
        self.attributes.append(attributes)
        self.reject.append(reject)


class _Rejects:
    def __init__(self, initial: list[str | None]) -> None:
        self.reason = np.array(initial, dtype=object)
        self.kind = self.reason.copy()

    def add(
        self, mask: np.ndarray[Any, Any], kind: str, reasons: Iterable[str] | None = None
    ) -> None:
        free = mask & pd.isna(self.reason)
        if not free.any():
            return
        self.kind[free] = kind
        if reasons is None:
            self.reason[free] = kind
        else:
            self.reason[free] = np.asarray(list(reasons), dtype=object)[free]

    @property
    def mask(self) -> np.ndarray[Any, Any]:
        return ~pd.isna(self.reason)


def _whole_numbers(texts: list[str | None]) -> tuple[pd.Series, np.ndarray[Any, Any]]:
    """Texts as nullable int64 (exact, no detour through floats) and the mask of bad ones."""
    values = np.zeros(len(texts), dtype=np.int64)
    missing = np.ones(len(texts), dtype=bool)
    bad = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if text is None:
            continue
        try:
            number = int(text.strip())
        except ValueError:
            bad[i] = True
            continue
        if _INT64_MIN <= number <= _INT64_MAX:
            values[i] = number
            missing[i] = False
        else:
            bad[i] = True
    return pd.Series(pd.arrays.IntegerArray(values, missing)), bad


def _rows(col: Collector, rejects: _Rejects) -> tuple[np.ndarray[Any, Any], str]:
    """The ``row`` of each event, and where it came from.

    A file written by pdca carries each event's original row (``pdca:row``); it is kept when every
    event has one and no two are equal (the store needs distinct rows within an import). Otherwise
    ``row`` is the event's position in the file (or, when one event became several, in the list of
    canonical events).
    """
    given, bad = _whole_numbers(col.row_text)
    keep = ~rejects.mask
    usable = given[keep]
    if len(usable) and not bad[keep].any() and usable.notna().all() and usable.is_unique:
        return given.fillna(-1).to_numpy(dtype=np.int64), "pdca:row"
    position = np.asarray(col.position, dtype=np.int64)
    if len(np.unique(position)) == len(position):
        return position, "position in file"
    return np.arange(len(position), dtype=np.int64), "position among the flattened events"


def _raw(col: Collector, i: int) -> str:
    record: dict[str, Any] = {"position": col.position[i], Col.CASE_ID: col.case_id[i]}
    record[Col.ACTIVITY] = col.activity[i]
    record[Col.TIMESTAMP] = col.time_text[i]
    for name, values in (("seq", col.seq_text), ("row", col.row_text), *col.text.items()):
        if values[i] is not None:
            record[name] = values[i]
    record[Col.ATTRIBUTES] = source_attributes(col.attributes[i]) or col.attributes[i]
    return json.dumps(record, ensure_ascii=False)


def finish(
    col: Collector,
    *,
    log: str,
    rules: Rules,
    zone: ZoneInfo | None,
    labels: Labels,
    formats: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Turn collected events into (canonical events, quarantine, data-quality details)."""
    rejects = _Rejects(col.reject)
    case = pd.Series(col.case_id, dtype=object)
    rejects.add(case.isna().to_numpy(), f"missing case id ({labels.case})")
    text = pd.Series(col.time_text, dtype=object)
    rejects.add(text.isna().to_numpy(), f"missing timestamp ({labels.timestamp})")
    times, unreadable, clock, naive = parse_times(col.time_text, zone)
    rejects.add(
        unreadable,
        f"timestamp is not an ISO 8601 date-time ({labels.timestamp})",
        (f"timestamp {t!r} is not an ISO 8601 date-time ({labels.timestamp})" for t in text),
    )
    rejects.add(clock, "local time is ambiguous or does not exist (clock change)")
    outside = ~np.isnat(times) & (
        (times < EARLIEST.to_datetime64()) | (times >= LATEST.to_datetime64())
    )
    rejects.add(  # a placeholder such as 0001-01-01 would make every KPI command overflow
        outside,
        f"timestamp is outside the years pdca stores (1900 to 2199; {labels.timestamp})",
        (
            f"timestamp {t!r} is outside the years pdca stores (1900 to 2199; {labels.timestamp})"
            for t in text
        ),
    )
    activity = pd.Series(col.activity, dtype=object)
    rejects.add(activity.isna().to_numpy(), f"missing activity ({labels.activity})")
    seq, bad_seq = _whole_numbers(col.seq_text)
    rejects.add(
        bad_seq,
        "sequence number is not a whole number (pdca:seq)",
        (f"sequence number {t!r} is not a whole number (pdca:seq)" for t in col.seq_text),
    )
    raw_type = pd.Series(col.text[Col.TICKET_TYPE], dtype=object)
    ttype = raw_type.str.strip().str.lower().str.replace(" ", "_")
    rejects.add(
        (ttype.notna() & ~ttype.isin(_TICKET_TYPES)).to_numpy(),
        "ticket type is not a known ticket type",
        (f"ticket type {t!r} is not one of {sorted(_TICKET_TYPES)}" for t in raw_type),
    )
    given_state = pd.Series(col.text[Col.STATE], dtype=object)
    valid_state = given_state.isin(_STATES)
    invalid_states = int((given_state.notna() & ~valid_state).sum())
    state = given_state.where(valid_state, activity.map(rules.states)).fillna(State.UNKNOWN.value)
    row, row_source = _rows(col, rejects)

    events = pd.DataFrame(
        {
            Col.LOG: log,
            Col.CASE_ID: case,
            Col.TICKET_TYPE: ttype.fillna(rules.ticket_type),
            Col.TIMESTAMP: times,
            Col.SEQ: seq,
            Col.ROW: row,
            Col.ACTIVITY: activity,
            Col.STATE: state,
        }
    )
    for name in TEXT_FIELDS:
        if name not in (Col.TICKET_TYPE, Col.STATE):
            events[name] = pd.Series(col.text[name], dtype=object)
    events[Col.ATTRIBUTES] = pd.Series(col.attributes, dtype=object)
    good = ~rejects.mask
    position = np.asarray(col.position, dtype=np.int64)
    details = _quality(
        events,
        good,
        position,
        rejects,
        given_state=given_state,
        invalid_states=invalid_states,
    )
    details["row_numbers"] = row_source
    details["formats"] = {
        **formats,
        "timestamp_format": "ISO 8601",
        "timezone": "from offsets"
        if naive == 0
        else (str(zone) if zone else "UTC") + f" for {naive} time stamps without offset",
    }
    events = events[good].reset_index(drop=True)
    events = events[_BATCH_COLUMNS]
    bad_idx = np.flatnonzero(~good)
    quarantine = pd.DataFrame(
        {
            "row": position[bad_idx],
            "reason": rejects.reason[bad_idx].astype(str),
            "raw": [_raw(col, int(i)) for i in bad_idx],
        },
        columns=list(QUARANTINE_COLUMNS),
    )
    return events, quarantine, details


def _quality(
    events: pd.DataFrame,
    good: np.ndarray[Any, Any],
    position: np.ndarray[Any, Any],
    rejects: _Rejects,
    *,
    given_state: pd.Series,
    invalid_states: int,
) -> dict[str, Any]:
    kinds = pd.Series(rejects.kind[rejects.mask], dtype=object)
    missing = {
        name: int(events[name].isna().sum())
        for name in (
            Col.CASE_ID,
            Col.TIMESTAMP,
            Col.ACTIVITY,
            Col.SEQ,
            *(f for f in TEXT_FIELDS if f not in (Col.TICKET_TYPE, Col.STATE)),
        )
    }
    kept = events[good].assign(_pos=position[good]).sort_values("_pos", kind="stable")
    prev = kept.groupby(Col.CASE_ID, sort=False)[Col.TIMESTAMP].shift()
    out_of_order = int((kept[Col.TIMESTAMP] < prev).sum())
    stamps = kept[Col.TIMESTAMP]
    span = [str(stamps.min()), str(stamps.max())] if len(kept) else [None, None]
    from_file = given_state.isin(_STATES).to_numpy()
    guessed = good & ~from_file & (events[Col.STATE] == State.UNKNOWN.value).to_numpy()
    unmapped = events.loc[guessed, Col.ACTIVITY]
    return {
        "quarantine_reasons": {str(k): int(v) for k, v in kinds.value_counts().items()},
        "missing_values": missing,
        "out_of_order_timestamps": out_of_order,
        "time_span": span,
        "cases": int(kept[Col.CASE_ID].nunique()),
        "unmapped_activities": {str(k): int(v) for k, v in unmapped.value_counts().items()},
        "states_from_file": int((good & from_file).sum()),
        "invalid_states": invalid_states,
    }
