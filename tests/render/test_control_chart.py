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


# -- reading like Minitab's: rule ids once per run, units, period labels, n, uncounted points ----
def _runs_of_flags(frame: pd.DataFrame) -> list[list[int]]:
    """Positions of each run of consecutive flagged points with a value, within a stage."""
    runs: list[list[int]] = []
    previous = None
    for i, (flag, value, stage) in enumerate(
        zip(frame["signal"], frame["value"], frame["stage"], strict=True)
    ):
        if flag and np.isfinite(value):
            if previous is not None and previous == (i - 1, stage):
                runs[-1].append(i)
            else:
                runs.append([i])
            previous = (i, stage)
    return runs


@pytest.fixture(scope="module")
def drifted() -> IMR:
    """A lasting shift of 2.5 sigma after point 25: long runs flagged by WE2, WE3 and WE4."""
    rng = np.random.default_rng(3)
    values = rng.normal(10, 1, 50)
    values[10] = 17.0
    values[25:] += 2.5
    return IMR(rules="western-electric").fit(values, phase=[1] * 25 + [2] * 25)


def test_rule_ids_are_written_once_per_run_of_flagged_points(drifted: IMR) -> None:
    shifted = drifted
    root = _parse(control_chart_svg(shifted, title="I-MR"))
    for name, frame in shifted.panels_.items():
        runs = _runs_of_flags(frame.reset_index(drop=True))
        panel = next(e for e in _classed(root, "panel") if e.get("data-panel") == name)
        labels = [e for e in panel.iter() if "rule-label" in (e.get("class") or "")]
        assert len(labels) == len(runs)
        for run, label in zip(runs, labels, strict=True):
            assert (int(label.get("data-first")), int(label.get("data-last"))) == (run[0], run[-1])
            wanted: list[str] = []
            for rules in frame["rules"].iloc[run]:
                wanted += [r for r in rules.split(",") if r and r not in wanted]
            assert label.text == " ".join(wanted)
    # the fixture has a run of several flagged points: one label per point would show more
    assert max(len(r) for r in _runs_of_flags(shifted.limits_)) > 1
    assert len(_classed(root, "rule-label")) < sum(
        int(f["signal"].sum()) for f in shifted.panels_.values()
    )


def test_a_legend_lists_each_rule_that_fired(shifted: IMR) -> None:
    root = _parse(control_chart_svg(shifted, title="I-MR"))
    items = [e.text for e in _classed(root, "rule-legend-item")]
    fired: dict[str, int] = {}
    for frame in shifted.panels_.values():
        for rules in frame["rules"][frame["signal"]]:
            for r in rules.split(","):
                fired[r] = fired.get(r, 0) + 1
    assert len(items) == len(fired)
    we1 = next(t for t in items if t.startswith("WE1: "))
    assert "One point lies outside the control limits." in we1
    assert we1.endswith(f"({fired['WE1']} point{'s' if fired['WE1'] > 1 else ''})")
    plain = shifted.limits_[["value", "centre", "lcl", "ucl", "signal", "rules"]]
    items = [
        e.text for e in _classed(_parse(control_chart_svg(plain, title="t")), "rule-legend-item")
    ]
    assert any(t.startswith("WE1: ") and t.endswith("flagged") for t in items)  # no descriptions
    calm = IMR().fit(np.tile([10.0, 11.0], 10))
    assert not calm.signals_
    assert not _classed(_parse(control_chart_svg(calm, title="calm")), "rule-legend")


def _y_title(root: Any, panel: str = "") -> str:
    group = next(e for e in _classed(root, "panel") if e.get("data-panel") == panel)
    return str(next(e for e in group.iter() if e.get("class") == "y-label").text)


def test_the_y_axis_names_the_unit(shifted: IMR) -> None:
    frame = pd.DataFrame({"value": [3.0, 4, 5, 4], "centre": 4.0, "lcl": 1.0, "ucl": 7.0})
    assert _y_title(_parse(control_chart_svg(frame, title="t", y_label="MTTR", unit="hours"))) == (
        "MTTR (hours)"
    )
    assert _y_title(_parse(control_chart_svg(frame, title="t", unit="tickets"))) == "tickets"
    assert _y_title(_parse(control_chart_svg(frame.assign(unit="%"), title="t"))) == "%"
    assert _y_title(_parse(control_chart_svg(frame, title="t"))) == "Value"
    both = _parse(control_chart_svg(shifted, title="I-MR", y_label="MTTR", unit="h"))
    assert (_y_title(both, "I"), _y_title(both, "MR")) == ("MTTR (h)", "MR (h)")


def test_periods_label_the_x_axis_of_a_staged_chart() -> None:
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(30, 4, 20), rng.normal(22, 3, 17)])
    chart = IMR().fit(values, stage=["before"] * 20 + ["after"] * 17)
    limits = chart.limits_.copy()  # labels are point numbers 1…37, as in the improvement register
    weeks = pd.date_range("2024-01-01", periods=37, freq="7D")
    limits.insert(0, "period", weeks.to_numpy())
    root = _parse(control_chart_svg(limits, title="before and after"))
    iso = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in weeks]
    shown = [e.text for e in _classed(root, "x-label")]
    assert shown[0] == "2024-W01"
    assert set(shown) <= set(iso)
    assert 7 <= len(shown) <= 14  # thinned
    xs = [float(e.get("x")) for e in _classed(root, "x-label")]
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 40  # apart enough not to overlap
    assert [e.get("data-label") for e in _points(root)] == iso
    months = limits.assign(period=pd.date_range("2024-01-01", periods=37, freq="MS").to_numpy())
    assert _classed(_parse(control_chart_svg(months, title="m")), "x-label")[0].text == "2024-01"
    # labels that are already names win over the periods
    named = limits.assign(label=[f"sprint {i}" for i in range(37)])
    assert _classed(_parse(control_chart_svg(named, title="s")), "x-label")[0].text == "sprint 0"


def test_points_that_do_not_count_are_hollow_and_never_signal() -> None:
    frame = pd.DataFrame(
        {
            "label": ["2024-W01", "2024-W02", "2024-W03", "2024-W04", "2024-W05 <partial>"],
            "value": [3.0, 4.0, 9.0, 4.0, 0.5],
            "centre": [4.0, 4.0, np.nan, 4.0, np.nan],
            "lcl": [1.0, 1.0, np.nan, 1.0, np.nan],
            "ucl": [7.0, 7.0, np.nan, 7.0, np.nan],
            "signal": [False, False, True, False, True],
            "rules": ["", "", "WE1", "", "WE1"],
            "n": [40, 52, 3, 47, 6],
            "counted": [True, True, False, True, False],
            "note": ["", "", "n = 3 < 5 (too few tickets)", "", "incomplete week <b>&</b>"],
        }
    )
    text = control_chart_svg(frame, title="t", unit="hours")
    root = _parse(text)
    points = {int(e.get("data-point")): e for e in _points(root)}
    for i in (2, 4):
        p = points[i]
        assert p.get("fill") == "#ffffff"
        assert p.get("stroke") not in {None, "none", "#ffffff"}
        assert (p.get("data-counted"), p.get("data-signal"), p.get("data-rules")) == (
            "false",
            "false",
            "",
        )
        assert "uncounted" in p.get("class").split()
    for i in (0, 1, 3):
        assert points[i].get("fill") != "#ffffff"
        assert points[i].get("data-counted") == "true"
    assert not _classed(root, "rule-label")
    assert not _classed(root, "rule-legend")
    assert root.get("data-signals") == "0"
    # the limits are not drawn over the uncounted points
    ucl = _classed(root, "ucl")[0].get("d")
    pieces = [re.findall(r"(-?[\d.]+),-?[\d.]+", part) for part in ucl.split("M")[1:]]
    assert len(pieces) == 2  # points 0-1 and point 3
    for i in (2, 4):
        cx = float(points[i].get("cx"))
        assert not any(float(p[0]) <= cx <= float(p[-1]) for p in pieces)
    # the line does not join through them
    for line in _classed(root, "series"):
        assert line.get("points").count(",") <= 2
    # the tooltip holds the label, the value, n and the reason
    tip = points[2].find(f"{NS}title").text
    assert tip == "2024-W03: 9 (n = 3) — not counted: n = 3 < 5 (too few tickets)"
    assert points[0].find(f"{NS}title").text == "2024-W01: 3 (n = 40)"
    assert points[2].get("data-n") == "3"
    # data text is escaped
    assert "<b>" not in text
    assert "&lt;partial&gt;" in text
    assert points[4].find(f"{NS}title").text.endswith("not counted: incomplete week <b>&</b>")


def test_without_counted_all_points_count(shifted: IMR) -> None:
    root = _parse(control_chart_svg(shifted, title="I-MR"))
    assert all(e.get("data-counted") == "true" for e in _points(root))
    assert all(e.get("data-n") is None for e in _points(root))
    assert "n =" not in next(iter(_points(root))).find(f"{NS}title").text
