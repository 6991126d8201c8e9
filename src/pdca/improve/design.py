# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""The verification design: which tickets are compared, on what scale, against whom.

Opening cohorts
    A ticket belongs to the *before* cohort when it was opened in the baseline window
    (``go-live − days ≤ opened < go-live``) and to the *after* cohort when it was opened from
    go-live on, early enough to have had the whole follow-up ``F`` before the last event of the
    log (``go-live ≤ opened < last event − F``). Tickets opened later are left out: they could not
    yet have resolved. Shares (FCR, reopen rate, SLA compliance, …) and other per-unit values
    are placed at their KPI's own instant instead (docs/kpis.md), with the after window running to
    the last event.
Censoring and the cap
    For a time to resolve or respond (``mttr``, ``mtta``) every ticket's time is capped at the
    horizon ``H``, the 90th percentile of the resolved times of the before cohorts: a ticket
    resolved later than ``H``, and a ticket still open at the last event, both count as ``H``.
    So tickets still open are counted (as at least ``H``), not dropped, and every ticket of a
    cohort has been followed for the same ``F``. ``F = H`` for calendar time; for business time
    ``F = H × 168 / 50``, the calendar time a 50-hour working week needs for ``H`` working hours
    (an assumption stated in every verdict). A ticket without the stop that is no longer open
    (cancelled) is left out.
Scale
    Times are compared as the mean of the capped times in hours, the *restricted mean* up to
    ``H`` (with every ticket followed for ``F``, it is the restricted mean survival time): it is
    in the KPI's unit, and a few very long tickets cannot swamp it. The relative change is the
    effect divided by the scope's restricted mean before go-live. Shares are compared as 0/1 per
    unit (the effect in percentage points), other per-unit values as they are.
Comparison group
    By default the tickets *outside* the initiative's scope (the rest of the service desk), or the
    tickets of a scope the user names; when the rest of the desk (the default) has fewer than 20
    units on a side of go-live, the verification runs without one and says so. The effect is
    the difference in differences
    ``(ȳ_scope,after − ȳ_scope,before) − (ȳ_comp,after − ȳ_comp,before)``, the interaction of an
    ordinary least squares fit ``y = a + b·after + c·scope + d·after·scope``; so a season or a
    drift that moves the whole desk is not credited to the initiative. Without a comparison group
    (an initiative on the whole desk, or ``comparison=None``) the effect is ``ȳ_after −
    ȳ_before`` and the output says that drift and season are not separated from it.
Standard errors
    Clustered by the week a unit is placed in (tickets of one week share its load, staffing and
    incidents); intervals and p-values use t with (number of weeks − 1) degrees of freedom.
Interrupted time series
    Per week (from Monday), the mean ``y`` of the units in scope, minus that of the comparison
    group when there is one; weeks with fewer than 5 units on either side, and the week that
    contains go-live when go-live is not a Monday 00:00, are left out. Segmented regression on that
    series (docs/spc.md, "Before/after tests") gives the change in level at go-live with its
    interval, which must not contradict the per-ticket effect (see ``pdca.improve.verify``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.improve.initiative import Scope, scoped
from pdca.methods.kpi.definition import AT, DEN, NUM, VALUE, Inputs, Kpi
from pdca.methods.spc.compare import SegmentedRegression, interrupted_time_series
from pdca.model.schema import Col

TIMES = "times"
SHARES = "shares"
VALUES = "values"
CAP_QUANTILE = 0.9
BUSINESS_FOLLOW_UP = 168 / 50
MIN_WEEK_UNITS = 5
MIN_UNITS = 20
WEEK = timedelta(days=7)
STOPS = {"mtta": Col.FIRST_RESPONSE_AT}
KEYS = [Col.LOG, Col.CASE_ID]
_SCOPE = "_scope"
_CMP = "_cmp"


@dataclass(frozen=True)
class Units:
    """The units of one verification: ``at`` (placing instant), ``y``, ``scope``, ``after``."""

    frame: pd.DataFrame
    scale: str
    """``times`` (capped hours), ``shares`` (0/1) or ``values`` (as they are)."""
    comparison: bool
    before_start: datetime
    after_end: datetime
    horizon_s: float | None = None
    follow_up: timedelta | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Effect:
    """The per-unit effect on the design's scale, with its interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int
    n_scope_before: int
    n_scope_after: int
    n_comp_before: int
    n_comp_after: int
    mean_scope_before: float
    mean_scope_after: float


def scale_of(kpi: Kpi, units: Any) -> str:
    """How a KPI's units are compared (times, shares or other values)."""
    if kpi.id in {"mttr", "mtta"}:
        return TIMES
    if NUM in units.columns and DEN in units.columns:
        return SHARES
    return VALUES


def _flag(table: Any, chosen: Any, name: str) -> Any:
    marked = chosen.select(*KEYS).distinct().mutate(**{name: True})
    joined = table.left_join(marked, KEYS)
    joined = joined.drop(*[f"{k}_right" for k in KEYS if f"{k}_right" in joined.columns])
    return joined.mutate(**{name: joined[name].fill_null(False)})  # noqa: FBT003


def _members(inputs: Inputs, scope: Scope, comparison: Scope | None) -> Any:
    """Every ticket with ``_scope`` and ``_cmp`` flags."""
    tickets = inputs.tickets.select(*KEYS, Col.OPENED_AT, Col.IS_OPEN)
    flagged = _flag(tickets, scoped(inputs, scope).tickets, _SCOPE)
    if comparison is None:
        return flagged.mutate(**{_CMP: ~flagged[_SCOPE]})
    flagged = _flag(flagged, scoped(inputs, comparison).tickets, _CMP)
    return flagged.mutate(**{_CMP: flagged[_CMP] & ~flagged[_SCOPE]})


def collect(
    inputs: Inputs,
    kpi: Kpi,
    options: Any,
    *,
    scope: Scope,
    comparison: Scope | bool | None,
    go_live: datetime,
    days: int,
    end: datetime,
) -> Units:
    """The units of both groups on both sides of go-live (see the module docstring).

    ``comparison``: True for the rest of the desk, False for none, or a scope.
    """
    start = go_live - timedelta(days=days)
    use_cmp = comparison is not False and bool(scope)
    cmp_scope = comparison if isinstance(comparison, dict) else None
    members = _members(inputs, scope, cmp_scope)
    units = kpi.units(inputs, options)
    scale = scale_of(kpi, units)
    if scale == TIMES:
        return _times(units, members, options, start, go_live, end, use_cmp)
    columns = [NUM, DEN] if scale == SHARES else [VALUE]
    placed = units.select(*KEYS, AT, *columns)
    placed = placed.filter((placed[AT] >= start) & (placed[AT] < end))
    joined = placed.join(members.select(*KEYS, _SCOPE, _CMP), KEYS)
    frame = joined.select(AT, *columns, _SCOPE, _CMP).execute()
    if scale == SHARES:
        if not (frame[DEN] == 1).all() or not frame[NUM].isin([0, 1]).all():
            raise InputError(f"{kpi.id} is not a share of units that each count 0 or 1")
        frame["y"] = frame[NUM].astype(float)
    else:
        frame["y"] = frame[VALUE].astype(float)
        frame = frame[np.isfinite(frame["y"])]
    frame = frame.rename(columns={AT: "at"})
    return Units(_finish(frame, go_live, use_cmp), scale, use_cmp, start, end)


def _times(  # noqa: PLR0917 (the window is four instants)
    units: Any,
    members: Any,
    options: Any,
    start: datetime,
    go_live: datetime,
    end: datetime,
    use_cmp: bool,
) -> Units:
    """Opening cohorts of a time to resolve or respond, capped at the horizon."""
    resolved = units.select(*KEYS, VALUE)
    joined = members.filter(
        (members[Col.OPENED_AT] >= start) & (members[Col.OPENED_AT] < end)
    ).left_join(resolved, KEYS)
    frame = joined.select(Col.OPENED_AT, Col.IS_OPEN, VALUE, _SCOPE, _CMP).execute()
    frame = frame.rename(columns={Col.OPENED_AT: "at", VALUE: "seconds"})
    open_ = frame["seconds"].isna() & frame[Col.IS_OPEN].fillna(value=False).astype(bool)
    frame = frame[frame["seconds"].notna() | open_].copy()
    before = frame[(frame["at"] < go_live) & frame["seconds"].notna()]
    before = before[before[_SCOPE] | before[_CMP]]
    if len(before) < MIN_UNITS:
        raise InputError(
            f"{len(before)} tickets in the baseline window resolved; at least {MIN_UNITS} needed",
            "widen the scope or the baseline window",
        )
    horizon = max(float(np.quantile(before["seconds"].to_numpy(dtype=float), CAP_QUANTILE)), 60.0)
    business = getattr(options, "time", "calendar") == "business"
    follow_up = timedelta(seconds=horizon * (BUSINESS_FOLLOW_UP if business else 1.0))
    after_end = end - follow_up
    frame = frame[(frame["at"] < go_live) | (frame["at"] < after_end)].copy()
    capped = frame["seconds"].fillna(horizon).clip(upper=horizon)
    frame["y"] = capped.to_numpy(dtype=float) / 3600
    notes = [
        (
            f"times capped at the horizon H = {horizon / 3600:.4g} h (90th percentile of the "
            "resolved times of the before cohorts); tickets still open count as H"
        )
    ]
    if business:
        notes.append(
            "business time: follow-up F = H × 168/50 calendar hours (a 50-hour working week)"
        )
    out = _finish(frame.drop(columns=["seconds", Col.IS_OPEN]), go_live, use_cmp)
    return Units(out, TIMES, use_cmp, start, after_end, horizon, follow_up, notes)


def _finish(frame: pd.DataFrame, go_live: datetime, use_cmp: bool) -> pd.DataFrame:
    frame = frame.copy()
    frame["at"] = pd.to_datetime(frame["at"])
    frame["scope"] = frame[_SCOPE].astype(bool)
    keep = frame["scope"] | frame[_CMP].astype(bool) if use_cmp else frame["scope"]
    frame = frame[keep]
    frame["after"] = frame["at"] >= go_live
    frame["week"] = frame["at"].dt.to_period("W-SUN").dt.start_time
    return frame.drop(columns=[_SCOPE, _CMP]).reset_index(drop=True)


def comparison_too_small(units: Units) -> bool:
    """Whether the comparison group has fewer than the minimum units on a side of go-live."""
    f = units.frame
    rest = f[~f["scope"]]
    return units.comparison and min(int((~rest["after"]).sum()), int(rest["after"].sum())) < (
        MIN_UNITS
    )


def estimate(units: Units, *, confidence: float) -> Effect:
    """The per-unit effect: difference in differences, or after − before without comparison."""
    f = units.frame
    scope, after = f["scope"].to_numpy(), f["after"].to_numpy()
    counts = {
        (s, a): int(((scope == s) & (after == a)).sum())
        for s in (True, False)
        for a in (True, False)
    }
    if min(counts[(True, False)], counts[(True, True)]) < MIN_UNITS:
        raise InputError(
            f"{counts[(True, False)]} units in scope before go-live and {counts[(True, True)]} "
            f"after; at least {MIN_UNITS} needed on each side",
            "widen the scope, lengthen the baseline window, or wait for more tickets",
        )
    columns = [np.ones(len(f)), after.astype(float)]
    if units.comparison:
        if min(counts[(False, False)], counts[(False, True)]) < MIN_UNITS:
            raise InputError(
                "the comparison group has too few units on one side of go-live",
                "name a larger comparison scope, or verify without one",
            )
        columns += [scope.astype(float), (scope & after).astype(float)]
    x = np.column_stack(columns)
    y = f["y"].to_numpy(dtype=float)
    groups = pd.factorize(f["week"])[0]
    clusters = int(groups.max()) + 1
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # a variable that never varies (every unit 0) leaves the sandwich singular
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
        index = x.shape[1] - 1
        est = float(fit.params[index])
        se = float(fit.bse[index])
    if not math.isfinite(se) or (se == 0 and est != 0):
        se = math.inf
    df = max(clusters - 1, 1)
    tq = float(stats.t.isf((1 - confidence) / 2, df))
    p = float(2 * stats.t.sf(abs(est / se), df)) if 0 < se < math.inf else 1.0
    mine = f[f["scope"]]
    return Effect(
        estimate=est,
        se=se,
        ci_low=est - tq * se,
        ci_high=est + tq * se,
        p_value=p,
        df=df,
        n_scope_before=counts[(True, False)],
        n_scope_after=counts[(True, True)],
        n_comp_before=counts[(False, False)] if units.comparison else 0,
        n_comp_after=counts[(False, True)] if units.comparison else 0,
        mean_scope_before=float(mine.loc[~mine["after"], "y"].mean()),
        mean_scope_after=float(mine.loc[mine["after"], "y"].mean()),
    )


def weekly_series(units: Units, go_live: datetime) -> pd.DataFrame:
    """Per week: ``week``, ``value`` (scope mean of y, minus the comparison's), ``n``, ``after``."""
    f = units.frame
    straddle = go_live - pd.Timestamp(go_live).to_period("W-SUN").start_time.to_pydatetime()
    go_week = pd.Timestamp(go_live).to_period("W-SUN").start_time
    grouped = f.groupby(["week", "scope"])["y"].agg(["mean", "count"]).unstack("scope")
    rows = []
    for label, row in grouped.iterrows():
        week = pd.Timestamp(str(label))
        if straddle and week == go_week:
            continue
        n_in = _count(row, scope=True)
        if n_in < MIN_WEEK_UNITS:
            continue
        value = float(row[("mean", True)])
        if units.comparison:
            if _count(row, scope=False) < MIN_WEEK_UNITS:
                continue
            value -= float(row[("mean", False)])
        rows.append({"week": week, "value": value, "n": int(n_in), "after": week >= go_live})
    return pd.DataFrame(rows, columns=["week", "value", "n", "after"])


def _count(row: pd.Series, *, scope: bool) -> int:
    value = row.get(("count", scope), 0)
    return 0 if value is None or pd.isna(value) else int(value)


def its(series: pd.DataFrame, *, confidence: float) -> SegmentedRegression | None:
    """Segmented regression of the weekly series (None with fewer than 3 weeks on a side)."""
    position = int((~series["after"]).sum())
    if position < 3 or len(series) - position < 3:
        return None
    ordered = series.sort_values("week")
    weeks = (ordered["week"] - ordered["week"].iloc[0]).dt.days.to_numpy(dtype=float) / 7
    return interrupted_time_series(
        ordered["value"].to_numpy(dtype=float), position, time=weeks, confidence=confidence
    )
