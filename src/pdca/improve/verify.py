# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Check: measure the baseline, and verify the effect of a change on the CTQ metric.

Windows
    The baseline (and the *before* period of verification) is the KPI over the ``days`` before
    the reference instant — go-live, or for an initiative without one the last event of the log
    at creation: ``reference − days ≤ t < reference``, ``t`` the instant that places a unit in a
    period (docs/kpis.md). The *after* period runs from go-live to the last event.
Per-unit values
    Taken from the KPI's own unit table, built inside the engine from the events and tickets in
    the initiative's scope; only the per-unit values (or, for shares, four counts) leave it.
Which test
    A share whose units each count 0 or 1 (ratio KPIs such as the reopen rate or FCR): the
    two-proportion test. A mean or median of per-unit values (durations such as MTTR): the
    Mann–Whitney test with a bootstrap interval for the difference in medians. Anything else
    (counts, backlog snapshots, shares of other kinds): an interrupted time series on the weekly
    KPI values. The statistics are stated in ``pdca.improve.stats``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.improve import control
from pdca.improve.initiative import Scope, scoped
from pdca.improve.stats import (
    UNDECIDED,
    Evidence,
    compare_proportions,
    compare_trend,
    compare_values,
)
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import AT, DEN, NUM, VALUE, Aggregation, Inputs, Kpi
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.model.schema import Col

PROPORTION = "proportion"
DURATION = "duration"
TREND = "trend"
METHODS = (PROPORTION, DURATION, TREND)


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
    """The interrupted time series on the weekly values, when there are enough weeks."""
    standard: dict[str, Any] | None
    """The control standard in force (adopted now or earlier), or None."""
    adopted: bool
    """Whether this verification adopted ``standard``."""
    control: control.ControlCheck | None
    alerts: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """In plain words: improved, no detectable change (yet), worsened (or changed)."""
        return self.evidence.verdict

    def record(self) -> dict[str, Any]:
        """What the register keeps of this verification (JSON-ready)."""
        return {
            "verdict": self.verdict,
            "method": self.method,
            "sentence": self.sentence,
            "checked_to": self.last_event.isoformat(),
            "evidence": self.evidence.as_dict(),
            "trend": None if self.trend is None else self.trend.as_dict(),
            "alerts": list(self.alerts),
        }


def kind_of(kpi: Kpi) -> str:
    """The test that fits the KPI's type (before looking at its units)."""
    if kpi.snapshot or kpi.finish is not None:
        return TREND
    if kpi.aggregation is Aggregation.RATIO:
        return PROPORTION
    if kpi.aggregation in (Aggregation.MEAN, Aggregation.MEDIAN):
        return DURATION
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
    ev = inputs.events
    value = ev.aggregate(hi=ev[Col.TIMESTAMP].max()).execute()["hi"].iloc[0]
    if pd.isna(value):
        raise InputError("there are no events in scope", "widen the initiative's scope")
    return pd.Timestamp(value).to_pydatetime()


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
    return {
        "value": None if value is None or pd.isna(value) else float(value),
        "n": int(n) if not pd.isna(n) else 0,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": days,
    }


def _units(inside: Inputs, kpi: Kpi, options: dict[str, Any] | None) -> Any:
    return kpi.units(inside, kpi.parse_options(options))


def _window(units: Any, start: datetime, end: datetime | None) -> Any:
    kept = units.filter(units[AT] >= start)
    return kept if end is None else kept.filter(kept[AT] < end)


def _share_counts(units: Any, go_live: datetime, start: datetime) -> dict[str, float] | None:
    """x and n before and after go-live, or None when the units are not each 0 or 1."""
    side = (units[AT] >= go_live).cast("int64").name("_after")
    tagged = _window(units, start, None).mutate(_after=side)
    agg = (
        tagged.group_by("_after")
        .aggregate(
            x=tagged[NUM].sum().cast("float64"),
            n=tagged[DEN].sum().cast("float64"),
            lo=tagged[DEN].min().cast("float64"),
            hi=tagged[DEN].max().cast("float64"),
            nlo=tagged[NUM].min().cast("float64"),
            nhi=tagged[NUM].max().cast("float64"),
        )
        .execute()
    )
    if agg.empty or not ((agg["lo"] == 1) & (agg["hi"] == 1)).all():
        return None
    if not ((agg["nlo"] >= 0) & (agg["nhi"] <= 1)).all():
        return None
    rows = {int(r["_after"]): r for r in agg.to_dict("records")}
    if 0 not in rows or 1 not in rows:
        raise InputError(
            "there are no tickets on one side of go-live",
            "choose a go-live inside the data, or wait for tickets after it",
        )
    return {"xb": rows[0]["x"], "nb": rows[0]["n"], "xa": rows[1]["x"], "na": rows[1]["n"]}


def _values(units: Any, start: datetime, end: datetime | None) -> Any:
    kept = _window(units, start, end)
    kept = kept.filter(kept[VALUE].notnull()).select(VALUE)
    column = kept.to_pyarrow().column(VALUE).to_numpy()
    return np.sort(np.asarray(column, dtype=np.float64))


def _trend(weeks: pd.DataFrame, go_live: datetime, direction: str, **kw: Any) -> Evidence | None:
    starts = pd.to_datetime(weeks[PERIOD])
    keep = ~((starts < go_live) & (starts + control.WEEK > go_live))
    series = weeks[keep.to_numpy()].reset_index(drop=True)
    position = int((pd.to_datetime(series[PERIOD]) < go_live).sum())
    if position < 3 or len(series) - position < 3:
        return None
    return compare_trend(series["value"].to_numpy(), position, direction=direction, **kw)


def sentence(kpi: Kpi, ev: Evidence) -> str:
    """The verdict in plain words with its numbers."""
    unit = "percentage points" if kpi.unit == "%" else kpi.unit
    stat = {"two-proportions": "", "mann-whitney": " (per-ticket median)"}.get(
        ev.method, " (weekly mean)"
    )
    conf = f"{ev.confidence:.0%}"
    ci = "" if np.isnan(ev.ci_low) else f", {conf} CI {ev.ci_low:+.3g} to {ev.ci_high:+.3g}"
    head = ev.verdict[0].upper() + ev.verdict[1:]
    text = (
        f"{head}: {kpi.name}{stat} went from {ev.before:.3g} to {ev.after:.3g} {kpi.unit} "
        f"({ev.estimate:+.3g} {unit}{ci}; {ev.method} p = {ev.p_value:.3g}, "
        f"{ev.effect_size_name} {ev.effect_size:+.2f}; n = {ev.n_before} before, "
        f"{ev.n_after} after)."
    )
    if ev.verdict == UNDECIDED and ev.mde is not None:
        text += (
            f" With these numbers the smallest change detectable at {ev.power:.0%} power is "
            f"{ev.mde:.3g} {unit}"
        )
        if ev.detect is not None and ev.more_after is not None:
            text += (
                f"; about {ev.more_after} more after go-live would be needed to detect a change "
                f"of {ev.detect:.3g} {unit}"
            )
        elif ev.detect is not None and ev.method != "interrupted-time-series":
            text += (
                f"; a change of {ev.detect:.3g} {unit} cannot be detected by more data after "
                "go-live alone (the before period is too uncertain)"
            )
        text += "."
    return text


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
    confidence: float = 0.95,
    power: float = 0.8,
    seed: int = 0,
    n_boot: int = 2000,
) -> Check:
    """Compare the CTQ metric before and after go-live and chart it in two stages."""
    definition = get_kpi(kpi)
    inside = scoped(inputs, scope or {})
    end = last_event(inside)
    if go_live >= end:
        raise InputError(
            f"go-live {go_live:%Y-%m-%d %H:%M} is not before the last event ({end:%Y-%m-%d})",
            "verify once tickets after go-live are in the store",
        )
    start = go_live - timedelta(days=baseline_days)
    direction = direction_of(definition, baseline, target)
    change = None if target is None or baseline is None else target - baseline
    kind = method or kind_of(definition)
    if kind not in METHODS:
        raise InputError(f"unknown method {kind!r}", f"use one of: {', '.join(METHODS)}")
    kw: dict[str, Any] = {"direction": direction, "confidence": confidence, "power": power}
    weeks = control.weekly(inside, kpi, options, start)
    trend = _trend(weeks, go_live, **kw)
    evidence: Evidence | None = None
    units = None if kind == TREND else _units(inside, definition, options)
    if kind == PROPORTION:
        counts = _share_counts(units, go_live, start)
        if counts is None:
            kind = TREND
        else:
            evidence = compare_proportions(
                counts["xb"], counts["nb"], counts["xa"], counts["na"],
                target_change=change, scale=definition.scale, **kw,
            )  # fmt: skip
    elif kind == DURATION:
        before, after = _values(units, start, go_live), _values(units, go_live, None)
        ratio = None if change is None or not baseline else (target or 0.0) / baseline
        evidence = compare_values(
            before, after, target_ratio=ratio, scale=definition.scale, seed=seed,
            n_boot=n_boot, **kw,
        )  # fmt: skip
    if evidence is None:
        if trend is None:
            raise InputError(
                "too few weeks for an interrupted time series (3 before and 3 after needed)",
                "wait for more weeks after go-live, or lengthen the baseline window",
            )
        evidence = trend
    proportion = kind == PROPORTION
    chart = control.staged_chart(weeks, go_live, proportion=proportion, scale=definition.scale)
    limits = None if chart is None else control.limits_frame(chart, weeks)
    adopted = False
    if standard is None and evidence.verdict == "improved" and chart is not None:
        standard = control.standard_of(chart, weeks, proportion=proportion)
        adopted = True
    checked = None
    if standard is not None and not adopted:
        checked = control.check_standard(
            weeks, standard, direction=direction, scale=definition.scale
        )
    return Check(
        kpi=kpi,
        method=evidence.method,
        evidence=evidence,
        sentence=sentence(definition, evidence),
        go_live=go_live,
        before_start=start,
        last_event=end,
        weekly=weeks,
        limits=limits,
        trend=trend,
        standard=standard,
        adopted=adopted,
        control=checked,
        alerts=[] if checked is None else list(checked.alerts),
    )
