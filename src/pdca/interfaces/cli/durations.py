"""`pdca durations`: breakdown statistics of a ticket list's duration column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from pdca import api
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.common import (
    DelimiterOpt,
    EncodingOpt,
    FormatOpt,
    app,
    delimiter_of,
    user_errors,
)
from pdca.interfaces.cli.output import Format, emit_frame


@app.command("durations", rich_help_panel="Measure")
def durations(
    path: Annotated[Path, typer.Argument(help="CSV or Excel ticket list.")],
    column: Annotated[
        str, typer.Option(help="Column holding each ticket's duration (text or numbers).")
    ],
    by: Annotated[
        list[str] | None,
        typer.Option(help="Break down by this column or field, e.g. priority (repeatable)."),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="Unit of bare numbers: seconds, minutes, hours, days, weeks."),
    ] = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Duration statistics of a ticket list without dates: n, mean, median, p90 per group.

    For a list that holds durations but no dates (it cannot be ingested as an event log: no
    MTTA, no SLA clocks, no periods, no process map). Durations in words ("1 hora 20 minutos",
    "3 d 4 h", "01:20:00") are read where unambiguous; refused values are counted with their
    reason. Hours in the table; the row (all) covers every ticket.
    """
    options = LoadOptions(encoding=encoding, delimiter=delimiter_of(delimiter))
    with user_errors():
        stats = api.durations(path, column=column, by=by or [], unit=unit, options=options)
    unit_note = {
        "given": f"bare numbers in {stats.unit}",
        "header": f"bare numbers in {stats.unit} (the header says so)",
        "values": "units read from the values",
    }[stats.unit_from]
    counts = (
        f"{stats.column}: {stats.read:,} of {stats.rows:,} rows read, {stats.refused:,} refused, "
        f"{stats.missing:,} empty; {unit_note}."
    )
    lines = [
        counts,
        *(f"refused ({n:,}): {reason}" for reason, n in stats.reasons.items()),
        f"Note: {api.durations_cannot_give()}.",
    ]
    emit_frame(stats.table, fmt, title=f"Durations of {stats.column} (hours)")
    if fmt is Format.TABLE:
        console = Console(stderr=True, width=200)
        for line in lines:
            console.print(Text(line))
