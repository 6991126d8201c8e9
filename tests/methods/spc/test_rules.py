# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Run rules on synthetic series with hand-placed violations, and near misses that must pass.

The chart is an individuals chart with a known centre 0 and σ 1, so a value is its own distance
from the centre line in σ and the limits are ±3.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pdca.errors import ConfigError
from pdca.methods.spc import IMR, RULE_SETS, RULES, P, Rule, rule
from pdca.methods.spc.rules import resolve, runs_analysis

QUIET = [0.0, 0.3, -0.4, -0.5, 0.2, -0.1, 0.5, -0.3, 0.1, 0.0]
"""In-control points that end every pattern: they start and end on the centre line, and the
rest stay close to it, on both sides."""
Q = len(QUIET)


def _signals(values: list[float], rules: Any, **fit: Any) -> list[tuple[str, tuple[int, ...]]]:
    chart = IMR(centre=0.0, sigma=1.0, rules=rules).fit(values, **fit)
    return [(s.rule, s.flagged) for s in chart.signals_ if s.panel == "I"]


def _fired(values: list[float], rule_id: Any, **fit: Any) -> list[int]:
    return sorted(p for _, flagged in _signals(values, [rule_id], **fit) for p in flagged)


@pytest.mark.parametrize("rule_id", ["WE1", "N1"])
def test_beyond_limits(rule_id: str) -> None:
    values = [*QUIET, 3.5, 0.1, -3.2, 3.0, -3.0, 2.9]
    assert _fired(values, rule_id) == [Q, Q + 2]  # a point on a limit is not beyond it


@pytest.mark.parametrize("rule_id", ["WE2", "N5"])
def test_two_of_three_beyond_two_sigma(rule_id: str) -> None:
    hit = [*QUIET, 2.5, 0.3, 2.1, *QUIET, -2.2, 1.0, -2.5, *QUIET]
    assert _fired(hit, rule_id) == [Q + 2, 2 * Q + 5]
    miss = [*QUIET, 2.5, 0.3, 0.2, 2.1, *QUIET, 2.5, -2.5, 0.2, *QUIET, 1.9, 1.9, 1.9]
    assert _fired(miss, rule_id) == []  # too far apart, opposite sides, or not beyond 2σ


@pytest.mark.parametrize("rule_id", ["WE3", "N6"])
def test_four_of_five_beyond_one_sigma(rule_id: str) -> None:
    hit = [*QUIET, 1.5, 1.2, 0.2, 1.1, 1.3, *QUIET]
    assert _fired(hit, rule_id) == [Q + 4]
    miss = [*QUIET, 1.5, 1.2, 0.2, 0.9, 1.3, 1.4, *QUIET, -1.5, -1.2, 1.1, -1.3]
    assert _fired(miss, rule_id) == []


@pytest.mark.parametrize(("rule_id", "length"), [("WE4", 8), ("N2", 9)])
def test_run_on_one_side(rule_id: str, length: int) -> None:
    hit = [*QUIET, *[0.4] * length, *QUIET]
    assert _fired(hit, rule_id) == [Q + length - 1]
    longer = [*QUIET, *[-0.4] * (length + 2), *QUIET]
    assert _fired(longer, rule_id) == [Q + length - 1, Q + length, Q + length + 1]
    (signal,) = IMR(centre=0.0, sigma=1.0, rules=[rule_id]).fit(longer).signals_
    assert signal.points == tuple(range(Q, Q + length + 2))
    assert "below the centre line" in signal.message
    short = [*QUIET, *[0.4] * (length - 1), *QUIET]
    assert _fired(short, rule_id) == []
    broken = [*QUIET, *[0.4] * (length - 2), 0.0, 0.4, *QUIET]  # on the centre line
    assert _fired(broken, rule_id) == []


def test_trend() -> None:
    hit = [*QUIET, -1.0, -0.6, -0.2, 0.2, 0.6, 1.0, *QUIET]
    assert _fired(hit, "N3") == [Q + 5]
    down = [*QUIET, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0, -0.2, *QUIET]
    assert _fired(down, "N3") == [Q + 5, Q + 6]
    five = [*QUIET, -1.0, -0.6, -0.2, 0.2, 0.6, *QUIET]
    assert _fired(five, "N3") == []
    tie = [*QUIET, -1.0, -0.6, -0.2, -0.2, 0.2, 0.6, 1.0, *QUIET]
    assert _fired(tie, "N3") == []


def _padded(values: list[float]) -> list[float]:
    """``values`` between repeats of their end values (a repeat ends an alternation)."""
    return [values[0], values[0], *values, values[-1], values[-1]]


def test_alternating() -> None:
    zigzag = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert _fired(_padded(zigzag), "N4") == [15]
    assert _fired(_padded(zigzag[:13]), "N4") == []
    assert _fired(_padded([*zigzag[:7], zigzag[6], *zigzag[7:]]), "N4") == []


def test_hugging_the_centre_line() -> None:
    calm = [0.2 if i % 3 else -0.3 for i in range(15)]
    assert _fired([2.0, *calm, 2.0], "N7") == [15]
    assert _fired([2.0, *calm[:7], 1.2, *calm[8:], 2.0], "N7") == []


def test_mixture_on_both_sides() -> None:
    mixed = [1.5, -1.6, 1.2, 1.8, -1.3, -1.9, 1.4, -1.1]
    assert _fired([0.0, *mixed, 0.0], "N8") == [8]
    one_side = [1.5, 1.6, 1.2, 1.8, 1.3, 1.9, 1.4, 1.1]
    assert _fired([0.0, *one_side, 0.0], "N8") == []
    assert _fired([0.0, *mixed[:4], 0.5, *mixed[5:], 0.0], "N8") == []


def test_every_builtin_rule_can_fire_and_can_stay_quiet() -> None:
    calm = [*QUIET, 1.2, 1.4, *QUIET, -1.3, -1.1, *QUIET]  # in control, some beyond 1σ
    for rule_id in RULES:
        if rule_id.startswith("AH"):
            continue
        assert _fired(calm, rule_id) == [], rule_id


def test_anhoej_runs_analysis_by_hand() -> None:
    z = np.array([1, 2, -1, 0, -2, -3, 4, 5, 6, np.nan, 7, -1], dtype=float)
    ra = runs_analysis(z)
    assert ra.useful == 10  # the 0 (on the centre line) and NaN do not count
    assert ra.runs == ((0, 1), (2, 4, 5), (6, 7, 8, 10), (11,))
    assert ra.longest_run == 4
    assert ra.crossings == 3
    assert ra.longest_run_max == round(np.log2(10) + 3)  # 6
    assert ra.crossings_min == 2  # qbinom(0.05, 9, 0.5): P(X ≤ 1) = 0.0195, P(X ≤ 2) = 0.0898
    assert not ra.signal


def test_anhoej_rules_fire() -> None:
    run = [*QUIET, *[0.5] * 10, *QUIET]  # 26 points: longest run allowed round(log2(26) + 3) = 8
    assert [r for r, _ in _signals(run, "anhoej")] == ["AH1"]
    few = [*[0.5] * 13, *[-0.5] * 13]  # one crossing, two runs of 13 > 8
    assert sorted(r for r, _ in _signals(few, "anhoej")) == ["AH1", "AH1", "AH2"]
    assert _signals(QUIET * 3, "anhoej") == []


def test_run_lengths_and_zones_are_configurable() -> None:
    seven = [*QUIET, *[0.4] * 7, *QUIET]
    assert _fired(seven, "WE4") == []
    assert _fired(seven, rule("WE4", length=7)) == [Q + 6]
    assert _fired(seven, rule("N2", length=7)) == [Q + 6]
    assert _fired([*QUIET, 1.6, 1.7, *QUIET], rule("WE2", zone=1.5)) == [Q + 1]
    assert _fired([*QUIET, 2.5, 2.5, *QUIET], rule("WE2", count=3)) == []
    assert _fired([*QUIET, 2.5, 2.5, 2.5, *QUIET], rule("WE2", count=3)) == [Q + 2]
    assert rule("N3", length=7).describe().startswith("7 consecutive points steadily")
    with pytest.raises(ConfigError):
        rule("N2", length=0)
    with pytest.raises(ConfigError):
        rule("WE2", count=4)
    with pytest.raises(ConfigError, match="unknown run rule"):
        rule("N9")


def test_rule_sets_resolve_in_order_without_duplicates() -> None:
    assert [r.id for r in resolve("western-electric")] == ["WE1", "WE2", "WE3", "WE4"]
    assert [r.id for r in resolve(["WE1", "nelson"])][:3] == ["WE1", "N1", "N2"]
    assert [r.id for r in resolve(["WE4", "we4"])] == ["WE4"]
    custom = Rule("MY", "side", 5)
    assert resolve([custom]) == (custom,)
    assert set(RULE_SETS) == {"western-electric", "nelson", "anhoej"}
    with pytest.raises(ConfigError):
        resolve([3])  # type: ignore[list-item]


def test_excluded_points_neither_extend_nor_break_runs() -> None:
    values = [*QUIET, *[0.4] * 4, -2.0, *[0.4] * 4, *QUIET]
    assert _fired(values, "WE4") == []
    assert _fired(values, "WE4", exclude=[Q + 4]) == [Q + 8]
    beyond = [*QUIET, 3.6, *QUIET]
    assert _fired(beyond, "WE1", exclude=[Q]) == [Q]  # beyond-limits tests every point


def test_runs_do_not_cross_stages() -> None:
    values = [*QUIET, *[0.4] * 4, *[0.4] * 4, *QUIET]
    stage = [1] * (Q + 4) + [2] * (Q + 4)
    assert _fired(values, "WE4") == [Q + 7]
    assert _fired(values, "WE4", stage=stage) == []


def test_signals_carry_points_and_a_sentence() -> None:
    chart = IMR(centre=0.0, sigma=1.0, rules="western-electric")
    chart.fit([*QUIET, 2.5, 0.3, 2.1, 3.4])
    by_rule = {s.rule: s for s in chart.signals_}
    assert by_rule["WE1"].points == (Q + 3,)
    assert by_rule["WE1"].message == "Point 14 (3.4) is above the upper control limit (3)."
    assert by_rule["WE2"].flagged == (Q + 2, Q + 3)
    assert by_rule["WE2"].points == (Q, Q + 2, Q + 3)
    assert by_rule["WE2"].message.startswith("Points 11, 13 and 14: 2 of 3 consecutive points")
    assert "more than 2σ above the centre line" in by_rule["WE2"].message
    frame = chart.limits_
    assert frame.loc[Q + 3, "rules"] == "WE1,WE2"
    assert frame["signal"].sum() == 2


def test_varying_limits_use_each_points_sigma() -> None:
    """Zone rules measure z with each point's own σ (p chart with varying n)."""
    sizes = np.array([100, 400] * 10, dtype=float)
    counts = np.round(sizes * 0.1).astype(float)
    counts[[12, 13]] = [0.1 * 100 + 2.2 * 3, 0.1 * 400 + 2.2 * 6]  # 2.2σ above at n=100, 400
    chart = P(centre=0.1, rules=["WE2"]).fit(counts, sizes)
    assert [s.flagged for s in chart.signals_] == [(13,)]
    assert chart.limits_.loc[12:13, "z"].round(6).tolist() == [2.2, 2.2]
