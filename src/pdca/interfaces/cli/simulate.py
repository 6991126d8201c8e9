"""`pdca simulate`: generate a realistic service desk into a store, CSV or Parquet."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pdca import api
from pdca.errors import ConfigError
from pdca.interfaces.cli.common import FormatOpt, StoreOpt, app, err, user_errors
from pdca.interfaces.cli.output import Format, emit_record

if TYPE_CHECKING:
    from pdca.simulate.run import SimulationProgress, SimulationReport

INJECT_HELP = (
    "A true change from a date on (repeatable): mttr:SERVICE:FACTOR:YYYY-MM-DD, "
    "pingpong:remove:YYYY-MM-DD[:SERVICE] or pingpong:add:YYYY-MM-DD[:SERVICE[:SHARE]]."
)


def _targets() -> list[str]:
    from pdca.simulate import vendors  # noqa: PLC0415 (loaded on use)

    return ["csv", "parquet", *vendors.names()]


TO_HELP = (
    "File format (default: from --out): csv, parquet, or a helpdesk's own export shape "
    "(jira, jira-dc, jira-csv, zendesk, glpi, glpi-list, znuny, zammad, osticket, freshservice, "
    "ticket-list) to try a connector on."
)


def _target(out: Path | None, to: str | None) -> str:
    if out is None:
        if to is not None:
            raise ConfigError("--to needs --out FILE", "or leave both out to write to the store")
        return "store"
    if to is not None:
        if to not in _targets():
            known = ", ".join(_targets())
            raise ConfigError(f"--to {to!r} is not a format", f"use one of: {known}")
        return to
    name = out.name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ConfigError(f"cannot tell the format of {out.name}", "add --to csv or --to parquet")


def _refuse_existing(out: Path, target: str, *, hidden: bool) -> None:
    """pdca never writes over a file: refuse when --out (or a file written beside it) exists."""
    from pdca.simulate.sinks import FileSink, VendorSink  # noqa: PLC0415 (loaded on use)

    sink: FileSink | VendorSink
    if target in ("csv", "parquet"):
        sink = FileSink(out, target, hidden=hidden)  # opens nothing until the first chunk
    else:
        sink = VendorSink(out, target, hidden=hidden)
    for path in (sink.path, sink.survey_path, sink.truth_path, sink.hidden.path):
        if path is not None and path.exists():
            raise ConfigError(
                f"{path} exists; pdca simulate does not write over files",
                "give another --out, or move the file away",
            )


def _start(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--start {text!r} is not a date", "write YYYY-MM-DD") from None


Step = Callable[["SimulationProgress"], None]
Work = Callable[[Callable[..., "SimulationReport"], Step], "SimulationReport"]


def _run_with_bar(work: Work, label: str) -> SimulationReport:
    """Run ``work(simulate, step)`` under a progress bar (chunks done, tickets, events)."""
    from pdca.simulate.run import simulate as run  # noqa: PLC0415 (loaded on use)

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=None, detail="")

        def step(p: SimulationProgress) -> None:
            detail = f"{p.tickets:,} tickets, {p.events:,} events, up to {p.until:%Y-%m-%d}"
            bar.update(task, total=p.chunks, completed=p.chunk, detail=detail)

        return work(run, step)


@app.command(rich_help_panel="Simulate")
def simulate(
    tickets: Annotated[
        int | None, typer.Option(help="Exact number of tickets (default: about 137 a day).")
    ] = None,
    days: Annotated[int, typer.Option(help="Days to simulate.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed: same options and seed, same data.")] = 0,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    inject: Annotated[list[str] | None, typer.Option(help=INJECT_HELP)] = None,
    log: Annotated[str, typer.Option(help="Name of the log.")] = "simulated_incidents",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write a file instead of the store.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help=TO_HELP)] = None,
    hidden: Annotated[
        bool, typer.Option(help="Also write the per-ticket hidden values (Parquet).")
    ] = True,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Simulate a service desk (incidents, routing, waits, surveys, major incidents) with a
    known truth; write it to the store or to a CSV/Parquet file.

    The store must be a pdca store (the log is added to it), a new or an empty directory; a
    directory with other files is refused. --out never writes over an existing file."""
    from pdca.simulate.config import make_config  # noqa: PLC0415 (loaded on use)
    from pdca.simulate.injected import parse_change  # noqa: PLC0415

    with user_errors():
        target = _target(out, to)
        if out is not None:
            _refuse_existing(out, target, hidden=hidden)
        options: dict[str, object] = {
            "seed": seed,
            "days": days,
            "tickets": tickets,
            "log": log,
            "inject": tuple(parse_change(spec) for spec in inject or ()),
        }
        first_day = _start(start)
        if first_day is not None:
            options["start"] = first_day
        config = make_config(**options)
        label = f"simulating {config.total_tickets:,} tickets over {config.days} days"
        report = _run_with_bar(
            lambda run, step: run(
                config, store=store, out=out, fmt=target, hidden=hidden, progress=step
            ),
            label,
        )
        if target == "store":
            api.keep_mining_traces(store, report.log)
    emit_record(report.to_dict(), fmt, title=f"simulated {report.log}")
