"""Rendering results as a table, JSON or CSV — the same for every command."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    """Output formats of every command that prints results."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float):
        # a table is read by a person: whole numbers with separators, others to 4 digits
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return " → ".join(map(str, value))
    return str(value)


def emit_frame(frame: pd.DataFrame, fmt: Format, *, title: str | None = None) -> None:
    """Print a DataFrame in the chosen format to stdout."""
    if fmt is Format.CSV:
        frame.to_csv(sys.stdout, index=False)
        return
    if fmt is Format.JSON:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=2) + "\n")
        return
    table = Table(title=title)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    # a pipe or file gets a wide table rather than 80 columns of wrapped cells
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)


def emit_record(record: dict[str, Any], fmt: Format, *, title: str | None = None) -> None:
    """Print one nested record (e.g. an import report)."""
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps(record, indent=2, default=str) + "\n")
        return
    rows = [(k, v) for k, v in _flatten(record)]
    frame = pd.DataFrame(rows, columns=["field", "value"])
    if fmt is Format.CSV:
        frame.to_csv(sys.stdout, index=False)
        return
    emit_frame(frame, fmt, title=title)


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
