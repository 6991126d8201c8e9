"""Breakdown statistics of a duration column: what a ticket list without dates can still give.

A list such as a Dutch export with "totale minuten open", priority and category holds each
ticket's duration but no date: it cannot become an event log (no MTTA, no SLA clocks, no periods,
no process map). Its durations still answer "how long do tickets take, per priority and
category": :func:`durations` gives n, mean, median and 90th percentile per group, with the number
of values it could not read and why (:mod:`pdca.ingest.durations` refuses ambiguous text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.durations import UNIT_NAMES, read_durations, unit_from_header
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW

ALL = "(all)"
"""The group label of the row over every ticket."""
NONE = "(none)"
"""The group label of tickets with no value in a breakdown column."""
CANNOT_GIVE = (
    "a list without dates gives no MTTA, no SLA clocks, no periods and no process map: "
    "only the statistics of its durations"
)


def durations_cannot_give() -> str:
    """What a ticket list without dates cannot give, in words."""
    return CANNOT_GIVE


@dataclass(frozen=True)
class DurationStats:
    """The breakdown of one duration column, and what could not be read."""

    column: str
    unit: str | None
    """Unit of bare numbers (given, or stated by the header); None when the values carry it."""
    unit_from: str
    """``given``, ``header`` or ``values`` (the values carry their unit)."""
    by: list[str]
    """The file's columns the durations are broken down by."""
    rows: int
    read: int
    refused: int
    missing: int
    reasons: dict[str, int] = field(default_factory=dict)
    """Why values were refused (the first few reasons, with counts)."""
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per group (and one :data:`ALL` row): the groups, n, mean_hours, median_hours,
    p90_hours (90th percentile, linear interpolation between ranks)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output (the table as a list of rows)."""
        return {
            "column": self.column,
            "unit": self.unit,
            "unit_from": self.unit_from,
            "by": self.by,
            "rows": self.rows,
            "read": self.read,
            "refused": self.refused,
            "missing": self.missing,
            "reasons": self.reasons,
            "cannot_give": CANNOT_GIVE,
        }


def _column(frame: pd.DataFrame, name: str, roles: dict[str, str], what: str) -> str:
    if name in frame.columns:
        return name
    if name in roles:
        return roles[name]
    have = ", ".join(repr(c) for c in frame.columns if c != ROW)
    raise InputError(f"{what} {name!r} is not a column of the file (it has {have})")


def _stats(seconds: pd.Series) -> dict[str, Any]:
    hours = seconds / 3600.0
    return {
        "n": len(hours),
        "mean_hours": float(hours.mean()),
        "median_hours": float(hours.median()),
        "p90_hours": float(hours.quantile(0.9)),
    }


def durations(
    path: Path | str,
    *,
    column: str,
    by: list[str] | tuple[str, ...] = (),
    unit: str | None = None,
    options: LoadOptions | None = None,
) -> DurationStats:
    """n, mean, median and p90 (hours) of a duration column, per group of the ``by`` columns.

    ``column`` and ``by`` name columns of the file, or canonical fields (``priority``,
    ``category``) that pdca recognises in its headers (any of seven languages). ``unit``
    (seconds, minutes, hours, days, weeks) is the unit of bare numbers; without it the header
    may state it ("totale minuten open"), else bare numbers are refused.
    """
    from pdca.ingest.suggest import suggest  # noqa: PLC0415 (reads the file's header words)
    from pdca.ingest.table import read_table  # noqa: PLC0415

    path = Path(path)
    options = options or LoadOptions()
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if unit is not None and unit not in UNIT_NAMES:
        raise InputError(f"unknown unit {unit!r}", f"use one of: {', '.join(UNIT_NAMES)}")
    table = read_table(path, encoding=options.encoding, delimiter=options.delimiter)
    frame = table.raw.frame
    roles = {r: c.column for r, c in suggest(table, path, options).columns.items()}
    source = _column(frame, column, roles, "duration column")
    groups = [_column(frame, name, roles, "breakdown column") for name in by]
    unit_from = "given"
    if unit is None:
        unit = unit_from_header(source)
        unit_from = "header" if unit else "values"
    text = frame[source].mask(frame[source].astype("string").str.strip() == "")
    seconds, reasons = read_durations(text, unit)
    refused = reasons.notna()
    missing = text.isna()
    good = seconds.notna()
    keys = frame.loc[good, groups].fillna(NONE) if groups else None
    rows = [{**dict.fromkeys(groups, ALL), **_stats(seconds[good])}]
    if keys is not None and good.any():
        for key, part in seconds[good].groupby([keys[g] for g in groups], sort=True):
            values = key if isinstance(key, tuple) else (key,)
            rows.append({**dict(zip(groups, values, strict=True)), **_stats(part)})
    counts = reasons[refused].astype(str).value_counts().head(5)
    return DurationStats(
        column=source,
        unit=unit,
        unit_from=unit_from,
        by=groups,
        rows=len(frame),
        read=int(good.sum()),
        refused=int(refused.sum()),
        missing=int(missing.sum()),
        reasons={str(k): int(v) for k, v in counts.items()},
        table=pd.DataFrame(rows),
    )
