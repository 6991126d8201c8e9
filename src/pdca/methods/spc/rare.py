# ruff: noqa: RUF001, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Charts for rare events: time between events (t) and count between events (g).

When events are rare (a major incident a month, an SLA breach in a thousand tickets), a p or c
chart mostly shows zeros. Charting the gap between events instead keeps the signal: a long gap
above the upper limit means fewer events (an improvement), a short one more events.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from pdca.errors import ConfigError, InputError
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
from pdca.methods.spc.sigma import individuals_sigma


class _Gaps(ControlChart):
    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        inputs.no_sizes(sizes, self.id, "pass the gap between consecutive events, one per event")
        if groups is not None:
            raise ConfigError(f"the {self.id} chart takes no groups")
        x = inputs.counts(values, "gaps between events")
        return Points({"x": x}, list(range(1, x.size + 1)))


class TChart(_Gaps):
    """Time between events, transformed to near-normal (Nelson's x^(1/3.6)), as an I chart."""

    id: ClassVar[str] = "t"
    panels: ClassVar[tuple[str, ...]] = ("t",)
    definition: ClassVar[str] = (
        "Plots the time tᵢ since the previous event. yᵢ = tᵢ^(1/3.6) (the exponent is a "
        "parameter) makes exponential or Weibull times nearly normal; ȳ is the mean of the "
        "phase-I yᵢ and σ̂ = MR̄(y)/d2(2) over consecutive phase-I points that are not excluded. "
        "Centre ȳ^3.6, limits max(0, ȳ − L·σ̂)^3.6 and (ȳ + L·σ̂)^3.6, transformed back. Zone "
        "rules measure zᵢ = (yᵢ − ȳ)/σ̂. L = nsigmas."
    )

    def __init__(
        self, *, exponent: float = 1 / 3.6, nsigmas: float = 3.0, rules: RuleSpec | None = None
    ) -> None:
        self.exponent = exponent
        self.nsigmas = nsigmas
        self.rules = rules

    def _check_params(self) -> None:
        check_positive("exponent", self.exponent)
        check_positive("nsigmas", self.nsigmas)

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        t = points["x"]
        y = t**self.exponent
        kept = y[estimate]
        require(kept.size, 2, "gaps")
        mean = float(kept.mean())
        sigma = individuals_sigma(kept, "moving-range")
        back = 1.0 / self.exponent
        low = max(0.0, mean - self.nsigmas * sigma)
        panel = Panel(
            value=t,
            centre=full(t.size, mean**back),
            lcl=full(t.size, low**back),
            ucl=full(t.size, (mean + self.nsigmas * sigma) ** back),
            sigma=full(t.size, sigma),
            z=(y - mean) / sigma,
            extra={"transformed": y},
        )
        return StageFit({"t": panel}, {"centre": mean**back, "mean_y": mean, "sigma_y": sigma})


class GChart(_Gaps):
    """Number of units (tickets, days, changes) between events: the geometric g chart."""

    id: ClassVar[str] = "g"
    panels: ClassVar[tuple[str, ...]] = ("g",)
    default_rules: ClassVar[tuple[str, ...]] = ("WE1",)
    definition: ClassVar[str] = (
        "Plots gᵢ, the number of units between consecutive events (0 when events are "
        "adjacent). Centre ḡ, the mean of the phase-I gᵢ; σ̂ = √(ḡ(ḡ + 1)), the standard "
        "deviation of a geometric count with that mean; limits max(0, ḡ − L·σ̂) and ḡ + L·σ̂. "
        "The distribution is skewed, so only the beyond-limits rule applies by default. "
        "L = nsigmas."
    )

    def __init__(self, *, nsigmas: float = 3.0, rules: RuleSpec | None = None) -> None:
        self.nsigmas = nsigmas
        self.rules = rules

    def _check_params(self) -> None:
        check_positive("nsigmas", self.nsigmas)

    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        g = points["x"]
        mean = float(g[estimate].mean())
        if mean <= 0:
            raise InputError(
                "every phase-I gap is 0: events follow each other without a break",
                hint="events are not rare here; use a p or c chart",
            )
        sigma = float(np.sqrt(mean * (mean + 1)))
        panel = Panel(
            value=g,
            centre=full(g.size, mean),
            lcl=full(g.size, max(0.0, mean - self.nsigmas * sigma)),
            ucl=full(g.size, mean + self.nsigmas * sigma),
            sigma=full(g.size, sigma),
        )
        return StageFit({"g": panel}, {"centre": mean, "sigma": sigma})
