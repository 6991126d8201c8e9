"""`pdca problems`: candidate problems (text clusters) and bursts of similar tickets
(docs/problems.md)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

import pdca.api.problems as problem_api
from pdca.interfaces.cli.common import StoreOpt, app, user_errors, with_progress
from pdca.interfaces.cli.output import Format, emit_frame


class Rank(StrEnum):
    """What the clusters are ranked by."""

    VOLUME = "volume"
    HOURS = "hours"


def _emit(frame: pd.DataFrame, fmt: Format, facts: dict[str, Any], lines: list[str]) -> None:
    if fmt is Format.JSON:
        rows = json.loads(frame.to_json(orient="records", date_format="iso"))
        sys.stdout.write(json.dumps({**facts, "rows": rows}, indent=2, default=str) + "\n")
        return
    emit_frame(frame, fmt)
    console = Console(stderr=fmt is Format.CSV, width=200)
    for text in lines:  # data may hold [bold] or <script>: printed as it is
        console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command(rich_help_panel="Analyse")
def problems(
    store: StoreOpt = None,
    log: Annotated[str | None, typer.Option(help="Log to analyse (default: the only one).")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="A CSV file of tickets instead of the store (gzip allowed)."),
    ] = None,
    text_column: Annotated[
        list[str] | None,
        typer.Option(help="Column of the file with ticket text (repeatable)."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Column of the file with the ticket id (default: row).")
    ] = None,
    code_column: Annotated[
        list[str] | None,
        typer.Option(help="Column of the file with a code (category, CI) added as a token."),
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(help="Column of the file with a known group: purity and AMI against it."),
    ] = None,
    time_column: Annotated[
        str | None, typer.Option(help="Column of the file with the opening time (--bursts).")
    ] = None,
    min_size: Annotated[int, typer.Option(min=2, help="Fewest tickets in a cluster.")] = 10,
    rank: Annotated[Rank, typer.Option(help="Rank clusters by volume or hours lost.")] = (
        Rank.VOLUME
    ),
    top: Annotated[int, typer.Option(min=1, help="Rows shown in a table.")] = 20,
    bursts: Annotated[
        bool, typer.Option("--bursts", help="Find bursts of similar tickets instead.")
    ] = False,
    by: Annotated[
        list[str] | None,
        typer.Option(help="--bursts: scan by cluster, category, cmdb_ci … (repeatable)."),
    ] = None,
    window: Annotated[
        float, typer.Option(min=0.01, help="--bursts: window length in hours.")
    ] = 4.0,
    false_alarms: Annotated[
        float, typer.Option(help="--bursts: false-alarm rate per group-year.")
    ] = 0.05,
    min_count: Annotated[
        int, typer.Option(min=2, help="--bursts: fewest tickets of a group in a window.")
    ] = 3,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TABLE,
) -> None:
    """Candidate problems: tickets clustered by what they say (TF-IDF, SVD, HDBSCAN), ranked by
    volume or hours lost, with top words and examples; --bursts finds bursts of similar
    tickets in a short window (a major incident in the making)."""
    with user_errors():
        source: dict[str, Any] = {
            "log": log,
            "file": file,
            "text_columns": text_column or (),
            "id_column": id_column,
            "code_columns": code_column or (),
        }
        if bursts:
            got = with_progress(
                "scanning for bursts",
                lambda step: problem_api.bursts(
                    store, **source, time_column=time_column, by=by or problem_api.BURST_DIMENSIONS,
                    window_hours=window, false_alarms=false_alarms, min_count=min_count,
                    min_size=min_size, step=step,
                ),
            )  # fmt: skip
            frame = got.episodes
            if fmt is Format.TABLE:
                frame = frame.head(top)
            _emit(frame, fmt, got.facts, got.lines())
            return
        found = with_progress(
            "clustering tickets",
            lambda _step: problem_api.problems(
                store, **source, label_column=label_column, min_size=min_size,
                rank=rank.value,
            ),
        )  # fmt: skip
        frame = found.clusters
        lines = found.lines()
        if fmt is Format.TABLE and len(frame) > top:
            lines.insert(1, f"showing the first {top} of {len(frame)} clusters (--top)")
            frame = frame.head(top)
        _emit(frame, fmt, found.facts, lines)
