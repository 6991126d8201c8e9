# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Charts for counts: p, np, c, u, and Laney's p′ and u′ for large subgroups."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import inputs
from pdca.methods.spc.base import (
    BoolArray,
    ControlChart,
    FloatArray,
    Panel,
    Points,
    StageFit,
    check_positive,
    require,
)
from pdca.methods.spc.rules import RuleSpec
from pdca.methods.spc.sigma import individuals_sigma


class _Counts(ControlChart):
    """Shared parameters and input checks of the attribute charts."""

    proportion: ClassVar[bool]
    """Counts of nonconforming units out of n (p, np) rather than nonconformities (c, u)."""

    def __init__(
        self, *, centre: float | None = None, nsigmas: float = 3.0, rules: RuleSpec | None = None
    ) -> None:
        self.centre = centre
        self.nsigmas = nsigmas
        self.rules = rules

    def _check_params(self) -> None:
        check_positive("nsigmas", self.nsigmas)
        if self.centre is not None:
            check_positive("centre", self.centre)
            if self.proportion and self.centre >= 1:
                raise ConfigError(f"centre is a proportion, below 1; got {self.centre!r}")

    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        if groups is not None:
            raise ConfigError(f"the {self.id} chart takes no groups", hint="pass counts and sizes")
        x = inputs.counts(values)
        n = inputs.sizes(sizes, x.size)
        if self.proportion:
            over = np.flatnonzero(x > n)
            if over.size:
                i = int(over[0])
                raise InputError(
                    f"point {i + 1} counts {x[i]:g} nonconforming units out of {n[i]:g}",
                    hint="a count of nonconforming units cannot exceed the subgroup size",
                )
        return Points({"x": x, "n": n}, list(range(1, x.size + 1)))

    def _rate(self, points: Points, estimate: BoolArray) -> float:
        """p̄ or ū: Σ counts / Σ sizes over the phase-I points (or the centre given)."""
        if self.centre is not None:
            return float(self.centre)
        rate = float(points["x"][estimate].sum() / points["n"][estimate].sum())
        if rate <= 0 or (self.proportion and rate >= 1):
            what = "nonconforming units" if self.proportion else "nonconformities"
            raise InputError(
                f"phase I has no {what}" if rate <= 0 else "every phase-I unit is nonconforming",
                hint="limits need some of both; for rare events chart the time or count "
                "between events (t or g chart)",
            )
        return rate

    def _panel(
        self, value: FloatArray, centre: FloatArray, sigma: FloatArray, cap: FloatArray | None
    ) -> Panel:
        ucl = centre + self.nsigmas * sigma
        return Panel(
            value=value,
            centre=centre,
            lcl=np.maximum(0.0, centre - self.nsigmas * sigma),
            ucl=ucl if cap is None else np.minimum(cap, ucl),
            sigma=sigma,
        )


class P(_Counts):
    """Proportion nonconforming (p chart), subgroup sizes may vary."""

    id: ClassVar[str] = "p"
    panels: ClassVar[tuple[str, ...]] = ("p",)
    proportion: ClassVar[bool] = True
    definition: ClassVar[str] = (
        "Plots pᵢ = xᵢ/nᵢ. Centre p̄ = Σxᵢ / Σnᵢ over the phase-I points (or the centre given); "
        "σᵢ = √(p̄(1 − p̄)/nᵢ); limits max(0, p̄ − L·σᵢ) and min(1, p̄ + L·σᵢ). L = nsigmas."
    )

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        p = self._rate(points, estimate)
        n = points["n"]
        sigma = np.sqrt(p * (1 - p) / n)
        panel = self._panel(points["x"] / n, np.full(n.size, p), sigma, np.ones(n.size))
        return StageFit({"p": panel}, {"centre": p})


class NP(_Counts):
    """Number nonconforming (np chart), subgroup sizes may vary."""

    id: ClassVar[str] = "np"
    panels: ClassVar[tuple[str, ...]] = ("np",)
    proportion: ClassVar[bool] = True
    definition: ClassVar[str] = (
        "Plots the count xᵢ. p̄ = Σxᵢ / Σnᵢ over the phase-I points (or the centre given); "
        "centre nᵢ·p̄, σᵢ = √(nᵢ·p̄(1 − p̄)); limits max(0, nᵢ·p̄ − L·σᵢ) and "
        "min(nᵢ, nᵢ·p̄ + L·σᵢ). L = nsigmas."
    )

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        p = self._rate(points, estimate)
        n = points["n"]
        panel = self._panel(points["x"], n * p, np.sqrt(n * p * (1 - p)), n)
        return StageFit({"np": panel}, {"centre": p})


class C(_Counts):
    """Count of nonconformities per inspection unit (c chart), constant area of opportunity."""

    id: ClassVar[str] = "c"
    panels: ClassVar[tuple[str, ...]] = ("c",)
    proportion: ClassVar[bool] = False
    definition: ClassVar[str] = (
        "Plots the count cᵢ. Centre c̄, the mean phase-I count (or the centre given); "
        "limits max(0, c̄ − L·√c̄) and c̄ + L·√c̄. L = nsigmas. For varying areas of "
        "opportunity use the u chart."
    )

    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        inputs.no_sizes(sizes, self.id, "for varying areas of opportunity use the u chart")
        x = inputs.counts(values)
        return super()._prepare(x, np.ones(x.size), groups)

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        c = self._rate(points, estimate)
        size = points["x"].size
        panel = self._panel(points["x"], np.full(size, c), np.full(size, np.sqrt(c)), None)
        return StageFit({"c": panel}, {"centre": c})


class U(_Counts):
    """Nonconformities per unit (u chart), the area of opportunity may vary."""

    id: ClassVar[str] = "u"
    panels: ClassVar[tuple[str, ...]] = ("u",)
    proportion: ClassVar[bool] = False
    definition: ClassVar[str] = (
        "Plots uᵢ = cᵢ/nᵢ, nᵢ the area of opportunity (units inspected, exposure). Centre "
        "ū = Σcᵢ / Σnᵢ over the phase-I points (or the centre given); σᵢ = √(ū/nᵢ); limits "
        "max(0, ū − L·σᵢ) and ū + L·σᵢ. L = nsigmas."
    )

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        u = self._rate(points, estimate)
        n = points["n"]
        panel = self._panel(points["x"] / n, np.full(n.size, u), np.sqrt(u / n), None)
        return StageFit({"u": panel}, {"centre": u})


class _Laney(_Counts):
    """Laney's correction: scale the binomial or Poisson σᵢ by σ_z of the standardised values."""

    def _laney(
        self,
        value: FloatArray,
        centre: float,
        sigma: FloatArray,
        estimate: BoolArray,
        cap: FloatArray | None,
    ) -> StageFit:
        z = (value - centre) / sigma
        kept = z[estimate]
        require(kept.size, 2, "points")
        sigma_z = individuals_sigma(kept, "moving-range")
        panel = self._panel(value, np.full(value.size, centre), sigma * sigma_z, cap)
        return StageFit({self.panels[0]: panel}, {"centre": centre, "sigma_z": sigma_z})


class LaneyP(_Laney):
    """Laney p′ chart: p chart corrected for over- or underdispersion (large subgroups)."""

    id: ClassVar[str] = "laney-p"
    panels: ClassVar[tuple[str, ...]] = ("p'",)
    proportion: ClassVar[bool] = True
    definition: ClassVar[str] = (
        "Plots pᵢ = xᵢ/nᵢ. p̄ and σᵢ = √(p̄(1 − p̄)/nᵢ) as for the p chart; zᵢ = (pᵢ − p̄)/σᵢ; "
        "σ_z = MR̄(z)/d2(2), the mean moving range of the z of consecutive phase-I points that "
        "are not excluded; limits max(0, p̄ − L·σᵢ·σ_z) and min(1, p̄ + L·σᵢ·σ_z). L = nsigmas."
    )

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        p = self._rate(points, estimate)
        n = points["n"]
        cap = np.ones(n.size)
        return self._laney(points["x"] / n, p, np.sqrt(p * (1 - p) / n), estimate, cap)


class LaneyU(_Laney):
    """Laney u′ chart: u chart corrected for over- or underdispersion (large exposures)."""

    id: ClassVar[str] = "laney-u"
    panels: ClassVar[tuple[str, ...]] = ("u'",)
    proportion: ClassVar[bool] = False
    definition: ClassVar[str] = (
        "Plots uᵢ = cᵢ/nᵢ. ū and σᵢ = √(ū/nᵢ) as for the u chart; zᵢ = (uᵢ − ū)/σᵢ; "
        "σ_z = MR̄(z)/d2(2) over consecutive phase-I points that are not excluded; limits "
        "max(0, ū − L·σᵢ·σ_z) and ū + L·σᵢ·σ_z. L = nsigmas."
    )

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        u = self._rate(points, estimate)
        n = points["n"]
        return self._laney(points["x"] / n, u, np.sqrt(u / n), estimate, None)
