# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Charts for measurements: individuals and moving range (imr), X̄-R and X̄-S."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from pdca.errors import ConfigError
from pdca.methods.spc import inputs
from pdca.methods.spc.base import (
    BoolArray,
    ControlChart,
    FloatArray,
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
    c4,
    constants,
    d2,
    d3,
    individuals_sigma,
    pooled_sd,
    subgroup_sigma,
)

POOLED_SBAR = "pooled-sbar"
"""Montgomery's estimator for X̄-S charts with varying subgroup sizes (docs/spc.md)."""


def check_sigma(sigma: str | float, allowed: tuple[str, ...]) -> None:
    """``sigma`` names an estimator or gives a known σ."""
    if isinstance(sigma, str):
        if sigma not in allowed:
            raise ConfigError(
                f"unknown sigma estimator {sigma!r}",
                hint=f"use one of {', '.join(allowed)} or a number (a known σ)",
            )
    else:
        check_positive("sigma", sigma)


def check_centre(centre: float | None) -> None:
    """``centre`` is None (estimate it) or a finite number."""
    if centre is not None and (not isinstance(centre, int | float) or not np.isfinite(centre)):
        raise ConfigError(f"centre must be a number, got {centre!r}")


def retained(x: FloatArray, estimate: BoolArray) -> FloatArray:
    """Phase-I values that are not excluded, in order (excluded ones dropped, not gaps)."""
    return x[estimate]


class IMR(ControlChart):
    """Individuals (I) and moving range (MR) chart."""

    id: ClassVar[str] = "imr"
    panels: ClassVar[tuple[str, ...]] = ("I", "MR")
    definition: ClassVar[str] = (
        "I chart: centre x̄, the mean of the phase-I values (or the centre given), limits "
        "x̄ ± L·σ̂. MR chart: MRᵢ = |xᵢ − xᵢ₋₁| within a stage; centre d2(2)·σ̂, limits "
        'max(0, (d2(2) − L·d3(2))·σ̂) and (d2(2) + L·d3(2))·σ̂. With sigma="moving-range" '
        "σ̂ = MR̄/d2(2), the mean moving range of consecutive phase-I values that are not "
        "excluded (excluded values are dropped before the moving ranges are taken); with "
        'sigma="sd" σ̂ = s/c4(m) over those m values; a number is used as σ̂. L = nsigmas.'
    )

    def __init__(
        self,
        *,
        sigma: str | float = "moving-range",
        centre: float | None = None,
        nsigmas: float = 3.0,
        rules: RuleSpec | None = None,
    ) -> None:
        self.sigma = sigma
        self.centre = centre
        self.nsigmas = nsigmas
        self.rules = rules

    def _check_params(self) -> None:
        check_sigma(self.sigma, INDIVIDUALS_ESTIMATORS)
        check_centre(self.centre)
        check_positive("nsigmas", self.nsigmas)

    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        inputs.no_sizes(sizes, self.id, "individual values have no subgroup size")
        if groups is not None:
            raise ConfigError("the imr chart takes no groups", hint="use xbar-r or xbar-s")
        x = inputs.values_1d(values)
        return Points({"x": x}, list(range(1, x.size + 1)))

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        x = points["x"]
        kept = retained(x, estimate)
        mean = float(kept.mean()) if self.centre is None else float(self.centre)
        if isinstance(self.sigma, str):
            require(kept.size, 2, "values")
            sigma = individuals_sigma(kept, self.sigma)
        else:
            sigma = float(self.sigma)
        n, big_l = x.size, float(self.nsigmas)
        mr = np.concatenate([[np.nan], np.abs(np.diff(x))])
        c2, c3 = d2(2), d3(2)
        individuals = Panel(
            value=x,
            centre=full(n, mean),
            lcl=full(n, mean - big_l * sigma),
            ucl=full(n, mean + big_l * sigma),
            sigma=full(n, sigma),
        )
        moving = Panel(
            value=mr,
            centre=full(n, c2 * sigma),
            lcl=full(n, max(0.0, (c2 - big_l * c3) * sigma)),
            ucl=full(n, (c2 + big_l * c3) * sigma),
            sigma=full(n, c3 * sigma),
        )
        return StageFit({"I": individuals, "MR": moving}, {"centre": mean, "sigma": sigma})


class _Subgroups(ControlChart):
    """X̄ charts: subgroup means with a dispersion panel (R or S)."""

    estimators: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        *,
        sigma: str | float,
        centre: float | None = None,
        nsigmas: float = 3.0,
        rules: RuleSpec | None = None,
    ) -> None:
        self.sigma = sigma
        self.centre = centre
        self.nsigmas = nsigmas
        self.rules = rules

    def _check_params(self) -> None:
        check_sigma(self.sigma, self.estimators)
        check_centre(self.centre)
        check_positive("nsigmas", self.nsigmas)

    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        inputs.no_sizes(sizes, self.id, "pass groups=… (one label per value) to form subgroups")
        rows, labels = inputs.subgroups(values, groups)
        n = np.array([r.size for r in rows], dtype=np.float64)
        for row in rows:
            c4(row.size)  # raises InputError for subgroups of one value
        return Points(
            {
                "n": n,
                "mean": np.array([r.mean() for r in rows]),
                "range": np.array([r.max() - r.min() for r in rows]),
                "sd": np.array([r.std(ddof=1) for r in rows]),
            },
            labels,
        )

    def _centre(self, points: Points, estimate: BoolArray) -> float:
        n = points["n"][estimate]
        means = points["mean"][estimate]
        return float(np.sum(n * means) / np.sum(n)) if self.centre is None else float(self.centre)

    def _estimate(self, points: Points, estimate: BoolArray) -> tuple[float, float]:
        n = points["n"][estimate]
        centre = self._centre(points, estimate)
        if isinstance(self.sigma, str):
            sigma = subgroup_sigma(n, points["range"][estimate], points["sd"][estimate], self.sigma)
        else:
            sigma = float(self.sigma)
        return float(centre), sigma

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        centre, sigma = self._estimate(points, estimate)
        return StageFit(
            {
                "xbar": self._means(points, centre, sigma),
                self.panels[1]: self._spread(points, sigma),
            },
            {"centre": centre, "sigma": sigma},
        )

    def _spread(self, points: Points, sigma: float | FloatArray) -> Panel:
        """The second panel: subgroup ranges or standard deviations against their limits."""
        raise NotImplementedError

    def _means(self, points: Points, centre: float, sigma: float | FloatArray) -> Panel:
        n = points["n"]
        half = self.nsigmas * sigma / np.sqrt(n)
        return Panel(
            value=points["mean"],
            centre=full(n.size, centre),
            lcl=centre - half,
            ucl=centre + half,
            sigma=sigma / np.sqrt(n),
        )


class XbarR(_Subgroups):
    """X̄ and R chart."""

    id: ClassVar[str] = "xbar-r"
    panels: ClassVar[tuple[str, ...]] = ("xbar", "R")
    estimators: ClassVar[tuple[str, ...]] = SUBGROUP_ESTIMATORS
    definition: ClassVar[str] = (
        "X̄ chart: centre x̿ = Σnᵢx̄ᵢ / Σnᵢ over the phase-I subgroups (or the centre given), "
        "limits x̿ ± L·σ̂/√nᵢ. R chart: centre d2(nᵢ)·σ̂, limits max(0, (d2(nᵢ) − L·d3(nᵢ))·σ̂) "
        'and (d2(nᵢ) + L·d3(nᵢ))·σ̂. With sigma="mean-range" σ̂ is the mean of Rᵢ/d2(nᵢ) '
        '(R̄/d2(n) when all subgroups have n values); "mvlue-range" weights Rᵢ/d2(nᵢ) by '
        "(d2(nᵢ)/d3(nᵢ))²; the estimators of the X̄-S chart other than pooled-sbar can be named "
        "too; a number is used as σ̂. L = nsigmas."
    )

    def __init__(
        self,
        *,
        sigma: str | float = "mean-range",
        centre: float | None = None,
        nsigmas: float = 3.0,
        rules: RuleSpec | None = None,
    ) -> None:
        super().__init__(sigma=sigma, centre=centre, nsigmas=nsigmas, rules=rules)

    def _spread(self, points: Points, sigma: float | FloatArray) -> Panel:
        n = points["n"]
        c2, c3 = constants(n, "d2"), constants(n, "d3")
        return Panel(
            value=points["range"],
            centre=c2 * sigma,
            lcl=np.maximum(0.0, (c2 - self.nsigmas * c3) * sigma),
            ucl=(c2 + self.nsigmas * c3) * sigma,
            sigma=c3 * sigma,
        )


class XbarS(_Subgroups):
    """X̄ and S chart."""

    id: ClassVar[str] = "xbar-s"
    panels: ClassVar[tuple[str, ...]] = ("xbar", "S")
    estimators: ClassVar[tuple[str, ...]] = (*SUBGROUP_ESTIMATORS, POOLED_SBAR)
    definition: ClassVar[str] = (
        "X̄ chart as for xbar-r. S chart: centre c4(nᵢ)·σ̂, limits "
        "max(0, c4(nᵢ)·σ̂ − L·σ̂·√(1 − c4(nᵢ)²)) and c4(nᵢ)·σ̂ + L·σ̂·√(1 − c4(nᵢ)²). With "
        'sigma="mean-sd" σ̂ is the mean of sᵢ/c4(nᵢ) (s̄/c4(n) when all subgroups have n '
        'values); "mvlue-sd" weights sᵢ/c4(nᵢ) by c4(nᵢ)²/(1 − c4(nᵢ)²); "pooled" is '
        "√(Σ(nᵢ − 1)·sᵢ² / Σ(nᵢ − 1)) / c4(Σ(nᵢ − 1) + 1) (Minitab's pooled standard "
        'deviation); "pooled-sbar" is Montgomery\'s weighted-average approach for varying '
        "subgroup sizes: s̄ = √(Σ(nᵢ − 1)·sᵢ² / Σ(nᵢ − 1)) and σ̂ᵢ = s̄/c4(nᵢ) at each subgroup, "
        "so the X̄ limits are x̿ ± A3(nᵢ)·s̄, the S chart's centre is s̄ and its limits "
        "B3(nᵢ)·s̄ and B4(nᵢ)·s̄ (A3, B3, B4 for L = 3); a number is used as σ̂. L = nsigmas."
    )

    def __init__(
        self,
        *,
        sigma: str | float = "mean-sd",
        centre: float | None = None,
        nsigmas: float = 3.0,
        rules: RuleSpec | None = None,
    ) -> None:
        super().__init__(sigma=sigma, centre=centre, nsigmas=nsigmas, rules=rules)

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        if self.sigma != POOLED_SBAR:
            return super()._fit_stage(points, estimate)
        centre = self._centre(points, estimate)
        n = points["n"][estimate]
        sbar = pooled_sd(n, points["sd"][estimate])
        sigma = sbar / constants(points["n"], "c4")
        sizes = np.unique(n)
        # σ̂ depends on the subgroup size; one σ̂ exists only when phase I has one size
        single = sbar / c4(int(sizes[0])) if sizes.size == 1 else float("nan")
        return StageFit(
            {"xbar": self._means(points, centre, sigma), "S": self._spread(points, sigma)},
            {"centre": centre, "sigma": single, "sbar": sbar},
        )

    def _spread(self, points: Points, sigma: float | FloatArray) -> Panel:
        k = constants(points["n"], "c4")
        half = self.nsigmas * sigma * np.sqrt(1.0 - k**2)
        return Panel(
            value=points["sd"],
            centre=k * sigma,
            lcl=np.maximum(0.0, k * sigma - half),
            ucl=k * sigma + half,
            sigma=sigma * np.sqrt(1.0 - k**2),
        )
