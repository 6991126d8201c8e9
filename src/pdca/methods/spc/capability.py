# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Process capability against SLA specifications, DPMO and sigma level, and Pareto analysis.

Cp, Cpk
    Short-term (within) capability: Cp = (USL − LSL) / (6·σ_within); Cpl = (μ − LSL) /
    (3·σ_within); Cpu = (USL − μ) / (3·σ_within); Cpk = the smaller of Cpl and Cpu (the one
    that exists when only one limit is given; Cp needs both). μ is the mean; σ_within is the σ
    given (for example a chart's estimate) or MR̄/d2(2) of the values in their order.
Pp, Ppk
    Overall (long-term) performance: the same formulas with σ_overall, the sample standard
    deviation (n − 1 in the denominator).
Cpm
    Cp / √(1 + ((μ − T)/σ_within)²), T the target; needs both limits and a target.
Percentile method
    For skewed data such as resolution times (method="percentile"): Pp = (USL − LSL) /
    (P99.865 − P0.135); Ppu = (USL − P50) / (P99.865 − P50); Ppl = (P50 − LSL) /
    (P50 − P0.135); Ppk = the smaller. Percentiles of the data, linearly interpolated; they
    need several hundred values to mean much. method="lognormal" takes the percentiles of a
    lognormal fitted to the data (mean and standard deviation of the logarithms) instead. Cp,
    Cpk and Cpm are then not defined.
Expected and observed fractions
    Expected below LSL = Φ((LSL − μ)/σ_within) and above USL = 1 − Φ((USL − μ)/σ_within) for
    the normal method (the lognormal's tails for method="lognormal"); observed = the share of
    values below LSL or above USL (a value on a limit meets the specification).
DPMO
    Defects per million opportunities = 10⁶ · defects / (units · opportunities per unit); for
    capability, a value outside the specification is a defect and each value one opportunity.
Sigma level
    z(1 − DPMO/10⁶) + 1.5, z the standard normal quantile. The 1.5 is the conventional
    long-term shift of the process mean (Motorola's convention): the defect rate observed over
    a long time is read as a short-term sigma level, so 3.4 DPMO is 6σ and 66,807 DPMO is 3σ.
    Give shift=0 for the plain quantile. No defects gives an infinite sigma level.
Pareto analysis
    Causes sorted by count (largest first, ties by name); each with its share and cumulative
    share of all counts. The vital few are the causes up to and including the first whose
    cumulative share reaches the threshold (80 % by default). A missing cause counts as
    "(missing)".
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import inputs
from pdca.methods.spc.sigma import individuals_sigma

METHODS = ("normal", "percentile", "lognormal")
SHIFT = 1.5
"""The conventional 1.5σ long-term shift used by :func:`sigma_level`."""
_LO, _HI = stats.norm.cdf(-3.0), stats.norm.cdf(3.0)


def dpmo(defects: float, units: float, opportunities: float = 1.0) -> float:
    """Defects per million opportunities."""
    if units <= 0 or opportunities <= 0:
        raise InputError("units and opportunities per unit must be positive")
    if defects < 0 or defects > units * opportunities:
        raise InputError(
            f"{defects:g} defects in {units:g} units of {opportunities:g} opportunities",
            hint="defects are between 0 and units × opportunities",
        )
    return 1e6 * defects / (units * opportunities)


def sigma_level(dpmo_value: float, shift: float = SHIFT) -> float:
    """Short-term sigma level of a long-term DPMO, with the conventional 1.5σ shift."""
    if not 0 <= dpmo_value <= 1e6:
        raise InputError(f"DPMO must be between 0 and 1,000,000, got {dpmo_value:g}")
    return float(stats.norm.isf(dpmo_value / 1e6)) + shift


def _min(*values: float) -> float:
    real = [v for v in values if not math.isnan(v)]
    return min(real) if real else math.nan


class Capability:
    """Capability of a process against lower/upper specification limits (an SLA)."""

    n_: int
    mean_: float
    median_: float
    sigma_within_: float
    sigma_overall_: float
    cp_: float
    cpl_: float
    cpu_: float
    cpk_: float
    cpm_: float
    pp_: float
    ppl_: float
    ppu_: float
    ppk_: float
    expected_below_: float
    expected_above_: float
    observed_below_: float
    observed_above_: float
    dpmo_: float
    sigma_level_: float

    def __init__(
        self,
        *,
        lsl: float | None = None,
        usl: float | None = None,
        target: float | None = None,
        method: str = "normal",
        shift: float = SHIFT,
    ) -> None:
        self.lsl = lsl
        self.usl = usl
        self.target = target
        self.method = method
        self.shift = shift

    def _check_params(self) -> tuple[float, float]:
        if self.lsl is None and self.usl is None:
            raise ConfigError("capability needs a specification", hint="give lsl, usl or both")
        lsl = -math.inf if self.lsl is None else float(self.lsl)
        usl = math.inf if self.usl is None else float(self.usl)
        if not lsl < usl:
            raise ConfigError(f"lsl ({lsl:g}) must be below usl ({usl:g})")
        if self.method not in METHODS:
            raise ConfigError(f"unknown method {self.method!r}", hint=f"use {', '.join(METHODS)}")
        return lsl, usl

    def fit(self, values: Any, *, sigma_within: float | None = None) -> Self:
        """Compute the indices of ``values`` (in time order) against the specification."""
        lsl, usl = self._check_params()
        x = inputs.values_1d(values)
        if x.size < 2:
            raise InputError("capability needs at least 2 values")
        both = self.lsl is not None and self.usl is not None
        self.n_ = int(x.size)
        self.mean_ = float(x.mean())
        self.median_ = float(np.median(x))
        self.sigma_overall_ = float(np.std(x, ddof=1))
        if sigma_within is None:
            self.sigma_within_ = individuals_sigma(x, "moving-range")
        else:
            self.sigma_within_ = float(sigma_within)
        self.observed_below_ = float(np.mean(x < lsl))
        self.observed_above_ = float(np.mean(x > usl))
        defects = int(np.sum((x < lsl) | (x > usl)))
        self.dpmo_ = dpmo(defects, x.size)
        self.sigma_level_ = sigma_level(self.dpmo_, self.shift)
        nan = math.nan
        if self.method == "normal":
            mu, sw, so = self.mean_, self.sigma_within_, self.sigma_overall_
            self.cp_ = (usl - lsl) / (6 * sw) if both else nan
            self.cpl_ = (mu - lsl) / (3 * sw) if self.lsl is not None else nan
            self.cpu_ = (usl - mu) / (3 * sw) if self.usl is not None else nan
            self.cpk_ = _min(self.cpl_, self.cpu_)
            self.pp_ = (usl - lsl) / (6 * so) if both else nan
            self.ppl_ = (mu - lsl) / (3 * so) if self.lsl is not None else nan
            self.ppu_ = (usl - mu) / (3 * so) if self.usl is not None else nan
            self.ppk_ = _min(self.ppl_, self.ppu_)
            off = 0.0 if self.target is None else (mu - float(self.target)) / sw
            self.cpm_ = self.cp_ / math.sqrt(1 + off**2) if self.target is not None else nan
            self.expected_below_ = float(stats.norm.cdf((lsl - mu) / sw))
            self.expected_above_ = float(stats.norm.sf((usl - mu) / sw))
            return self
        self.cp_ = self.cpl_ = self.cpu_ = self.cpk_ = self.cpm_ = nan
        if self.method == "percentile":
            lo, mid, hi = (float(q) for q in np.quantile(x, [_LO, 0.5, _HI]))
            self.expected_below_ = self.expected_above_ = nan
        else:
            if np.any(x <= 0):
                raise InputError(
                    "the lognormal method needs positive values",
                    hint="use method='percentile' when zeros occur",
                )
            logs = np.log(x)
            dist = stats.lognorm(s=float(np.std(logs, ddof=1)), scale=math.exp(logs.mean()))
            lo, mid, hi = (float(q) for q in dist.ppf([_LO, 0.5, _HI]))
            self.expected_below_ = float(dist.cdf(lsl)) if self.lsl is not None else 0.0
            self.expected_above_ = float(dist.sf(usl)) if self.usl is not None else 0.0
        self.pp_ = (usl - lsl) / (hi - lo) if both else nan
        self.ppl_ = (mid - lsl) / (mid - lo) if self.lsl is not None else nan
        self.ppu_ = (usl - mid) / (hi - mid) if self.usl is not None else nan
        self.ppk_ = _min(self.ppl_, self.ppu_)
        return self

    def summary(self) -> pd.Series:
        """Every fitted index as one Series (for tables and reports)."""
        names = [
            "n",
            "mean",
            "median",
            "sigma_within",
            "sigma_overall",
            "cp",
            "cpl",
            "cpu",
            "cpk",
            "cpm",
            "pp",
            "ppl",
            "ppu",
            "ppk",
            "expected_below",
            "expected_above",
            "observed_below",
            "observed_above",
            "dpmo",
            "sigma_level",
        ]
        return pd.Series({name: getattr(self, f"{name}_") for name in names}, dtype=float)


MISSING_CAUSE = "(missing)"


class Pareto:
    """Pareto analysis of causes (for example of SLA breaches)."""

    table_: pd.DataFrame
    vital_few_: list[Hashable]

    def __init__(self, *, threshold: float = 0.8) -> None:
        self.threshold = threshold

    def fit(self, causes: Any, counts: Any = None) -> Self:
        """``causes``: one label per occurrence, or one per row of ``counts``."""
        if not isinstance(self.threshold, int | float) or not 0 < self.threshold <= 1:
            raise ConfigError(f"threshold must be in (0, 1], got {self.threshold!r}")
        labels = pd.Series(np.asarray(causes, dtype=object)).fillna(MISSING_CAUSE)
        if labels.empty:
            raise InputError("no causes to analyse")
        weights = np.ones(labels.size) if counts is None else inputs.counts(counts)
        if weights.size != labels.size:
            raise InputError(f"{weights.size} counts for {labels.size} causes")
        totals = pd.Series(weights).groupby(labels.astype(str).to_numpy()).sum()
        if totals.sum() <= 0:
            raise InputError("all counts are 0", hint="nothing to rank")
        table = pd.DataFrame({"cause": totals.index, "count": totals.to_numpy()})
        table = table.sort_values(["count", "cause"], ascending=[False, True], kind="stable")
        total = float(table["count"].sum())
        before = table["count"].cumsum() - table["count"]
        table["percent"] = 100 * table["count"] / total
        table["cumulative_percent"] = 100 * table["count"].cumsum() / total
        table["vital_few"] = before < total * self.threshold * (1 - 1e-12)
        self.table_ = table.reset_index(drop=True)
        self.vital_few_ = list(self.table_.loc[self.table_["vital_few"], "cause"])
        return self
