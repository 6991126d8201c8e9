# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Run rules: Western Electric 1–4, Nelson 1–8 and Anhøj's runs analysis, configurable.

A rule looks at the points of one stage of one chart panel. The beyond-limits rule tests every
point, excluded or not. All other rules run on the *sequence* of the stage's points that are not
excluded (an excluded point neither extends nor breaks a run). Zone rules measure distance from the
centre line in σ of the plotted statistic at that point (``z`` = (value − centre) / σ), so they
work with varying limits. A point exactly on the centre line breaks a run on one side. Windows at
the start of a stage may be shorter than the rule's length: 2 of 3 fires at the second point when
the first two points are both beyond 2σ.

A rule *fires* at the point that completes its pattern. Overlapping patterns of one rule are
merged into one signal, which lists every point involved and every point where the rule fired.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Kind = Literal["beyond", "zone", "side", "trend", "alternate", "within", "outside", "run", "cross"]


@dataclass(frozen=True)
class Rule:
    """One run rule; ``length``, ``count`` and ``zone`` can be changed with :func:`rule`."""

    id: str
    kind: Kind
    length: int = 1
    """Points in a row (or in the window of a zone rule)."""
    count: int = 1
    """Zone rules: how many points of the window must be beyond the zone."""
    zone: float = 0.0
    """Distance from the centre line in σ."""

    def describe(self) -> str:
        """The rule in one sentence (docs/spc.md lists these word for word)."""
        z = f"{self.zone:g}σ"
        return {
            "beyond": "One point lies outside the control limits.",
            "zone": f"{self.count} of {self.length} consecutive points lie more than {z} from "
            "the centre line, on the same side.",
            "side": f"{self.length} consecutive points lie on the same side of the centre line.",
            "trend": f"{self.length} consecutive points steadily increase or steadily decrease.",
            "alternate": f"{self.length} consecutive points alternate up and down.",
            "within": f"{self.length} consecutive points lie within {z} of the centre line, "
            "on either side.",
            "outside": f"{self.length} consecutive points lie more than {z} from the centre "
            "line, with points on both sides.",
            "run": "The longest run of points on one side of the centre line is longer than "
            "round(log2(n) + 3), where n counts the points not on the centre line.",
            "cross": "The points cross the centre line fewer times than the 5th percentile of "
            "Binomial(n − 1, 0.5), where n counts the points not on the centre line.",
        }[self.kind]


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("WE1", "beyond"),
        Rule("WE2", "zone", 3, 2, 2.0),
        Rule("WE3", "zone", 5, 4, 1.0),
        Rule("WE4", "side", 8),
        Rule("N1", "beyond"),
        Rule("N2", "side", 9),
        Rule("N3", "trend", 6),
        Rule("N4", "alternate", 14),
        Rule("N5", "zone", 3, 2, 2.0),
        Rule("N6", "zone", 5, 4, 1.0),
        Rule("N7", "within", 15, 1, 1.0),
        Rule("N8", "outside", 8, 1, 1.0),
        Rule("AH1", "run"),
        Rule("AH2", "cross"),
    )
}
"""Built-in rules: Western Electric (WE1–WE4), Nelson (N1–N8), Anhøj (AH1 runs, AH2 crossings)."""

RULE_SETS: dict[str, tuple[str, ...]] = {
    "western-electric": ("WE1", "WE2", "WE3", "WE4"),
    "nelson": ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"),
    "anhoej": ("AH1", "AH2"),
}

RuleSpec = str | Rule | Sequence[str | Rule]
"""A rule id, a rule set name, a :class:`Rule`, or a sequence of these."""


def rule(
    rule_id: str, *, length: int | None = None, count: int | None = None, zone: float | None = None
) -> Rule:
    """A built-in rule with another length, count or zone, for example ``rule("N2", length=8)``."""
    base = _lookup(rule_id)
    changed = replace(
        base,
        length=base.length if length is None else length,
        count=base.count if count is None else count,
        zone=base.zone if zone is None else zone,
    )
    _validate(changed)
    return changed


def _lookup(rule_id: str) -> Rule:
    try:
        return RULES[rule_id.upper()]
    except KeyError:
        raise ConfigError(
            f"unknown run rule {rule_id!r}",
            hint=f"use one of {', '.join(RULES)} or a set: {', '.join(RULE_SETS)}",
        ) from None


def _validate(r: Rule) -> None:
    minimum = {"trend": 2, "alternate": 3}.get(r.kind, 1)
    if r.length < minimum or not 1 <= r.count <= r.length or r.zone < 0:
        raise ConfigError(
            f"rule {r.id}: length {r.length}, count {r.count}, zone {r.zone:g} do not fit",
            hint=f"length ≥ {minimum}, 1 ≤ count ≤ length, zone ≥ 0",
        )


def resolve(spec: RuleSpec) -> tuple[Rule, ...]:
    """The rules a spec names, in order, each id once."""
    items: Sequence[str | Rule] = [spec] if isinstance(spec, str | Rule) else spec
    out: dict[str, Rule] = {}
    for item in items:
        if isinstance(item, Rule):
            _validate(item)
            found: tuple[Rule, ...] = (item,)
        elif not isinstance(item, str):
            raise ConfigError(f"a run rule must be a rule id or a Rule, not {item!r}")
        elif item.lower() in RULE_SETS:
            found = tuple(RULES[i] for i in RULE_SETS[item.lower()])
        else:
            found = (_lookup(item),)
        for r in found:
            out.setdefault(r.id, r)
    return tuple(out.values())


@dataclass(frozen=True)
class Signal:
    """A rule that fired: which rule, where, and a sentence saying what was seen."""

    rule: str
    panel: str
    stage: object
    points: tuple[int, ...]
    """Positions (0-based, in the whole series) of every point involved."""
    flagged: tuple[int, ...]
    """Positions where the rule fired (the point completing each pattern)."""
    message: str


@dataclass(frozen=True)
class RunsAnalysis:
    """Anhøj's runs analysis of one stage."""

    useful: int
    longest_run: int
    longest_run_max: int
    crossings: int
    crossings_min: int
    runs: tuple[tuple[int, ...], ...]
    """The runs (positions in the sequence given), in order."""

    @property
    def signal(self) -> bool:
        """A run is too long or there are too few crossings."""
        return self.longest_run > self.longest_run_max or self.crossings < self.crossings_min


def runs_analysis(z: FloatArray) -> RunsAnalysis:
    """Longest run and number of crossings, ignoring points on the centre line (z = 0)."""
    useful = np.flatnonzero(np.isfinite(z) & (z != 0))
    sides = np.sign(z[useful])
    runs: list[tuple[int, ...]] = []
    for i, s in zip(useful.tolist(), sides.tolist(), strict=True):
        if runs and np.sign(z[runs[-1][0]]) == s:
            runs[-1] = (*runs[-1], i)
        else:
            runs.append((i,))
    n = int(useful.size)
    return RunsAnalysis(
        useful=n,
        longest_run=max((len(r) for r in runs), default=0),
        longest_run_max=round(math.log2(n) + 3) if n else 0,
        crossings=max(len(runs) - 1, 0),
        crossings_min=int(stats.binom.ppf(0.05, n - 1, 0.5)) if n > 1 else 0,
        runs=tuple(runs),
    )


def _streaks(ok: BoolArray) -> npt.NDArray[np.int64]:
    """For each position, how many positions in a row up to and including it are ``ok``."""
    out = np.zeros(ok.size, dtype=np.int64)
    count = 0
    for i, flag in enumerate(ok.tolist()):
        count = count + 1 if flag else 0
        out[i] = count
    return out


Pattern = tuple[int, list[int], str]
"""(position fired, positions involved, side) of one completed pattern in a sequence."""


def _in_a_row(ok: BoolArray, length: int, side: str) -> list[Pattern]:
    """Patterns of ``length`` or more ``ok`` positions in a row."""
    streak = _streaks(ok)
    return [
        (j, list(range(j - int(streak[j]) + 1, j + 1)), side)
        for j in np.flatnonzero(streak >= length).tolist()
    ]


def _zone(r: Rule, _value: FloatArray, z: FloatArray) -> list[Pattern]:
    found: list[Pattern] = []
    for side, beyond in (("above", z > r.zone), ("below", z < -r.zone)):
        for j in np.flatnonzero(beyond).tolist():
            hits = [i for i in range(max(0, j - r.length + 1), j + 1) if beyond[i]]
            if len(hits) >= r.count:
                found.append((j, hits, side))
    return found


def _side(r: Rule, _value: FloatArray, z: FloatArray) -> list[Pattern]:
    return _in_a_row(z > 0, r.length, "above") + _in_a_row(z < 0, r.length, "below")


def _within(r: Rule, _value: FloatArray, z: FloatArray) -> list[Pattern]:
    return _in_a_row(np.abs(z) <= r.zone, r.length, "")


def _outside(r: Rule, _value: FloatArray, z: FloatArray) -> list[Pattern]:
    found: list[Pattern] = []
    for j, _, _ in _in_a_row(np.abs(z) > r.zone, r.length, ""):
        recent = z[j - r.length + 1 : j + 1]
        if (recent > 0).any() and (recent < 0).any():
            found.append((j, list(range(j - r.length + 1, j + 1)), ""))
    return found


def _trend(r: Rule, value: FloatArray, _z: FloatArray) -> list[Pattern]:
    step = np.sign(np.diff(value))
    found: list[Pattern] = []
    for side, ok in (("increasing", step > 0), ("decreasing", step < 0)):
        streak = _streaks(ok)  # steps in a row up to step j (from point j to point j + 1)
        found.extend(
            (j + 1, list(range(j + 1 - int(streak[j]), j + 2)), side)
            for j in np.flatnonzero(streak + 1 >= r.length).tolist()
        )
    return found


def _alternate(r: Rule, value: FloatArray, _z: FloatArray) -> list[Pattern]:
    step = np.sign(np.diff(value))
    count = np.ones(value.size, dtype=np.int64)
    for j in range(1, value.size):
        if step[j - 1] == 0:
            count[j] = 1
        elif j >= 2 and step[j - 1] == -step[j - 2]:
            count[j] = count[j - 1] + 1
        else:
            count[j] = 2
    return [
        (j, list(range(j - int(count[j]) + 1, j + 1)), "")
        for j in np.flatnonzero(count >= r.length).tolist()
    ]


_PATTERNS: dict[str, Callable[[Rule, FloatArray, FloatArray], list[Pattern]]] = {
    "zone": _zone,
    "side": _side,
    "within": _within,
    "outside": _outside,
    "trend": _trend,
    "alternate": _alternate,
}


def _merge(patterns: list[Pattern]) -> list[tuple[list[int], list[int], str]]:
    """Merge overlapping patterns of the same side into (involved, fired, side) groups."""
    out: list[tuple[list[int], list[int], str]] = []
    for fired, involved, side in sorted(patterns, key=lambda p: (p[2], min(p[1]), p[0])):
        if out and out[-1][2] == side and min(involved) <= max(out[-1][0]):
            points, flags, _ = out[-1]
            out[-1] = (sorted(set(points) | set(involved)), [*flags, fired], side)
        else:
            out.append((involved, [fired], side))
    return out


def _names(labels: list[str]) -> str:
    if len(labels) == 1:
        return f"point {labels[0]}"
    if len(labels) <= 5:
        return f"points {', '.join(labels[:-1])} and {labels[-1]}"
    return f"{len(labels)} points from {labels[0]} to {labels[-1]}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(r: Rule, names: str, side: str, seen: int) -> str:
    z = f"{r.zone:g}σ"
    return {
        "zone": f"{_cap(names)}: {r.count} of {r.length} consecutive points are more "
        f"than {z} {side} the centre line.",
        "side": f"{_cap(names)} are {side} the centre line: {seen} in a row, where "
        f"{r.length} signal a shift.",
        "trend": f"{_cap(names)} are steadily {side}: {seen} in a row, where "
        f"{r.length} signal a trend.",
        "alternate": f"{_cap(names)} alternate up and down: {seen} in a row, where "
        f"{r.length} suggest over-adjustment or two alternating sources.",
        "within": f"{_cap(names)} are all within {z} of the centre line: {seen} in a "
        f"row, where {r.length} suggest the limits are too wide (stratified data).",
        "outside": f"{_cap(names)} are all more than {z} from the centre line on both "
        f"sides: {seen} in a row, where {r.length} suggest a mixture of processes.",
    }[r.kind]


@dataclass(frozen=True)
class Track:
    """One stage of one panel, as the rules see it."""

    panel: str
    stage: object
    positions: npt.NDArray[np.int64]
    labels: list[str]
    value: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    z: FloatArray
    usable: BoolArray
    """Points the sequence rules look at (not excluded, finite)."""


def evaluate(rules: Sequence[Rule], s: Track) -> list[Signal]:
    """Every signal of ``rules`` in one stage of one panel."""
    signals: list[Signal] = []
    seq = np.flatnonzero(s.usable)
    for r in rules:
        if r.kind == "beyond":
            with np.errstate(invalid="ignore"):
                above, below = s.value > s.ucl, s.value < s.lcl
            for i in np.flatnonzero(above | below).tolist():
                side, limit = ("above", s.ucl[i]) if above[i] else ("below", s.lcl[i])
                word = "upper" if above[i] else "lower"
                msg = (
                    f"Point {s.labels[i]} ({s.value[i]:.6g}) is {side} the {word} control "
                    f"limit ({limit:.6g})."
                )
                signals.append(
                    Signal(
                        r.id, s.panel, s.stage, (int(s.positions[i]),), (int(s.positions[i]),), msg
                    )
                )
            continue
        if r.kind in {"run", "cross"}:
            signals += _anhoej(r, s, seq)
            continue
        for involved, fired, side in _merge(_PATTERNS[r.kind](r, s.value[seq], s.z[seq])):
            idx = seq[involved]
            names = _names([s.labels[i] for i in idx])
            signals.append(
                Signal(
                    r.id,
                    s.panel,
                    s.stage,
                    tuple(int(p) for p in s.positions[idx]),
                    tuple(int(p) for p in s.positions[seq[fired]]),
                    _sentence(r, names, side, len(involved)),
                )
            )
    return sorted(signals, key=lambda g: (min(g.points), g.rule))


def _anhoej(r: Rule, s: Track, seq: npt.NDArray[np.int64]) -> list[Signal]:
    ra = runs_analysis(s.z[seq])
    if r.kind == "run":
        out = []
        for run in ra.runs:
            if len(run) > ra.longest_run_max:
                idx = seq[list(run)]
                names = _names([s.labels[i] for i in idx])
                msg = (
                    f"{_cap(names)} form a run of {len(run)} on one side of the centre "
                    f"line, longer than the {ra.longest_run_max} expected at most for "
                    f"{ra.useful} points (Anhøj)."
                )
                pos = tuple(int(p) for p in s.positions[idx])
                out.append(Signal(r.id, s.panel, s.stage, pos, pos, msg))
        return out
    if ra.crossings >= ra.crossings_min:
        return []
    useful = seq[np.isfinite(s.z[seq]) & (s.z[seq] != 0)]
    msg = (
        f"The {ra.useful} points cross the centre line {ra.crossings} times, fewer than the "
        f"{ra.crossings_min} expected at least (Anhøj): the process has shifted."
    )
    return [Signal(r.id, s.panel, s.stage, tuple(int(p) for p in s.positions[useful]), (), msg)]
