# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, α, β are meant)
"""The verification core: did the CTQ metric move after go-live, which way, and by how much?

Each function takes the per-unit values (or counts) before and after go-live, runs the test that
fits the metric and returns :class:`Evidence`: the estimate *after − before* with its confidence
interval, the p-value (two-sided), an effect size, and — for the undecided case — the minimum
detectable effect (MDE) at the power asked and how many more units after go-live would be needed.

Verdict
    *improved* when p < α and the change goes the KPI's better way; *worsened* when p < α and it
    goes the other way; *no detectable change (yet)* when p ≥ α. A KPI without a better way
    (volume) gives *changed* when p < α. α = 1 − confidence.
Proportions (a share of units, each unit 0 or 1)
    Two-proportion z test with the pooled p̄ and Newcombe's interval (docs/spc.md,
    "Before/after tests"); effect size Cohen's h. MDE = (z(1 − α/2) +
    z(power))·√(p̄(1 − p̄)(1/n_b + 1/n_a)). Units needed after go-live to detect a change d (the
    target's distance from the before share, else the observed change): n_a = p₂(1 − p₂) /
    ((d/(z(1 − α/2) + z(power)))² − p₁(1 − p₁)/n_b), p₁ the before share, p₂ = p₁ ± d.
Durations and other per-unit values
    Mann–Whitney U test (docs/spc.md, "Before/after tests"; with its Hodges–Lehmann shift);
    the estimate is the difference in medians, its interval the percentile bootstrap interval
    of B resamples of each period drawn with replacement (seeded); effect size the rank-biserial
    correlation; the verdict's direction is the sign of that correlation. MDE = (z(1 − α/2) +
    z(power))·√(se_b² + se_a²), se the standard deviation of the bootstrap medians of a period;
    units needed after go-live: n_a = se_a²·n_a,now / ((d/(z(1 − α/2) + z(power)))² − se_b²),
    d the before median × (target ÷ baseline − 1), else the observed difference in medians.
    When the bracket is not positive, no number of units after go-live suffices (the before
    period alone is too uncertain) and the answer is empty.
Trend
    Interrupted time series on weekly KPI values (segmented regression, docs/spc.md,
    "Before/after tests"); the estimate is the change in level at go-live (β2) with its
    t interval and p-value; effect size β2 divided by the residual standard deviation. MDE =
    (t(1 − α/2, df) + t(power, df))·se(β2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.methods.spc.compare import interrupted_time_series, mann_whitney, two_proportions

FloatArray = npt.NDArray[np.float64]

IMPROVED = "improved"
WORSENED = "worsened"
UNDECIDED = "no detectable change (yet)"
CHANGED = "changed"
INCONCLUSIVE = "inconclusive"
VERDICTS = (IMPROVED, UNDECIDED, WORSENED, CHANGED, INCONCLUSIVE)


@dataclass(frozen=True)
class Evidence:
    """The outcome of one before/after test, in the KPI's display units."""

    method: str
    verdict: str
    n_before: int
    n_after: int
    before: float
    """The before statistic: the share, the median, or the mean weekly value."""
    after: float
    estimate: float
    """after − before (difference of shares, of medians, or the level change)."""
    ci_low: float
    ci_high: float
    confidence: float
    statistic: float
    p_value: float
    effect_size: float
    effect_size_name: str
    mde: float | None
    """The smallest change (absolute) the test detects at ``power`` with these numbers."""
    needed_after: int | None
    """Units after go-live needed to detect ``detect`` at ``power`` (None: not computable)."""
    more_after: int | None
    detect: float | None
    """The change (absolute) the sample-size answer is for: the target's, else the observed."""
    power: float
    details: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {k: _plain(v) for k, v in self.__dict__.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def decide(p_value: float, sign: float, direction: str, confidence: float) -> str:
    """The verdict from a two-sided p-value, the sign of the change and the KPI's better way."""
    if not p_value < 1 - confidence or sign == 0 or not math.isfinite(sign):
        return UNDECIDED
    if direction == "neutral":
        return CHANGED
    better = sign < 0 if direction == "lower" else sign > 0
    return IMPROVED if better else WORSENED


def _z(confidence: float, power: float) -> float:
    if not 0 < confidence < 1 or not 0 < power < 1:
        raise InputError("confidence and power must lie between 0 and 1")
    return float(stats.norm.isf((1 - confidence) / 2) + stats.norm.ppf(power))


def _needed(d: float | None, zsum: float, var_before: float, var_after_unit: float) -> int | None:
    """Units after go-live so that the standard error of the change is d / zsum."""
    if d is None or d <= 0 or not math.isfinite(d):
        return None
    room = (d / zsum) ** 2 - var_before
    if room <= 0 or var_after_unit <= 0:
        return None
    return math.ceil(var_after_unit / room)


def compare_proportions(
    x_before: float,
    n_before: float,
    x_after: float,
    n_after: float,
    *,
    direction: str,
    confidence: float = 0.95,
    power: float = 0.8,
    target_change: float | None = None,
    scale: float = 1.0,
) -> Evidence:
    """Two-proportion test of a share (``target_change`` and the result are in raw shares ×
    ``scale``: give 100 to report percentage points)."""
    zsum = _z(confidence, power)
    if min(n_before, n_after) <= 0:
        raise InputError("there are no units on one side of go-live", "choose another go-live")
    pb, pa = x_before / n_before, x_after / n_after
    pooled = (x_before + x_after) / (n_before + n_after)
    if pooled in {0.0, 1.0}:
        stat, p, lo, hi, h = 0.0, 1.0, math.nan, math.nan, 0.0
    else:
        c = two_proportions(x_before, n_before, x_after, n_after, confidence=confidence)
        stat, p, lo, hi, h = c.statistic, c.p_value, c.ci_low, c.ci_high, c.effect_size
    diff = pa - pb
    mde = zsum * math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
    wanted = target_change / scale if target_change else diff
    d = abs(wanted) if wanted else None
    needed = None
    if d is not None:
        p2 = min(max(pb + math.copysign(d, wanted), 0.0), 1.0)
        needed = _needed(d, zsum, pb * (1 - pb) / n_before, p2 * (1 - p2))
    return Evidence(
        method="two-proportions",
        verdict=decide(p, diff, direction, confidence),
        n_before=int(n_before),
        n_after=int(n_after),
        before=pb * scale,
        after=pa * scale,
        estimate=diff * scale,
        ci_low=lo * scale,
        ci_high=hi * scale,
        confidence=confidence,
        statistic=stat,
        p_value=p,
        effect_size=h,
        effect_size_name="Cohen's h",
        mde=mde * scale,
        needed_after=needed,
        more_after=None if needed is None else max(0, needed - int(n_after)),
        detect=None if d is None else d * scale,
        power=power,
        details={"x_before": float(x_before), "x_after": float(x_after)},
    )


def _boot_medians(x: FloatArray, rng: np.random.Generator, n_boot: int) -> FloatArray:
    out = np.empty(n_boot, dtype=np.float64)
    chunk = max(1, 2_000_000 // max(x.size, 1))
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, x.size, size=(stop - start, x.size))
        out[start:stop] = np.median(x[idx], axis=1)
    return out


def compare_values(
    before: Any,
    after: Any,
    *,
    direction: str,
    confidence: float = 0.95,
    power: float = 0.8,
    target_ratio: float | None = None,
    scale: float = 1.0,
    seed: int = 0,
    n_boot: int = 2000,
) -> Evidence:
    """Mann–Whitney test and the difference in medians with a bootstrap interval (values in raw
    units; the result in raw units × ``scale``). ``target_ratio`` (target ÷ baseline of the KPI)
    applied to the before median gives the change the sample-size answer is for."""
    zsum = _z(confidence, power)
    b = np.asarray(before, dtype=np.float64)
    a = np.asarray(after, dtype=np.float64)
    b, a = b[np.isfinite(b)], a[np.isfinite(a)]
    if b.size < 2 or a.size < 2:
        raise InputError(
            f"{b.size} value(s) before and {a.size} after go-live; the test needs at least 2 each",
            "wait for more tickets, or widen the scope or the baseline window",
        )
    mw = mann_whitney(b, a, confidence=confidence)
    med_b, med_a = float(np.median(b)), float(np.median(a))
    diff = med_a - med_b
    rng = np.random.default_rng(seed)
    boot_b, boot_a = _boot_medians(b, rng, n_boot), _boot_medians(a, rng, n_boot)
    alpha = 1 - confidence
    lo, hi = np.quantile(boot_a - boot_b, [alpha / 2, 1 - alpha / 2])
    se_b, se_a = float(boot_b.std(ddof=1)), float(boot_a.std(ddof=1))
    mde = zsum * math.hypot(se_b, se_a)
    wanted = med_b * (target_ratio - 1) if target_ratio is not None else diff
    d = abs(wanted) if wanted else None
    needed = _needed(d, zsum, se_b**2, se_a**2 * a.size)
    return Evidence(
        method="mann-whitney",
        verdict=decide(mw.p_value, mw.effect_size, direction, confidence),
        n_before=int(b.size),
        n_after=int(a.size),
        before=med_b * scale,
        after=med_a * scale,
        estimate=diff * scale,
        ci_low=float(lo) * scale,
        ci_high=float(hi) * scale,
        confidence=confidence,
        statistic=mw.statistic,
        p_value=mw.p_value,
        effect_size=mw.effect_size,
        effect_size_name="rank-biserial r",
        mde=mde * scale,
        needed_after=needed,
        more_after=None if needed is None else max(0, needed - int(a.size)),
        detect=None if d is None else d * scale,
        power=power,
        details={
            "hodges_lehmann": mw.estimate * scale,
            "hodges_lehmann_low": mw.ci_low * scale,
            "hodges_lehmann_high": mw.ci_high * scale,
            "mean_before": float(b.mean()) * scale,
            "mean_after": float(a.mean()) * scale,
            "bootstrap_resamples": float(n_boot),
            "seed": float(seed),
        },
    )


def compare_trend(
    values: Any,
    intervention: int,
    *,
    direction: str,
    confidence: float = 0.95,
    power: float = 0.8,
) -> Evidence:
    """Interrupted time series on a (weekly) series; ``intervention`` = first period after."""
    y = np.asarray(values, dtype=np.float64)
    its = interrupted_time_series(y, intervention, confidence=confidence)
    level = its.level_change
    resid_sd = math.sqrt(float(np.sum((y - its.fitted) ** 2)) / its.df) if its.df > 0 else 0.0
    tsum = float(stats.t.isf((1 - confidence) / 2, its.df) + stats.t.ppf(power, its.df))
    return Evidence(
        method="interrupted-time-series",
        verdict=decide(level.p_value, level.estimate, direction, confidence),
        n_before=its.n_before,
        n_after=its.n_after,
        before=float(y[:intervention].mean()),
        after=float(y[intervention:].mean()),
        estimate=level.estimate,
        ci_low=level.ci_low,
        ci_high=level.ci_high,
        confidence=confidence,
        statistic=level.estimate / level.se if level.se > 0 else math.nan,
        p_value=level.p_value,
        effect_size=level.estimate / resid_sd if resid_sd > 0 else math.nan,
        effect_size_name="level change / residual s.d.",
        mde=tsum * level.se,
        needed_after=None,
        more_after=None,
        detect=None,
        power=power,
        details={
            "trend_change": its.trend_change.estimate,
            "trend_change_p": its.trend_change.p_value,
            "effect_at_end": its.effect_at_end.estimate,
            "effect_at_end_p": its.effect_at_end.p_value,
            "r_squared": its.r_squared,
        },
    )
