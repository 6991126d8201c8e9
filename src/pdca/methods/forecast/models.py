# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, ×, −)
"""The two daily models: the default (ETS) and the seasonal-naive baseline it must beat.

``ets`` (default)
    statsmodels ``ETSModel``: additive errors, additive damped trend, additive weekly season
    (period 7), smoothing parameters fitted by maximum likelihood (initial states by the
    heuristic decomposition from ten weeks of data on); prediction intervals are the
    model's analytic ones.
    Before the fit, two adjustments, undone on the forecast:

    * *yearly profile* — with at least two years of days, each calendar month's factor is the
      mean ratio of its days to the centred 365-day moving average (normalised to mean 1); the
      series is divided by it before the fit and the forecast multiplied by it;
    * *holidays* — the days the objectives' calendars list as holidays are replaced, for the fit,
      by the mean of the same weekday a week before and after; the ratio of the holidays' volume
      to that replacement, measured on the past holidays, multiplies the forecast of future ones.
      Without a past holiday in the data no adjustment is made (and that is said).

``seasonal_naive`` (baseline)
    Tomorrow = the same weekday last week: ŷ(T+k) = y(T+k−7·⌈k/7⌉). Intervals from the residuals
    of the same rule on the history, σ·√⌈k/7⌉ (normal quantiles; Hyndman & Athanasopoulos,
    *Forecasting: Principles and Practice*, 3rd ed., §5.5).

Both clip at 0 (a count is never negative).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import norm  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.methods.forecast.series import holiday_flags

SEASON = 7
MIN_DAYS = 4 * SEASON
"""Fewest days a forecast is made from (four weeks)."""
YEARLY_DAYS = 714
"""Days of history from which a yearly profile is estimated (two years less two weeks: the
partly covered first and last days are dropped)."""
HEURISTIC_DAYS = 10 * SEASON
"""From ten weeks on, the initial states come from a decomposition of the first weeks
(statsmodels' heuristic initialisation) instead of the likelihood: five times faster."""
LEVELS = (80, 95)
MODELS = ("ets", "seasonal_naive")
"""Model names: the default first, then the baseline."""
MODEL_TEXT = {
    "ets": "ETS (additive error, damped additive trend, weekly season)",
    "seasonal_naive": "seasonal naive (same weekday last week)",
}


@dataclass
class Forecast:
    """A daily forecast: ``frame`` has mean, lo80, hi80, lo95, hi95 per future day."""

    model: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    """What the model assumed or adjusted (yearly profile, holidays)."""


def _future(history: pd.Series, horizon: int) -> pd.DatetimeIndex:
    last = pd.Timestamp(history.index[-1])
    return pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")


def _frame(
    index: pd.DatetimeIndex, mean: np.ndarray, bounds: dict[int, tuple[np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    out = pd.DataFrame({"mean": np.clip(mean, 0, None)}, index=index)
    for level, (lo, hi) in bounds.items():
        out[f"lo{level}"] = np.clip(lo, 0, None)
        out[f"hi{level}"] = np.clip(hi, 0, None)
    out.index.name = "period"
    return out


def seasonal_naive(history: pd.Series, horizon: int) -> Forecast:
    """The baseline: the same weekday of the last week, with residual-based intervals."""
    y = history.to_numpy(dtype=float)
    k = np.arange(1, horizon + 1)
    back = SEASON * np.ceil(k / SEASON).astype(int)
    mean = y[len(y) - back + k - 1]
    resid = y[SEASON:] - y[:-SEASON]
    sigma = float(np.sqrt(np.mean(resid**2))) if len(resid) else 0.0
    spread = sigma * np.sqrt(np.ceil(k / SEASON))
    bounds = {}
    for level in LEVELS:
        z = float(norm.ppf(0.5 + level / 200))
        bounds[level] = (mean - z * spread, mean + z * spread)
    return Forecast("seasonal_naive", _frame(_future(history, horizon), mean, bounds))


def yearly_factors(history: pd.Series) -> pd.Series | None:
    """Factor per calendar month (1 … 12) from two years or more of days, else None."""
    if len(history) < YEARLY_DAYS:
        return None
    trend = history.rolling(365, center=True, min_periods=300).mean()
    ratio = (history / trend).replace([np.inf, -np.inf], np.nan).dropna()
    by_month = ratio.groupby(pd.DatetimeIndex(ratio.index).month).mean()
    if len(by_month) < 12 or not np.isfinite(by_month).all() or (by_month <= 0).any():
        return None
    return by_month / by_month.mean()


def _holiday_ratio(y: pd.Series, flags: pd.Series) -> tuple[pd.Series, float | None]:
    """``y`` with holidays replaced by the mean of the same weekday a week before and after,
    and the measured ratio of holiday volume to that replacement (None: no usable holiday)."""
    if not flags.any():
        return y, None
    clean = y.copy()
    before, after = y.shift(SEASON), y.shift(-SEASON)
    ok_before = ~flags.shift(SEASON, fill_value=True)
    ok_after = ~flags.shift(-SEASON, fill_value=True)
    sub = pd.concat([before.where(ok_before), after.where(ok_after)], axis=1).mean(axis=1)
    usable = flags & sub.notna()
    if not usable.any():
        return y, None
    clean[usable] = sub[usable]
    total = float(sub[usable].sum())
    ratio = float(y[usable].sum()) / total if total > 0 else None
    return clean, ratio


def ets(history: pd.Series, horizon: int, holidays: Iterable[date] = ()) -> Forecast:
    """The default model (see the module docstring)."""
    from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
        ETSModel,
    )

    holidays = tuple(holidays)
    notes: list[str] = []
    future = _future(history, horizon)
    factors = yearly_factors(history)
    past_mult = pd.Series(1.0, index=history.index)
    future_mult = pd.Series(1.0, index=future)
    if factors is not None:
        months = pd.DatetimeIndex(history.index).month
        past_mult = pd.Series(factors.reindex(months).to_numpy(), history.index)
        future_mult = pd.Series(factors.reindex(future.month).to_numpy(), future)
        notes.append("yearly profile: a factor per calendar month from two years or more")
    y = history / past_mult
    flags = holiday_flags(pd.DatetimeIndex(history.index), holidays)
    y, ratio = _holiday_ratio(y, flags)
    future_flags = holiday_flags(future, holidays)
    if ratio is not None:
        future_mult = future_mult * np.where(future_flags, ratio, 1.0)
        notes.append(f"holidays: volume × {ratio:.2f} (measured on {int(flags.sum())} past days)")
    elif future_flags.any() or flags.any():
        notes.append("holidays: too few past holidays to measure their effect; not adjusted")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(
            pd.Series(y.to_numpy(dtype=float)),
            error="add",
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=SEASON,
            initialization_method="heuristic" if len(y) >= HEURISTIC_DAYS else "estimated",
        )
        fit = model.fit(disp=False, maxiter=200)
        pred = fit.get_prediction(start=len(y), end=len(y) + horizon - 1)
        mult = future_mult.to_numpy()
        bounds = {}
        for level in LEVELS:
            summary = pred.summary_frame(alpha=1 - level / 100)
            bounds[level] = (
                summary["pi_lower"].to_numpy() * mult,
                summary["pi_upper"].to_numpy() * mult,
            )
        mean = pred.predicted_mean.to_numpy() * mult
    if not np.isfinite(mean).all():
        raise InputError("the ETS fit did not converge", "use the baseline (--model naive)")
    return Forecast("ets", _frame(future, mean, bounds), notes)


def fit_forecast(
    history: pd.Series, horizon: int, model: str = "ets", holidays: Iterable[date] = ()
) -> Forecast:
    """Forecast ``horizon`` days after the daily ``history`` with ``model``."""
    if len(history) < MIN_DAYS:
        raise InputError(
            f"{len(history)} whole days of data; a forecast needs {MIN_DAYS} or more",
            "import a longer log",
        )
    if horizon < 1:
        raise InputError(f"horizon {horizon}", "the horizon is 1 day or more")
    if model == "ets":
        return ets(history, horizon, holidays)
    if model == "seasonal_naive":
        return seasonal_naive(history, horizon)
    raise InputError(f"no forecast model {model!r}", f"use one of: {', '.join(MODELS)}")
