"""`pdca pull`: fetch what changed in a helpdesk through its REST API and import it."""

from __future__ import annotations

from typing import Annotated

import typer

from pdca import api
from pdca.interfaces.cli.common import FormatOpt, StoreOpt, app, user_errors, with_progress
from pdca.interfaces.cli.output import Format, emit_record
from pdca.pull import PULLERS
from pdca.pull.http import Limits

_SOURCES = "; ".join(f"{name}: {what}" for name, what in PULLERS.items())


@app.command(rich_help_panel="Data")
def pull(
    source: Annotated[str, typer.Argument(help=f"The tool to pull from. {_SOURCES}.")],
    url: Annotated[
        str, typer.Option(help="The tool's base address, e.g. https://example.atlassian.net.")
    ],
    token_env: Annotated[
        str,
        typer.Option(
            help="Name of the environment variable holding the API token, key or password "
            "(the secret itself is never given on the command line nor stored)."
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            help="Fetch what changed at or after this time (ISO 8601; default: the cursor of "
            "the last pull, or everything)."
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            help="Login that goes with the token (Jira/Zendesk e-mail, GLPI/Znuny/ServiceNow "
            "user; basic authentication). Without it the token is sent as the tool expects a "
            "token alone (bearer, Token token=, user_token, SessionID, API key)."
        ),
    ] = None,
    app_token_env: Annotated[
        str | None,
        typer.Option(help="GLPI: environment variable holding the App-Token, if one is needed."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="Time zone of the tool's times without offset (GLPI, Znuny; default UTC)."
        ),
    ] = None,
    log: Annotated[
        str | None, typer.Option(help="Name of the log in the store (default: the source).")
    ] = None,
    retries: Annotated[
        int, typer.Option(min=0, help="Tries after the first for 5xx answers and dropped links.")
    ] = Limits.retries,
    max_wait: Annotated[
        float,
        typer.Option(min=0, help="Longest Retry-After wait (seconds) honoured on a 429."),
    ] = Limits.max_wait,
    timeout: Annotated[float, typer.Option(min=1, help="Network timeout (seconds).")] = (
        Limits.timeout
    ),
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Fetch tickets and their change history from a helpdesk's REST API and import them.

    The first pull fetches everything (or what changed since --since); each later pull fetches
    only what changed since the cursor the last successful pull left in the store. See
    docs/pull.md."""
    limits = Limits(retries=retries, max_wait=max_wait, timeout=timeout)
    with user_errors():
        report = with_progress(
            f"pulling from {source}",
            lambda step: api.pull(
                source,
                url,
                token_env,
                since=since,
                store=store,
                log=log,
                user=user,
                app_token_env=app_token_env,
                timezone=timezone,
                limits=limits,
                progress=step,
            ),
        )
    if fmt is not Format.TABLE:
        emit_record(report.to_dict(), fmt, title=f"pull {report.source}")
        return
    lines = [
        f"Pulled from {report.source} at {report.url} into log {report.log!r}"
        + (f", changes since {report.since}." if report.since else " (everything)."),
        f"Fetched {report.tickets:,} tickets and {report.history:,} history rows in "
        f"{report.requests:,} requests"
        + (
            f" (waited {report.waited:.1f} s for retries and rate limits)."
            if report.waited
            else "."
        ),
    ]
    imported = report.imported
    if imported is None:
        lines.append("Nothing changed: nothing imported.")
    else:
        lines.append(
            f"Import {imported.import_id}: stored {imported.stored:,} new events "
            f"({imported.duplicates:,} already in the store, {imported.quarantined:,} "
            f"quarantined); the log holds {imported.events_in_log:,} events of "
            f"{imported.tickets_in_log:,} tickets."
        )
        lines += [f"Warning: {w}" for w in imported.warnings]
    lines.append(f"Cursor: {report.cursor or 'none yet'} (the next pull starts there).")
    for line in lines:
        typer.echo(line)
