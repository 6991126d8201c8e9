"""Time-to-event statistics of the duration KPIs: Kaplan-Meier from engine-aggregated counts.

The opening-cohort view of a duration KPI (``view=cohort``, docs/kpis.md "Windows and censoring")
follows every ticket opened in a period until it reaches the event (resolution, first response) or
until the observation window ends, where it is *censored*: we know only that its time is longer.
The engine reduces the tickets to one row per group and distinct duration with the number of
events and of censored tickets at that duration (:func:`pdca.methods.kpi.evaluate.evaluate`);
this module turns those small aggregates into the product-limit (Kaplan-Meier) survival curve,
its median with a confidence interval, and the restricted mean.

Why a small numpy implementation rather than ``statsmodels.duration.survfunc.SurvfuncRight`` at
run time: SurvfuncRight takes one row per ticket, so every ticket would have to come into Python;
given aggregated counts as ``freq_weights`` it switches from Greenwood's variance to Tsiatis'
(and its confidence interval of the median with it). The product-limit estimator over distinct
times is a cumulative product, Greenwood's variance a cumulative sum: a few vectorised lines that
tests/methods/kpi/test_survival.py checks against SurvfuncRight on per-ticket arrays (random
censored data and the ServiceNow log) and against the published 6-MP leukaemia example.

Conventions (each stated in docs/kpis.md):

- Ties: tickets censored at a duration count as at risk at that duration (events first).
- Median: the first duration at which the curve drops below 0.5 (statsmodels / SAS); where the
  curve equals 0.5 exactly on a stretch, the midpoint of that stretch (R's ``survival``), so that
  with no ticket censored the Kaplan-Meier median is the ordinary sample median. When the curve
  never drops to 0.5 the median is undefined: NaN with a note, never a guess.
- Confidence interval of the median: Brookmeyer-Crowley, inverting the test of S(t) = 0.5 with
  Greenwood's variance on the complementary log-log scale, as statsmodels' ``quantile_ci``
  (method ``cloglog``) and SAS PROC LIFETEST do; the upper limit is infinite when the curve's
  last point is still inside the interval.
- Restricted mean to a horizon τ: the area under the curve from 0 to τ (the mean of
  min(duration, τ)). It needs the curve up to τ: a group whose curve has not reached zero and whose
  longest observed duration is shorter than τ gets NaN with a note. Without a given horizon, τ is
  the longest duration at which every group's curve is known — the smallest longest-observed
  duration among the groups whose curve has not reached zero (the default of survRM2, Tian et
  al., for two arms) — so the groups reported together share one τ and compare; when no group
  has a censored tail, τ is the longest duration and the restricted mean is the plain mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

Floats = npt.NDArray[np.float64]

EVENT = "_event"
"""Unit column of a cohort view: 1 when the ticket reached the event, 0 when censored."""
EVENTS = "_d"
CENSORED = "_c"
"""Columns of the engine's aggregate: events and censored tickets at each distinct duration."""

Z95 = 1.959963984540054
"""The standard normal 97.5 % quantile (95 % two-sided intervals)."""
_HALF_TOL = 1e-9

NOT_REACHED = (
    "median not reached: fewer than half of the cohort reached the event within the observation "
    "window"
)
BEYOND = "horizon beyond the cohort's follow-up: the curve is unknown up to it"
EMPTY = "no tickets"


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve: at each distinct event duration, the risk set, events, S and its SE."""

    times: Floats
    at_risk: Floats
    events: Floats
    surv: Floats
    se: Floats
    """Greenwood standard error of ``surv`` (NaN once the curve reaches zero)."""
    n: int
    censored: int
    last: float
    """The longest observed duration (event or censored); NaN without tickets."""


def kaplan_meier(times: Floats, events: Floats, censored: Floats) -> Curve:
    """The product-limit curve from counts: at each distinct duration ``times[i]``, ``events[i]``
    tickets reached the event and ``censored[i]`` were censored (any order; duplicates add up)."""
    t = np.asarray(times, dtype=np.float64)
    d = np.asarray(events, dtype=np.float64)
    c = np.asarray(censored, dtype=np.float64)
    keep = ~np.isnan(t)
    t, d, c = t[keep], d[keep], c[keep]
    utime, inverse = np.unique(t, return_inverse=True)
    d = np.bincount(inverse, weights=d, minlength=len(utime)).astype(np.float64)
    c = np.bincount(inverse, weights=c, minlength=len(utime)).astype(np.float64)
    at_risk = np.cumsum((d + c)[::-1])[::-1]
    hit = d > 0
    ut, nr, dd = utime[hit], at_risk[hit], d[hit]
    surv: Floats = np.cumprod(1.0 - dd / nr).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(nr > dd, dd / (nr * (nr - dd)), np.nan)
    se = surv * np.sqrt(np.cumsum(terms))
    return Curve(
        times=ut,
        at_risk=nr,
        events=dd,
        surv=surv,
        se=se,
        n=round(float(d.sum() + c.sum())),
        censored=round(float(c.sum())),
        last=float(utime[-1]) if len(utime) else math.nan,
    )


def survival_at(curve: Curve, t: float) -> float:
    """S(t): the share of the cohort not yet at the event after duration ``t``."""
    i = np.searchsorted(curve.times, t, side="right")
    return 1.0 if i == 0 else float(curve.surv[i - 1])


def median(curve: Curve) -> float:
    """The Kaplan-Meier median (see the module's conventions); NaN when not reached."""
    below = np.flatnonzero(curve.surv < 0.5 - _HALF_TOL)
    if len(below) == 0:
        return math.nan
    first = int(below[0])
    if first > 0 and abs(curve.surv[first - 1] - 0.5) <= _HALF_TOL:
        return float((curve.times[first - 1] + curve.times[first]) / 2)
    return float(curve.times[first])


def median_ci(curve: Curve, z: float = Z95) -> tuple[float, float]:
    """Brookmeyer-Crowley interval of the median on the log-log scale (as statsmodels).

    The durations t whose |g(S(t)) - g(0.5)| ≤ z · g'(S(t)) · SE(t), g(x) = log(-log x): the lower
    limit is the first of them, the upper the next event duration after the last (infinite when
    the last is the curve's end). NaN, NaN when no duration qualifies.
    """
    s, se = curve.surv, curve.se
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(-np.log(s)) - math.log(-math.log(0.5))
        r = g / (se * (-1.0 / (s * np.log(s))))
    ok = np.flatnonzero(np.abs(r) <= z)
    if len(ok) == 0:
        return math.nan, math.nan
    low = float(curve.times[ok[0]])
    high = math.inf if ok[-1] == len(curve.times) - 1 else float(curve.times[ok[-1] + 1])
    return low, high


def reaches_zero(curve: Curve) -> bool:
    """Whether every ticket of the group reached the event (the curve ends at zero)."""
    return bool(len(curve.surv)) and curve.surv[-1] <= 0.0


def restricted_mean(curve: Curve, tau: float) -> float:
    """Area under the curve from 0 to ``tau`` (the mean of min(duration, τ)); NaN when the curve is
    unknown somewhere before ``tau``."""
    if curve.n == 0 or (tau > curve.last and not reaches_zero(curve)):
        return math.nan
    edges = np.concatenate(([0.0], curve.times))
    heights = np.concatenate(([1.0], curve.surv))
    ends = np.append(edges[1:], math.inf)
    widths = np.clip(np.minimum(ends, tau) - edges, 0.0, None)
    return float(np.sum(heights * widths))


def common_horizon(curves: list[Curve]) -> float:
    """The default τ: the longest duration at which every curve is known (module docstring)."""
    open_tails = [c.last for c in curves if c.n and not reaches_zero(c)]
    if open_tails:
        return min(open_tails)
    lasts = [c.last for c in curves if c.n]
    return max(lasts) if lasts else math.nan


def summarise(
    counts: pd.DataFrame,
    keys: list[str],
    duration: str,
    statistic: Literal["mean", "median"],
    horizon: float | None = None,
) -> pd.DataFrame:
    """Per group of ``keys``: ``value n censored ci_low ci_high horizon note``.

    ``counts`` has the ``keys``, the ``duration`` and the :data:`EVENTS` and :data:`CENSORED`
    counts at it. ``statistic`` ``median`` gives the Kaplan-Meier median with its confidence
    interval; ``mean`` the restricted mean to ``horizon`` (same unit as the durations; default:
    :func:`common_horizon` of the groups), with no interval.
    """
    if keys:
        groups = [
            (name if isinstance(name, tuple) else (name,), part)
            for name, part in counts.groupby(keys, dropna=False, sort=True)
        ]
    else:
        groups = [((), counts)]
    curves = [
        kaplan_meier(
            part[duration].to_numpy(np.float64),
            part[EVENTS].to_numpy(np.float64),
            part[CENSORED].to_numpy(np.float64),
        )
        for _, part in groups
    ]
    tau = math.nan
    if statistic == "mean":
        tau = common_horizon(curves) if horizon is None else float(horizon)
    rows = []
    for (name, _), curve in zip(groups, curves, strict=True):
        row: dict[str, object] = dict(zip(keys, name, strict=True))
        low = high = math.nan
        note = None
        if curve.n == 0:
            value, note = math.nan, EMPTY
        elif statistic == "median":
            value = median(curve)
            low, high = median_ci(curve)
            note = NOT_REACHED if math.isnan(value) else None
        else:
            value = restricted_mean(curve, tau)
            note = BEYOND if math.isnan(value) else None
        row.update(
            value=value,
            n=curve.n,
            censored=curve.censored,
            ci_low=low,
            ci_high=high,
            horizon=tau,
            note=note,
        )
        rows.append(row)
    columns = [*keys, "value", "n", "censored", "ci_low", "ci_high", "horizon", "note"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"n": "int64", "censored": "int64"})


__all__ = [
    "CENSORED",
    "EVENT",
    "EVENTS",
    "Curve",
    "common_horizon",
    "kaplan_meier",
    "median",
    "median_ci",
    "restricted_mean",
    "summarise",
    "survival_at",
]
