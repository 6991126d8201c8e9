"""Rendering results as a table, JSON or CSV — the same for every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pdca.interfaces.cli.common import SETTINGS
from pdca.render.format import format_share, format_span
from pdca.render.spreadsheet import inert_frame

DECLARED = ("objectives", "left_out")
"""``DataFrame.attrs`` keys a result declares itself with: the objectives it used and the KPIs
it left out (see :func:`declared`)."""


DURATION = "duration"
"""Unit of a column that holds seconds: a table shows each cell as ``3 d 4 h``, ``45 min``."""
PERCENT = "%"
"""Unit of a column that holds a share (0-1): a table shows it as a percentage, ``23.2``."""
UNITS_ATTR = "units"
"""``DataFrame.attrs`` key: column name → unit (:data:`DURATION` or :data:`PERCENT`), set by
:func:`with_units` from :data:`TABLE_UNITS`."""

TABLE_UNITS: dict[str, dict[str, str]] = {
    # pdca sla: the clocks and the summary
    "sla": {
        **dict.fromkeys(
            (
                "target_s",
                "calendar_s",
                "business_s",
                "paused_calendar_s",
                "paused_s",
                "elapsed_s",
                "time_to_breach_s",
                "overrun_s",
            ),
            DURATION,
        ),
        "compliance": PERCENT,
    },
    # pdca mine, every view and part (the names mean the same in all of them)
    "mine": {
        **dict.fromkeys(
            (
                "mean",
                "median",
                "min",
                "max",
                "p90",
                "stdev",
                "total",
                "duration",
                "mean_duration",
                "median_duration",
                "total_away",
                "mean_away",
                "cost",
                "total_cost",
                "mean_cost",
                "median_cost",
                "time_lost",
                "mean_time_lost",
                "median_time_lost",
            ),
            DURATION,
        ),
        **dict.fromkeys(
            ("share", "cumulative_share", "escalation_share", "push_to_front_share"), PERCENT
        ),
    },
}
"""The one declaration of which columns hold seconds or shares, per kind of result: tables show
them in human units (the unit in the header); JSON and CSV keep the raw numbers."""


def with_units(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Mark the columns of ``frame`` that :data:`TABLE_UNITS` declares for ``kind`` (in
    ``frame.attrs``), so that a table shows them in human units; returns ``frame``."""
    units = TABLE_UNITS[kind]
    frame.attrs[UNITS_ATTR] = {c: units[c] for c in frame.columns if c in units}
    return frame


def _header(name: str, unit: str | None) -> str:
    if unit == DURATION:
        return f"{name.removesuffix('_s')} ({DURATION})"
    if unit == PERCENT:
        return f"{name} (%)"
    return name


def _unit_cell(value: Any, unit: str | None) -> str:
    if unit is None or value is None or value is pd.NaT or pd.isna(value):
        return _cell(value)
    return format_span(float(value)) if unit == DURATION else format_share(float(value))


class Format(StrEnum):
    """Output formats of every command that prints results."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{int(value):,}"  # one style of thousands separators for every number
    if isinstance(value, float):
        # a table is read by a person: whole numbers with separators, others to 4 digits
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return " → ".join(map(str, value))
    return str(value)


def declared(frame: pd.DataFrame) -> dict[str, Any]:
    """What a result says about itself (:data:`DECLARED` in its attrs), for ``about=``."""
    return {k: frame.attrs[k] for k in DECLARED if k in frame.attrs}


def notes(about: Mapping[str, Any] | None) -> list[str]:
    """The lines a table prints under itself: the objectives used, the KPIs left out and why."""
    if not about:
        return []
    out = []
    goals = about.get("objectives")
    if isinstance(goals, Mapping) and goals.get("note"):
        out.append(str(goals["note"]))
    by_reason: dict[str, list[str]] = {}
    for kpi, reason in (about.get("left_out") or {}).items():
        by_reason.setdefault(str(reason), []).append(str(kpi))
    out += [f"Left out {', '.join(kpis)}: {reason}" for reason, kpis in by_reason.items()]
    return out


def _print_notes(lines: list[str], console: Console) -> None:
    for line in lines:  # Text: brackets such as [continuity] are printed as they are
        console.print(Text(line), soft_wrap=True, highlight=False)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV output: formula-like text cells made inert, unless `pdca --raw` was given."""
    return frame if SETTINGS["raw_csv"] else inert_frame(frame)


def emit_frame(
    frame: pd.DataFrame,
    fmt: Format,
    *,
    title: str | None = None,
    about: Mapping[str, Any] | None = None,
) -> None:
    """Print a DataFrame in the chosen format to stdout.

    A table shows the columns :func:`with_units` marked in human units (durations such as
    ``3 d 4 h``, shares as %, the unit in the header); JSON and CSV keep the raw numbers.

    With ``about`` (e.g. :func:`declared`: the objectives used, the KPIs left out) JSON is an
    object ``{"objectives": …, "left_out": …, "rows": [...]}`` instead of the bare list of
    rows, a table prints one line per note under itself, and CSV writes the notes to stderr
    (so that stdout stays one CSV table).
    """
    if fmt is Format.CSV:
        spreadsheet_safe(frame).to_csv(sys.stdout, index=False)
        _print_notes(notes(about), Console(stderr=True, width=200))
        return
    if fmt is Format.JSON:
        if about:
            text = frame.to_json(orient="records", date_format="iso")
            doc = {**about, "rows": json.loads(text)}
            sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
            return
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=2) + "\n")
        return
    table = Table(title=title)
    units = [frame.attrs.get(UNITS_ATTR, {}).get(col) for col in frame.columns]
    for col, unit in zip(frame.columns, units, strict=True):
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(Text(_header(str(col), unit)), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        # Text: a cell is printed as it is, brackets such as [cost] included (not Rich markup)
        table.add_row(*(Text(_unit_cell(v, u)) for v, u in zip(row, units, strict=True)))
    # a pipe or file gets a wide table rather than 80 columns of wrapped cells
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
    _print_notes(notes(about), console)


def emit_record(
    record: dict[str, Any],
    fmt: Format,
    *,
    title: str | None = None,
    about: Mapping[str, Any] | None = None,
) -> None:
    """Print one nested record (e.g. an import report); ``about`` as in :func:`emit_frame`
    (in JSON its keys join the record's)."""
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps({**record, **(about or {})}, indent=2, default=str) + "\n")
        return
    rows = [(k, v) for k, v in _flatten(record)]
    frame = pd.DataFrame(rows, columns=["field", "value"])
    if fmt is Format.CSV:
        spreadsheet_safe(frame).to_csv(sys.stdout, index=False)
        _print_notes(notes(about), Console(stderr=True, width=200))
        return
    emit_frame(frame, fmt, title=title, about=about)


def _flatten(record: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(_flatten(value, f"{name}."))
        elif isinstance(value, dict):
            out.append((name, ""))
        elif isinstance(value, list):
            out.append((name, ", ".join(_cell(v) for v in value)))
        else:
            out.append((name, value))
    return out
