"""`pdca demo`: see pdca's value in one command, without owning data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdca.interfaces.cli.common import app, user_errors, with_progress
from pdca.interfaces.demo import DEMO_REPORT, DEMO_STORE, demo


@app.command(name="demo", rich_help_panel="Report")
def demo_command(
    store: Annotated[
        Path, typer.Option("--store", help="Directory of the demo store (made afresh).")
    ] = DEMO_STORE,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML report to write.")] = DEMO_REPORT,
    tickets: Annotated[int, typer.Option(help="Number of simulated incidents.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 7,
) -> None:
    """Simulate a year of a service desk, analyse it, and write the service review."""
    with user_errors():
        result = with_progress(
            "demo",
            lambda step: demo(store=store, out=out, tickets=tickets, seed=seed, progress=step),
        )
    typer.echo(
        f"Simulated {result.tickets:,} incidents ({result.events:,} events) into {result.store}/"
    )
    typer.echo("Planted changes (the truth the analyses should find):")
    for change in result.changes:
        typer.echo(f"  - {change}")
    typer.echo(f"Initiative '{result.initiative['title']}': {result.verdict}")
    typer.echo(f"Report: {result.report.resolve()}  ({result.seconds:.0f} s)")
    if result.objectives is not None:
        typer.echo(
            f"SLA targets of the simulation, used by every command on it: {result.objectives}"
        )
    typer.echo(f"Explore further: pdca scorecard --store {result.store}")
