"""`pdca demo`: see pdca's value in one command, without owning data."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from pdca.interfaces.cli.common import app, user_errors, with_progress
from pdca.interfaces.demo import DEMO_REPORT, DEMO_STORE, MARKER, demo


def _program() -> str:
    """How the user ran pdca (``.venv/bin/pdca``, ``pdca``, …), for hints that work as typed."""
    name = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("pdca")
    if name.stem != "pdca" or name.suffix not in ("", ".exe"):
        return "pdca"  # run as `python -m pdca` or from a test: the installed command's name
    return shlex.quote(str(name))


@app.command(name="demo", rich_help_panel="Report")
def demo_command(
    store: Annotated[
        Path,
        typer.Option(
            "--store",
            help=f"Folder of the demo: its store and its review. Must be new or empty, or a "
            f"folder an earlier demo made (marked by {MARKER}), which is then replaced; any "
            "other folder is refused and left as it is.",
        ),
    ] = DEMO_STORE,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"HTML review to write (default: {DEMO_REPORT} in the demo's folder). Outside "
            "the folder, an existing file is replaced only if a demo wrote it.",
        ),
    ] = None,
    tickets: Annotated[int, typer.Option(help="Number of simulated incidents.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 7,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then serve the web app on the demo's store (http://127.0.0.1:PORT/), with an "
            "account 'admin' whose random password is printed once.",
        ),
    ] = False,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the web app (with --serve).")
    ] = 8000,
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
    typer.echo(f"Review: {result.report}  ({result.seconds:.0f} s)")
    if result.objectives is not None:
        typer.echo(
            f"SLA targets of the simulation, used by every command on it: {result.objectives}"
        )
    typer.echo(f"Explore further: {_program()} scorecard --store {shlex.quote(str(result.store))}")
    if serve:
        _serve(Path(result.store), port)


def _serve(store: Path, port: int) -> None:
    """Create the demo's admin account and serve the web app on loopback."""
    with user_errors():
        from pdca.web.demo import DEMO_ADMIN, demo_admin  # noqa: PLC0415 (web loads on use)
        from pdca.web.server import serve  # noqa: PLC0415
        from pdca.web.settings import WebSettings  # noqa: PLC0415

        password = demo_admin(store)
        typer.echo(
            f"Web app: http://127.0.0.1:{port}/ — log in as {DEMO_ADMIN!r} with password "
            f"{password} (shown once; change it with `{_program()} user passwd {DEMO_ADMIN} "
            f"--store {shlex.quote(str(store))}`). Ctrl-C stops it."
        )
        serve(store, host="127.0.0.1", port=port, settings=WebSettings(warm=True))
