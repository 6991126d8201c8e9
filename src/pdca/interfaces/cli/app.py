"""The `pdca` command: thin wrappers that parse options, call :mod:`pdca.api`, print results."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pdca import api
from pdca.errors import PdcaError
from pdca.ingest import LoadOptions, source_names
from pdca.interfaces.cli.output import Format, emit_frame, emit_record

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
    dayfirst: Annotated[
        bool | None,
        typer.Option("--dayfirst/--monthfirst", help="How to read dates like 03/04/2021."),
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detect).")] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="Field delimiter (default: detect).")
    ] = None,
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
        delimiter="\t" if delimiter in {"\\t", "tab"} else delimiter,
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


def main() -> None:
    """Console-script entry point."""
    app()
