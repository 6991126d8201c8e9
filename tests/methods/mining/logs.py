"""Small event logs for mining tests, built straight into an in-memory engine table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from pdca.model.schema import EVENT_COLUMNS, Col

T0 = datetime(2024, 3, 1, 8, 0)
_ARROW = {"string": pa.string(), "timestamp": pa.timestamp("us"), "int64": pa.int64()}


def at(seconds: float) -> datetime:
    """``T0`` plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Canonical events from partial rows: defaults log "log", import 1, row = list position."""
    full = []
    for i, r in enumerate(rows):
        row: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
        row |= {Col.LOG: "log", Col.IMPORT_ID: 1, Col.ROW: i, Col.ATTRIBUTES: "{}"}
        row |= r
        if not isinstance(row[Col.TIMESTAMP], datetime):
            row[Col.TIMESTAMP] = at(row[Col.TIMESTAMP])
        full.append(row)
    return pd.DataFrame(full, columns=list(EVENT_COLUMNS))


def table(rows: list[dict[str, Any]] | pd.DataFrame) -> Any:
    """An Ibis events table (own in-memory DuckDB) holding ``rows``."""
    data = rows if isinstance(rows, pd.DataFrame) else frame(rows)
    schema = pa.schema([(c, _ARROW[t]) for c, t in EVENT_COLUMNS.items()])
    arrow = pa.Table.from_pandas(data[list(EVENT_COLUMNS)], schema=schema, preserve_index=False)
    con = ibis.duckdb.connect()
    return con.create_table("events", arrow)


def trace(case: str, *steps: tuple[str, float], **common: Any) -> list[dict[str, Any]]:
    """Rows of one ticket: (activity, seconds after T0) pairs, plus common columns."""
    return [{Col.CASE_ID: case, Col.ACTIVITY: a, Col.TIMESTAMP: at(s), **common} for a, s in steps]
