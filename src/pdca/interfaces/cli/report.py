"""`pdca report`: the service review as one self-contained HTML file or a paged PDF pack
(`pdca reports`, in reports.py, lists and rebuilds the archived packs)."""

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
            help="File to write (default: review-LOG-PERIOD.html, or .pdf with --pdf, here). An "
            "existing file is replaced only if pdca report wrote it.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out even if pdca report did not write it.")
    ] = False,
    period: Annotated[
        str | None,
        typer.Option(help="Reporting period: month or week (default: the template's, else month)."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            help="Report template: committee (every section), team-weekly, or a TOML file "
            "choosing and ordering the sections (docs/reports.md). Default: every section."
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf", help="Write a paged PDF pack (cover, contents, page numbers) instead of HTML."
        ),
    ] = False,
    archive: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="Record the pack in the governance record with the data version, objectives "
            "and template it was built from (pdca reports list).",
        ),
    ] = False,
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

    pack = None
    with user_errors():
        chosen = engine_name(engine)
        if archive:
            from pdca.errors import InputError  # noqa: PLC0415

            if chosen not in (None, "duckdb"):
                raise InputError(
                    "--archive records the DuckDB store's data version; the export on Spark has "
                    "none",
                    "archive the pack from the DuckDB store (leave out --engine spark)",
                )
            from pdca.reports.archive import build_and_archive  # noqa: PLC0415

            result, pack = with_progress(
                "writing the pack",
                lambda _step: build_and_archive(
                    store=store,
                    log=log,
                    objectives=objectives,
                    period=period,
                    out=out,
                    force=force,
                    template=template,
                    pdf=pdf,
                ),
            )
        else:
            result = with_progress(
                "writing the report",
                lambda _step: build_report(
                    store=store,
                    log=log,
                    objectives=objectives,
                    period=period,
                    out=out,
                    engine=chosen,
                    force=force,
                    template=template,
                    pdf=pdf,
                ),
            )
    for name, reason in result.skipped.items():
        err.print(f"[yellow]left out {name}:[/] {escape(reason)}", highlight=False)
    typer.echo(result.objectives)
    pages = f" ({result.pages} pages)" if result.pages else ""
    typer.echo(f"report written to {result.path.resolve()}{pages}")
    if pack is not None:
        typer.echo(f"archived as pack {pack} (pdca reports show {pack})")
    if result.failed:
        # the review is written, but incomplete: say so (also at the top of the document)
        err.print(
            f"[bold red]error:[/] the review is incomplete: {len(result.failed)} section(s) left "
            "out (named above and at the top of the file)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
