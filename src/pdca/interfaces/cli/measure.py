"""`pdca` commands that measure: KPIs and the scorecard."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdca import api
from pdca.errors import ConfigError, PdcaError
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
from pdca.interfaces.cli.output import Format, declared, emit_frame, emit_record, with_units
from pdca.methods.kpi.catalogue import get_kpi
from pdca.model.schema import Col
from pdca.render.format import format_share

if TYPE_CHECKING:
    import pandas as pd

SLA_TOP = 20
"""Rows a table of clocks shows with --running or --breached and no --top."""
_LISTED = (
    Col.CASE_ID,
    Col.SERVICE,
    Col.PRIORITY,
    "clock",
    "started_at",
    "target_s",
    "elapsed_s",
    "time_to_breach_s",
    "overrun_s",
    "running",
    "breached",
    "source_met",
)
"""Columns of the table of clocks (CSV and JSON have them all)."""


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


def _outside_the_log(
    frame: pd.DataFrame,
    *,
    start: datetime | None,
    end: datetime | None,
    store: Path | None,
    engine: str | None,
    log: str | None,
) -> None:
    """Refuse (exit 1) a --from/--to window that holds none of the log's events, saying the log's
    span: an empty row would look like a desk with no tickets."""
    if (start is None and end is None) or (
        not frame.empty and "n" in frame and bool((frame["n"].fillna(0) > 0).any())
    ):
        return
    try:
        logs = api.status(store, engine=engine)
    except PdcaError:  # the store answered the KPIs; if it cannot say its span, say nothing
        return
    rows = logs[logs["log"] == log] if log is not None else logs
    if len(rows) != 1:
        return
    row = rows.iloc[0]
    first, last = row["first_event"], row["last_event"]  # Timestamps (naive UTC), NaT if none
    if rows["first_event"].isna().any() or (
        (start is None or start <= last) and (end is None or end > first)
    ):
        return
    window = " ".join(
        f"{flag} {value:%Y-%m-%d %H:%M}"
        for flag, value in (("--from", start), ("--to", end))
        if value
    )
    raise ConfigError(
        f"{window} holds none of log {row['log']!r}: its events span "
        f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} (UTC)",
        "choose --from/--to inside that span (`pdca status` shows it)",
    )


@app.command(rich_help_panel="Measure")
def kpi(
    kpis: Annotated[list[str] | None, typer.Argument(help="KPI ids (default: all).")] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Break down by a ticket attribute (priority, category, …), by team "
            "(assignment_group) or by agent (assignee: the resource column): the group and agent "
            "that resolved the ticket, or the first ones for KPIs counted at opening "
            "(docs/kpis.md).",
        ),
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
    """Compute KPIs, optionally per period and broken down by ticket attributes.

    A --from/--to window that holds none of the log's events is an error (exit 1) that says the
    log's span.
    """
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
        _outside_the_log(
            frame, start=start, end=end, store=store, engine=engine_name(engine), log=log
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
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            help="List the N most urgent clocks: running ones by time to breach, then breached "
            f"ones by overrun (a table lists {SLA_TOP} with --running or --breached).",
        ),
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Only the summary per priority and service.")
    ] = False,
    agreement: Annotated[
        bool,
        typer.Option("--agreement", help="How often pdca's verdict agrees with the source's."),
    ] = False,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """SLA clocks: a summary per priority and service, then the most urgent tickets.

    A table leads with the summary and lists clocks only when asked (--top, --running,
    --breached), at most --top rows; CSV and JSON give every clock (or the --top most urgent),
    or the summary with --summary.
    """
    with user_errors():
        if agreement:
            record = with_progress(
                "comparing SLA verdicts",
                lambda _step: api.sla_agreement(
                    store=store, engine=engine_name(engine), log=log, objectives=objectives
                ),
            )
            about = {"objectives": record.pop("objectives")}
            if fmt is Format.TABLE and isinstance(record.get("agreement"), float):
                # a table shows the agreement in % like every share; JSON and CSV keep 0-1
                record = {
                    (f"{k} (%)" if k == "agreement" else k): (
                        format_share(v) if k == "agreement" else v
                    )
                    for k, v in record.items()
                }
            emit_record(record, fmt, title="pdca vs source (resolution SLA)", about=about)
            return
        machine = fmt is not Format.TABLE and not summary
        frame = with_progress(
            "running the SLA clocks",
            lambda _step: api.sla(
                store=store,
                engine=engine_name(engine),
                log=log,
                objectives=objectives,
                clock=clock,
                # a table (or the summary) counts every clock and picks the rows itself
                running=running and machine,
                breached=breached and machine,
                top=top if machine else None,
            ),
        )
    if machine:
        emit_frame(frame, fmt, title="SLA clocks", about=declared(frame))
        return
    _sla_tables(frame, fmt, top=top, running=running, breached=breached)


def _sla_tables(
    clocks: pd.DataFrame, fmt: Format, *, top: int | None, running: bool, breached: bool
) -> None:
    """The summary (in ``fmt``), then in a table, when asked, the most urgent clocks: never
    more than ``top`` rows are rendered, so a log of 40,000 clocks prints at once."""
    from pdca.api.measure import (  # noqa: PLC0415 (ibis loads on use)
        ABOUT_TO_BREACH,
        OVERRUN_S,
        most_urgent,
        sla_summary,
    )
    from pdca.methods.kpi.clock import ClockCol  # noqa: PLC0415

    about = declared(clocks)
    counts = with_units(sla_summary(clocks), "sla")
    listed = top is not None or running or breached
    title = (
        f"SLA summary (about to breach: running with less than {ABOUT_TO_BREACH:.0%} of the "
        "target left)"
    )
    emit_frame(counts, fmt, title=title, about=None if fmt is Format.TABLE and listed else about)
    if fmt is not Format.TABLE:
        return
    if not listed:
        typer.echo(
            f"{len(clocks):,} clocks: --top N lists the most urgent, --running and --breached "
            "those; -f csv or -f json gives every clock."
        )
        return
    chosen = clocks
    if running:
        chosen = chosen[chosen[ClockCol.RUNNING].astype("boolean").fillna(value=False)]
    if breached:
        chosen = chosen[chosen[ClockCol.BREACHED].astype("boolean").fillna(value=False)]
    chosen = most_urgent(chosen, only_urgent=not (running or breached))
    shown = chosen.head(SLA_TOP if top is None else top).copy()
    over = shown[ClockCol.ELAPSED_S].astype("float64") - shown[ClockCol.TARGET_S].astype("float64")
    shown[OVERRUN_S] = over.where(shown[ClockCol.BREACHED].astype("boolean").fillna(value=False))
    columns = [c for c in _LISTED if c in shown.columns]
    if Col.SERVICE in columns and not clocks[Col.SERVICE].notna().any():
        columns.remove(Col.SERVICE)
    which = "breached " if breached else "running " if running else "running or breached "
    if running and breached:
        which = "running and breached "
    title = f"SLA clocks: the {len(shown):,} most urgent of {len(chosen):,} {which}clocks"
    shown = with_units(shown[columns].reset_index(drop=True), "sla")
    emit_frame(shown, fmt, title=title, about=about)
    if len(chosen) > len(shown):
        typer.echo(
            f"{len(chosen) - len(shown):,} more: --top N shows more, -f csv or -f json all of them."
        )
