"""`pdca` commands that measure: KPIs and the scorecard."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from pdca import api
from pdca.errors import ConfigError
from pdca.interfaces.cli.common import (
    EngineOpt,
    FormatOpt,
    Period,
    StoreOpt,
    app,
    engine_name,
    user_errors,
    with_progress,
)
from pdca.interfaces.cli.output import Format, declared, emit_frame, emit_record
from pdca.methods.kpi.catalogue import get_kpi


def _parse_options(pairs: list[str], kpis: list[str]) -> dict[str, dict[str, object]]:
    """``statistic=median`` applies to every chosen KPI that has that option."""
    parsed: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"--option {pair!r} is not NAME=VALUE", "e.g. --option statistic=median"
            )
        parsed[key.strip()] = tuple(v.strip() for v in value.split(",")) if "," in value else value
    out: dict[str, dict[str, object]] = {}
    for kpi_id in kpis or list(api.kpi_catalogue()["kpi"]):
        fields = get_kpi(kpi_id).options.model_fields
        chosen = {
            k: (v,) if isinstance(v, str) and "tuple" in str(fields[k].annotation) else v
            for k, v in parsed.items()
            if k in fields
        }
        if chosen:
            out[kpi_id] = chosen
    unused = set(parsed) - {k for opts in out.values() for k in opts}
    if unused:
        raise ConfigError(
            f"no chosen KPI has the option(s) {', '.join(sorted(unused))}",
            "see `pdca kpi --list` and docs/kpis.md",
        )
    return out


@app.command(rich_help_panel="Measure")
def kpi(
    kpis: Annotated[list[str] | None, typer.Argument(help="KPI ids (default: all).")] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Break down by a ticket attribute.")
    ] = None,
    period: Annotated[Period | None, typer.Option(help="Report per day, week or month.")] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", help="First instant (UTC), e.g. 2016-03-01.")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", help="End instant (UTC, exclusive).")
    ] = None,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="KPI option NAME=VALUE.")
    ] = None,
    objectives: Annotated[
        Path | None,
        typer.Option(
            help="Objectives file (SLA targets, calendars; default: PDCA_OBJECTIVES, the store's "
            "objectives.toml, else built-in)."
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the KPI catalogue.")] = False,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Compute KPIs, optionally per period and broken down by ticket attributes."""
    with user_errors():
        if list_:
            emit_frame(api.kpi_catalogue(), fmt, title="KPI catalogue")
            return
        chosen = list(kpis or [])
        for kpi_id in chosen:
            get_kpi(kpi_id)
        frame = with_progress(
            "computing KPIs",
            lambda _step: api.kpi(
                chosen,
                store=store,
                engine=engine_name(engine),
                log=log,
                by=list(by or []),
                period=period.value if period else None,
                start=start,
                end=end,
                options=_parse_options(list(option or []), chosen),
                objectives=objectives,
            ),
        )
        emit_frame(frame, fmt, title="KPIs", about=declared(frame))


@app.command(rich_help_panel="Measure")
def scorecard(
    objectives: Annotated[
        Path | None,
        typer.Option(
            help="Objectives file (TOML) with \\[kpi_targets] (default: PDCA_OBJECTIVES, the "
            "store's objectives.toml, else built-in)."
        ),
    ] = None,
    period: Annotated[Period, typer.Option(help="Reporting period.")] = Period.MONTH,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """All KPIs of the latest period against their targets: red/amber/green and trend."""
    with user_errors():
        frame = with_progress(
            "building the scorecard",
            lambda _step: api.scorecard(
                store=store,
                engine=engine_name(engine),
                log=log,
                objectives=objectives,
                period=period.value,
            ),
        )
    if fmt is Format.TABLE and not frame.empty:
        frame = frame.assign(value=frame["value"].round(2), previous=frame["previous"].round(2))
        frame = frame.drop(columns=["kpi", "benchmark"])
    emit_frame(frame, fmt, title="scorecard", about=declared(frame))


@app.command(rich_help_panel="Measure")
def sla(
    objectives: Annotated[
        Path | None,
        typer.Option(
            help="Objectives file (TOML): SLA targets and calendars (default: PDCA_OBJECTIVES, "
            "the store's objectives.toml, else built-in)."
        ),
    ] = None,
    clock: Annotated[
        str | None, typer.Option(help="Only the response or the resolution clock.")
    ] = None,
    running: Annotated[
        bool, typer.Option("--running", help="Only clocks still running (time to breach).")
    ] = False,
    breached: Annotated[bool, typer.Option("--breached", help="Only breached clocks.")] = False,
    agreement: Annotated[
        bool,
        typer.Option("--agreement", help="How often pdca's verdict agrees with the source's."),
    ] = False,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """SLA clocks per ticket: elapsed business time, target, breach, time to breach."""
    with user_errors():
        if agreement:
            record = with_progress(
                "comparing SLA verdicts",
                lambda _step: api.sla_agreement(
                    store=store, engine=engine_name(engine), log=log, objectives=objectives
                ),
            )
            about = {"objectives": record.pop("objectives")}
            emit_record(record, fmt, title="pdca vs source (resolution SLA)", about=about)
            return
        frame = with_progress(
            "running the SLA clocks",
            lambda _step: api.sla(
                store=store,
                engine=engine_name(engine),
                log=log,
                objectives=objectives,
                clock=clock,
                running=running,
                breached=breached,
            ),
        )
    emit_frame(frame, fmt, title="SLA clocks (seconds)", about=declared(frame))
