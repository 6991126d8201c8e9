"""Plan: forecast the opened tickets, staff each hour of the week, project a plan's capacity.

Every answer says n (tickets counted), the window, the model, its backtest error next to the
seasonal-naive baseline's, and the assumptions (docs/forecast.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.api.desk import open as open_desk
from pdca.errors import InputError, PdcaError
from pdca.methods.forecast import VolumeForecast, forecast_volume
from pdca.methods.forecast.series import daily_counts
from pdca.methods.staffing import StaffPlan, parse_service_level, plan_week
from pdca.methods.staffing.capacity import (
    Projection,
    calibrated_arrivals,
    hourly_rates,
    project,
)
from pdca.methods.staffing.measured import measure

Goals = Path | str | None


def _holidays(desk: Any) -> tuple[date, ...]:
    calendars = desk.objectives.objectives.calendars.values()
    return tuple(sorted({d for c in calendars for d in c.holidays}))


def _shrinkage(desk: Any, given: float | None) -> float:
    if given is not None:
        return given
    options = desk.objectives.objectives.staffing
    return 0.0 if options is None else float(options.shrinkage)


@dataclass(frozen=True)
class _Log:
    """What the plan reads from the store, read once per call."""

    tickets: pd.DataFrame
    events: pd.DataFrame | None
    holidays: tuple[date, ...]
    shrinkage: float | None
    """From the objectives' ``[staffing]``; None when not asked for."""


def _read(
    store: Path | str | None,
    log: str | None,
    objectives: Goals,
    *,
    events: bool = False,
    shrinkage: float | None = None,
) -> _Log:
    with open_desk(store, objectives=objectives, log=log) as desk:
        return _Log(
            desk.tickets(log),
            desk.events(log) if events else None,
            _holidays(desk),
            _shrinkage(desk, shrinkage) if events else None,
        )


def forecast(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    by: Sequence[str] = (),
    horizon: int = 28,
    interval: str = "day",
    objectives: Goals = None,
    folds: int = 8,
) -> VolumeForecast:
    """Opened tickets ``horizon`` days ahead per ``interval`` (hour, day, week), optionally per
    ``by`` column (service, channel, priority …): the default model (ETS) and the seasonal-naive
    baseline, each with 80 % and 95 % intervals and a rolling-origin backtest."""
    got = _read(store, log, objectives)
    return forecast_volume(
        got.tickets, interval=interval, horizon=horizon, by=by, holidays=got.holidays, folds=folds
    )


@dataclass
class Staffing:
    """A staffing plan with the forecast it was made from and the measured inputs."""

    plan: StaffPlan
    forecast: VolumeForecast
    inputs: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Plan totals, inputs, and the forecast's n, window, model, backtest and assumptions."""
        return {**self.plan.summary(), "inputs": self.inputs, "forecast": self.forecast.summary()}


def _week_arrivals(fc: VolumeForecast) -> pd.Series:
    frame = fc.frame[
        (fc.frame["model"] == "ets") & (fc.frame["group"] == fc.frame["group"].iloc[0])
    ]
    rates: pd.Series = frame.set_index("period")["mean"]
    return rates.iloc[:168] if len(rates) >= 168 else rates


def _staff(
    data: _Log,
    *,
    service_level: str,
    model: str,
    aht: float | None,
    patience: float | None,
    shrinkage_given: bool,
    folds: int,
) -> Staffing:
    """The staffing plan from a log already read: the hourly forecast is fitted here, once."""
    target, answer = parse_service_level(service_level)
    assert data.events is not None
    assert data.shrinkage is not None
    found = measure(data.events, data.tickets)
    fc = forecast_volume(
        data.tickets, interval="hour", horizon=7, holidays=data.holidays, folds=folds
    )
    aht_s = aht if aht is not None else found.aht_s
    pat_s = patience if patience is not None else found.patience_s
    plan = plan_week(
        _week_arrivals(fc),
        aht_s=aht_s,
        target=target,
        answer_time_s=answer,
        model=model,
        patience_s=pat_s if model == "erlang_a" else None,
        shrinkage=data.shrinkage,
    )
    inputs = {
        "aht_from": "given" if aht is not None else found.aht_from,
        "patience_from": "given" if patience is not None else found.patience_from,
        "shrinkage_from": "given" if shrinkage_given else "objectives [staffing]",
    }
    return Staffing(plan, fc, inputs)


def staff(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    service_level: str = "80/20",
    model: str = "erlang_a",
    aht: float | None = None,
    patience: float | None = None,
    shrinkage: float | None = None,
    objectives: Goals = None,
    folds: int = 4,
) -> Staffing:
    """Agents and positions per hour of the next week for ``service_level`` (``80/20``: 80 %
    answered within 20 s; ``90/4h``), from the hourly forecast and the measured handling time
    (``aht`` seconds overrides it) and patience (``patience`` seconds overrides it); shrinkage
    from the objectives' ``[staffing]`` unless given."""
    parse_service_level(service_level)  # a bad target fails before the store is read
    data = _read(store, log, objectives, events=True, shrinkage=shrinkage)
    return _staff(
        data, service_level=service_level, model=model, aht=aht, patience=patience,
        shrinkage_given=shrinkage is not None, folds=folds,
    )  # fmt: skip


@dataclass
class PlanReview:
    """The review's plan: the daily forecast and the staffing plan, each fitted once from one
    reading of the store; ``staffing`` is None when it could not be made (``staffing_error``
    says why)."""

    forecast: VolumeForecast
    staffing: Staffing | None
    staffing_error: str | None = None


def review_plan(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    horizon: int = 28,
    folds: int = 4,
    service_level: str = "80/20",
    staff_folds: int = 2,
    objectives: Goals = None,
) -> PlanReview:
    """The daily forecast ``horizon`` days ahead (backtested over ``folds`` origins) and the
    staffing plan for ``service_level`` (its hourly forecast backtested over ``staff_folds``),
    from one reading of the store. A log too short to forecast raises
    :class:`~pdca.errors.InputError`; a staffing plan that cannot be made is reported in
    ``staffing_error``, not raised."""
    parse_service_level(service_level)
    data = _read(store, log, objectives, events=True)
    daily = forecast_volume(
        data.tickets, interval="day", horizon=horizon, holidays=data.holidays, folds=folds
    )
    try:
        staffing = _staff(
            data, service_level=service_level, model="erlang_a", aht=None, patience=None,
            shrinkage_given=False, folds=staff_folds,
        )  # fmt: skip
    except PdcaError as exc:
        return PlanReview(daily, None, str(exc))
    return PlanReview(daily, staffing)


def capacity(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    service_level: str = "80/20",
    days: int = 28,
    agents: Sequence[int] | None = None,
    leave: int = 1,
    aht: float | None = None,
    patience: float | None = None,
    objectives: Goals = None,
    replications: int = 20,
    seed: int = 0,
) -> list[Projection]:
    """Projected service level (95 % CI) and daily backlog for the next ``days`` days: with the
    plan ``agents`` (168 values, Monday 00:00 first; default: the plan :func:`staff` makes) "if
    nothing changes", and with ``leave`` agents fewer in every staffed hour."""
    target, answer = parse_service_level(service_level)
    data = _read(store, log, objectives, events=True)
    tickets, holidays = data.tickets, data.holidays
    assert data.events is not None
    found = measure(data.events, tickets)
    aht_s = aht if aht is not None else found.aht_s
    pat_s = patience if patience is not None else found.patience_s
    if agents is None:
        made = _staff(
            data, service_level=service_level, model="erlang_a", aht=aht_s, patience=pat_s,
            shrinkage_given=False, folds=4,
        )  # fmt: skip
        week = made.plan.table["agents"].to_numpy()
    else:
        week = np.asarray(list(agents), dtype=int)
        if len(week) != 168:
            raise InputError(
                f"{len(week)} agent values", "give 168: one per hour, Monday 00:00 first"
            )
    last = daily_counts(tickets["opened_at"]).index[-1]
    start = (last + timedelta(days=1)).date()
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    arrivals = calibrated_arrivals(
        tickets["opened_at"], tuple(sorted({d.strftime("%m-%d") for d in holidays}))
    )
    recent = daily_counts(tickets["opened_at"]).iloc[-56:].mean()
    rates = hourly_rates(arrivals, monday, days, float(recent) * days)
    plan_hours = np.tile(week, -(-days // 7))[: days * 24]
    out = []
    for scenario, staffed in (
        ("plan, if nothing changes", plan_hours),
        (f"{leave} agent(s) fewer in every staffed hour", np.maximum(plan_hours - leave, 0)),
    ):
        got = project(
            rates, staffed, start=monday, aht_s=aht_s, patience_s=pat_s, answer_time_s=answer,
            scenario=scenario, replications=replications, seed=seed,
        )  # fmt: skip
        got.assumptions.append(
            f"arrivals: pdca's simulator arrival process calibrated to the log, "
            f"{float(recent):.1f} tickets a day (mean of the last 8 weeks); target {target:.0%} "
            f"within {answer:g} s"
        )
        out.append(got)
    return out
