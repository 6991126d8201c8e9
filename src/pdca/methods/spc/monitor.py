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
    A signal is current when its last point is in one of the last ``current`` periods of the KPI
    (default 3), the last periods with data in any group; older signals are history, and so are
    the signals of a group whose tickets stopped before those periods. Only the signals of the
    primary panel are listed (the I chart, not the moving-range chart). A series with fewer than
    ``min_points`` periods (default 8), or one that does not vary in phase I, is not charted; the
    chart overview says why.

The KPI engine does the aggregation (:func:`pdca.methods.kpi.evaluate.evaluate`, one query per
KPI); only the per-period tables come back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from pdca.errors import InputError, PdcaError
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import Aggregation, Inputs, Kpi
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.kpi.units import period_end
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
    "value", "centre", "lcl", "ucl", "unit", "effect", "message",
)  # fmt: skip
CHART_COLUMNS = (
    "kpi", "by", "group", "chart", "reason", "points", "phase1", "first", "last",
    "value", "centre", "lcl", "ucl", "unit", "signals", "status",
)  # fmt: skip


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
    """The primary panel of each chart in the KPI's units, labelled by period."""


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
) -> Monitor:
    """Chart every KPI per group (value of ``by``, only ``groups`` when given) and period.

    Limits come from the first ``phase1`` periods of each series (default: all of them); a signal
    is *current* when its last point is in one of the KPI's last ``current`` periods. A series
    with fewer than ``min_points`` periods is not charted. KPIs named in ``kpis`` must compute;
    of the default set, KPIs the log cannot give are listed as skipped.
    """
    if current < 1:
        raise InputError(f"current must be at least 1 period, got {current}")
    if min_points < 2 or (phase1 is not None and phase1 < 2):
        raise InputError("limits need at least 2 periods", hint="give phase1 (--phase1) ≥ 2")
    span = inputs.span()
    signals: list[dict[str, Any]] = []
    charts: list[dict[str, Any]] = []
    panels: dict[tuple[str, str], pd.DataFrame] = {}
    for kpi_id in kpis or DEFAULT_KPIS:
        kpi = get_kpi(kpi_id)
        try:
            frame = evaluate(inputs, Query(kpi_id, by=(by,) if by else (), period=period))
        except PdcaError as exc:
            if kpis:
                raise
            charts.append(_row(kpi, by, ALL, status=f"skipped: {exc}"))
            continue
        frame = frame.assign(_group=frame[by].fillna(MISSING).astype(str) if by else ALL)
        frame[PERIOD] = pd.to_datetime(frame[PERIOD])
        periods = sorted(frame[PERIOD].unique())
        usable = [
            p for p in periods if family(kpi) != "count" or _complete_or_stock(kpi, p, period, span)
        ]
        recent = {period_label(p, period) for p in usable[-current:]}
        for group in groups if groups is not None else sorted(frame["_group"].unique()):
            part = frame[frame["_group"] == group]
            series = _series(kpi, part, periods, period, span)
            if len(series) < min_points:
                charts.append(
                    _row(
                        kpi,
                        by,
                        group,
                        status=f"skipped: {len(series)} periods, {min_points} needed",
                    )
                )
                continue
            try:
                fitted, binding, shown = _fit(kpi, series, phase1, rules, period)
            except InputError as exc:
                charts.append(_row(kpi, by, group, status=f"skipped: {exc.args[0]}"))
                continue
            found = _current(Charted(kpi, by, group, shown, period), fitted, recent)
            signals += found
            panels[(kpi.id, group)] = shown
            last = shown.iloc[-1]
            charts.append(
                _row(
                    kpi,
                    by,
                    group,
                    chart=binding.chart,
                    reason=binding.reason,
                    points=len(shown),
                    phase1=int((shown["phase"] == 1).sum()),
                    first=shown["label"].iloc[0],
                    last=last["label"],
                    **{c: float(last[c]) for c in ("value", "centre", "lcl", "ucl")},
                    signals=len(found),
                    status="signal" if found else "stable",
                )
            )
    overview = pd.DataFrame(charts, columns=list(CHART_COLUMNS))
    overview = overview.astype(dict.fromkeys(("points", "phase1", "signals"), "Int64"))
    return Monitor(pd.DataFrame(signals, columns=list(SIGNAL_COLUMNS)), overview, panels)


def _row(kpi: Kpi, by: str | None, group: str, **values: Any) -> dict[str, Any]:
    return {"kpi": kpi.id, "by": by or "", "group": group, "unit": kpi.unit, **values}


def _series(
    kpi: Kpi,
    part: pd.DataFrame,
    periods: list[Any],
    period: str,
    span: tuple[datetime, datetime] | None,
) -> pd.DataFrame:
    """Per period: ``x`` (count or numerator), ``n`` (size, 1 for counts) and ``value``."""
    kind = family(kpi)
    part = part.set_index(PERIOD).sort_index()
    if kind == "count":  # a period without tickets counts 0
        idx = pd.DatetimeIndex(
            [p for p in periods if _complete_or_stock(kpi, p, period, span)], name=PERIOD
        )
        x = part["value"].reindex(idx).fillna(0.0)
        return pd.DataFrame({"x": x, "n": 1.0, "value": x})
    if kind == "proportion":
        part = part[part["n"] > 0]
        x = (part["value"] / kpi.scale * part["n"]).round(9)
        return pd.DataFrame({"x": x, "n": part["n"].astype(float), "value": part["value"]})
    part = part[part["value"].notna()]
    return pd.DataFrame({"x": part["value"], "n": 1.0, "value": part["value"]})


def _complete_or_stock(
    kpi: Kpi, start: Any, period: str, span: tuple[datetime, datetime] | None
) -> bool:
    """Whether a count can use the period: a stock always; a flow when the log covers the period
    but for (at most) its last day, or hour for days."""
    if kpi.snapshot:
        return True
    if span is None:
        return False
    begin = pd.Timestamp(start).to_pydatetime()
    end = period_end(begin, period)
    slack = timedelta(hours=1) if period == "day" else timedelta(days=1)
    return span[0] <= begin + slack and span[1] >= end - slack


def _fit(
    kpi: Kpi, series: pd.DataFrame, phase1: int | None, rules: RuleSpec, period: str
) -> tuple[ControlChart, Binding, pd.DataFrame]:
    count = len(series)
    estimating = np.arange(count) < (phase1 or count)
    phase = np.where(estimating, 1, 2)
    kind = family(kpi)
    binding = bind(kind, series["x"], series["n"], estimating)
    fitted = make_chart(binding.chart, rules=rules)
    if kind == "measurement":
        fitted.fit(series["value"].to_numpy(), phase=phase)
    elif binding.chart == "c":
        fitted.fit(series["x"].to_numpy(), phase=phase)
    else:
        fitted.fit(series["x"].to_numpy(), series["n"].to_numpy(), phase=phase)
    shown = fitted.limits_.copy()
    factor = kpi.scale if kind == "proportion" else 1.0
    for column in ("value", "centre", "lcl", "ucl", "sigma"):
        shown[column] = shown[column] * factor
    shown["label"] = [period_label(p, period) for p in series.index]
    return fitted, binding, shown


def _current(c: Charted, fitted: ControlChart, recent: set[str]) -> list[dict[str, Any]]:
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
                centre=float(row["centre"]),
                lcl=float(row["lcl"]),
                ucl=float(row["ucl"]),
                effect=effect(c.kpi, side),
                message=sentence(c, s, at, side, rule),
            )
        )
    return out
