"""`pdca` commands that analyse how tickets flow (process mining)."""

from __future__ import annotations

from typing import Annotated

import typer

from pdca import api
from pdca.interfaces.cli.common import (
    FormatOpt,
    StoreOpt,
    app,
    user_errors,
    with_progress,
)
from pdca.interfaces.cli.output import Format, emit_frame


@app.command(rich_help_panel="Analyse")
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
    with user_errors():
        frame = with_progress(
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
