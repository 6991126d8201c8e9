"""Counts of opened tickets per day or hour: whole periods only, zero where none opened."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from pdca.errors import InputError


def _stamps(opened: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(opened, errors="coerce").dropna()
    if stamps.empty:
        raise InputError("no ticket has an opening time", "a forecast needs opened tickets")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def daily_counts(opened: pd.Series) -> pd.Series:
    """Tickets opened per UTC day, from the first to the last whole day (days with none: 0).

    The first and the last day of the log are dropped when they are partly covered (the log may
    start or end in the middle of a day), so a short last day is not read as a drop in demand.
    """
    stamps = _stamps(opened)
    days = stamps.dt.floor("D")
    counts = days.value_counts().sort_index()
    first, last = days.min(), days.max()
    if stamps.min() > first + pd.Timedelta(hours=1):
        first += pd.Timedelta(days=1)
    if stamps.max() < last + pd.Timedelta(hours=23):
        last -= pd.Timedelta(days=1)
    index = pd.date_range(first, last, freq="D")
    series: pd.Series = counts.reindex(index, fill_value=0).astype(float)
    series.index.name = "period"
    series.name = "opened"
    return series


def hourly_counts(opened: pd.Series) -> pd.Series:
    """Tickets opened per UTC hour over the whole days :func:`daily_counts` keeps."""
    stamps = _stamps(opened)
    days = daily_counts(opened)
    if days.empty:
        return pd.Series(dtype=float, name="opened")
    hours = stamps.dt.floor("h").value_counts().sort_index()
    index = pd.date_range(days.index[0], days.index[-1] + pd.Timedelta(hours=23), freq="h")
    series: pd.Series = hours.reindex(index, fill_value=0).astype(float)
    series.index.name = "period"
    series.name = "opened"
    return series


def holiday_flags(index: pd.DatetimeIndex, holidays: Iterable[date]) -> pd.Series:
    """True for the days of ``index`` that are holidays."""
    days = {pd.Timestamp(d) for d in holidays}
    return pd.Series([d.normalize() in days for d in index], index=index, dtype=bool)
