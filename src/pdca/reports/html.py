"""The page of a report: one self-contained HTML file (inline CSS and SVG, no script, no CDN).

It opens offline, prints readably (A4, charts kept whole on a page), and every value written
into it is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import pandas as pd

CSS = (files("pdca.reports") / "report.css").read_text(encoding="utf-8")
"""The page style (print-friendly; kept in report.css beside this module)."""


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
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def finding(text: str, *, alert: bool = False) -> str:
    """A highlighted sentence (a finding, a signal)."""
    return f'<div class="finding{" alert" if alert else ""}">{esc(text)}</div>'


def chart(svg: str, caption: str | None = None) -> str:
    """An inline SVG picture (made by :mod:`pdca.render`, which escapes its own text)."""
    cap = f'<div class="note">{esc(caption)}</div>' if caption else ""
    return f'<div class="chart">{svg}{cap}</div>'


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
    head = "".join(f"<th>{esc(title)}</th>" for title in names.values())
    body = []
    for row in frame[list(names)].itertuples(index=False):
        cells = []
        for col, value in zip(names, row, strict=True):
            if col in raw:
                cells.append(f"<td>{value}</td>")
                continue
            text, numeric = _cell(value, formats.get(col))
            cells.append(
                f'<td class="num">{esc(text)}</td>' if numeric else f"<td>{esc(text)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def status_badge(status: str) -> str:
    """A coloured red/amber/green label."""
    kind = status if status in ("green", "amber", "red") else "none"
    label = status if kind != "none" else "no target"
    return f'<span class="status status-{kind}">{esc(label)}</span>'


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole HTML document."""
    nav = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in sections)
    parts = "".join(
        f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        f'<header><h1>{esc(title)}</h1><p class="lead">{esc(subtitle)}</p></header>'
        f"<nav><ol>{nav}</ol></nav>{parts}"
        "</body></html>\n"
    )
