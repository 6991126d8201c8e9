# ruff: noqa: RUF002, RUF003  (mathematical notation: σ is meant)
"""A control chart as a standalone SVG document.

Input is a fitted chart of :mod:`pdca.methods.spc` (anything with ``panels_``, a dict of panel
frames) or one panel frame (columns ``value``, ``centre``, ``lcl``, ``ucl``; optionally
``label``, ``period``, ``stage``, ``phase``, ``excluded``, ``sigma``, ``z``, ``signal``, ``rules``,
``n``, ``counted``, ``note``, ``unit``). Each panel (I and MR, X̄ and S, …) is drawn in its own
plot, one above the other, sharing the x axis:

- the points joined by a line (broken between stages and at points that do not count), each a
  ``circle.point`` with ``data-point`` (0-based position), ``data-label``, ``data-value``,
  ``data-signal``, ``data-rules``, ``data-counted`` (and ``data-n``) attributes and a tooltip
  (``<title>``: label, value, n, note, rules); flagged points are red and carry the ids of the
  rules that fired;
- a point whose ``counted`` is false (below the minimum sample size, or in an incomplete period;
  ``note`` says why) is drawn hollow in grey and never signals; points excluded from the limits
  are drawn hollow in blue;
- the ids of the rules that fired written once over each run of consecutive flagged points (the
  ids of all rules that fired in the run), and a legend under the chart listing each rule that
  fired, with its description when known, and how many points it flagged;
- the centre line and the control limits as step lines, so limits that vary by point or stage are
  drawn as they are; a limit that does not exist (NaN) is not drawn;
- the 1σ and 2σ zones around the centre line, shaded lightly, when the panel's ``z`` is measured
  in the plotted units (not for the t chart, whose zones live on a transformed scale);
- stage boundaries as dashed vertical lines with the stage names, and the end of phase I as a
  dotted line;
- y ticks at round values (:mod:`.ticks`) and an axis title with the unit (``y_label``,
  ``unit``); x labels from the point labels (dates), thinned to fit. When the frame has a
  ``period`` column (dates) and its labels are only point numbers (or absent), the periods label
  the points: ``2024-W14`` for weekly periods, ``2024-04`` for monthly ones, dates otherwise.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # building only
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.render import svg
from pdca.render.ticks import decimals, nice_ticks, tick_labels

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
REQUIRED = ("value", "centre", "lcl", "ucl")
_LEFT, _RIGHT, _TOP, _BOTTOM, _GAP = 84.0, 112.0, 64.0, 72.0, 34.0
_POINT, _LINE, _LIMIT, _CENTRE, _SIGNAL = "#2b6cb0", "#4a5568", "#c53030", "#2f855a", "#e53e3e"
_UNCOUNTED = "#a0aec0"
_ZONE_FILL = {2: "#f3f6fa", 1: "#e6eef7"}
_MAX_X_LABELS = 14
_LEGEND_LINE = 16.0


class FittedChart(Protocol):
    """What the drawing needs of a fitted chart: its panels by name, the primary first."""

    panels_: dict[str, pd.DataFrame]


def control_chart_svg(
    chart: FittedChart | pd.DataFrame,
    *,
    title: str,
    y_label: str = "",
    unit: str | None = None,
    subtitle: str | None = None,
    panels: Sequence[str] | None = None,
    width: float = 900.0,
    height: float = 320.0,
    zones: bool | None = None,
    number: Callable[[float], str] | None = None,
    rules: Mapping[str, str] | None = None,
) -> str:
    """The chart as SVG text. ``y_label`` names the measure and ``unit`` its unit (default: the
    frame's ``unit`` column, if any); the y axis reads ``label (unit)``. ``panels`` chooses and
    orders the panels of a fitted chart (default: all); ``height`` is the primary panel's plot
    height (the others get half of it); ``zones`` forces the σ zones on or off (default: drawn
    where they apply); ``number`` formats values in tooltips (default: six significant digits);
    ``rules`` maps rule ids to descriptions for the legend (default: the fitted chart's
    ``rules_``, objects with ``id`` and ``describe()``)."""
    frames = _frames(chart, panels)
    n = len(next(iter(frames.values())))
    if n == 0:
        raise InputError("the chart has no points to draw")
    fmt = number or (lambda v: f"{v:.6g}")
    shown_unit = unit if unit is not None else _frame_unit(next(iter(frames.values())))
    described = dict(rules) if rules is not None else _descriptions(chart)
    legend = _legend_lines(frames, described)
    heights = [height if i == 0 else height / 2 for i in range(len(frames))]
    total = _TOP + sum(heights) + _GAP * (len(frames) - 1) + _BOTTOM
    total += _LEGEND_LINE * len(legend) + (8.0 if legend else 0.0)
    plot_w = max(width - _LEFT - _RIGHT, 40.0 + 6.0 * n)
    signals = sum(int(f["signal"].sum()) for f in frames.values())
    doc = svg.Document(
        _LEFT + plot_w + _RIGHT,
        total,
        title=title,
        description=f"Control chart of {n} points, {signals} flagged by run rules.",
        attrs={"class": "control-chart", "data-points": n, "data-signals": signals},
    )
    doc.add(svg.text(_LEFT, 26, title, size=svg.TITLE_SIZE, bold=True))
    if subtitle:
        doc.add(svg.text(_LEFT, 46, subtitle, size=svg.SMALL_SIZE, fill="#4a5568"))
    xs: FloatArray = (_LEFT + plot_w / n * (np.arange(n) + 0.5)).astype(np.float64)
    top = _TOP
    for i, (name, frame) in enumerate(frames.items()):
        box = (_LEFT, top, plot_w, heights[i])
        last = i == len(frames) - 1
        label = _axis_title(y_label if i == 0 else name, shown_unit)
        doc.add(_panel(name, frame, box, xs=xs, zones=zones, fmt=fmt, y_label=label))
        if last:
            doc.add(_x_labels(frame, xs, top + heights[i]))
            if legend:
                doc.add(_legend(legend, top + heights[i] + _BOTTOM))
        top += heights[i] + _GAP
    return doc.to_string()


def _axis_title(label: str, unit: str) -> str:
    """``label (unit)``; the unit alone when there is no label; ``Value`` when neither is known."""
    label, unit = label.strip(), unit.strip()
    if label and unit:
        return label if label.endswith(f"({unit})") else f"{label} ({unit})"
    return label or unit or "Value"


def _frame_unit(frame: pd.DataFrame) -> str:
    if "unit" not in frame.columns:
        return ""
    units = [str(u) for u in frame["unit"].dropna().unique() if str(u).strip()]
    return units[0] if len(units) == 1 else ""


def _descriptions(chart: object) -> dict[str, str]:
    """Rule id → description from a fitted chart's ``rules_`` (objects with ``id`` and
    ``describe()``); empty for a plain frame."""
    out: dict[str, str] = {}
    for rule in getattr(chart, "rules_", None) or ():
        rule_id, describe = getattr(rule, "id", None), getattr(rule, "describe", None)
        if isinstance(rule_id, str) and callable(describe):
            out[rule_id] = str(describe())
    return out


def _rule_ids(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip()]


def _legend_lines(frames: Mapping[str, pd.DataFrame], described: Mapping[str, str]) -> list[str]:
    """One line per rule that fired (in order of first appearance): id, description, points."""
    counts: dict[str, int] = {}
    for frame in frames.values():
        for flagged, rules in zip(frame["signal"], frame["rules"], strict=True):
            if flagged:
                for rule in _rule_ids(str(rules)):
                    counts[rule] = counts.get(rule, 0) + 1
    lines = []
    for rule, count in counts.items():
        points = f"{count} point{'s' if count != 1 else ''}"
        about = described.get(rule, "")
        lines.append(f"{rule}: {about} ({points})" if about else f"{rule}: {points} flagged")
    return lines


def _legend(lines: Sequence[str], top: float) -> ET.Element:
    g = svg.group(attrs={"class": "rule-legend"})
    for i, line in enumerate(lines):
        g.append(
            svg.text(
                _LEFT,
                top + i * _LEGEND_LINE,
                line,
                size=svg.SMALL_SIZE,
                fill="#4a5568",
                attrs={"class": "rule-legend-item"},
            )
        )
    return g


def _frames(chart: FittedChart | pd.DataFrame, panels: Sequence[str] | None) -> dict[str, Any]:
    if isinstance(chart, pd.DataFrame):
        found = {"": chart}
    else:
        found = dict(getattr(chart, "panels_", {}) or {})
        if not found:
            raise InputError("the chart is not fitted", hint="call fit(...) before drawing it")
    if panels is not None:
        missing = [p for p in panels if p not in found]
        if missing:
            raise InputError(
                f"the chart has no panel {missing[0]!r}", hint=f"use one of: {', '.join(found)}"
            )
        found = {p: found[p] for p in panels}
    out: dict[str, pd.DataFrame] = {}
    for name, frame in found.items():
        lacking = [c for c in REQUIRED if c not in frame.columns]
        if lacking:
            raise InputError(f"a panel frame needs the columns {', '.join(lacking)}")
        out[name] = _complete(frame.reset_index(drop=True))
    sizes = {len(f) for f in out.values()}
    if len(sizes) > 1:
        raise InputError("the panels have different numbers of points")
    return out


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """Optional columns filled with their defaults."""
    n = len(frame)
    defaults: dict[str, Any] = {
        "point": np.arange(n),
        "label": [str(i + 1) for i in range(n)],
        "stage": [1] * n,
        "phase": [1] * n,
        "excluded": [False] * n,
        "sigma": [math.nan] * n,
        "signal": [False] * n,
        "rules": [""] * n,
    }
    numbered = "label" not in frame.columns or all(
        isinstance(v, int | np.integer) for v in frame["label"]
    )
    out = frame.assign(**{k: v for k, v in defaults.items() if k not in frame.columns})
    if "period" in frame.columns and numbered:
        out["label"] = _period_labels(frame["period"], out["label"])
    if "z" not in out.columns:
        out["z"] = math.nan
    if "counted" not in out.columns:
        out["counted"] = True
    out["counted"] = out["counted"].fillna(value=True).astype(bool)
    out["note"] = out["note"].fillna("").astype(str) if "note" in out.columns else ""
    out["rules"] = out["rules"].fillna("").astype(str)
    out["signal"] = out["signal"].fillna(value=False).astype(bool)
    out["signal"] = out["signal"] & out["counted"]  # a point that does not count never signals
    out["rules"] = out["rules"].where(out["counted"], "")
    return out


def _period_labels(period: pd.Series, fallback: pd.Series) -> list[str]:
    """ISO weeks when the periods are 7 days apart, months when a month apart, else dates."""
    stamps = pd.to_datetime(period, errors="coerce")
    if stamps.isna().any():
        return [str(v) for v in fallback]
    gaps = stamps.diff().dropna().dt.days
    if len(gaps) and (gaps % 7 == 0).all():
        return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in stamps]
    if len(gaps) and gaps.between(28, 31).all():
        return [d.strftime("%Y-%m") for d in stamps]
    return [d.strftime("%Y-%m-%d") for d in stamps]


def _floats(frame: pd.DataFrame, column: str) -> FloatArray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


def _draws_zones(frame: pd.DataFrame, zones: bool | None) -> bool:
    """Zones apply when z = (value − centre)/σ in the plotted units, σ is known and the panel
    has both limits (not a CUSUM panel)."""
    if zones is not None:
        return zones
    value, centre, sigma, z = (_floats(frame, c) for c in ("value", "centre", "sigma", "z"))
    ok = np.isfinite(value) & np.isfinite(centre) & np.isfinite(sigma) & (sigma > 0)
    ok &= np.isfinite(z)
    limits = np.isfinite(_floats(frame, "lcl")) & np.isfinite(_floats(frame, "ucl"))
    if not ok.any() or not limits.any():
        return False
    implied = (value[ok] - centre[ok]) / sigma[ok]
    return bool(np.allclose(implied, z[ok], rtol=1e-6, atol=1e-9))


def _runs(frame: pd.DataFrame) -> list[tuple[object, int, int]]:
    """(stage, start, stop) of each block of consecutive points with the same stage."""
    labels = frame["stage"].tolist()
    blocks, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            blocks.append((labels[start], start, i))
            start = i
    return blocks


@dataclass(frozen=True)
class _Plot:
    """One panel's data and geometry: where each point and value goes."""

    name: str
    frame: pd.DataFrame
    box: tuple[float, float, float, float]
    xs: FloatArray
    step: float
    ticks: list[float]
    blocks: list[tuple[object, int, int]]

    def column(self, name: str) -> FloatArray:
        return pd.to_numeric(self.frame[name], errors="coerce").to_numpy(dtype=np.float64)

    def y(self, v: float) -> float:
        _, top, _, height = self.box
        lo, hi = self.ticks[0], self.ticks[-1]
        return top + (hi - v) / (hi - lo) * height

    def slot(self, i: int) -> tuple[float, float]:
        """Left and right edge of point ``i``'s slot on the x axis."""
        return float(self.xs[i] - self.step / 2), float(self.xs[i] + self.step / 2)


def _panel(
    name: str,
    frame: pd.DataFrame,
    box: tuple[float, float, float, float],
    *,
    xs: FloatArray,
    zones: bool | None,
    fmt: Callable[[float], str],
    y_label: str,
) -> ET.Element:
    left, top, width, height = box
    seen = np.concatenate([_floats(frame, c) for c in REQUIRED])
    seen = seen[np.isfinite(seen)]
    if seen.size == 0:
        raise InputError(f"panel {name or 'of the chart'} has no finite values to draw")
    ticks = nice_ticks(float(seen.min()), float(seen.max()), max(3, int(height // 45)))
    step = float(xs[1] - xs[0]) if len(xs) > 1 else width
    plot = _Plot(name, frame, box, xs, step, ticks, _runs(frame))
    g = svg.group(attrs={"class": "panel", "data-panel": name})
    g.append(svg.rect(left, top, width, height, {"fill": "none", "stroke": "#cbd5e0"}))
    if _draws_zones(frame, zones):
        g.extend(_zones(plot))
    for tick, text in zip(ticks, tick_labels(ticks), strict=True):
        g.append(svg.line(left, plot.y(tick), left + width, plot.y(tick), {"stroke": "#edf2f7"}))
        g.append(svg.text(left - 8, plot.y(tick) + 4, text, size=svg.SMALL_SIZE, anchor="end"))
    if y_label:
        mid = top + height / 2
        turn = {"transform": f"rotate(-90 18 {svg.num(mid)})", "class": "y-label"}
        g.append(svg.text(18, mid, y_label, size=svg.SMALL_SIZE, anchor="middle", attrs=turn))
    for kind, column, colour, dash in (
        ("centre-line", "centre", _CENTRE, None),
        ("ucl", "ucl", _LIMIT, "6 4"),
        ("lcl", "lcl", _LIMIT, "6 4"),
    ):
        d = _steps(plot, plot.column(column))
        if d:
            attrs: dict[str, svg.Attr] = {"class": kind, "data-panel": name, "stroke": colour}
            attrs |= {"stroke-width": 1.5, "stroke-dasharray": dash}
            g.append(svg.path(d, attrs))
    g.extend(_boundaries(plot))
    value = plot.column("value")
    counted = frame["counted"].to_numpy(dtype=bool)
    for _, start, stop in plot.blocks:
        coords: list[tuple[float, float]] = []
        for i in range(start, stop + 1):  # broken at points that are missing or do not count
            if i < stop and math.isfinite(value[i]) and counted[i]:
                coords.append((float(xs[i]), plot.y(value[i])))
                continue
            if len(coords) > 1:
                attrs = {"class": "series", "stroke": _LINE, "stroke-width": 1}
                g.append(svg.polyline(coords, attrs))
            coords = []
    g.extend(_points(plot, fmt))
    g.extend(_rule_labels(plot))
    g.extend(_limit_labels(plot))
    return g


def _steps(plot: _Plot, values: FloatArray) -> str:
    """A step line through ``values`` (each held over its point's slot), broken at stage
    boundaries and at missing values."""
    path = svg.PathData()
    drawn = False
    for _, start, stop in plot.blocks:
        pen = False
        for i in range(start, stop):
            if not math.isfinite(values[i]):
                pen = False
                continue
            a, b = plot.slot(i)
            (path.line if pen else path.move)(a, plot.y(values[i]))
            path.line(b, plot.y(values[i]))
            pen = drawn = True
    return path.text if drawn else ""


def _zones(plot: _Plot) -> list[ET.Element]:
    """Shaded bands centre ± 2σ and ± 1σ, clipped to the limits and the plot, per stage."""
    centre, sigma = plot.column("centre"), plot.column("sigma")
    lcl, ucl = plot.column("lcl"), plot.column("ucl")
    span = (plot.ticks[0], plot.ticks[-1])
    floor = np.where(np.isfinite(lcl), lcl, span[0])
    ceiling = np.where(np.isfinite(ucl), ucl, span[1])
    out = []
    for k in (2, 1):
        upper = np.clip(np.minimum(centre + k * sigma, ceiling), *span)
        lower = np.clip(np.maximum(centre - k * sigma, floor), *span)
        for _, start, stop in plot.blocks:
            idx = [i for i in range(start, stop) if np.isfinite(upper[i] + lower[i])]
            if not idx:
                continue
            top_edge = [(x, plot.y(upper[i])) for i in idx for x in plot.slot(i)]
            bottom = [(x, plot.y(lower[i])) for i in idx for x in plot.slot(i)]
            attrs = {"class": "zone", "data-sigma": k, "fill": _ZONE_FILL[k], "stroke": "none"}
            out.append(svg.polygon(top_edge + bottom[::-1], attrs))
    return out


def _boundaries(plot: _Plot) -> list[ET.Element]:
    """Stage boundaries (dashed, with the stage names) and ends of phase I (dotted)."""
    _, top, _, height = plot.box
    phase = plot.frame["phase"].to_numpy()
    out: list[ET.Element] = []
    for number, (stage, start, stop) in enumerate(plot.blocks):
        x = plot.slot(start)[0]
        if number > 0:
            attrs = {"class": "stage-boundary", "stroke": "#2d3748", "stroke-dasharray": "4 3"}
            out.append(svg.line(x, top, x, top + height, attrs))
        if len(plot.blocks) > 1:
            label = {"class": "stage-label"}
            out.append(
                svg.text(x + 4, top + 14, str(stage), size=svg.SMALL_SIZE, halo=True, attrs=label)
            )
        for j in range(start + 1, stop):
            if phase[j] != phase[j - 1]:
                x = plot.slot(j)[0]
                attrs = {"class": "phase-boundary", "stroke": "#718096", "stroke-dasharray": "1 3"}
                out.append(svg.line(x, top, x, top + height, attrs))
    return out


def _count(n: object) -> str | None:
    """A sample size as text (an integer when it is one), or None when unknown."""
    try:
        v = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    return f"{int(v):,}" if v == int(v) else f"{v:,.6g}"


def _points(plot: _Plot, fmt: Callable[[float], str]) -> list[ET.Element]:
    """Every finite point once, as a circle with its data and a tooltip."""
    f = plot.frame
    value = plot.column("value")
    sizes = f["n"] if "n" in f.columns else pd.Series([None] * len(f))
    out = []
    rows = zip(
        f["point"], f["label"], f["signal"], f["rules"], f["excluded"], f["counted"], f["note"],
        sizes, strict=True,
    )  # fmt: skip
    for i, (point, label, flagged, rules, excluded, counted, note, size) in enumerate(rows):
        if not math.isfinite(value[i]):
            continue
        cx, cy = float(plot.xs[i]), plot.y(value[i])
        n_text = _count(size)
        tip = f"{label}: {fmt(value[i])}"
        if n_text is not None:
            tip += f" (n = {n_text})"
        if not counted:
            tip += f" — not counted: {note}" if note else " — not counted"
        elif note:
            tip += f" — {note}"
        if flagged:
            tip += f" (signal: {rules.replace(',', ', ')})"
        if excluded and counted:
            tip += " (excluded from the limits)"
        colour = _SIGNAL if flagged else _POINT if counted else _UNCOUNTED
        hollow = excluded or not counted
        attrs: dict[str, svg.Attr] = {
            "cx": cx,
            "cy": cy,
            "r": 5 if flagged else 3.5,
            "class": "point signal" if flagged else "point" if counted else "point uncounted",
            "data-panel": plot.name,
            "data-point": int(point),
            "data-label": str(label),
            "data-value": repr(float(value[i])),
            "data-signal": "true" if flagged else "false",
            "data-rules": rules,
            "data-counted": "true" if counted else "false",
            "data-n": n_text,
            "fill": "#ffffff" if hollow else colour,
            "stroke": colour,
            "stroke-width": 1.5,
        }
        out.append(svg.element("circle", attrs, svg.tooltip(tip)))
    return out


def _flagged_runs(plot: _Plot) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive flagged points within a stage."""
    value = plot.column("value")
    flagged = plot.frame["signal"].to_numpy(dtype=bool) & np.isfinite(value)
    runs: list[tuple[int, int]] = []
    for _, start, stop in plot.blocks:
        first: int | None = None
        for i in range(start, stop + 1):
            if i < stop and flagged[i]:
                first = i if first is None else first
            elif first is not None:
                runs.append((first, i - 1))
                first = None
    return runs


def _rule_labels(plot: _Plot) -> list[ET.Element]:
    """The ids of the rules that fired, once over each run of consecutive flagged points: centred
    over the run, above its highest point, kept inside the plot."""
    left, top, width, _ = plot.box
    value = plot.column("value")
    out = []
    for first, last in _flagged_runs(plot):
        ids: list[str] = []
        for rules in plot.frame["rules"].iloc[first : last + 1]:
            ids += [r for r in _rule_ids(str(rules)) if r not in ids]
        text = " ".join(ids)
        half = svg.text_width(text, 10) / 2
        x = (float(plot.xs[first]) + float(plot.xs[last])) / 2
        x = min(max(x, left + half + 2), left + width - half - 2)
        y = max(min(plot.y(value[i]) for i in range(first, last + 1)) - 9, top + 10)
        attrs: dict[str, svg.Attr] = {"class": "rule-label", "data-first": first}
        attrs["data-last"] = last
        out.append(
            svg.text(x, y, text, size=10, anchor="middle", fill=_SIGNAL, halo=True, attrs=attrs)
        )
    return out


def _limit_labels(plot: _Plot) -> list[ET.Element]:
    """``UCL``, ``CL`` and ``LCL`` with their last values at the right edge, kept apart."""
    ticks = plot.ticks
    places = decimals(ticks[1] - ticks[0]) + 1 if len(ticks) > 1 else 3
    x = plot.box[0] + plot.box[2] + 6
    wanted = []
    for name, column, colour in (
        ("UCL", "ucl", _LIMIT),
        ("CL", "centre", _CENTRE),
        ("LCL", "lcl", _LIMIT),
    ):
        values = plot.column(column)
        finite = values[np.isfinite(values)]
        if finite.size:
            v = float(finite[-1])
            wanted.append((name, v, colour, plot.y(v) + 4))
    for i in range(1, len(wanted)):  # top to bottom, at least 14 px apart
        name, v, colour, at = wanted[i]
        wanted[i] = (name, v, colour, max(at, wanted[i - 1][3] + 14))
    style = {"class": "limit-label"}
    return [
        svg.text(x, at, f"{name} {v:,.{places}f}", size=svg.SMALL_SIZE, fill=colour, attrs=style)
        for name, v, colour, at in wanted
    ]


def _x_labels(frame: pd.DataFrame, xs: FloatArray, bottom: float) -> ET.Element:
    labels = [str(v) for v in frame["label"]]
    every = max(1, math.ceil(len(labels) / _MAX_X_LABELS))
    slanted = max((len(s) for s in labels), default=0) > 4
    g = svg.group(attrs={"class": "x-labels"})
    for i in range(0, len(labels), every):
        x, yy = float(xs[i]), bottom + 16
        g.append(svg.line(x, bottom, x, bottom + 4, {"stroke": "#a0aec0"}))
        attrs: Mapping[str, svg.Attr] = (
            {"transform": f"rotate(-35 {svg.num(x)} {svg.num(yy)})"} if slanted else {}
        )
        g.append(
            svg.text(
                x,
                yy,
                labels[i],
                size=svg.SMALL_SIZE,
                anchor="end" if slanted else "middle",
                attrs={"class": "x-label", **attrs},
            )
        )
    return g
