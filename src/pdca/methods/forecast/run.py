"""One call: count the opened tickets, forecast them with both models, backtest, and say how.

Days are the unit the models work in. An hourly forecast spreads each day's forecast over its
hours by the hour-of-day profile of the same weekday in the last eight weeks; its intervals are
Poisson quantiles around the day's bounds spread the same way (an approximation: the backtest
scores days). A weekly forecast sums the days of whole weeks; its interval half-widths add in
quadrature (days taken as independent, which understates the width when errors persist).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import poisson  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.methods.forecast.backtest import Backtest, backtest
from pdca.methods.forecast.models import LEVELS, MODEL_TEXT, MODELS, fit_forecast
from pdca.methods.forecast.series import daily_counts, hourly_counts

INTERVALS = ("hour", "day", "week")
BY_COLUMNS = ("service", "channel", "priority", "category", "assignment_group", "location")
"""Ticket columns a forecast may be broken down by."""
TOP_GROUPS = 10
"""Largest groups forecast one by one when broken down (the others are said, not forecast)."""
PROFILE_WEEKS = 8
ALL = "(all)"


@dataclass
class VolumeForecast:
    """Forecasts of both models per group, the history, the backtests and what was assumed."""

    interval: str
    horizon_days: int
    frame: pd.DataFrame
    """group, period, model, mean, lo80, hi80, lo95, hi95."""
    history: pd.DataFrame
    """group, period, opened: the counts the models were fitted on (at ``interval``)."""
    backtests: pd.DataFrame
    """group, model, mase, coverage80, coverage95, folds, horizon_days, points, origins."""
    n: int
    """Tickets counted."""
    window: tuple[date, date]
    """First and last whole day counted."""
    by: tuple[str, ...] = ()
    assumptions: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        """The default model, in words."""
        return MODEL_TEXT[MODELS[0]]

    def summary(self) -> dict[str, Any]:
        """What every output states: n, window, model, backtest error, assumptions."""
        return {
            "n": self.n,
            "window": [self.window[0].isoformat(), self.window[1].isoformat()],
            "interval": self.interval,
            "horizon_days": self.horizon_days,
            "by": list(self.by),
            "model": self.model,
            "baseline": MODEL_TEXT[MODELS[1]],
            "backtest": self.backtests.to_dict(orient="records"),
            "assumptions": list(self.assumptions),
        }


def _hour_profile(opened: pd.Series) -> pd.DataFrame:
    """Share of each hour (columns 0-23) in its day, per weekday (rows 0-6), last 8 weeks."""
    hours = hourly_counts(opened)
    recent = hours[hours.index >= hours.index[-1] - pd.Timedelta(weeks=PROFILE_WEEKS)]
    table = (
        recent.groupby([recent.index.day_of_week, recent.index.hour]).sum().unstack(fill_value=0)
    )
    table = table.reindex(index=range(7), columns=range(24), fill_value=0.0)
    totals = table.sum(axis=1).replace(0, np.nan)
    shares: pd.DataFrame = table.div(totals, axis=0).fillna(1 / 24)
    return shares


def _to_hours(days: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    index = pd.DatetimeIndex(days.index)
    shares = profile.to_numpy()[index.day_of_week].ravel()  # day-major, 24 hours each
    periods = (index.to_numpy()[:, None] + np.arange(24) * np.timedelta64(1, "h")).ravel()
    out = pd.DataFrame({"mean": np.repeat(days["mean"].to_numpy(), 24) * shares}, index=periods)
    for level in LEVELS:
        tail = (1 - level / 100) / 2
        lo = np.repeat(days[f"lo{level}"].to_numpy(), 24) * shares
        hi = np.repeat(days[f"hi{level}"].to_numpy(), 24) * shares
        out[f"lo{level}"] = np.where(lo > 0, poisson.ppf(tail, np.maximum(lo, 1e-12)), 0.0)
        out[f"hi{level}"] = np.where(hi > 0, poisson.ppf(1 - tail, np.maximum(hi, 1e-12)), 0.0)
    out.index.name = "period"
    return out


def _to_weeks(days: pd.DataFrame) -> pd.DataFrame:
    start = days.index[0]
    week = ((days.index - start).days // 7).to_numpy()
    keep = np.bincount(week) == 7
    out = []
    for w in np.flatnonzero(keep):
        part = days[week == w]
        row = {"period": part.index[0], "mean": part["mean"].sum()}
        for level in LEVELS:
            lo = np.sqrt(((part["mean"] - part[f"lo{level}"]) ** 2).sum())
            hi = np.sqrt(((part[f"hi{level}"] - part["mean"]) ** 2).sum())
            row[f"lo{level}"] = max(0.0, row["mean"] - lo)
            row[f"hi{level}"] = row["mean"] + hi
        out.append(row)
    return pd.DataFrame(out).set_index("period")


def _history(opened: pd.Series, interval: str) -> pd.Series:
    if interval == "hour":
        return hourly_counts(opened)
    days = daily_counts(opened)
    if interval == "week":
        return days.resample("7D", origin=days.index[0]).sum()
    return days


def _groups(tickets: pd.DataFrame, by: Sequence[str]) -> tuple[list[tuple[str, pd.Series]], int]:
    if not by:
        return [(ALL, tickets["opened_at"])], 0
    for column in by:
        if column not in tickets.columns:
            raise InputError(
                f"cannot break a forecast down by {column!r}",
                f"use one or more of: {', '.join(c for c in BY_COLUMNS if c in tickets.columns)}",
            )
    keys = tickets[list(by)].astype("string").fillna("(none)").agg(" / ".join, axis=1)
    sizes = keys.value_counts()
    top = list(sizes.index[:TOP_GROUPS])
    return [(str(k), tickets.loc[keys == k, "opened_at"]) for k in top], int(
        sizes.iloc[TOP_GROUPS:].sum()
    )


def forecast_volume(
    tickets: pd.DataFrame,
    *,
    interval: str = "day",
    horizon: int = 28,
    by: Sequence[str] = (),
    holidays: Iterable[date] = (),
    folds: int = 8,
    backtest_horizon: int = 14,
) -> VolumeForecast:
    """Forecast the opened tickets of ``tickets`` (a frame with ``opened_at`` and the ``by``
    columns) ``horizon`` days ahead at ``interval``, both models, with their backtests."""
    if interval not in INTERVALS:
        raise InputError(f"interval {interval!r}", f"use one of: {', '.join(INTERVALS)}")
    if "opened_at" not in tickets.columns or tickets["opened_at"].notna().sum() == 0:
        raise InputError("no ticket has an opening time", "a forecast needs opened tickets")
    holidays = tuple(holidays)
    if interval == "week":
        horizon = 7 * max(1, -(-horizon // 7))
    total = daily_counts(tickets["opened_at"])
    groups, left = _groups(tickets, by)
    frames: list[Any] = []
    histories: list[Any] = []
    tests: list[Any] = []
    notes: set[str] = set()
    for name, opened in groups:
        days = daily_counts(opened).reindex(total.index, fill_value=0.0)
        for model in MODELS:
            got = fit_forecast(days, horizon, model, holidays)
            notes.update(got.notes)
            out = got.frame
            if interval == "hour":
                out = _to_hours(out, _hour_profile(opened))
            elif interval == "week":
                out = _to_weeks(out)
            frames.append(out.reset_index().assign(group=name, model=model))
        hist = _history(opened, interval)
        histories.append(hist.rename("opened").reset_index().assign(group=name))
        scored = backtest(
            days, horizon=backtest_horizon, folds=folds, models=MODELS, holidays=holidays
        )
        tests.extend({"group": name, **_test_row(result)} for result in scored)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[["group", "period", "model", "mean", "lo80", "hi80", "lo95", "hi95"]]
    history = pd.concat(histories, ignore_index=True)[["group", "period", "opened"]]
    assumptions = [
        "counts are tickets opened per UTC day; partly covered first and last days are dropped",
        (
            f"backtest: rolling origin, {folds} origins a week apart, {backtest_horizon} days "
            "ahead; MASE scaled by the in-sample error of 'same weekday last week'"
        ),
        *sorted(notes),
    ]
    if interval == "hour":
        assumptions.append(
            f"hours: each day's forecast spread by the hour profile of its weekday over the last "
            f"{PROFILE_WEEKS} weeks; hour intervals are Poisson bounds around the day's (not "
            "backtested)"
        )
    if interval == "week":
        assumptions.append(
            "weeks: sums of days; interval half-widths add as if days were independent"
        )
    if left:
        assumptions.append(f"{left} tickets in smaller groups are not forecast one by one")
    first, last = total.index[0].date(), total.index[-1].date()
    n = int(tickets["opened_at"].notna().sum())
    return VolumeForecast(
        interval, horizon, frame, history, pd.DataFrame(tests), n, (first, last), tuple(by),
        assumptions,
    )  # fmt: skip


def _test_row(result: Backtest) -> dict[str, Any]:
    row = result.as_dict()
    row.pop("model")
    return {"model": result.model, **row}
