"""The page of a report: one self-contained HTML file (inline CSS and SVG, no script, no CDN).

It opens offline, prints readably (A4, charts kept whole on a page), and every value written
into it is escaped. The markup lives in Jinja2 templates (``templates/``, autoescape on); the
helpers here turn data into the values the templates write (:mod:`pdca.reports.templating`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import pandas as pd

from pdca.reports.templating import Markup, macro, render

CSS = (files("pdca.reports") / "report.css").read_text(encoding="utf-8")
"""The page style (print-friendly; kept in report.css beside this module)."""
PRINT_CSS = (files("pdca.reports") / "print.css").read_text(encoding="utf-8")
"""The paged-media style of the PDF pack (cover, contents, page numbers; print.css)."""


@dataclass(frozen=True)
class Section:
    """One section of a report: an anchor id, a title and its HTML body."""

    id: str
    title: str
    body: str


def esc(value: object) -> str:
    """Text for HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def paragraph(text: str, cls: str | None = None) -> str:
    """A paragraph of plain text."""
    return str(macro("paragraph")(text, cls))


def finding(text: str, *, alert: bool = False) -> str:
    """A highlighted sentence (a finding, a signal)."""
    return str(macro("finding")(text, alert))


def chart(svg: str, caption: str | None = None) -> str:
    """An inline SVG picture (made by :mod:`pdca.render`, which escapes its own text)."""
    return str(macro("chart")(Markup(svg), caption))


def _number(value: float) -> str:
    if not value.is_integer() and abs(value) < 1000:
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{value:,.0f}"


def _cell(value: Any, fmt: Callable[[Any], str] | None) -> tuple[str, bool]:
    """The text of a cell and whether it is a number (right-aligned)."""
    if fmt is not None:
        text, numeric = fmt(value), False
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        text, numeric = "", False
    elif isinstance(value, bool):
        text, numeric = ("yes" if value else "no"), False
    elif isinstance(value, int | float):
        text, numeric = _number(float(value)), True
    elif isinstance(value, tuple | list):
        text, numeric = " → ".join(map(str, value)), False
    else:
        text, numeric = str(value), False
    return text, numeric


def table(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    raw: Sequence[str] = (),
) -> str:
    """An HTML table of ``frame``; ``columns`` renames and picks columns (in that order);
    ``formats`` turns a column's values into text; ``raw`` columns hold HTML made here."""
    if frame.empty:
        return paragraph("Nothing to show for this period.", "note")
    names = dict(columns) if columns else {c: c for c in frame.columns}
    formats = formats or {}
    rows = []
    for row in frame[list(names)].itertuples(index=False):
        cells: list[tuple[str, bool]] = []
        for col, value in zip(names, row, strict=True):
            if col in raw:
                cells.append((Markup(value), False))
            else:
                cells.append(_cell(value, formats.get(col)))
        rows.append(cells)
    return str(macro("table")(list(names.values()), rows))


def status_badge(status: str) -> str:
    """A coloured red/amber/green label."""
    kind = status if status in ("green", "amber", "red") else "none"
    label = status if kind != "none" else "no target"
    return str(macro("status_badge")(kind, label))


@dataclass(frozen=True)
class Cover:
    """What the first page of a PDF pack says (the HTML review has no cover)."""

    title: str
    lines: Sequence[str]
    """Lines under the title: the log, the period, the template, the data and objectives."""


def page(
    title: str,
    subtitle: str,
    sections: Sequence[Section],
    *,
    generator: str | None = None,
    cover: Cover | None = None,
) -> str:
    """The whole HTML document; with ``cover``, the paged version a PDF is printed from (a cover,
    a contents page with page numbers, page footers: print.css)."""
    return (
        str(
            render(
                "review.html.j2",
                title=title,
                subtitle=subtitle,
                sections=[Section(s.id, s.title, Markup(s.body)) for s in sections],
                generator=generator,
                css=Markup(CSS + (PRINT_CSS if cover is not None else "")),
                cover=cover,
            )
        )
        + "\n"
    )
