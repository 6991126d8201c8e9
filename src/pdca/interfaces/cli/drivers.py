"""`pdca drivers KPI`: which ticket attributes explain an outcome (docs/drivers.md)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from pdca.interfaces.cli.common import EngineOpt, StoreOpt, app, engine_name, user_errors
from pdca.interfaces.cli.output import Format, emit_frame


class Resolution(StrEnum):
    """Which resolution the hours run to."""

    FINAL = "final"
    FIRST = "first"


KPI_HELP = (
    "What to explain: hours (or mttr), long, breach (or sla_resolution), reopen (or "
    "reopen_rate), reassigned, escalated."
)
_SHOWN = (
    "rank", "attribute", "level", "n", "observed", "effect", "effect_low", "effect_high",
    "unadjusted", "q_value", "flagged", "avoidable", "avoidable_low", "avoidable_high", "note",
)  # fmt: skip


def _table(frame: pd.DataFrame, top: int | None) -> pd.DataFrame:
    shown = frame.loc[:, list(_SHOWN)].copy()
    if top is not None:
        shown = shown.head(top)
    for col in ("observed", "effect", "effect_low", "effect_high", "unadjusted"):
        shown[col] = shown[col].round(3)
    for col in ("avoidable", "avoidable_low", "avoidable_high"):
        shown[col] = shown[col].round(1)
    shown["q_value"] = shown["q_value"].round(4)
    return shown


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@app.command(rich_help_panel="Analyse")
def drivers(
    kpi: Annotated[str, typer.Argument(help=KPI_HELP)],
    store: StoreOpt = None,
    log: Annotated[str | None, typer.Option(help="Log to analyse (default: the only one).")] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="Attribute to rank (repeat; order = order in the model): priority, category, "
            "service, subcategory, channel, location, impact, urgency, assignment_group, "
            "first_group, opened_hour, opened_weekday, hops, wait:STATE. Default: priority, "
            "category, service, channel, first_group, assignment_group, opened_hour, "
            "opened_weekday, hops."
        ),
    ] = None,
    adjust: Annotated[
        list[str] | None,
        typer.Option(help="Attribute held equal but not ranked (repeat), e.g. priority."),
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Tickets opened from this instant (UTC).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Tickets opened before this instant (UTC).")
    ] = None,
    resolution: Annotated[
        Resolution | None,
        typer.Option(help="Hours run to the final or first resolution (default: objectives)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="long: hours above which a resolution is long (default: the p80)."),
    ] = None,
    min_n: Annotated[
        int, typer.Option(min=1, help="Levels with fewer tickets are pooled into (other).")
    ] = 30,
    alpha: Annotated[
        float, typer.Option(min=0.0001, max=0.5, help="False-discovery rate of the flags.")
    ] = 0.05,
    top: Annotated[int | None, typer.Option(min=1, help="Show only the first N rows.")] = None,
    objectives: Annotated[
        Path | None,
        typer.Option(envvar="PDCA_OBJECTIVES", help="Objectives file (SLA targets, clock)."),
    ] = None,
    engine: EngineOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TABLE,
) -> None:
    """Which ticket attributes explain SLA breaches, long resolution, reopens or reassignment:
    effects adjusted for each other with 95 % intervals, ranked by avoidable hours or tickets."""
    with user_errors():
        from pdca.api.drivers import drivers as find_drivers  # noqa: PLC0415

        result = find_drivers(
            kpi,
            store=store,
            engine=engine_name(engine),
            log=log,
            by=by or (),
            adjust=adjust or (),
            since=since,
            until=until,
            resolution=resolution.value if resolution is not None else None,
            threshold=threshold,
            min_n=min_n,
            alpha=alpha,
            objectives=objectives,
        )
        if fmt is Format.JSON:
            rows = json.loads(result.frame.to_json(orient="records"))
            meta = {k: _plain(v) for k, v in result.metadata.items()}
            doc = {**meta, "assumptions": result.assumptions(), "rows": rows}
            sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
            return
        if fmt is Format.CSV:
            emit_frame(result.frame, fmt)
        else:
            title = f"Drivers of {result.metadata['outcome']} (log {result.metadata['log']})"
            emit_frame(_table(result.frame, top), fmt, title=title)
        console = Console(stderr=fmt is Format.CSV, width=200)
        for line in result.assumptions():
            console.print(line, markup=False, highlight=False, soft_wrap=True)
