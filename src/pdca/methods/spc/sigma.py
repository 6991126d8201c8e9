# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Control-chart constants and estimators of the process standard deviation.

The constants are computed from their definitions, not read from a printed table:

c4(n)
    E(s)/σ for a sample of n normal values: c4(n) = √(2/(n − 1)) · Γ(n/2) / Γ((n − 1)/2).
d2(n)
    E(R)/σ, the mean range of n standard normal values: d2(n) = ∫ [1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ] dx
    over the real line.
d3(n)
    sd(R)/σ: d3(n)² = 2 ∫∫_{x<y} [1 − Φ(y)ⁿ − (1 − Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ] dx dy − d2(n)².

Printed tables round these to three or four decimals (d2(2) = 1.128 instead of 1.12838), so a
σ estimated here can differ from a textbook's in the fourth significant digit.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import integrate, special  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import ConfigError, InputError

FloatArray = npt.NDArray[np.float64]

_BOUND = 12.0
"""Integration range for d3 in standard deviations (Φ(−12) ≈ 2e-33)."""

INDIVIDUALS_ESTIMATORS = ("moving-range", "sd")
"""σ estimators for individual values."""
SUBGROUP_ESTIMATORS = ("mean-range", "mvlue-range", "mean-sd", "mvlue-sd", "pooled")
"""σ estimators for subgroups."""


def _check_n(n: int) -> None:
    if n < 2:
        raise InputError(
            f"a subgroup of {n} value(s) has no range or standard deviation",
            hint="subgroups need at least 2 values; chart single values with the imr chart",
        )


@lru_cache(maxsize=512)
def c4(n: int) -> float:
    """Bias correction of the sample standard deviation: E(s) = c4(n)·σ."""
    _check_n(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(
        special.gammaln(n / 2) - special.gammaln((n - 1) / 2)
    )


@lru_cache(maxsize=512)
def d2(n: int) -> float:
    """Mean range of ``n`` standard normal values."""
    _check_n(n)

    def integrand(x: float) -> float:
        return float(1.0 - special.ndtr(x) ** n - special.ndtr(-x) ** n)

    value, _ = integrate.quad(integrand, -math.inf, math.inf)
    return float(value)


@lru_cache(maxsize=512)
def d3(n: int) -> float:
    """Standard deviation of the range of ``n`` standard normal values."""
    _check_n(n)

    def integrand(x: float, y: float) -> float:
        fx, fy = special.ndtr(x), special.ndtr(y)
        return float(1.0 - fy**n - (1.0 - fx) ** n + (fy - fx) ** n)

    second, _ = integrate.dblquad(integrand, -_BOUND, _BOUND, lambda _y: -_BOUND, lambda y: y)
    return math.sqrt(2.0 * second - d2(n) ** 2)


def constants(sizes: FloatArray, fn: str) -> FloatArray:
    """``c4``, ``d2`` or ``d3`` for each subgroup size."""
    table = {"c4": c4, "d2": d2, "d3": d3}[fn]
    return np.array([table(int(n)) for n in sizes], dtype=np.float64)


def _positive(sigma: float, what: str) -> float:
    if not math.isfinite(sigma) or sigma <= 0:
        raise InputError(
            f"the phase-I {what} show no variation (estimated σ = {sigma:g})",
            hint="control limits need variation to estimate from; check the data or give sigma",
        )
    return sigma


def individuals_sigma(x: FloatArray, method: str) -> float:
    """σ of individual values (in time order): MR̄/d2(2), or s/c4(n)."""
    if x.size < 2:
        raise InputError(
            f"{x.size} phase-I value(s) left to estimate σ from; at least 2 are needed",
            hint="mark more points as phase I or exclude fewer",
        )
    if method == "moving-range":
        return _positive(float(np.mean(np.abs(np.diff(x)))) / d2(2), "moving ranges")
    if method == "sd":
        return _positive(float(np.std(x, ddof=1)) / c4(x.size), "values")
    raise ConfigError(
        f"unknown sigma estimator {method!r} for individual values",
        hint=f"use one of {', '.join(INDIVIDUALS_ESTIMATORS)} or a number",
    )


def pooled_sd(n: FloatArray, sds: FloatArray) -> float:
    """The pooled standard deviation √(Σ(nᵢ − 1)·sᵢ² / Σ(nᵢ − 1)), without a bias correction."""
    if n.size == 0:
        raise InputError("no phase-I subgroups left to estimate σ from")
    df = n - 1.0
    return _positive(math.sqrt(float(np.sum(df * sds**2) / np.sum(df))), "subgroups")


def subgroup_sigma(n: FloatArray, ranges: FloatArray, sds: FloatArray, method: str) -> float:
    """σ from subgroup ranges or standard deviations (see docs/spc.md for each estimator)."""
    if n.size == 0:
        raise InputError("no phase-I subgroups left to estimate σ from")
    if method == "mean-range":
        sigma = float(np.mean(ranges / constants(n, "d2")))
    elif method == "mvlue-range":
        c2, c3 = constants(n, "d2"), constants(n, "d3")
        w = (c2 / c3) ** 2
        sigma = float(np.sum(w * ranges / c2) / np.sum(w))
    elif method == "mean-sd":
        sigma = float(np.mean(sds / constants(n, "c4")))
    elif method == "mvlue-sd":
        k = constants(n, "c4")
        w = k**2 / (1.0 - k**2)
        sigma = float(np.sum(w * sds / k) / np.sum(w))
    elif method == "pooled":
        sigma = pooled_sd(n, sds) / c4(int(np.sum(n - 1.0)) + 1)
    else:
        raise ConfigError(
            f"unknown sigma estimator {method!r} for subgroups",
            hint=f"use one of {', '.join(SUBGROUP_ESTIMATORS)} or a number",
        )
    return _positive(sigma, "subgroups")
