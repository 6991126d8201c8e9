"""The staffing heat map (SVG): agents per hour (columns) and weekday (rows), darker = more."""

from __future__ import annotations

from typing import cast

import pandas as pd

from pdca.render.svg import Document, mix, rect, text, tooltip

CELL_W, CELL_H = 28, 24
LEFT, TOP = 44, 46


def heatmap_svg(
    table: pd.DataFrame, *, title: str, subtitle: str = "", value: str = "agents"
) -> str:
    """``table`` has weekday (0-6), day, hour and ``value`` columns (the plan's table)."""
    width, height = LEFT + 24 * CELL_W + 12, TOP + 7 * CELL_H + 20
    doc = Document(width, height, title=title, description=subtitle or None)
    doc.add(text(LEFT, 16, title, bold=True), text(LEFT, 32, subtitle, size=11, fill="#4a5568"))
    peak = max(1.0, float(table[value].max()))
    for r in table.itertuples(index=False):
        v = float(getattr(r, value))
        hour, weekday = int(cast("int", r.hour)), int(cast("int", r.weekday))
        x, y = LEFT + hour * CELL_W, TOP + weekday * CELL_H
        cell = rect(x, y, CELL_W - 1, CELL_H - 1, {"fill": mix("#f7fafc", "#1e3a8a", v / peak)})
        cell.append(tooltip(f"{r.day} {hour:02d}:00 — {v:g} {value}"))
        colour = "#ffffff" if v / peak > 0.55 else "#1a202c"
        doc.add(cell, text(x + CELL_W / 2, y + 16, f"{v:g}", size=10, anchor="middle", fill=colour))
    for day, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        doc.add(text(LEFT - 6, TOP + day * CELL_H + 16, name, size=11, anchor="end"))
    for hour in range(0, 24, 3):
        doc.add(text(LEFT + hour * CELL_W + 2, height - 4, f"{hour:02d}", size=10))
    return doc.to_string()
