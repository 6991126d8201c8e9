"""`pdca forecast` and `pdca staff`: demand forecasts and staffing plans (docs/forecast.md)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from pdca import api
from pdca.interfaces.cli.common import StoreOpt, app, user_errors
from pdca.interfaces.cli.output import Format, emit_frame

ObjectivesOpt = Annotated[
    Path | None,
    typer.Option(
        "--objectives",
        envvar="PDCA_OBJECTIVES",
        help="Objectives file (holidays of its calendars; \\[staffing] shrinkage).",
    ),
]
LogOpt = Annotated[str | None, typer.Option(help="Log to plan for (default: the only one).")]


class PlanFormat(StrEnum):
    """Output formats of the plan commands (svg: the chart)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    SVG = "svg"


FormatOpt = Annotated[PlanFormat, typer.Option("--format", "-f", help="table, json, csv or svg.")]


def _lines(summary: dict[str, Any]) -> list[str]:
    out = [
        (
            f"n = {summary['n']:,} tickets opened {summary['window'][0]} to "
            f"{summary['window'][1]}; model: {summary['model']}; baseline: {summary['baseline']}"
        ),
    ]
    for row in summary["backtest"]:
        out.append(  # noqa: PERF401 (one sentence per backtest row)
            f"backtest {row['group']} {row['model']}: MASE {row['mase']:.3f}, "
            f"80 % interval coverage {row['coverage80']:.0%}, 95 % {row['coverage95']:.0%} "
            f"({row['points']} days, {row['folds']} origins)"
        )
    out += [f"assumption: {a}" for a in summary["assumptions"]]
    return out


def _emit(frame: pd.DataFrame, fmt: PlanFormat, summary: dict[str, Any], lines: list[str]) -> None:
    if fmt is PlanFormat.JSON:
        rows = json.loads(frame.to_json(orient="records", date_format="iso"))
        sys.stdout.write(json.dumps({**summary, "rows": rows}, indent=2, default=str) + "\n")
        return
    emit_frame(frame, Format(fmt.value))
    console = Console(stderr=fmt is PlanFormat.CSV, width=200)
    for text in lines:
        console.print(text, markup=False, highlight=False)


@app.command(rich_help_panel="Plan")
def forecast(
    store: StoreOpt = None,
    log: LogOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(help="Break down by a ticket column (service, channel, priority …)."),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, max=366, help="Days ahead.")] = 28,
    interval: Annotated[str, typer.Option(help="hour, day or week.")] = "day",
    folds: Annotated[int, typer.Option(min=1, max=52, help="Backtest origins.")] = 8,
    objectives: ObjectivesOpt = None,
    fmt: FormatOpt = PlanFormat.TABLE,
) -> None:
    """Forecast opened tickets with 80/95 % intervals, next to the seasonal-naive baseline, and
    the backtest error (MASE, interval coverage) of both."""
    with user_errors():
        got = api.forecast(
            store, log=log, by=by or (), horizon=horizon, interval=interval, folds=folds,
            objectives=objectives,
        )  # fmt: skip
        summary = got.summary()
        if fmt is PlanFormat.SVG:
            from pdca.render.forecast_chart import forecast_svg  # noqa: PLC0415

            group = str(got.frame["group"].iloc[0])
            svg = forecast_svg(
                got.history[got.history["group"] == group],
                got.frame[got.frame["group"] == group],
                title=f"Opened tickets per {interval}: {group}",
                subtitle=" · ".join(_lines(summary)[:3]),
            )
            sys.stdout.write(svg + "\n")
            return
        _emit(got.frame, fmt, summary, _lines(summary))


@app.command(rich_help_panel="Plan")
def staff(
    store: StoreOpt = None,
    log: LogOpt = None,
    service_level: Annotated[
        str,
        typer.Option(
            help="PERCENT/TIME: 80/20 = 80 % answered within 20 s; 90/4h for a response SLA."
        ),
    ] = "80/20",
    model: Annotated[str, typer.Option(help="erlang_a (abandonment) or erlang_c.")] = "erlang_a",
    aht: Annotated[
        float | None, typer.Option(help="Handling time in seconds (default: measured).")
    ] = None,
    patience: Annotated[
        float | None, typer.Option(help="Mean patience in seconds (default: measured).")
    ] = None,
    shrinkage: Annotated[
        float | None, typer.Option(help="Share of paid time not available (default: objectives).")
    ] = None,
    objectives: ObjectivesOpt = None,
    fmt: FormatOpt = PlanFormat.TABLE,
) -> None:
    """Agents and positions per hour of the next week for a service level (Erlang A or C, from
    the hourly forecast and the measured handling time), as a table or a heat map (svg)."""
    with user_errors():
        got = api.staff(
            store, log=log, service_level=service_level, model=model, aht=aht,
            patience=patience, shrinkage=shrinkage, objectives=objectives,
        )  # fmt: skip
        summary = got.summary()
        plan = summary
        lines = [
            (
                f"{plan['model']}: target {plan['service_level_target']:.0%} within "
                f"{plan['answer_time_s']:g} s; AHT {plan['aht_s']:g} s "
                f"({got.inputs['aht_from']}); patience {plan['patience_s']} s "
                f"({got.inputs['patience_from']}); shrinkage {plan['shrinkage']:.0%}"
            ),
            (
                f"{plan['agent_hours_per_week']} agent-hours, {plan['position_hours_per_week']} "
                f"position-hours a week; peak {plan['peak_agents']} agents"
            ),
            *_lines(summary["forecast"]),
            *(f"assumption: {a}" for a in plan["assumptions"]),
        ]
        if fmt is PlanFormat.SVG:
            from pdca.render.staffing_heatmap import heatmap_svg  # noqa: PLC0415

            svg = heatmap_svg(
                got.plan.table, title="Agents needed per hour of the week", subtitle=lines[0]
            )
            sys.stdout.write(svg + "\n")
            return
        _emit(got.plan.table, fmt, summary, lines)
