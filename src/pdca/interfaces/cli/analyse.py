"""`pdca` commands that analyse how tickets flow (process mining)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from pdca import api
from pdca.errors import ConfigError, PdcaError
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.common import (
    EngineOpt,
    StoreOpt,
    app,
    engine_name,
    err,
    user_errors,
    with_progress,
)
from pdca.interfaces.cli.output import Format, emit_frame, with_units
from pdca.methods.mining.activity import KEY_COLUMNS


class MineFormat(StrEnum):
    """Output formats of `pdca mine` (svg: the process map of the dfg view)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    SVG = "svg"


VIEWS_HELP = (
    "dfg, variants, durations, handover, start, end, pingpong, escalation, chains, rework, "
    "bottlenecks or conformance."
)


@app.command(rich_help_panel="Analyse")
def mine(
    view: Annotated[str, typer.Argument(help=VIEWS_HELP)],
    activity: Annotated[
        list[str] | None,
        typer.Option(help="Canonical column(s) naming each step (repeat to combine)."),
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="Keep tickets: NAME=V1,V2 (or NAME!=… to drop) with NAME from, to, starts, "
            "ends, through, top-variants or a column such as priority. Repeat to combine.",
        ),
    ] = None,
    by: Annotated[
        str, typer.Option(help="Holder for handover, pingpong, chains: a column.")
    ] = "assignment_group",
    top: Annotated[int | None, typer.Option(help="Only the N first rows of ranked views.")] = None,
    part: Annotated[
        str | None,
        typer.Option(help="Another table of the view, e.g. summary, tickets, deviations."),
    ] = None,
    model: Annotated[
        Path | None, typer.Option(help="Process model (TOML) for conformance; default ITIL.")
    ] = None,
    label: Annotated[
        str, typer.Option(help="svg: edge label (frequency, cases, mean, median, p90, …).")
    ] = "frequency",
    max_activities: Annotated[
        int | None, typer.Option(help="svg: keep only the N most frequent steps.")
    ] = None,
    min_edge_share: Annotated[
        float, typer.Option(help="svg: drop edges below this share of the busiest edge (0-1).")
    ] = 0.0,
    log: Annotated[
        str | None, typer.Option(help="Log in the store (if several); with --file, its name.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Mine this CSV export directly, without importing it (ServiceNow, BPIC 2013, "
            "or any CSV with --map).",
        ),
    ] = None,
    source: Annotated[
        str, typer.Option(help="With --file: auto, servicenow, bpic2013 or csv.")
    ] = "auto",
    mapping: Annotated[
        Path | None,
        typer.Option("--map", help="With --file: mapping file (TOML) stating the columns."),
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option(
            help="dfg: waiting times in this calendar's working hours (e.g. business, or one of "
            "--objectives)."
        ),
    ] = None,
    objectives: Annotated[
        Path | None, typer.Option(help="Objectives file (TOML) defining --calendar.")
    ] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: Annotated[MineFormat, typer.Option("--format", "-f", help="Output format.")] = (
        MineFormat.TABLE
    ),
) -> None:
    """Process mining: how tickets really flow (one row per edge / variant / case / ticket)."""
    steps = tuple(activity or ["activity"])
    chosen = tuple(filters or ())
    with user_errors():
        if file is not None:
            store = None  # the file is read instead (PDCA_STORE may still be set)
        elif source != "auto" or mapping is not None:
            raise ConfigError("--source and --map go with --file", "add --file PATH")
        if fmt is MineFormat.SVG:
            if view != "dfg":
                raise ConfigError(
                    f"--format svg draws the process map, not the {view} view", "use `mine dfg`"
                )
            if file is not None:
                raise ConfigError(
                    "--format svg reads a store", "import the file first with `pdca ingest`"
                )
            svg = with_progress(
                "drawing the process map",
                lambda _step: api.process_map(
                    store=store,
                    engine=engine_name(engine),
                    log=log,
                    activity=steps,
                    filters=chosen,
                    label=label,
                    max_activities=max_activities,
                    min_edge_share=min_edge_share,
                    calendar=calendar,
                    objectives=objectives,
                ),
            )
            sys.stdout.write(svg + "\n")
            return
        parts = with_progress(
            f"mining {view}",
            lambda _step: api.mine_parts(
                view,
                store=store,
                engine=engine_name(engine),
                log=log,
                activity=steps,
                by=by,
                top=top,
                filters=chosen,
                model=model,
                file=file,
                source=source,
                options=LoadOptions(mapping=mapping),
                calendar=calendar,
                objectives=objectives,
            ),
        )
        if part is not None and part not in parts:
            raise ConfigError(
                f"the {view} view has no part {part!r}", f"use one of: {', '.join(parts)}"
            )
    out = Format(fmt.value)
    main = part or next(iter(parts))
    if out is Format.TABLE and part is None and "summary" in parts:
        emit_frame(with_units(parts["summary"], "mine"), out, title=f"{view}: summary")
    # seconds and shares in human units in a table (TABLE_UNITS); raw in JSON and CSV
    emit_frame(with_units(parts[main], "mine"), out, title=f"{view}: {main}")
    if parts[main].empty and file is None:
        _say_what_values_exist(chosen, store=store, engine=engine_name(engine), log=log)


def _say_what_values_exist(
    filters: tuple[str, ...], *, store: Path | None, engine: str | None, log: str | None
) -> None:
    """Under an empty result, one line per ``COLUMN=…`` filter: the values the column takes
    (``priority=1`` keeps nothing where priorities read ``1 - Critical``)."""
    from pdca.api.analyse import column_values  # noqa: PLC0415 (only under an empty result)

    for text in filters:
        name, sep, wanted = text.partition("=")
        if not sep or name.endswith("!") or name.strip() not in KEY_COLUMNS:
            continue
        column = name.strip()
        try:
            values = column_values(column, store=store, engine=engine, log=log)
        except PdcaError:  # the result stands; the hint is a courtesy
            continue
        if all(v.strip() in values for v in wanted.split(",") if v.strip()):
            continue  # every value it names occurs: another filter emptied the result
        shown = (
            f"the values of {column} in the log are {', '.join(map(repr, values))} (most "
            "frequent first)"
            if values
            else f"the log records no {column}"
        )
        err.print(
            Text(f"nothing kept by --filter {text}: {shown}"),
            soft_wrap=True,
            highlight=False,
        )
