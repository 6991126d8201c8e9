"""The `pdca` command: thin wrappers that parse options, call :mod:`pdca.api`, print results."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pdca import api
from pdca.errors import ConfigError, PdcaError
from pdca.ingest import LoadOptions, source_names
from pdca.interfaces.cli.output import Format, emit_frame, emit_record
from pdca.methods.kpi.catalogue import get_kpi

app = typer.Typer(
    name="pdca",
    help="Continuous quality improvement for IT service management.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
T = TypeVar("T")

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", envvar="PDCA_STORE", help="Store directory (default ./.pdca)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
DayfirstOpt = Annotated[
    bool | None,
    typer.Option("--dayfirst/--monthfirst", help="How to read dates like 03/04/2021."),
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding (default: detect).")]
DelimiterOpt = Annotated[
    str | None, typer.Option(help="Field delimiter (default: detect); 'tab' for tabs.")
]


def _delimiter(value: str | None) -> str | None:
    return "\t" if value in {"\\t", "tab"} else value


class ExportTarget(StrEnum):
    """What `pdca export` can write."""

    PARQUET = "parquet"
    CSV = "csv"
    XES = "xes"
    OCEL = "ocel"


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except PdcaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; the store is unchanged")
        raise typer.Exit(130) from None


def _with_progress(label: str, work: Callable[[Callable[[str], None]], T]) -> T:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label)

        def step(name: str) -> None:
            bar.update(task, description=f"{label}: {name}")

        return work(step)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="File to import (CSV, Excel, XES, OCEL, …).")],
    source: Annotated[
        str, typer.Option(help=f"Connector: auto, {', '.join(source_names())}, csv, xes, ocel.")
    ] = "auto",
    mapping: Annotated[
        Path | None, typer.Option("--map", help="Column mapping file (TOML) for CSV/Excel.")
    ] = None,
    log: Annotated[str | None, typer.Option(help="Name of the log in the store.")] = None,
    dayfirst: DayfirstOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of timestamps without offset (default UTC).")
    ] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Import a helpdesk export or event log; print its data-quality report."""
    options = LoadOptions(
        log=log,
        mapping=mapping,
        dayfirst=dayfirst,
        encoding=encoding,
        delimiter=_delimiter(delimiter),
        timezone=timezone,
    )
    with _user_errors():
        report = _with_progress(
            f"importing {path.name}",
            lambda step: api.ingest(
                path, source=source, store=store, options=options, progress=step
            ),
        )
    emit_record(report.to_dict(), fmt, title=f"import {report.import_id}: {report.log}")


@app.command()
def status(store: StoreOpt = None, fmt: FormatOpt = Format.TABLE) -> None:
    """Show what the store holds: logs, events, tickets, time span."""
    with _user_errors():
        emit_frame(api.status(store), fmt, title="pdca store")


@app.command()
def imports(store: StoreOpt = None, fmt: FormatOpt = Format.TABLE) -> None:
    """List past imports with their counts."""
    with _user_errors():
        emit_frame(api.imports(store), fmt, title="imports")


@app.command()
def quarantine(
    import_id: Annotated[int | None, typer.Option("--import", help="Only this import.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """List quarantined rows and the reason for each."""
    with _user_errors():
        emit_frame(api.quarantine(store, import_id), fmt, title="quarantine")


@app.command()
def export(
    to: Annotated[ExportTarget, typer.Option("--to", help="Target format.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file or directory.")],
    log: Annotated[str | None, typer.Option(help="Only this log.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Export the canonical data to Parquet, CSV, XES or OCEL 2.0."""
    with _user_errors():
        written = _with_progress(
            f"exporting to {to.value}",
            lambda _step: api.export(to.value, out, store=store, log=log),
        )
    emit_record({"written": [str(p) for p in written]}, fmt)


class Period(StrEnum):
    """Periods KPIs can be reported by."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


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


@app.command()
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
        Path | None, typer.Option(help="Objectives file (SLA targets, calendars).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the KPI catalogue.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Compute KPIs, optionally per period and broken down by ticket attributes."""
    with _user_errors():
        if list_:
            emit_frame(api.kpi_catalogue(), fmt, title="KPI catalogue")
            return
        chosen = list(kpis or [])
        for kpi_id in chosen:
            get_kpi(kpi_id)
        frame = _with_progress(
            "computing KPIs",
            lambda _step: api.kpi(
                chosen,
                store=store,
                log=log,
                by=list(by or []),
                period=period.value if period else None,
                start=start,
                end=end,
                options=_parse_options(list(option or []), chosen),
                objectives=objectives,
            ),
        )
        emit_frame(frame, fmt, title="KPIs")


@app.command()
def scorecard(
    objectives: Annotated[
        Path | None, typer.Option(help="Objectives file (TOML) with [kpi_targets].")
    ] = None,
    period: Annotated[Period, typer.Option(help="Reporting period.")] = Period.MONTH,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """All KPIs of the latest period against their targets: red/amber/green and trend."""
    with _user_errors():
        frame = _with_progress(
            "building the scorecard",
            lambda _step: api.scorecard(
                store=store, log=log, objectives=objectives, period=period.value
            ),
        )
    if fmt is Format.TABLE and not frame.empty:
        frame = frame.assign(value=frame["value"].round(2), previous=frame["previous"].round(2))
        frame = frame.drop(columns=["kpi", "benchmark"])
    emit_frame(frame, fmt, title="scorecard")


@app.command()
def mine(
    view: Annotated[str, typer.Argument(help="dfg, variants, durations, handover, start or end.")],
    activity: Annotated[
        list[str] | None,
        typer.Option(help="Canonical column(s) naming each step (repeat to combine)."),
    ] = None,
    by: Annotated[str, typer.Option(help="Handover between values of this column.")] = (
        "assignment_group"
    ),
    top: Annotated[int | None, typer.Option(help="Only the N most frequent variants.")] = None,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Process mining: how tickets really flow (one row per edge / variant / case)."""
    with _user_errors():
        frame = _with_progress(
            f"mining {view}",
            lambda _step: api.mine(
                view,
                store=store,
                log=log,
                activity=tuple(activity or ["activity"]),
                by=by,
                top=top,
            ),
        )
    emit_frame(frame, fmt, title=view)


@app.command("suggest-mapping")
def suggest_mapping(
    path: Annotated[Path, typer.Argument(help="CSV or Excel export.")],
    dayfirst: DayfirstOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Print a draft mapping file for an export: `pdca suggest-mapping FILE > map.toml`."""
    options = LoadOptions(dayfirst=dayfirst, encoding=encoding, delimiter=_delimiter(delimiter))
    with _user_errors():
        sys.stdout.write(api.suggest_mapping(path, options))


def main() -> None:
    """Console-script entry point."""
    app()
