# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""KPI monitoring: every KPI of the catalogue, per group and period, on the chart that fits it.

docs/monitor.md repeats the definitions below word for word (a test checks it).

Binding
    Shares (RATIO KPIs in %: FCR, SLA compliance, reopen rate, CSAT, …) go on a p chart of the
    per-period numerator out of the denominator, or on Laney's p′ chart when the periods vary more
    than the binomial allows (the overdispersion test below). Counts (COUNT KPIs: volume,
    backlog) go on a c chart, or on Laney's u′ chart with unit exposure when they vary more than
    the Poisson allows.
    A flow (volume) is counted over complete periods only: a first or last period that the log
    covers for less than all but its last day (hour, for days) would count too few tickets.
    Everything else (mean and median durations such as MTTR and MTTA, NPS, configured ratios such
    as cost per ticket) goes on an I-MR chart of the per-period values.

Overdispersion test
    z-scores of the periods against the binomial (or Poisson) model, zᵢ = (pᵢ − p̄)/σᵢ, should
    have σ = 1. Laney's estimate σ_z = MR̄(z)/d2(2) over the phase-I periods is compared with the
    spread it has when the model holds: with k moving ranges of independent standard normal
    values, Var(MR̄) = (k·(2 − 4/π) + 2(k − 1)·(4/π)(√3/2 + π/12 − 1))/k², so se(σ_z) =
    √Var(MR̄)/d2(2). The periods are overdispersed when σ_z > 1 + 2.326·se(σ_z) (a one-sided 1 %
    test). Moving ranges rather than the plain standard deviation keep a shift from passing for
    dispersion.

Phase I
    Limits are estimated from the first ``phase1`` periods of each series (default: all of them)
    and applied unchanged to the periods after them (phase II). With every period in phase I a
    recent shift still shows, as points beyond the limits or runs on one side of the centre line;
    with phase I set to a stable stretch before it, it stands out more sharply.

Current signals
    A signal is current when its last point is in one of the last ``current`` complete periods
    of the KPI (default 3), the last periods with data in any group; older signals are history,
    and so are the signals of a group whose tickets stopped before those periods. Only the
    signals of the primary panel are listed (the I chart, not the moving-range chart). A series
    with fewer than ``min_points`` periods (default 8), or one that does not vary in phase I, is
    not charted; the chart overview says why.

Incomplete periods
    A period is incomplete when the log's window hides some of its tickets: the first or last
    period, covered for less than all but its last day (hour, for days); for a duration placed
    at its stop (time to resolve, to respond), the periods that end less than the horizon after
    the log starts, which can only hold the tickets opened after it started, and the periods
    that end more than a day (an hour, for days) after the last ticket opening, which hold only
    old tickets; for the volume (counted at the opening), the periods that end more than a day
    after the last ticket opening of a log that goes on after it (an extract); for a duration
    placed at its start (time in a state), the periods that start
    less than the horizon before the log ends. The horizon is the duration up to which the KPI's
    tickets in the log fill 90 % of all their hours (for a median: the 90th percentile of the
    durations), at most half the time from the log's start to its last ticket opening.
    Incomplete periods are drawn but left out of the limits and the rules (unless
    ``include_incomplete``), and every output names them (``left_out``). Stocks (the backlog)
    are never incomplete.

Minimum n
    Every point carries n, the number of tickets behind its value (for counts, the count
    itself). A point with fewer than ``min_n`` tickets is drawn but left out of the limits and
    the rules, so it never signals (default: 5 for means and medians, 10 for shares; counts have
    no minimum). Limits and rules run over the sequence of the points kept; a series with fewer
    than ``min_points`` of them is not charted, and the chart overview says how many were kept.

Log scale
    Durations (means and medians in hours or days: MTTR, MTTA, time in state) are right-skewed,
    so their per-period values go on the individuals chart as logarithms; the centre line and
    the limits are turned back into the KPI's unit: the centre is the geometric mean of the
    periods and the limits are multiplicative, never below 0. A value under one minute counts as
    one minute. On the individuals chart of any other KPI that cannot be negative, a lower limit
    below 0 is shown as 0, and the binding says so.

The KPI engine does the aggregation (:func:`pdca.methods.kpi.evaluate.evaluate`, one query per
KPI); only the per-period tables come back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from pdca.errors import InputError, PdcaError
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import Aggregation, Inputs, Kpi
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.kpi.window import (
    MIN_N_MEASUREMENT,
    MIN_N_PROPORTION,
    Window,
    completeness,
    horizon_of,
    placement,
    window_of,
)
from pdca.methods.spc.base import ControlChart
from pdca.methods.spc.explain import Charted, effect, period_label, sentence, side_of
from pdca.methods.spc.registry import chart as make_chart
from pdca.methods.spc.rules import RuleSpec

Family = Literal["proportion", "count", "measurement"]
DEFAULT_KPIS = ("volume", "mttr", "mtta", "fcr", "reopen_rate", "escalation_rate", "sla_resolution")
"""KPIs monitored when none are named (each skipped when the log cannot give it)."""
ALL = "all"
"""The group name when there is no breakdown."""
MISSING = "(missing)"
ONE_SIDED_99 = 2.326
_D2 = 2 / math.sqrt(math.pi)
_MR_VAR = 2 - 4 / math.pi
_MR_COV = 4 / math.pi * (math.sqrt(3) / 2 + math.pi / 12 - 1)
SIGNAL_COLUMNS = (
    "kpi", "name", "by", "group", "chart", "rule", "first", "period", "points",
    "value", "n", "centre", "lcl", "ucl", "unit", "effect", "message", "left_out",
)  # fmt: skip
CHART_COLUMNS = (
    "kpi", "by", "group", "chart", "reason", "points", "counted", "phase1", "first", "last",
    "value", "centre", "lcl", "ucl", "unit", "signals", "status", "min_n", "left_out",
)  # fmt: skip
MIN_N = {"measurement": MIN_N_MEASUREMENT, "proportion": MIN_N_PROPORTION, "count": 0}
"""Default minimum number of tickets behind a point that counts, per kind of chart."""
LOG_UNITS = {"hours": 1 / 60, "h": 1 / 60, "days": 1 / 1440, "minutes": 1.0}
"""Units of durations charted as logarithms, and one minute in each (the floor of a value)."""
SIGNED = frozenset({"nps"})
"""Measurement KPIs that can be negative (their lower limit is not clipped at 0)."""


@dataclass(frozen=True)
class Dispersion:
    """Laney's σ_z of the phase-I z-scores and the overdispersion verdict."""

    sigma_z: float
    threshold: float
    overdispersed: bool


def dispersion(z: Any) -> Dispersion:
    """Whether z-scores (in time order) vary more than a standard normal sequence would."""
    arr = np.asarray(z, dtype=np.float64)
    k = arr.size - 1
    if k < 1:
        return Dispersion(math.nan, math.nan, overdispersed=False)
    sigma_z = float(np.abs(np.diff(arr)).mean() / _D2)
    se = math.sqrt(k * _MR_VAR + 2 * (k - 1) * _MR_COV) / k / _D2
    threshold = 1 + ONE_SIDED_99 * se
    return Dispersion(sigma_z, threshold, overdispersed=bool(sigma_z > threshold))


def family(kpi: Kpi) -> Family:
    """Which kind of chart a KPI needs (see the module docstring)."""
    if kpi.aggregation is Aggregation.RATIO and kpi.unit == "%":
        return "proportion"
    if kpi.aggregation is Aggregation.COUNT and kpi.finish is None:
        return "count"
    return "measurement"


@dataclass(frozen=True)
class Binding:
    """The chart chosen for one series, and why."""

    chart: str
    reason: str


def bind(kind: Family, counts: Any, sizes: Any, phase1: Any) -> Binding:
    """The chart for a series: ``counts`` out of ``sizes`` (proportions), counts per ``sizes``
    exposure (counts) or values (measurements); ``phase1`` marks the estimating points."""
    if kind == "measurement":
        return Binding("imr", "per-period values on an individuals chart")
    x = np.asarray(counts, dtype=np.float64)
    n = np.asarray(sizes, dtype=np.float64)
    use = np.asarray(phase1, dtype=bool)
    rate = float(x[use].sum() / n[use].sum())
    if rate <= 0 or (kind == "proportion" and rate >= 1):
        share = "100 %" if rate >= 1 else "0"
        raise InputError(f"every phase-I period is {share}: nothing varies to chart")
    if kind == "proportion":
        sd = np.sqrt(rate * (1 - rate) / n)
        plain, laney, model = "p", "laney-p", "binomial"
    else:
        sd = np.sqrt(rate / n)
        plain = "c" if np.allclose(n, 1.0) else "u"
        laney, model = "laney-u", "Poisson"
    test = dispersion(((x / n - rate) / sd)[use])
    if test.overdispersed:
        return Binding(
            laney,
            f"overdispersed (σ_z = {test.sigma_z:.2f} > {test.threshold:.2f}): {model} limits "
            "widened by σ_z (Laney)",
        )
    return Binding(plain, f"σ_z = {test.sigma_z:.2f} ≤ {test.threshold:.2f}: {model} limits")


@dataclass
class Monitor:
    """What :func:`monitor` found: current signals, one row per chart, and the charts drawn."""

    signals: pd.DataFrame
    charts: pd.DataFrame
    panels: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    """The primary panel of each chart in the KPI's units, labelled by period; columns ``n``
    (tickets behind the point), ``counted`` (False: drawn hollow, left out of the limits and
    rules) and ``note`` (why it was left out, or "")."""
    incomplete: dict[str, str] = field(default_factory=dict)
    """Per KPI: the incomplete periods left out of every chart, and why ("" when none)."""
    min_n: dict[str, int] = field(default_factory=dict)
    """Per KPI: the minimum number of tickets behind a point that counts."""


def monitor(
    inputs: Inputs,
    kpis: Sequence[str] = (),
    *,
    by: str | None = None,
    groups: Sequence[str] | None = None,
    period: str = "week",
    phase1: int | None = None,
    current: int = 3,
    rules: RuleSpec = "western-electric",
    min_points: int = 8,
    min_n: int | None = None,
    include_incomplete: bool = False,
    horizon: timedelta | None = None,
) -> Monitor:
    """Chart every KPI per group (value of ``by``, only ``groups`` when given) and period.

    Limits come from the first ``phase1`` counted periods of each series (default: all of them);
    a signal is *current* when its last point is in one of the KPI's last ``current`` complete
    periods. Incomplete periods (see :mod:`pdca.methods.kpi.window`; ``horizon`` overrides the
    default for durations) and points with fewer than ``min_n`` tickets (default :data:`MIN_N`)
    are drawn but neither count towards the limits nor signal; ``include_incomplete`` counts
    incomplete periods too. A series with fewer than ``min_points`` counted periods is not
    charted. KPIs named in ``kpis`` must compute; of the default set, KPIs the log cannot give are
    listed as skipped.
    """
    if current < 1:
        raise InputError(f"current must be at least 1 period, got {current}")
    if min_points < 2 or (phase1 is not None and phase1 < 2):
        raise InputError("limits need at least 2 periods", hint="give phase1 (--phase1) ≥ 2")
    if min_n is not None and min_n < 0:
        raise InputError(f"min_n must be at least 0, got {min_n}")
    window = window_of(inputs, openings=True)
    found = Monitor(
        pd.DataFrame(columns=list(SIGNAL_COLUMNS)), pd.DataFrame(columns=list(CHART_COLUMNS))
    )
    signals: list[dict[str, Any]] = []
    charts: list[dict[str, Any]] = []
    for kpi_id in kpis or DEFAULT_KPIS:
        kpi = get_kpi(kpi_id)
        kind = family(kpi)
        floor = 0 if kind == "count" else (MIN_N[kind] if min_n is None else min_n)
        found.min_n[kpi.id] = floor
        try:
            frame = evaluate(inputs, Query(kpi_id, by=(by,) if by else (), period=period))
        except PdcaError as exc:
            if kpis:
                raise
            charts.append(_row(kpi, by, ALL, status=f"skipped: {exc}", min_n=floor))
            continue
        frame = frame.assign(_group=frame[by].fillna(MISSING).astype(str) if by else ALL)
        frame[PERIOD] = pd.to_datetime(frame[PERIOD])
        periods = sorted(frame[PERIOD].unique())
        reach = horizon if horizon is not None else _horizon(kpi, inputs, window)
        reasons = dict(
            zip(periods, completeness(kpi, periods, period, window, horizon=reach), strict=True)
        )
        labels = {p: period_label(p, period) for p in periods}
        missing = [p for p in periods if reasons[p] is not None]
        found.incomplete[kpi.id] = _incomplete(
            [labels[p] for p in missing], [str(reasons[p]) for p in missing], period
        )
        usable = periods if include_incomplete else [p for p in periods if reasons[p] is None]
        recent = {labels[p] for p in usable[-current:]}
        for group in groups if groups is not None else sorted(frame["_group"].unique()):
            row, found_here, drawn = _chart_one(
                Charted(kpi, by, group, frame[frame["_group"] == group], period),
                periods=periods,
                reasons=reasons,
                recent=recent,
                floor=floor,
                include=include_incomplete,
                phase1=phase1,
                rules=rules,
                min_points=min_points,
            )
            charts.append(row)
            signals += found_here
            if drawn is not None:
                found.panels[(kpi.id, group)] = drawn
    overview = pd.DataFrame(charts, columns=list(CHART_COLUMNS))
    left = overview["left_out"].astype(object)
    overview["left_out"] = left.where(left.notna(), "")
    counts = ("points", "counted", "phase1", "signals", "min_n")
    found.charts = overview.astype(dict.fromkeys(counts, "Int64"))
    found.signals = pd.DataFrame(signals, columns=list(SIGNAL_COLUMNS))
    return found


def _chart_one(
    part: Charted,
    *,
    periods: list[Any],
    reasons: dict[Any, str | None],
    recent: set[str],
    floor: int,
    include: bool,
    phase1: int | None,
    rules: RuleSpec,
    min_points: int,
) -> tuple[dict[str, Any], list[dict[str, Any]], pd.DataFrame | None]:
    """One group's chart: its overview row, its current signals and its drawn panel. ``part``
    holds the group's rows of the KPI engine's table in ``shown``."""
    kpi, by, group, period = part.kpi, part.by, part.group, part.period
    series = _series(kpi, part.shown, periods)
    tickets = series["tickets"].astype("int64").tolist()
    notes = [_note(reasons[p], t, floor) for p, t in zip(series.index, tickets, strict=True)]
    counted = np.array(
        [
            t >= floor and (include or reasons[p] is None)
            for p, t in zip(series.index, tickets, strict=True)
        ],
        dtype=bool,
    )
    left_out = _left_out(series, notes, counted, period, floor)
    kept = int(counted.sum())
    base = {"min_n": floor, "left_out": left_out, "points": len(series), "counted": kept}
    if kept < min_points:
        cut = sum(1 for note in notes if note and not note.startswith("n = "))
        status = _too_few(kept, family(kpi), floor, min_points, period, cut=cut)
        return _row(kpi, by, group, status=status, **base), [], None
    try:
        fitted, binding, shown = _fit(kpi, series[counted], phase1, rules, period)
    except InputError as exc:
        return _row(kpi, by, group, status=f"skipped: {exc.args[0]}", **base), [], None
    shown["n"] = series["tickets"][counted].astype("int64").to_numpy()
    shown["counted"] = True
    shown["note"] = [n for n, c in zip(notes, counted, strict=True) if c]
    found = _current(Charted(kpi, by, group, shown, period), fitted, recent, left_out)
    drawn = _with_left_out(shown, series, counted, notes, period)
    last = drawn.iloc[-1]
    row = _row(
        kpi,
        by,
        group,
        chart=binding.chart,
        reason=binding.reason,
        phase1=int((shown["phase"] == 1).sum()),
        first=drawn["label"].iloc[0],
        last=last["label"],
        **{c: float(last[c]) for c in ("value", "centre", "lcl", "ucl")},
        signals=len(found),
        status="signal" if found else "stable",
        **base,
    )
    return row, found, drawn


def _row(kpi: Kpi, by: str | None, group: str, **values: Any) -> dict[str, Any]:
    return {"kpi": kpi.id, "by": by or "", "group": group, "unit": kpi.unit, **values}


def _horizon(kpi: Kpi, inputs: Inputs, window: Window | None) -> timedelta | None:
    """The default horizon of a duration KPI (:func:`pdca.methods.kpi.window.horizon_of`)."""
    if window is None or placement(kpi) is None:
        return None
    return horizon_of(kpi, kpi.units(inputs, kpi.parse_options(None)), window)


def _note(reason: str | None, tickets: int, floor: int) -> str:
    """Why a point is left out (or, when incomplete periods are included, what is incomplete)."""
    if reason is not None:
        return reason
    if tickets < floor:
        return f"n = {tickets}, fewer than {floor} tickets"
    return ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _incomplete(labels: list[str], reasons: list[str], period: str) -> str:
    """The incomplete periods, runs of the same reason together: ``2016-W09 to 2016-W14 (…)``."""
    parts: list[str] = []
    i = 0
    while i < len(labels):
        j = i
        while j + 1 < len(labels) and reasons[j + 1] == reasons[i]:
            j += 1
        span = labels[i] if i == j else f"{labels[i]} to {labels[j]}"
        parts.append(f"{span} ({reasons[i]})")
        i = j + 1
    if not parts:
        return ""
    return f"{_plural(len(labels), f'incomplete {period}')}: {'; '.join(parts)}"


def _left_out(series: pd.DataFrame, notes: list[str], counted: Any, period: str, floor: int) -> str:
    """The points of one series left out of its limits and rules, and why, in words."""
    labels = [period_label(p, period) for p in series.index]
    tickets = series["tickets"].astype("int64").tolist()
    small = [
        f"{labels[i]} (n = {tickets[i]})"
        for i, note in enumerate(notes)
        if not counted[i] and note.startswith("n = ")
    ]
    late = [i for i, note in enumerate(notes) if not counted[i] and not note.startswith("n = ")]
    parts = [_incomplete([labels[i] for i in late], [notes[i] for i in late], period)]
    if small:
        parts.append(
            f"{_plural(len(small), period)} with fewer than {floor} tickets: {', '.join(small)}"
        )
    return "; ".join(p for p in parts if p)


def _too_few(kept: int, kind: Family, floor: int, min_points: int, period: str, *, cut: int) -> str:
    what = "complete periods" if kind == "count" else f"complete periods with n ≥ {floor}"
    if cut > kept:
        hint = f"; the log's window leaves {cut} {period}s incomplete (left_out)"
    else:
        hint = "; try --period month" if period != "month" else ""
    return f"skipped: {kept} {what}, {min_points} needed{hint}"


def _series(kpi: Kpi, part: pd.DataFrame, periods: list[Any]) -> pd.DataFrame:
    """Per period: ``x`` (count or numerator), ``n`` (size, 1 for counts), ``value`` and
    ``tickets`` (the tickets behind the value)."""
    kind = family(kpi)
    part = part.set_index(PERIOD).sort_index()
    if kind == "count":  # a period without tickets counts 0
        idx = pd.DatetimeIndex(periods, name=PERIOD)
        x = part["value"].reindex(idx).fillna(0.0)
        return pd.DataFrame({"x": x, "n": 1.0, "value": x, "tickets": x.round()})
    if kind == "proportion":
        part = part[part["n"] > 0]
        x = (part["value"] / kpi.scale * part["n"]).round(9)
        return pd.DataFrame(
            {"x": x, "n": part["n"].astype(float), "value": part["value"], "tickets": part["n"]}
        )
    part = part[part["value"].notna()]
    return pd.DataFrame(
        {"x": part["value"], "n": 1.0, "value": part["value"], "tickets": part["n"]}
    )


def _with_left_out(
    shown: pd.DataFrame, series: pd.DataFrame, counted: Any, notes: list[str], period: str
) -> pd.DataFrame:
    """The counted points' panel with the left-out points put back in time order: their own
    value and n, the limits of the counted points around them, no z and no signal."""
    total = len(series)
    where = np.flatnonzero(counted)
    out = shown.set_index(pd.Index(where)).reindex(range(total))
    for column in ("centre", "lcl", "ucl", "sigma", "phase", "stage"):
        out[column] = out[column].ffill().bfill()
    out["point"] = np.arange(total)
    out["label"] = [period_label(p, period) for p in series.index]
    out["value"] = series["value"].to_numpy(dtype=np.float64)
    out["n"] = series["tickets"].astype("int64").to_numpy()
    out["counted"] = np.asarray(counted, dtype=bool)
    out["note"] = notes
    out["excluded"] = out["excluded"].fillna(value=True).astype(bool)
    out["signal"] = out["signal"].fillna(value=False).astype(bool)
    out["rules"] = out["rules"].fillna("")
    out["phase"] = out["phase"].astype("int64")
    return out.reset_index(drop=True)


def log_scale(kpi: Kpi) -> bool:
    """Whether the KPI's per-period values go on the individuals chart as logarithms."""
    return (
        family(kpi) == "measurement"
        and kpi.unit in LOG_UNITS
        and kpi.aggregation
        in (
            Aggregation.MEAN,
            Aggregation.MEDIAN,
        )
    )


def _fit(
    kpi: Kpi, series: pd.DataFrame, phase1: int | None, rules: RuleSpec, period: str
) -> tuple[ControlChart, Binding, pd.DataFrame]:
    count = len(series)
    estimating = np.arange(count) < (phase1 or count)
    phase = np.where(estimating, 1, 2)
    kind = family(kpi)
    binding = bind(kind, series["x"], series["n"], estimating)
    fitted = make_chart(binding.chart, rules=rules)
    logged = log_scale(kpi)
    values = series["value"].to_numpy(dtype=np.float64)
    if logged:
        fitted.fit(np.log(np.maximum(values, LOG_UNITS[kpi.unit])), phase=phase)
        binding = Binding(
            binding.chart,
            f"per-period values on an individuals chart of log({kpi.unit}): durations are "
            "right-skewed (geometric centre, multiplicative limits)",
        )
    elif kind == "measurement":
        fitted.fit(values, phase=phase)
    elif binding.chart == "c":
        fitted.fit(series["x"].to_numpy(), phase=phase)
    else:
        fitted.fit(series["x"].to_numpy(), series["n"].to_numpy(), phase=phase)
    shown = fitted.limits_.copy()
    if logged:
        shown["value"] = values
        for column in ("centre", "lcl", "ucl"):
            shown[column] = np.exp(shown[column].to_numpy(dtype=np.float64))
        shown["sigma"] = math.nan  # σ is in log units: no zones in hours
    else:
        factor = kpi.scale if kind == "proportion" else 1.0
        for column in ("value", "centre", "lcl", "ucl", "sigma"):
            shown[column] = shown[column] * factor
    if kind == "measurement" and not logged and kpi.id not in SIGNED and (shown["lcl"] < 0).any():
        shown["lcl"] = shown["lcl"].clip(lower=0.0)
        binding = Binding(
            binding.chart, f"{binding.reason}; lower limit shown as 0: the KPI cannot be negative"
        )
    shown["label"] = [period_label(p, period) for p in series.index]
    return fitted, binding, shown


def _current(
    c: Charted, fitted: ControlChart, recent: set[str], left_out: str
) -> list[dict[str, Any]]:
    """The signals of the primary panel whose last point falls in one of the ``recent`` periods."""
    labels = c.shown["label"].tolist()
    rules = {r.id: r for r in fitted.rules_}
    out = []
    for s in fitted.signals_:
        if s.panel != fitted.panels[0] or labels[max(s.points)] not in recent:
            continue
        at = max(s.flagged) if s.flagged else max(s.points)
        row = c.shown.iloc[at]
        rule = rules[s.rule]
        side = side_of(s, c.shown, rule.kind)
        out.append(
            _row(
                c.kpi,
                c.by,
                c.group,
                name=c.kpi.name,
                chart=fitted.id,
                rule=s.rule,
                first=c.shown["label"].iloc[min(s.points)],
                period=row["label"],
                points=len(s.points),
                value=float(row["value"]),
                n=int(row["n"]),
                centre=float(row["centre"]),
                lcl=float(row["lcl"]),
                ucl=float(row["ucl"]),
                effect=effect(c.kpi, side),
                message=sentence(c, s, at, side, rule),
                left_out=left_out,
            )
        )
    return out
