"""The forecast chart (SVG): the recent history, the default model's forecast with its 80 % and
95 % bands, and the baseline's forecast as a dashed line. Text is escaped by the serializer."""

from __future__ import annotations

import pandas as pd

from pdca.render.svg import Document, line, polygon, polyline, rect, text

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 36, 34


def forecast_svg(
    history: pd.DataFrame, frame: pd.DataFrame, *, title: str, subtitle: str = "", last: int = 84
) -> str:
    """One group's chart: ``history`` (period, opened), ``frame`` (period, model, mean, bands)."""
    hist = history.tail(last)
    ets = frame[frame["model"] == "ets"]
    naive = frame[frame["model"] == "seasonal_naive"]
    xs = list(pd.to_datetime(hist["period"])) + list(pd.to_datetime(ets["period"]))
    top = max([1.0, *hist["opened"].tolist(), *ets["hi95"].tolist(), *naive["mean"].tolist()])
    t0, t1 = min(xs), max(xs)
    span = max((t1 - t0).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: object) -> float:
        return float(LEFT + (pd.Timestamp(t) - t0).total_seconds() / span * plot_w)  # type: ignore[arg-type]

    def y(v: float) -> float:
        return float(TOP + plot_h - float(v) / top * plot_h)

    doc = Document(WIDTH, HEIGHT, title=title, description=subtitle or None)
    doc.add(text(LEFT, 16, title, bold=True), text(LEFT, 30, subtitle, size=11, fill="#4a5568"))
    doc.add(rect(LEFT, TOP, plot_w, plot_h, {"fill": "none", "stroke": "#e2e8f0"}))
    for level, colour in ((95, "#dbeafe"), (80, "#93c5fd")):
        upper = [(x(p), y(v)) for p, v in zip(ets["period"], ets[f"hi{level}"], strict=True)]
        lower = [(x(p), y(v)) for p, v in zip(ets["period"], ets[f"lo{level}"], strict=True)]
        if upper:
            doc.add(polygon(upper + lower[::-1], {"fill": colour, "stroke": "none"}))
    doc.add(
        polyline(
            [(x(p), y(v)) for p, v in zip(hist["period"], hist["opened"], strict=True)],
            {"stroke": "#1a202c", "stroke-width": 1.2},
        ),
        polyline(
            [(x(p), y(v)) for p, v in zip(ets["period"], ets["mean"], strict=True)],
            {"stroke": "#1d4ed8", "stroke-width": 2},
        ),
        polyline(
            [(x(p), y(v)) for p, v in zip(naive["period"], naive["mean"], strict=True)],
            {"stroke": "#c2410c", "stroke-width": 1.5, "stroke-dasharray": "4 3"},
        ),
    )
    doc.add(
        text(LEFT - 4, TOP + 4, f"{top:,.0f}", size=10, anchor="end"),
        text(LEFT - 4, TOP + plot_h, "0", size=10, anchor="end"),
        text(LEFT, HEIGHT - 16, f"{t0:%Y-%m-%d}", size=10),
        text(WIDTH - RIGHT, HEIGHT - 16, f"{t1:%Y-%m-%d}", size=10, anchor="end"),
        line(LEFT, HEIGHT - 6, LEFT + 14, HEIGHT - 6, {"stroke": "#1d4ed8", "stroke-width": 2}),
        text(LEFT + 18, HEIGHT - 2, "ETS forecast (bands: 80 %, 95 %)", size=10),
        line(
            LEFT + 230,
            HEIGHT - 6,
            LEFT + 244,
            HEIGHT - 6,
            {"stroke": "#c2410c", "stroke-dasharray": "4 3"},
        ),
        text(LEFT + 248, HEIGHT - 2, "baseline: same weekday last week", size=10),
    )
    return doc.to_string()
