# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Time-weighted charts for small shifts: EWMA and tabular CUSUM.

Both take individual values or subgroups (like the xbar charts). Their plotted points depend on
earlier points, so run rules do not apply: only the beyond-limits rule does.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from pdca.errors import ConfigError
from pdca.methods.spc import inputs
from pdca.methods.spc.base import (
    BoolArray,
    ControlChart,
    Panel,
    Points,
    StageFit,
    check_positive,
    full,
    require,
)
from pdca.methods.spc.rules import RuleSpec
from pdca.methods.spc.sigma import (
    INDIVIDUALS_ESTIMATORS,
    SUBGROUP_ESTIMATORS,
    individuals_sigma,
    subgroup_sigma,
)
from pdca.methods.spc.variables import check_centre

_ESTIMATES = (
    "μ̂ is the mean of the phase-I values (Σnᵢx̄ᵢ / Σnᵢ for subgroups) or the centre given; "
    'σ̂ is estimated as for the imr chart (individual values, default "moving-range") or the '
    'xbar charts (subgroups, default "mean-range"), or is the number given as sigma.'
)


def _number(value: object) -> bool:
    """A real number (not a bool, not a string)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Smoothed(ControlChart):
    """Individual values or subgroup means, with a centre and σ estimated per stage."""

    default_rules: ClassVar[tuple[str, ...]] = ("WE1",)
    run_rules: ClassVar[bool] = False
    centre: float | None
    sigma: str | float | None

    def _check_common(self) -> None:
        check_centre(self.centre)
        if isinstance(self.sigma, str):
            if self.sigma not in INDIVIDUALS_ESTIMATORS + SUBGROUP_ESTIMATORS:
                raise ConfigError(
                    f"unknown sigma estimator {self.sigma!r}",
                    hint="use one of "
                    f"{', '.join(INDIVIDUALS_ESTIMATORS + SUBGROUP_ESTIMATORS)} or a number",
                )
        elif self.sigma is not None:
            check_positive("sigma", self.sigma)

    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        inputs.no_sizes(sizes, self.id, "pass groups=… (one label per value) to form subgroups")
        if not inputs.is_grouped(values, groups):
            x = inputs.values_1d(values)
            nan = np.full(x.size, np.nan)
            return Points(
                {"n": np.ones(x.size), "mean": x, "range": nan, "sd": nan},
                list(range(1, x.size + 1)),
            )
        rows, labels = inputs.subgroups(values, groups)
        if any(r.size < 2 for r in rows):
            raise ConfigError(
                "subgroups of one value mixed with larger subgroups",
                hint="chart individual values as a plain list, or give every subgroup 2+ values",
            )
        return Points(
            {
                "n": np.array([r.size for r in rows], dtype=np.float64),
                "mean": np.array([r.mean() for r in rows]),
                "range": np.array([r.max() - r.min() for r in rows]),
                "sd": np.array([r.std(ddof=1) for r in rows]),
            },
            labels,
        )

    def _estimate(self, points: Points, estimate: BoolArray) -> tuple[float, float]:
        n, x = points["n"][estimate], points["mean"][estimate]
        centre = float(np.sum(n * x) / np.sum(n)) if self.centre is None else float(self.centre)
        if self.sigma is not None and not isinstance(self.sigma, str):
            return centre, float(self.sigma)
        individuals = bool(np.all(points["n"] == 1))
        if individuals:
            method = self.sigma or "moving-range"
            if method not in INDIVIDUALS_ESTIMATORS:
                raise ConfigError(
                    f"sigma estimator {method!r} needs subgroups",
                    hint=f"for individual values use {' or '.join(INDIVIDUALS_ESTIMATORS)}",
                )
            require(x.size, 2, "values")
            return centre, individuals_sigma(x, method)
        method = self.sigma or "mean-range"
        if method not in SUBGROUP_ESTIMATORS:
            raise ConfigError(
                f"sigma estimator {method!r} is for individual values",
                hint=f"for subgroups use one of {', '.join(SUBGROUP_ESTIMATORS)}",
            )
        sigma = subgroup_sigma(n, points["range"][estimate], points["sd"][estimate], method)
        return centre, sigma


class EWMA(_Smoothed):
    """Exponentially weighted moving average chart with exact (time-varying) limits."""

    id: ClassVar[str] = "ewma"
    panels: ClassVar[tuple[str, ...]] = ("ewma",)
    definition: ClassVar[str] = (
        "Plots wᵢ = λ·x̄ᵢ + (1 − λ)·wᵢ₋₁ with w₀ = μ̂ at the start of each stage (x̄ᵢ is the "
        "value or the subgroup mean). vᵢ = (1 − λ)²·vᵢ₋₁ + λ²·σ̂²/nᵢ with v₀ = 0, which for "
        "constant n is σ̂²/n · λ/(2 − λ) · (1 − (1 − λ)²ⁱ); centre μ̂, limits μ̂ ± L·√vᵢ. "
        + _ESTIMATES
        + " λ = smoothing, L = nsigmas."
    )

    def __init__(
        self,
        *,
        smoothing: float = 0.2,
        nsigmas: float = 3.0,
        centre: float | None = None,
        sigma: str | float | None = None,
        rules: RuleSpec | None = None,
    ) -> None:
        self.smoothing = smoothing
        self.nsigmas = nsigmas
        self.centre = centre
        self.sigma = sigma
        self.rules = rules

    def _check_params(self) -> None:
        if not _number(self.smoothing) or not 0 < self.smoothing <= 1:
            raise ConfigError(f"smoothing (λ) must be in (0, 1], got {self.smoothing!r}")
        if not _number(self.nsigmas) or not 0 < self.nsigmas < np.inf:
            raise ConfigError(f"nsigmas (L) must be a positive number, got {self.nsigmas!r}")
        self._check_common()

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        centre, sigma = self._estimate(points, estimate)
        lam, x, n = float(self.smoothing), points["mean"], points["n"]
        w = np.empty(x.size)
        v = np.empty(x.size)
        prev_w, prev_v = centre, 0.0
        for i in range(x.size):
            prev_w = lam * x[i] + (1 - lam) * prev_w
            prev_v = (1 - lam) ** 2 * prev_v + lam**2 * sigma**2 / n[i]
            w[i], v[i] = prev_w, prev_v
        se = np.sqrt(v)
        panel = Panel(
            value=w,
            centre=full(x.size, centre),
            lcl=centre - self.nsigmas * se,
            ucl=centre + self.nsigmas * se,
            sigma=se,
            extra={"statistic": x},
        )
        return StageFit({"ewma": panel}, {"centre": centre, "sigma": sigma})


class CUSUM(_Smoothed):
    """Tabular (two-sided) CUSUM chart in σ units."""

    id: ClassVar[str] = "cusum"
    panels: ClassVar[tuple[str, ...]] = ("upper", "lower")
    definition: ClassVar[str] = (
        "Standardises zᵢ = (x̄ᵢ − μ̂)/(σ̂/√nᵢ) and accumulates Cᵢ⁺ = max(0, Cᵢ₋₁⁺ + zᵢ − k) and "
        "Cᵢ⁻ = max(0, Cᵢ₋₁⁻ − zᵢ − k), both starting from the headstart at each stage. The "
        "upper panel plots Cᵢ⁺ against the limit h, the lower panel −Cᵢ⁻ against −h (centre "
        "0, units of σ). " + _ESTIMATES + " k = reference, h = decision."
    )

    def __init__(
        self,
        *,
        reference: float = 0.5,
        decision: float = 5.0,
        headstart: float = 0.0,
        centre: float | None = None,
        sigma: str | float | None = None,
        rules: RuleSpec | None = None,
    ) -> None:
        self.reference = reference
        self.decision = decision
        self.headstart = headstart
        self.centre = centre
        self.sigma = sigma
        self.rules = rules

    def _check_params(self) -> None:
        if not _number(self.decision) or not 0 < self.decision < np.inf:
            raise ConfigError(f"decision (h) must be a positive number, got {self.decision!r}")
        if not _number(self.reference) or not 0 <= self.reference < np.inf:
            raise ConfigError(f"reference (k) must be 0 or more, got {self.reference!r}")
        if not isinstance(self.headstart, int | float) or not 0 <= self.headstart < self.decision:
            raise ConfigError(
                f"headstart must be at least 0 and below decision, got {self.headstart!r}"
            )
        self._check_common()

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        centre, sigma = self._estimate(points, estimate)
        z = (points["mean"] - centre) / (sigma / np.sqrt(points["n"]))
        up, down = np.empty(z.size), np.empty(z.size)
        hi = lo = float(self.headstart)
        for i, zi in enumerate(z.tolist()):
            hi = max(0.0, hi + zi - self.reference)
            lo = max(0.0, lo - zi - self.reference)
            up[i], down[i] = hi, lo
        size, h, nan = z.size, float(self.decision), np.full(z.size, np.nan)
        ones = np.ones(size)
        upper = Panel(up, full(size, 0.0), nan, full(size, h), ones, extra={"statistic": z})
        lower = Panel(-down, full(size, 0.0), full(size, -h), nan, ones, extra={"statistic": z})
        return StageFit({"upper": upper, "lower": lower}, {"centre": centre, "sigma": sigma})
