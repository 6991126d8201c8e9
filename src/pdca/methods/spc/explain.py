# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, − are meant)
"""Control-chart signals of a KPI in plain words: which KPI and group, which periods, what the
pattern suggests, and whether it is better or worse than usual (the KPI's direction)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pdca.methods.kpi.definition import Aggregation, Direction, Kpi
from pdca.methods.spc.rules import Rule, Signal


@dataclass(frozen=True)
class Charted:
    """One charted series: its KPI and group, and its primary panel in the KPI's units."""

    kpi: Kpi
    by: str | None
    group: str
    shown: pd.DataFrame
    """The primary panel, values and limits in the KPI's unit, labelled by period."""
    period: str


def period_label(start: Any, period: str) -> str:
    """How people name a period: ``2024-W14`` (ISO week), ``2024-04``, ``2024-04-03``."""
    ts = pd.Timestamp(start)
    if period == "week":
        year, week, _ = ts.isocalendar()
        return f"{year}-W{week:02d}"
    return ts.strftime("%Y-%m" if period == "month" else "%Y-%m-%d")


def side_of(s: Signal, shown: pd.DataFrame, kind: str) -> int:
    """+1 when the signal points up (above the centre, rising), −1 down, 0 neither."""
    pts = list(s.points)
    if kind == "trend":
        return int(np.sign(shown["value"].iloc[pts[-1]] - shown["value"].iloc[pts[0]]))
    if kind in {"beyond", "zone", "side", "run"}:
        return int(np.sign(shown["z"].iloc[pts].mean()))
    return 0


def effect(kpi: Kpi, side: int) -> str:
    """``better`` or ``worse`` than usual, by the KPI's direction; empty when neither applies."""
    if side == 0 or kpi.direction is Direction.NEUTRAL:
        return ""
    better_up = kpi.direction is Direction.HIGHER
    return "better" if (side > 0) == better_up else "worse"


def show(value: float, unit: str) -> str:
    """A KPI value with its unit, rounded for reading."""
    if not math.isfinite(value):
        return "–"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "tickets":
        return f"{value:,.0f} tickets" if float(value).is_integer() else f"{value:,.1f} tickets"
    return f"{value:.3g} {unit}"


N_WORDS = {"time_in_state": "state visits"}
"""What n counts, for KPIs whose units are not tickets."""


def sample_size(c: Charted, points: list[int]) -> str:
    """``n = 14 tickets`` for one point, ``n = 12 to 40 tickets`` for several; empty for counts
    (the value is the count) or when the panel has no ``n``."""
    if "n" not in c.shown or c.kpi.aggregation is Aggregation.COUNT:
        return ""
    word = N_WORDS.get(c.kpi.id, "tickets")
    n = c.shown["n"].iloc[points].astype("int64")
    lo, hi = int(n.min()), int(n.max())
    if lo == hi:
        return f"n = {lo:,} {word[:-1] if lo == 1 else word}"
    return f"n = {lo:,} to {hi:,} {word}"


def sentence(c: Charted, s: Signal, at: int, side: int, rule: Rule) -> str:
    """The signal in plain words, naming the KPI, the group, the periods and what it suggests."""
    unit, period = c.kpi.unit, c.period
    name = c.kpi.name.split(" (")[0]
    who = f"{name} of {c.by} {c.group}" if c.by else f"{name} of the service desk"
    labels = c.shown["label"].tolist()
    row = c.shown.iloc[at]
    where = "above" if side > 0 else "below"
    verdict = effect(c.kpi, side)
    tail = f", {verdict} than usual" if verdict else ""
    centre = show(float(row["centre"]), unit)
    sizes = sample_size(c, sorted(s.points))
    between = f" ({sizes})" if sizes else ""
    span = (
        f"{len(s.points)} {period}s in a row, from {labels[min(s.points)]} to {labels[at]}"
        f"{between},"
    )
    limit, word = (row["ucl"], "upper") if side > 0 else (row["lcl"], "lower")
    value = show(float(row["value"]), unit)
    one = sample_size(c, [at])
    sentences = {
        "beyond": f"{who} in {period} {labels[at]} ({value}{', ' + one if one else ''}) is "
        f"{where} the {word} control limit ({show(float(limit), unit)}){tail}: a special cause "
        "is likely.",
        "zone": f"{who}: {rule.count} of {rule.length} {period}s up to {labels[at]}{between} "
        f"lie more than {rule.zone:g}σ {where} the centre line ({centre}){tail}: an early sign "
        "of a shift.",
        "side": f"{who}: {span} lie {where} the centre line ({centre}){tail}: the process has "
        "shifted.",
        "trend": f"{who}: {span} steadily {'rise' if side > 0 else 'fall'}{tail}: a drift is "
        "likely.",
        "alternate": f"{who}: {span} alternate up and down: two alternating sources are likely "
        "mixed.",
        "within": f"{who}: {span} stay within {rule.zone:g}σ of the centre line: the limits are "
        "too wide, probably because different sources are mixed in each period.",
        "outside": f"{who}: {span} avoid the centre line on both sides: a mixture of processes.",
        "cross": f"{who}: the {period}s cross the centre line too rarely: the process has shifted.",
    }
    sentences["run"] = sentences["side"]
    return sentences[rule.kind]
