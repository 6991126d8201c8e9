"""Hypothesis strategies and helpers shared by the XES and OCEL round-trip tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from pdca.model.schema import EVENT_COLUMNS, TICKET_DIMENSIONS, Col
from pdca.model.vocab import State, TicketType

COMPARED = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]
"""Canonical columns a round trip must give back unchanged."""

AWKWARD = [
    "",
    " ",
    "<&>\"'",
    "a\r\nb",
    "\tlead",
    "trail ",
    "]]>",
    "é😀",
    "\u2028",
    "null",
    "&amp;",
    '{"x": 1}',
    "line\nbreak",
]
AWKWARD_KEYS = [
    "lifecycle:transition",
    "attr:x",
    "pdca:state",
    "concept:name",
    "case:prio",
    "",
    "a.b",
]

# XML 1.0 cannot carry most control characters; XES replaces them (tested separately).
_XML_INVALID = [chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff"]
XML_CHARS = st.characters(codec="utf-8", exclude_characters=_XML_INVALID)
ANY_CHARS = st.characters(codec="utf-8")


EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2199, 12, 31, 23, 59, 59)
"""The event times pdca stores (ingest/canonical.py: 1900 to 2199); others are quarantined."""


def _texts(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(AWKWARD), st.text(chars, max_size=10))


@st.composite
def event_frames(draw: st.DrawFn, chars: st.SearchStrategy[str], log: str) -> pd.DataFrame:
    """Canonical events of 1-4 tickets (grouped by ticket, as ``Store.events_df`` gives them)."""
    text = _texts(chars)
    maybe = st.one_of(st.none(), text)
    cases = draw(st.lists(text, min_size=1, max_size=4, unique=True))
    rows: list[dict[str, Any]] = []
    for case in cases:
        for _ in range(draw(st.integers(1, 4))):
            attrs = draw(
                st.dictionaries(st.one_of(st.sampled_from(AWKWARD_KEYS), text), maybe, max_size=4)
            )
            row: dict[str, Any] = {
                Col.LOG: log,
                Col.CASE_ID: case,
                Col.TICKET_TYPE: draw(st.sampled_from([t.value for t in TicketType])),
                Col.TIMESTAMP: draw(st.datetimes(min_value=EARLIEST, max_value=LATEST)),
                Col.SEQ: draw(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
                Col.ACTIVITY: draw(text),
                Col.STATE: draw(st.sampled_from([s.value for s in State])),
                Col.ATTRIBUTES: json.dumps(attrs, ensure_ascii=False, separators=(",", ":")),
            }
            for name in (Col.ASSIGNMENT_GROUP, Col.RESOURCE, Col.SUPPORT_LEVEL, *TICKET_DIMENSIONS):
                row[name] = draw(maybe)
            rows.append(row)
    # rows are distinct within an import (the store relies on it)
    numbers = draw(
        st.lists(st.integers(0, 2**62), min_size=len(rows), max_size=len(rows), unique=True)
    )
    for row, number in zip(rows, numbers, strict=True):
        row[Col.ROW] = number
    return canonical_frame(rows)


def canonical_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame with the store's column types (missing columns are empty)."""
    columns = {name: [row.get(name) for row in rows] for name in COMPARED}
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in columns.items()})
    frame[Col.TIMESTAMP] = pd.to_datetime(frame[Col.TIMESTAMP]).astype("datetime64[us]")
    seq = columns[Col.SEQ]
    frame[Col.SEQ] = pd.arrays.IntegerArray(
        np.array([0 if v is None else v for v in seq], dtype=np.int64),
        np.array([v is None for v in seq], dtype=bool),
    )
    frame[Col.ROW] = frame[Col.ROW].astype("int64")
    return frame


def records(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The compared columns as plain tuples, every kind of missing value as ``None``."""
    return [
        tuple(None if _missing(v) else v for v in row)
        for row in frame[COMPARED].itertuples(index=False)
    ]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
