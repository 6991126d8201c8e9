# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Check: measure the baseline, and verify the effect of a change on the CTQ metric.

Windows
    The baseline is the KPI over the ``days`` before the reference instant — go-live, or for an
    initiative without one the last event of the log at creation: ``reference − days ≤ t <
    reference``, ``t`` the instant that places a unit in a period (docs/kpis.md). A baseline
    window that starts before the log's first event, or that holds fewer than 20 units, is
    warned about with the numbers.
Which design
    A time to resolve or respond, a share, or another per-unit value: the per-unit design of
    ``pdca.improve.design`` (opening cohorts with censored tickets counted, a comparison group,
    and an interrupted time series of the weekly series as a check). A count, a backlog snapshot
    or a KPI divided by a configured figure: an interrupted time series on the weekly KPI values
    alone, with no comparison group.
Verdict
    *improved* when the effect's confidence interval lies wholly on the KPI's better side and
    the interrupted time series does not contradict it (its level change is not significant on
    the other side); *worsened* symmetrically; *changed* for a KPI without a better way (volume).
    *inconclusive* when the two disagree: the per-unit effect is significant and the weekly level
    change significant the other way, or the weekly level change is significant while the
    per-unit interval includes zero; the reason is stated. Otherwise *no detectable change
    (yet)*. A verification that cannot run (go-live too recent for the follow-up, too few units on
    a side) is refused with the reason and the date from which it can run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.improve import control, design
from pdca.improve.initiative import Scope, scoped
from pdca.improve.stats import (
    CHANGED,
    IMPROVED,
    INCONCLUSIVE,
    UNDECIDED,
    WORSENED,
    Evidence,
    compare_trend,
)
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import Aggregation, Inputs, Kpi, event_span
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.version import __version__

UNITS = "per-unit"
TREND = "trend"
METHODS = (UNITS, TREND)
MIN_BASELINE_UNITS = 20
REST = "rest"

Comparison = Scope | str | None
"""``"rest"`` (the tickets outside the scope), a scope, or None (no comparison group)."""


@dataclass(frozen=True)
class Check:
    """The verification of one initiative."""

    kpi: str
    method: str
    evidence: Evidence
    sentence: str
    go_live: datetime
    before_start: datetime
    last_event: datetime
    weekly: pd.DataFrame
    limits: pd.DataFrame | None
    """The staged control chart split at go-live (primary panel, one row per week)."""
    trend: Evidence | None
    """The interrupted time series of the weekly series, when there are enough weeks."""
    standard: dict[str, Any] | None
    """The control standard in force (adopted earlier by the owner), or None."""
    proposed: dict[str, Any] | None
    """After an *improved* verdict: the after stage's limits, to adopt as the standard."""
    control: control.ControlCheck | None
    design: dict[str, Any] = field(default_factory=dict)
    """What was compared: cohorts, windows, comparison group, cap, counts (kept with the
    verdict)."""
    reason: str | None = None
    """Why the verdict is *inconclusive*, or None."""
    warnings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """In plain words: improved, worsened, inconclusive, no detectable change (yet)."""
        return self.evidence.verdict

    @property
    def adopted(self) -> bool:
        """Kept for callers of earlier versions: verification never adopts a standard itself."""
        return False

    def record(self) -> dict[str, Any]:
        """What the register keeps of this verification (JSON-ready): the verdict with its
        inputs."""
        return {
            "verdict": self.verdict,
            "method": self.method,
            "sentence": self.sentence,
            "reason": self.reason,
            "checked_to": self.last_event.isoformat(),
            "evidence": self.evidence.as_dict(),
            "trend": None if self.trend is None else self.trend.as_dict(),
            "design": self.design,
            "proposed_standard": self.proposed,
            "warnings": list(self.warnings),
            "alerts": list(self.alerts),
        }


def kind_of(kpi: Kpi) -> str:
    """The design that fits the KPI's type."""
    if kpi.snapshot or kpi.finish is not None:
        return TREND
    if kpi.aggregation in (Aggregation.RATIO, Aggregation.MEAN, Aggregation.MEDIAN):
        return UNITS
    return TREND


def direction_of(kpi: Kpi, baseline: float | None, target: float | None) -> str:
    """The KPI's better way; for a neutral KPI, the way from the baseline to the target."""
    if kpi.direction.value != "neutral" or baseline is None or target is None:
        return kpi.direction.value
    if target == baseline:
        return "neutral"
    return "lower" if target < baseline else "higher"


def last_event(inputs: Inputs) -> datetime:
    """The instant of the last event of the inputs."""
    span = event_span(inputs.events)
    if span is None:
        raise InputError("there are no events in scope", "widen the initiative's scope")
    return span[1]


def window_warnings(
    start: datetime, end: datetime, first: datetime | None, n: int, days: int
) -> list[str]:
    """Warnings about a baseline window that starts before the data or holds too few units."""
    out = []
    if first is not None and start < first:
        covered = max((end - first).total_seconds(), 0) / 86400
        out.append(
            f"the baseline window starts {start:%Y-%m-%d}, {(first - start).days} days before the "
            f"log's first event ({first:%Y-%m-%d}): it covers {covered:.0f} of its {days} days"
        )
    if n < MIN_BASELINE_UNITS:
        out.append(
            f"the baseline window holds {n} units (fewer than {MIN_BASELINE_UNITS}): the baseline "
            "is not a reliable figure"
        )
    return out


def measure_baseline(
    inputs: Inputs,
    kpi: str,
    *,
    options: dict[str, Any] | None,
    scope: Scope,
    reference: datetime | None,
    days: int,
) -> dict[str, Any]:
    """The KPI over the ``days`` before ``reference`` (default: the last event in scope)."""
    inside = scoped(inputs, scope)
    end = reference or last_event(inside)
    start = end - timedelta(days=days)
    frame = evaluate(inside, Query(kpi, options=options, start=start, end=end))
    value = frame["value"].iloc[0] if len(frame) else None
    n = frame["n"].iloc[0] if len(frame) and "n" in frame else 0
    count = int(n) if not pd.isna(n) else 0
    span = inputs.span()
    return {
        "value": None if value is None or pd.isna(value) else float(value),
        "n": count,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": days,
        "warnings": window_warnings(start, end, span[0] if span else None, count, days),
    }


def _trend(weeks: pd.DataFrame, go_live: datetime, direction: str, **kw: Any) -> Evidence | None:
    starts = pd.to_datetime(weeks[PERIOD])
    keep = ~((starts < go_live) & (starts + control.WEEK > go_live))
    series = weeks[keep.to_numpy()].reset_index(drop=True)
    position = int((pd.to_datetime(series[PERIOD]) < go_live).sum())
    if position < 3 or len(series) - position < 3:
        return None
    return compare_trend(series["value"].to_numpy(), position, direction=direction, **kw)


def _better(sign: float, direction: str) -> bool:
    return sign < 0 if direction == "lower" else sign > 0


def combine(
    low: float, high: float, its: tuple[float, float] | None, direction: str
) -> tuple[str, str | None]:
    """The verdict from the per-unit interval and the weekly level change's interval."""
    primary = 0.0 if low <= 0 <= high else math.copysign(1.0, low)
    check = 0.0 if its is None or its[0] <= 0 <= its[1] else math.copysign(1.0, its[0])
    if primary and check and primary != check:
        return INCONCLUSIVE, (
            "the per-ticket effect and the weekly interrupted time series point opposite ways"
        )
    if not primary and check:
        return INCONCLUSIVE, (
            "the weekly interrupted time series shows a change in level that the per-ticket "
            "comparison does not confirm"
        )
    if not primary:
        return UNDECIDED, None
    if direction == "neutral":
        return CHANGED, None
    return (IMPROVED if _better(primary, direction) else WORSENED), None


def _its_evidence(
    series: pd.DataFrame, direction: str, confidence: float, power: float
) -> Evidence | None:
    found = design.its(series, confidence=confidence)
    if found is None:
        return None
    position = int((~series["after"]).sum())
    return compare_trend(
        series.sort_values("week")["value"].to_numpy(dtype=float),
        position,
        direction=direction,
        confidence=confidence,
        power=power,
    )


def _fmt_ci(lo: float, hi: float, conf: float, unit: str) -> str:
    return f"{conf:.0%} CI {lo:+.3g} to {hi:+.3g}{unit}"


def _units_evidence(
    kpi: Kpi,
    units: design.Units,
    effect: design.Effect,
    verdict: str,
    *,
    confidence: float,
    power: float,
) -> Evidence:
    """The per-unit effect in the KPI's units."""
    tsum = float(stats.t.isf((1 - confidence) / 2, effect.df) + stats.t.ppf(power, effect.df))
    mde = tsum * effect.se
    details: dict[str, float] = {
        "se": effect.se,
        "n_comparison_before": float(effect.n_comp_before),
        "n_comparison_after": float(effect.n_comp_after),
        "weeks": float(effect.df + 1),
    }
    factor = 100.0 if units.scale == design.SHARES else 1.0
    if units.scale == design.VALUES:
        factor = kpi.scale
    values = (
        effect.mean_scope_before * factor,
        effect.mean_scope_after * factor,
        effect.estimate * factor,
        effect.ci_low * factor,
        effect.ci_high * factor,
    )
    if units.scale == design.TIMES:
        base = effect.mean_scope_before
        details.update(
            relative=effect.estimate / base if base else math.nan,
            relative_low=effect.ci_low / base if base else math.nan,
            relative_high=effect.ci_high / base if base else math.nan,
            horizon_hours=(units.horizon_s or 0) / 3600,
        )
        size, size_name = details["relative"], "relative change"
    else:
        sd = float(units.frame["y"].std(ddof=1)) or math.nan
        size, size_name = effect.estimate / sd, "effect / s.d."
    mde_units = mde * factor
    stat = effect.estimate / effect.se if effect.se > 0 else math.nan
    return Evidence(
        method="difference-in-differences" if units.comparison else "before-after",
        verdict=verdict,
        n_before=effect.n_scope_before,
        n_after=effect.n_scope_after,
        before=values[0],
        after=values[1],
        estimate=values[2],
        ci_low=values[3],
        ci_high=values[4],
        confidence=confidence,
        statistic=stat,
        p_value=effect.p_value,
        effect_size=size,
        effect_size_name=size_name,
        mde=abs(mde_units),
        needed_after=None,
        more_after=None,
        detect=None,
        power=power,
        details=details,
    )


def sentence(kpi: Kpi, ev: Evidence, reason: str | None = None, its: Evidence | None = None) -> str:
    """The verdict in plain words with its numbers and its design."""
    unit = " percentage points" if kpi.unit == "%" else f" {kpi.unit}"
    conf = ev.confidence
    head = ev.verdict[0].upper() + ev.verdict[1:]
    if ev.method == "interrupted-time-series":
        text = (
            f"{head}: {kpi.name} (weekly values) moved in level by {ev.estimate:+.3g}{unit} at "
            f"go-live ({_fmt_ci(ev.ci_low, ev.ci_high, conf, unit)}; p = {ev.p_value:.3g}; "
            f"{ev.n_before} weeks before, {ev.n_after} after; no comparison group)."
        )
    else:
        against = (
            "relative to the comparison group"
            if ev.method == "difference-in-differences"
            else "(no comparison group: a desk-wide drift or season is not separated)"
        )
        if "horizon_hours" in ev.details:
            cap = ev.details["horizon_hours"]
            text = (
                f"{head}: {kpi.name} — the restricted mean (times capped at {cap:.3g} h) in scope "
                f"went from {ev.before:.3g} to {ev.after:.3g} h; the effect {against} is "
                f"{ev.estimate:+.3g} h ({_fmt_ci(ev.ci_low, ev.ci_high, conf, ' h')}; "
                f"{ev.details['relative']:+.1%} of the before mean, "
                f"{ev.details['relative_low']:+.1%} to {ev.details['relative_high']:+.1%}); "
                f"p = {ev.p_value:.3g}; n = {ev.n_before} tickets opened before, {ev.n_after} "
                "after, tickets still open counted."
            )
        else:
            text = (
                f"{head}: {kpi.name} in scope went from {ev.before:.3g} to {ev.after:.3g}"
                f"{'' if kpi.unit == '%' else unit}{' %' if kpi.unit == '%' else ''}; the effect "
                f"{against} is {ev.estimate:+.3g}{unit} "
                f"({_fmt_ci(ev.ci_low, ev.ci_high, conf, unit)}; p = {ev.p_value:.3g}; "
                f"n = {ev.n_before} before, {ev.n_after} after)."
            )
    if its is not None and ev.method != "interrupted-time-series":
        text += (
            f" Weekly interrupted time series: level change {its.estimate:+.3g} "
            f"({_fmt_ci(its.ci_low, its.ci_high, conf, '')})."
        )
    if reason:
        text += f" Inconclusive because {reason}."
    elif ev.verdict == UNDECIDED and ev.mde is not None:
        text += f" The smallest change detectable at {ev.power:.0%} power is {ev.mde:.3g}{unit}."
    return text


def _comparison(scope: Scope, comparison: Comparison) -> Scope | bool:
    if comparison is None or not scope:
        return False
    if isinstance(comparison, str):
        if comparison != REST:
            raise InputError(
                f"unknown comparison group {comparison!r}", "use 'rest', 'none' or a scope"
            )
        return True
    return comparison


def _comparison_text(scope: Scope, comparison: Comparison) -> str:
    if comparison is None or not scope:
        return "none"
    if isinstance(comparison, str):
        return "the rest of the service desk (tickets outside the scope)"
    return "; ".join(f"{k}={'|'.join(v)}" for k, v in comparison.items())


def _scope_weeks(units: design.Units, kpi: Kpi) -> pd.DataFrame:
    """The scope's weekly values for the staged chart: the mean of the units (restricted mean
    hours, shares in %, other values) per week they are placed in; weeks with fewer than
    :data:`pdca.improve.design.MIN_WEEK_UNITS` units (a week cut by the follow-up) are left
    out, as in the weekly series."""
    mine = units.frame[units.frame["scope"]]
    weeks = mine.groupby("week")["y"].agg(["mean", "count"]).reset_index()
    weeks.columns = [PERIOD, "value", "n"]
    weeks = weeks[weeks["n"] >= design.MIN_WEEK_UNITS].reset_index(drop=True)
    if units.scale == design.SHARES:
        weeks["value"] = weeks["value"] * 100
    elif units.scale == design.VALUES:
        weeks["value"] = weeks["value"] * kpi.scale
    return weeks


def _per_unit(
    inputs: Inputs,
    definition: Kpi,
    parsed: Any,
    *,
    scope: Scope,
    comparison: Comparison,
    go_live: datetime,
    days: int,
    end: datetime,
    direction: str,
    confidence: float,
    power: float,
) -> tuple[Evidence, Evidence | None, str | None, pd.DataFrame, list[str], dict[str, Any]]:
    """The per-unit design: effect, weekly check, verdict, the chart's weeks and the facts."""
    units = design.collect(
        inputs, definition, parsed, scope=scope, comparison=_comparison(scope, comparison),
        go_live=go_live, days=days, end=end,
    )  # fmt: skip
    fallback = []
    if isinstance(comparison, str) and design.comparison_too_small(units):
        comparison = None
        fallback = [
            (
                "the rest of the desk has too few tickets on a side of go-live to compare "
                "with: verified without a comparison group"
            )
        ]
        units = design.collect(
            inputs, definition, parsed, scope=scope, comparison=False, go_live=go_live,
            days=days, end=end,
        )  # fmt: skip
    follow = units.follow_up or timedelta()
    if units.after_end <= go_live + 2 * control.WEEK:
        raise InputError(
            f"tickets opened after go-live have not yet had the follow-up of "
            f"{follow.total_seconds() / 3600:.0f} h that the comparison needs",
            f"verify again after {go_live + follow + 4 * control.WEEK:%Y-%m-%d}",
        )
    effect = design.estimate(units, confidence=confidence)
    series = design.weekly_series(units, go_live)
    factor = {design.SHARES: 100.0, design.VALUES: definition.scale}.get(units.scale, 1.0)
    series["value"] = series["value"] * factor
    its = _its_evidence(series, direction, confidence, power)
    its_ci = None if its is None else (its.ci_low, its.ci_high)
    verdict, reason = combine(effect.ci_low * factor, effect.ci_high * factor, its_ci, direction)
    evidence = _units_evidence(
        definition, units, effect, verdict, confidence=confidence, power=power
    )
    facts = {
        "design": evidence.method,
        "cohorts": "opened" if units.scale == design.TIMES else "the KPI's own instant",
        "scale": units.scale,
        "comparison": _comparison_text(scope, comparison) if units.comparison else "none",
        "before": [units.before_start.isoformat(), go_live.isoformat()],
        "after": [go_live.isoformat(), units.after_end.isoformat()],
        "horizon_hours": None if units.horizon_s is None else units.horizon_s / 3600,
        "n": {
            "scope_before": effect.n_scope_before,
            "scope_after": effect.n_scope_after,
            "comparison_before": effect.n_comp_before,
            "comparison_after": effect.n_comp_after,
            "weeks_in_series": len(series),
        },
    }
    notes = [*fallback, *units.notes]
    return evidence, its, reason, _scope_weeks(units, definition), notes, facts


def verify(
    inputs: Inputs,
    *,
    kpi: str,
    options: dict[str, Any] | None = None,
    scope: Scope | None = None,
    go_live: datetime,
    baseline_days: int = 90,
    baseline: float | None = None,
    target: float | None = None,
    standard: dict[str, Any] | None = None,
    method: str | None = None,
    comparison: Comparison = REST,
    confidence: float = 0.95,
    power: float = 0.8,
    seed: int = 0,
    n_boot: int = 2000,
) -> Check:
    """Compare the CTQ metric before and after go-live against the comparison group, check it
    with the weekly interrupted time series, and chart it in two stages.

    ``seed`` and ``n_boot`` are accepted for callers of earlier versions; the design uses no
    resampling.
    """
    del seed, n_boot
    definition = get_kpi(kpi)
    scope = scope or {}
    inside = scoped(inputs, scope)
    span = event_span(inputs.events)
    if span is None:
        raise InputError("there are no events", "import data first with `pdca ingest`")
    first, end = span
    if go_live >= end:
        raise InputError(
            f"go-live {go_live:%Y-%m-%d %H:%M} is not before the last event ({end:%Y-%m-%d})",
            "verify once tickets after go-live are in the store",
        )
    start = go_live - timedelta(days=baseline_days)
    direction = direction_of(definition, baseline, target)
    kind = kind_of(definition) if method in (None, "proportion", "duration") else method
    if kind not in METHODS:
        raise InputError(f"unknown method {kind!r}", "use one of: per-unit, trend")
    parsed = definition.parse_options(options)
    kw: dict[str, Any] = {"direction": direction, "confidence": confidence, "power": power}
    reason: str | None = None
    its: Evidence | None = None
    notes: list[str] = []
    plan: dict[str, Any] = {
        "kpi": kpi,
        "direction": direction,
        "options": dict(options or {}),
        "scope": scope,
        "go_live": go_live.isoformat(),
        "baseline_days": baseline_days,
        "confidence": confidence,
        "data": {"first_event": first.isoformat(), "last_event": end.isoformat()},
        "pdca": __version__,
    }
    if kind == UNITS:
        evidence, its, reason, weeks, notes, facts = _per_unit(
            inputs, definition, parsed, scope=scope, comparison=comparison, go_live=go_live,
            days=baseline_days, end=end, **kw,
        )  # fmt: skip
        plan.update(facts)
    else:
        weeks = control.weekly(inside, kpi, options, start)
        trend = _trend(weeks, go_live, **kw)
        if trend is None:
            raise InputError(
                "too few weeks for an interrupted time series (3 before and 3 after needed)",
                "wait for more weeks after go-live, or lengthen the baseline window",
            )
        evidence = trend
        plan.update(design="interrupted-time-series", comparison="none")
    proportion = kind == UNITS and plan.get("scale") == design.SHARES
    chart = control.staged_chart(weeks, go_live, proportion=proportion, scale=definition.scale)
    limits = None if chart is None else control.limits_frame(chart, weeks)
    if limits is not None:  # the chart's y axis: a p chart plots shares (0-1)
        limits["unit"] = "share (0-1)" if proportion else definition.unit
    proposed = None
    if standard is None and evidence.verdict == IMPROVED and chart is not None:
        proposed = control.standard_of(chart, weeks, proportion=proportion)
    checked = None
    if standard is not None:
        checked = control.check_standard(
            weeks, standard, direction=direction, scale=definition.scale
        )
    before_n = int(
        weeks.loc[pd.to_datetime(weeks[PERIOD]) < go_live, "n"].sum() if "n" in weeks else 0
    )
    warnings = window_warnings(start, go_live, first, before_n, baseline_days)
    return Check(
        kpi=kpi,
        method=evidence.method,
        evidence=evidence,
        sentence=sentence(definition, evidence, reason, its),
        go_live=go_live,
        before_start=start,
        last_event=end,
        weekly=weeks,
        limits=limits,
        trend=its if kind == UNITS else evidence,
        standard=standard,
        proposed=proposed,
        control=checked,
        design=plan,
        reason=reason,
        warnings=[*notes, *warnings],
        alerts=[] if checked is None else list(checked.alerts),
    )


def interval_excludes_zero(ev: Evidence) -> bool:
    """Whether an evidence's interval lies wholly on one side of zero."""
    return bool(np.isfinite(ev.ci_low) and (ev.ci_low > 0 or ev.ci_high < 0))
