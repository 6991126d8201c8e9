# ruff: noqa: RUF001, RUF002  (mathematical notation is meant)
"""Rolling-origin backtest: how good each model would have been on the log's own past.

For each of ``folds`` origins (the last one ``horizon`` days before the end, each earlier one
``step`` days before the next), the model is fitted on the days before the origin and forecasts
the ``horizon`` days after it. Over every (origin, day ahead):

MASE
    mean |actual − forecast| divided by the mean |y(t) − y(t−7)| of the training days (the
    in-sample error of "same weekday last week", Hyndman & Koehler 2006). Below 1: better than
    the seasonal-naive rule did in-sample; the baseline's own MASE is near 1.
Coverage
    the share of actual days inside the 80 % and the 95 % prediction intervals (well calibrated:
    near 80 % and 95 %).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.methods.forecast.models import MIN_DAYS, MODELS, SEASON, fit_forecast


@dataclass(frozen=True)
class Backtest:
    """The backtest of one model."""

    model: str
    mase: float
    coverage80: float
    coverage95: float
    folds: int
    horizon: int
    points: int
    """Forecast days scored (folds × horizon)."""
    first_origin: pd.Timestamp
    last_origin: pd.Timestamp

    def as_dict(self) -> dict[str, object]:
        """Plain values (for JSON)."""
        return {
            "model": self.model,
            "mase": round(self.mase, 4),
            "coverage80": round(self.coverage80, 4),
            "coverage95": round(self.coverage95, 4),
            "folds": self.folds,
            "horizon_days": self.horizon,
            "points": self.points,
            "first_origin": self.first_origin.date().isoformat(),
            "last_origin": self.last_origin.date().isoformat(),
        }


def origins(length: int, horizon: int, folds: int, step: int) -> list[int]:
    """Positions of the origins (index of the first forecast day), oldest first."""
    last = length - horizon
    found = [last - i * step for i in range(folds)]
    return sorted(o for o in found if o >= MIN_DAYS)


def backtest(
    series: pd.Series,
    *,
    horizon: int = 14,
    folds: int = 8,
    step: int = 7,
    models: Iterable[str] = MODELS,
    holidays: Iterable[date] = (),
) -> list[Backtest]:
    """Backtest each model on the daily ``series`` (see the module docstring)."""
    holidays = tuple(holidays)
    starts = origins(len(series), horizon, folds, step)
    if not starts:
        raise InputError(
            f"{len(series)} days: too short to backtest a {horizon}-day forecast",
            f"a backtest needs {MIN_DAYS + horizon} days or more",
        )
    out = []
    for model in models:
        errors: list[float] = []
        in80: list[float] = []
        in95: list[float] = []
        for o in starts:
            train, test = series.iloc[:o], series.iloc[o : o + horizon].to_numpy(dtype=float)
            y = train.to_numpy(dtype=float)
            scale = float(np.mean(np.abs(y[SEASON:] - y[:-SEASON])))
            got = fit_forecast(train, horizon, model, holidays).frame
            err = np.abs(test - got["mean"].to_numpy())
            errors.extend(err / scale if scale > 0 else err)
            in80.extend((test >= got["lo80"]) & (test <= got["hi80"]))
            in95.extend((test >= got["lo95"]) & (test <= got["hi95"]))
        out.append(
            Backtest(
                model=model,
                mase=float(np.mean(errors)),
                coverage80=float(np.mean(in80)),
                coverage95=float(np.mean(in95)),
                folds=len(starts),
                horizon=horizon,
                points=len(errors),
                first_origin=pd.Timestamp(series.index[starts[0]]),
                last_origin=pd.Timestamp(series.index[starts[-1]]),
            )
        )
    return out
