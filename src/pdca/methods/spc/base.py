# ruff: noqa: RUF001, RUF003  (mathematical notation: σ, −, ′ are meant)
"""What every control chart shares: fit → limits, signals, stages and phases.

A chart is a method object in the scikit-learn habit: ``__init__`` only stores parameters,
``fit(values, sizes, groups=…, stage=…, phase=…, exclude=…)`` returns the chart, and results live
in attributes ending in ``_``.

Phases, stages and exclusions
    Each point has a stage, a phase and may be excluded. A new stage starts wherever the stage
    label changes; limits are estimated separately in each stage (at a known change point the
    process is a new one). Within a stage, limits are estimated from its phase-I points that are
    not excluded, and then frozen: phase-II points (which must come after the stage's phase-I
    points) are plotted against them without changing them. Excluded points (assignable causes)
    stay on the chart but do not count in any estimate.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import inputs
from pdca.methods.spc.rules import Rule, RuleSpec, Signal, Track, evaluate, resolve, runs_analysis

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PANEL_COLUMNS = (
    "point",
    "label",
    "stage",
    "phase",
    "excluded",
    "value",
    "centre",
    "lcl",
    "ucl",
    "sigma",
    "z",
    "signal",
    "rules",
)
"""Columns of every panel frame (charts may add columns after ``z``)."""
RUNS_COLUMNS = (
    "stage",
    "useful",
    "longest_run",
    "longest_run_max",
    "crossings",
    "crossings_min",
    "signal",
)


@dataclass(frozen=True)
class Points:
    """Prepared chart input: named arrays with one entry per plotted point."""

    data: dict[str, FloatArray]
    labels: list[Hashable]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, key: str) -> FloatArray:
        return self.data[key]

    def take(self, start: int, stop: int) -> Points:
        """The points ``start`` to ``stop - 1``."""
        return Points({k: v[start:stop] for k, v in self.data.items()}, self.labels[start:stop])


@dataclass(frozen=True)
class Panel:
    """One panel of a chart over the points of one stage."""

    value: FloatArray
    centre: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    sigma: FloatArray
    """Standard error of the plotted statistic at each point."""
    z: FloatArray | None = None
    """Signed distance from the centre line in σ; default (value − centre) / sigma."""
    extra: dict[str, FloatArray] = field(default_factory=dict)


@dataclass(frozen=True)
class StageFit:
    """What a chart estimates in one stage, and its panels."""

    panels: dict[str, Panel]
    estimates: dict[str, float]


def full(n: int, value: float) -> FloatArray:
    """An array of ``n`` copies of ``value``."""
    return np.full(n, value, dtype=np.float64)


def require(count: int, needed: int, what: str) -> None:
    """Raise a clear error when a stage has too few phase-I points."""
    if count < needed:
        raise InputError(
            f"{count} phase-I {what} left to estimate limits from; at least {needed} needed",
            hint="mark more points as phase I, exclude fewer, or use longer stages",
        )


def check_positive(name: str, value: float) -> None:
    """Reject a parameter that must be a positive number."""
    if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")


class ControlChart(ABC):
    """Base class of every chart in :data:`pdca.methods.spc.CHARTS`."""

    id: ClassVar[str]
    """Chart id, as in the registry and the CLI."""
    panels: ClassVar[tuple[str, ...]]
    """Panel names; the first is the primary panel (``limits_``)."""
    definition: ClassVar[str]
    """Formulas in words; docs/spc.md repeats them word for word."""
    default_rules: ClassVar[tuple[str, ...]] = ("WE1", "WE4")
    run_rules: ClassVar[bool] = True
    """Whether rules other than beyond-limits apply (not for autocorrelated statistics)."""

    rules: RuleSpec | None

    panels_: dict[str, pd.DataFrame]
    limits_: pd.DataFrame
    signals_: list[Signal]
    stages_: pd.DataFrame
    runs_: pd.DataFrame
    estimates_: dict[str, float]
    rules_: tuple[Rule, ...]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters and their values."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    @abstractmethod
    def _check_params(self) -> None:
        """Raise ConfigError for invalid parameters."""

    @abstractmethod
    def _prepare(self, values: Any, sizes: Any, groups: Any) -> Points:
        """Check the input and compute what is plotted per point."""

    @abstractmethod
    def _fit_stage(self, points: Points, estimate: BoolArray) -> StageFit:
        """Estimate from ``points[estimate]`` and compute every panel for all ``points``."""

    def _resolve_rules(self) -> tuple[Rule, ...]:
        rules = resolve(self.default_rules if self.rules is None else self.rules)
        if not self.run_rules and any(r.kind != "beyond" for r in rules):
            raise ConfigError(
                f"run rules do not apply to the {self.id} chart",
                hint="its points are autocorrelated; only the beyond-limits rule (WE1) applies",
            )
        return rules

    def fit(
        self,
        values: Any,
        sizes: Any = None,
        *,
        groups: Any = None,
        stage: Any = None,
        phase: Any = None,
        exclude: Any = None,
    ) -> Self:
        """Estimate limits per stage from phase-I points, apply them, and test the rules.

        ``values`` are the measurements or counts (for subgroup charts: values with ``groups``
        labels, a 2-D array with one row per subgroup, or a list of lists); ``sizes`` the
        subgroup sizes or areas of opportunity of attribute charts. ``stage`` and ``phase`` give
        one entry per plotted point; ``exclude`` is a boolean mask or a list of point positions.
        """
        self._check_params()
        rules = self._resolve_rules()
        points = self._prepare(values, sizes, groups)
        n = len(points)
        blocks = _stages(stage, n)
        phase_ = inputs.phases(phase, n)
        excluded = inputs.exclusions(exclude, n)
        stage_col = np.empty(n, dtype=object)
        parts: dict[str, list[Panel]] = {name: [] for name in self.panels}
        rows = []
        for label, start, stop in blocks:
            ph = phase_[start:stop]
            if np.any(np.diff(ph) < 0):
                raise InputError(
                    f"in stage {label}, phase-I points follow phase-II points",
                    hint="phase II is what comes after the limits are frozen",
                )
            use = (ph == 1) & ~excluded[start:stop]
            require(int(use.sum()), 1, "points")
            fitted = self._fit_stage(points.take(start, stop), use)
            for name in self.panels:
                parts[name].append(fitted.panels[name])
            stage_col[start:stop] = label
            rows.append(
                {
                    "stage": label,
                    "first": start,
                    "last": stop - 1,
                    "points": stop - start,
                    "estimated_from": int(use.sum()),
                    **fitted.estimates,
                }
            )
            self.estimates_ = dict(fitted.estimates)
        self.rules_ = rules
        self.stages_ = pd.DataFrame(rows)
        base = {
            "point": np.arange(n),
            "label": pd.Series(points.labels, dtype=object),
            "stage": stage_col,
            "phase": phase_,
            "excluded": excluded,
        }
        self.panels_ = {name: _frame(base, parts[name]) for name in self.panels}
        self.limits_ = self.panels_[self.panels[0]]
        self.signals_ = self._signals(blocks, excluded)
        self.runs_ = self._runs(blocks, excluded)
        return self

    def _tracks(
        self, panel: str, blocks: list[tuple[Hashable, int, int]], excluded: BoolArray
    ) -> Iterator[Track]:
        frame = self.panels_[panel]
        shown = [str(v) for v in frame["label"]]
        z = frame["z"].to_numpy(dtype=np.float64)
        for label, start, stop in blocks:
            sl = slice(start, stop)
            yield Track(
                panel=panel,
                stage=label,
                positions=np.arange(start, stop),
                labels=shown[sl],
                value=frame["value"].to_numpy(dtype=np.float64)[sl],
                lcl=frame["lcl"].to_numpy(dtype=np.float64)[sl],
                ucl=frame["ucl"].to_numpy(dtype=np.float64)[sl],
                z=z[sl],
                usable=~excluded[sl] & np.isfinite(z[sl]),
            )

    def _signals(
        self, blocks: list[tuple[Hashable, int, int]], excluded: BoolArray
    ) -> list[Signal]:
        signals: list[Signal] = []
        for i, panel in enumerate(self.panels):
            rules = self.rules_ if i == 0 else tuple(r for r in self.rules_ if r.kind == "beyond")
            frame = self.panels_[panel]
            flags: dict[int, list[str]] = {}
            for track in self._tracks(panel, blocks, excluded):
                for s in evaluate(rules, track):
                    signals.append(s)
                    for p in s.flagged:
                        flags.setdefault(p, []).append(s.rule)
            frame["signal"] = [p in flags for p in range(len(frame))]
            order = {r.id: i for i, r in enumerate(self.rules_)}
            frame["rules"] = [
                ",".join(sorted(set(flags.get(p, [])), key=order.__getitem__))
                for p in range(len(frame))
            ]
        return signals

    def _runs(self, blocks: list[tuple[Hashable, int, int]], excluded: BoolArray) -> pd.DataFrame:
        if not self.run_rules:
            return pd.DataFrame(columns=list(RUNS_COLUMNS))
        rows = []
        for track in self._tracks(self.panels[0], blocks, excluded):
            ra = runs_analysis(track.z[track.usable])
            rows.append(
                {
                    "stage": track.stage,
                    "useful": ra.useful,
                    "longest_run": ra.longest_run,
                    "longest_run_max": ra.longest_run_max,
                    "crossings": ra.crossings,
                    "crossings_min": ra.crossings_min,
                    "signal": ra.signal,
                }
            )
        return pd.DataFrame(rows, columns=list(RUNS_COLUMNS))


def _stages(stage: Any, n: int) -> list[tuple[Hashable, int, int]]:
    """(label, start, stop) of each stage: a new stage wherever the label changes."""
    if n == 0:
        raise InputError("no points to chart", hint="pass at least two points")
    if stage is None:
        return [(1, 0, n)]
    labels = inputs.per_point(stage, n, "stage")
    if pd.isna(pd.Series(labels)).any():
        raise InputError("stage labels contain missing values", hint="label every point")
    blocks: list[tuple[Hashable, int, int]] = []
    start = 0
    for i in range(1, n + 1):
        if i == n or labels[i] != labels[start]:
            blocks.append((labels[start], start, i))
            start = i
    seen = [b[0] for b in blocks]
    if len(set(seen)) != len(seen):
        raise InputError(
            "a stage label comes back after another stage",
            hint="stages are consecutive blocks of points; give each block its own label",
        )
    return blocks


def _z(p: Panel) -> FloatArray:
    if p.z is not None:
        return p.z
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p.sigma > 0, (p.value - p.centre) / p.sigma, 0.0)


def _frame(base: dict[str, Any], parts: list[Panel]) -> pd.DataFrame:
    """One panel over all stages as a DataFrame with :data:`PANEL_COLUMNS`."""

    def cat(get: Callable[[Panel], FloatArray]) -> FloatArray:
        return np.concatenate([get(p) for p in parts]).astype(np.float64)

    columns = {
        **base,
        "value": cat(lambda p: p.value),
        "centre": cat(lambda p: p.centre),
        "lcl": cat(lambda p: p.lcl),
        "ucl": cat(lambda p: p.ucl),
        "sigma": cat(lambda p: p.sigma),
        "z": cat(_z),
    }
    for key in parts[0].extra:
        columns[key] = np.concatenate([p.extra[key] for p in parts]).astype(np.float64)
    columns["signal"] = np.zeros(len(columns["value"]), dtype=np.bool_)
    columns["rules"] = ""
    return pd.DataFrame(columns)
