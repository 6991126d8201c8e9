# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Check and Act on a chart: the staged control chart at go-live, and the control standard.

Staged chart
    The CTQ metric per ISO week (weeks start on Monday) from the start of the baseline window to
    the last event, charted in two stages: *before* (weeks that end on or before go-live) and
    *after* (the rest). Each stage has its own limits (docs/spc.md, "Phases, stages and
    exclusions"). The week that contains go-live, when go-live is not a Monday 00:00, belongs to
    the after stage but is excluded from its estimates. A share (proportion KPI) is charted on a
    p chart from the weekly counts; every other KPI on an individuals (XmR) chart of its weekly
    values.
Control standard
    When verification finds an improvement, the after stage's centre and σ are proposed as the
    standard (the weeks they were estimated from are recorded); it comes into force when the
    initiative's owner adopts it (``pdca improve adopt``). A later verification charts every week
    after those against the standard's frozen limits; a signal of the chart's rules (one point
    beyond the limits, or eight in a row on one side of the centre line) on the worse side of the
    centre line is an alert that reopens the Act step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.spc import IMR, ControlChart, P

WEEK = timedelta(days=7)
BEFORE = "before"
AFTER = "after"


@dataclass(frozen=True)
class ControlCheck:
    """The weeks after the standard charted against it, and the alerts it raised."""

    limits: pd.DataFrame | None
    alerts: list[str]
    favourable: list[str]


def weekly(
    inputs: Inputs, kpi: str, options: dict[str, Any] | None, start: datetime | None
) -> pd.DataFrame:
    """The KPI per week (``period``, ``value``, ``n``) from ``start`` to the last event."""
    frame = evaluate(inputs, Query(kpi, options=options, period="week", start=start))
    frame = frame[frame["n"] > 0] if "n" in frame else frame
    frame = frame.dropna(subset=["value"])
    return frame[[PERIOD, "value", "n"]].reset_index(drop=True)


def _counts(weeks: pd.DataFrame, scale: float) -> tuple[Any, Any]:
    n = weeks["n"].to_numpy(dtype=np.float64)
    x = np.rint(weeks["value"].to_numpy(dtype=np.float64) / scale * n)
    return x, n


def staged_chart(
    weeks: pd.DataFrame, go_live: datetime, *, proportion: bool, scale: float
) -> ControlChart | None:
    """The chart of ``weeks`` split at go-live (None when a stage has fewer than 2 weeks)."""
    starts = pd.to_datetime(weeks[PERIOD])
    stage = np.where(starts + WEEK <= go_live, BEFORE, AFTER)
    straddles = ((starts < go_live) & (starts + WEEK > go_live)).to_numpy()
    before = int((stage == BEFORE).sum())
    after_usable = int(((stage == AFTER) & ~straddles).sum())
    if before < 2 or after_usable < 2:
        return None
    chart: ControlChart
    try:
        if proportion:
            x, n = _counts(weeks, scale)
            chart = P().fit(x, n, stage=stage, exclude=straddles)
        else:
            chart = IMR().fit(
                weeks["value"].to_numpy(dtype=np.float64), stage=stage, exclude=straddles
            )
    except InputError:
        return None
    return chart


def limits_frame(chart: ControlChart, weeks: pd.DataFrame) -> pd.DataFrame:
    """The chart's primary panel with the week of each point."""
    frame = chart.limits_.copy()
    frame.insert(0, PERIOD, pd.to_datetime(weeks[PERIOD]).to_numpy())
    return frame


def standard_of(chart: ControlChart, weeks: pd.DataFrame, *, proportion: bool) -> dict[str, Any]:
    """The after stage's estimates as the control standard."""
    row = chart.stages_.iloc[-1]
    used = chart.limits_[(chart.limits_["stage"] == AFTER) & ~chart.limits_["excluded"]]
    periods = pd.to_datetime(weeks[PERIOD]).iloc[used.index]
    return {
        "chart": "p" if proportion else "imr",
        "centre": float(row["centre"]),
        "sigma": None if proportion else float(row["sigma"]),
        "first_week": periods.min().isoformat(),
        "last_week": periods.max().isoformat(),
        "weeks": len(used),
    }


def check_standard(
    weeks: pd.DataFrame, standard: dict[str, Any], *, direction: str, scale: float
) -> ControlCheck:
    """Chart the weeks after the standard's own against its frozen limits."""
    last = pd.Timestamp(standard["last_week"])
    later = weeks[pd.to_datetime(weeks[PERIOD]) > last].reset_index(drop=True)
    if later.empty:
        return ControlCheck(None, [], [])
    chart: ControlChart
    if standard["chart"] == "p":
        x, n = _counts(later, scale)
        chart = P(centre=standard["centre"]).fit(x, n)
    else:
        chart = IMR(centre=standard["centre"], sigma=standard["sigma"]).fit(
            later["value"].to_numpy(dtype=np.float64)
        )
    z = chart.limits_["z"].to_numpy(dtype=np.float64)
    alerts: list[str] = []
    favourable: list[str] = []
    for signal in chart.signals_:
        if signal.panel != chart.panels[0]:
            continue
        side = float(np.sign(np.mean(z[list(signal.flagged)])))
        worse = direction == "neutral" or (side > 0) == (direction == "lower")
        weeks_text = ", ".join(
            pd.Timestamp(later[PERIOD].iloc[p]).strftime("%G-W%V") for p in signal.flagged
        )
        text = f"{signal.message} (week {weeks_text})"
        (alerts if worse else favourable).append(text)
    return ControlCheck(limits_frame(chart, later), alerts, favourable)
