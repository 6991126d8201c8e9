"""`pdca report`: the service review as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pdca.interfaces.cli.common import (
    EngineOpt,
    StoreOpt,
    app,
    engine_name,
    err,
    user_errors,
    with_progress,
)


@app.command(rich_help_panel="Report")
def report(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="HTML file to write (default: review-LOG-PERIOD.html here). An existing file is "
            "replaced only if pdca report wrote it.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out even if pdca report did not write it.")
    ] = False,
    period: Annotated[str, typer.Option(help="Reporting period: month or week.")] = "month",
    objectives: Annotated[
        Path | None,
        typer.Option(
            help="Objectives file (TOML): targets, calendars, SLAs (default: PDCA_OBJECTIVES, "
            "the store's objectives.toml, else built-in)."
        ),
    ] = None,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
) -> None:
    """Write the monthly service review (scorecard, control charts, process map, findings).
    Exits with 1 when a section could not be computed (the file names it at the top); a section
    that does not apply (the improvement register on Spark) is left out and said on stderr."""
    from pdca.reports.review import build_report  # noqa: PLC0415 (loaded on use)

    with user_errors():
        result = with_progress(
            "writing the report",
            lambda _step: build_report(
                store=store,
                log=log,
                objectives=objectives,
                period=period,
                out=out,
                engine=engine_name(engine),
                force=force,
            ),
        )
    for name, reason in result.skipped.items():
        err.print(f"[yellow]left out {name}:[/] {escape(reason)}", highlight=False)
    typer.echo(result.objectives)
    typer.echo(f"report written to {result.path.resolve()}")
    if result.failed:
        # the review is written, but incomplete: say so (also at the top of the document)
        err.print(
            f"[bold red]error:[/] the review is incomplete: {len(result.failed)} section(s) left "
            "out (named above and at the top of the file)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
