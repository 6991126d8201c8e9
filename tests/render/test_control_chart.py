# ruff: noqa: RUF003  (mathematical notation: σ is meant)
"""The control-chart drawing: every point once with its data, flags equal to the chart's signals,
limits placed consistently with the values, step limits, stages, zones, escaping, ticks."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET

from pdca.errors import InputError
from pdca.methods.spc import EWMA, IMR, P, TChart, XbarS
from pdca.render import control_chart_svg
from pdca.render.ticks import decimals, nice_step, nice_ticks, tick_labels

NS = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> Any:
    return SafeET.fromstring(text)


def _classed(root: Any, name: str) -> list[Any]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def _points(root: Any, panel: str | None = None) -> list[Any]:
    found = [e for e in _classed(root, "point") if e.tag == f"{NS}circle"]
    return [e for e in found if panel is None or e.get("data-panel") == panel]


def _step_y(d: str) -> list[tuple[float, float, float]]:
    """(x from, x to, y) of each horizontal segment of a step path."""
    coords = [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]
    return [(a[0], b[0], a[1]) for a, b in itertools.pairwise(coords) if a[1] == b[1]]


def _y_at(d: str, x: float) -> float:
    for lo, hi, y in _step_y(d):
        if lo - 1e-6 <= x <= hi + 1e-6:
            return y
    raise AssertionError(f"no segment at x={x}")


@pytest.fixture(scope="module")
def shifted() -> IMR:
    """Individuals with a clear outlier (point 11) and a run above the centre at the end."""
    rng = np.random.default_rng(3)
    values = rng.normal(10, 1, 40)
    values[10] = 17.0
    values[30:] += 1.6
    return IMR(rules="western-electric").fit(values)


def test_every_point_once_with_its_value(shifted: IMR) -> None:
    root = _parse(control_chart_svg(shifted, title="I-MR", y_label="hours"))
    for name, frame in shifted.panels_.items():
        drawn = _points(root, name)
        finite = frame[np.isfinite(frame["value"])]
        assert sorted(int(e.get("data-point")) for e in drawn) == finite["point"].tolist()
        by_point = {int(e.get("data-point")): float(e.get("data-value")) for e in drawn}
        for point, value in zip(finite["point"], finite["value"], strict=True):
            assert by_point[point] == pytest.approx(value, rel=1e-12)
    assert root.get("data-points") == str(len(shifted.limits_))


def test_flagged_points_are_the_chart_signals(shifted: IMR) -> None:
    root = _parse(control_chart_svg(shifted, title="I-MR"))
    assert shifted.signals_, "the fixture must have signals"
    for name in shifted.panels_:
        flagged = {
            int(e.get("data-point")) for e in _points(root, name) if e.get("data-signal") == "true"
        }
        want = {p for s in shifted.signals_ if s.panel == name for p in s.flagged}
        assert flagged == want
        rules = {int(e.get("data-point")): e.get("data-rules") for e in _points(root, name)}
        frame = shifted.panels_[name].dropna(subset=["value"])
        assert len(rules) == len(frame)
        for point, text in zip(frame["point"], frame["rules"], strict=True):
            assert rules[int(point)] == text
    # a flagged point carries its rule ids in its tooltip
    outlier = next(e for e in _points(root, "I") if e.get("data-point") == "10")
    assert "WE1" in outlier.find(f"{NS}title").text


def test_limits_and_points_share_one_monotone_y_scale(shifted: IMR) -> None:
    root = _parse(control_chart_svg(shifted, title="I-MR"))
    drawn = sorted(_points(root, "I"), key=lambda e: float(e.get("data-value")))
    ys = [float(e.get("cy")) for e in drawn]
    assert all(a >= b for a, b in itertools.pairwise(ys))  # higher value, higher up
    ucl = next(e for e in _classed(root, "ucl") if e.get("data-panel") == "I").get("d")
    lcl = next(e for e in _classed(root, "lcl") if e.get("data-panel") == "I").get("d")
    centre = next(e for e in _classed(root, "centre-line") if e.get("data-panel") == "I").get("d")
    frame = shifted.limits_
    for e in drawn:
        row = frame.iloc[int(e.get("data-point"))]
        x, y = float(e.get("cx")), float(e.get("cy"))
        assert (row["value"] > row["ucl"]) == (y < _y_at(ucl, x))
        assert (row["value"] < row["lcl"]) == (y > _y_at(lcl, x))
        assert (row["value"] > row["centre"]) == (y < _y_at(centre, x))
    # the pixel gaps are proportional to the value gaps
    top, bottom = drawn[-1], drawn[0]
    scale = (float(bottom.get("cy")) - float(top.get("cy"))) / (
        float(top.get("data-value")) - float(bottom.get("data-value"))
    )
    gap = _y_at(lcl, 0 + float(top.get("cx"))) - _y_at(ucl, float(top.get("cx")))
    assert gap == pytest.approx((frame["ucl"].iloc[0] - frame["lcl"].iloc[0]) * scale, abs=0.05)


def test_varying_limits_are_drawn_as_steps() -> None:
    sizes = np.array([50, 80, 120, 60, 200, 90, 150, 70, 110, 130])
    counts = np.round(sizes * 0.2).astype(int)
    chart = P().fit(counts, sizes)
    root = _parse(control_chart_svg(chart, title="p"))
    ucl = _classed(root, "ucl")[0].get("d")
    levels = {y for _, _, y in _step_y(ucl)}
    assert len(levels) == len(set(np.round(chart.limits_["ucl"], 9)))
    assert len(_step_y(ucl)) >= len(sizes)


def test_stage_and_phase_boundaries() -> None:
    rng = np.random.default_rng(8)
    values = np.concatenate([rng.normal(5, 1, 12), rng.normal(8, 1, 10), rng.normal(6, 1, 9)])
    stage = ["before"] * 12 + ["pilot <1>"] * 10 + ["after & rollout"] * 9
    phase = [1] * 8 + [2] * 4 + [1] * 10 + [1] * 6 + [2] * 3
    chart = IMR().fit(values, stage=stage, phase=phase)
    root = _parse(control_chart_svg(chart, title="staged", panels=["I"]))
    assert len(_classed(root, "stage-boundary")) == 2
    names = [e.text for e in _classed(root, "stage-label")]
    assert names == ["before", "pilot <1>", "after & rollout"]
    assert len(_classed(root, "phase-boundary")) == 2
    # the centre line is broken between stages: one move per stage
    assert _classed(root, "centre-line")[0].get("d").count("M") == 3


def test_zones_where_they_apply() -> None:
    rng = np.random.default_rng(1)
    imr = IMR().fit(rng.normal(0, 1, 25))
    zones = _classed(_parse(control_chart_svg(imr, title="I", panels=["I"])), "zone")
    assert sorted(e.get("data-sigma") for e in zones) == ["1", "2"]
    t = TChart().fit(rng.exponential(10, 25))
    assert not _classed(_parse(control_chart_svg(t, title="t")), "zone")  # transformed scale
    ewma = EWMA().fit(rng.normal(0, 1, 25))
    assert _classed(_parse(control_chart_svg(ewma, title="ewma")), "zone")
    assert not _classed(_parse(control_chart_svg(imr, title="I", zones=False)), "zone")


def test_subgroup_chart_draws_both_panels_and_selects() -> None:
    rng = np.random.default_rng(5)
    chart = XbarS().fit(rng.normal(74, 0.01, (20, 5)))
    root = _parse(control_chart_svg(chart, title="X̄-S"))
    assert {e.get("data-panel") for e in _classed(root, "panel")} == {"xbar", "S"}
    only = _parse(control_chart_svg(chart, title="S", panels=["S"]))
    assert {e.get("data-panel") for e in _classed(only, "panel")} == {"S"}
    with pytest.raises(InputError, match="no panel 'R'"):
        control_chart_svg(chart, title="x", panels=["R"])
    with pytest.raises(InputError, match="not fitted"):
        control_chart_svg(XbarS(), title="x")


def test_a_plain_frame_with_labels_and_escaped_text() -> None:
    frame = pd.DataFrame(
        {
            "label": [f"2024-W{w:02d}" for w in range(1, 9)] + ["<b>&'\"</b>"],
            "value": [3.0, 4, 5, 4, 3, 4, 5, 4, 12],
            "centre": 4.0,
            "lcl": 1.0,
            "ucl": 7.0,
        }
    )
    text = control_chart_svg(frame, title="MTTR <script>alert(1)</script>", y_label="h & m")
    root = _parse(text)
    assert not [e for e in root.iter() if e.tag.endswith("script") or e.tag.endswith("style")]
    assert "href" not in text
    assert "http" not in text.replace("http://www.w3.org/2000/svg", "")
    assert root.find(f"{NS}title").text == "MTTR <script>alert(1)</script>"
    labels = [e.text for e in _classed(root, "x-label")]
    assert labels[0] == "2024-W01"
    assert "<b>&'\"</b>" in [e.get("data-label") for e in _points(root)]
    assert all(e.get("data-signal") == "false" for e in _points(root))  # no signal column given
    assert control_chart_svg(frame, title="t") == control_chart_svg(frame, title="t")
    with pytest.raises(InputError, match="columns ucl"):
        control_chart_svg(frame.drop(columns=["ucl"]), title="t")


def test_many_points_thin_the_x_labels() -> None:
    rng = np.random.default_rng(2)
    chart = IMR().fit(rng.normal(0, 1, 100))
    root = _parse(control_chart_svg(chart, title="long"))
    assert len(_points(root, "I")) == 100
    assert 7 <= len(_classed(root, "x-label")) <= 14


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 1), (73.98805, 74.0143), (0.0, 0.41), (32.56, 35.96), (5, 5), (-3.2, 7.9), (1e-4, 3.7e-4)],
)
def test_nice_ticks_enclose_the_range_with_round_steps(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low
    assert ticks[-1] >= high
    assert 3 <= len(ticks) <= 9
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert round(mantissa, 9) in {1.0, 2.0, 5.0}
    labels = tick_labels(ticks)
    assert len(set(labels)) == len(labels)
    assert all(len(label.split(".")[-1]) == decimals(steps[0]) for label in labels if "." in label)


def test_tick_helpers() -> None:
    assert nice_step(10, 6) == 2.0
    assert nice_step(0.07, 8) == 0.01
    assert tick_labels([0.1, 0.2, 0.30000000000000004]) == ["0.1", "0.2", "0.3"]
    assert tick_labels([-2.0, 0.0, 2000.0]) == ["-2", "0", "2,000"]
    with pytest.raises(ValueError, match="span"):
        nice_step(0)
