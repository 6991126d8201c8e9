"""The `pdca` command: thin wrappers that parse options, call :mod:`pdca.api`, print results.

Each group of commands lives in its own module and registers itself on the shared Typer app
(:mod:`.common`) when imported. Modules load on demand: `pdca --help`, `pdca --version` and usage
errors import none of them (so none of pandas, Ibis or DuckDB), and a command imports only its
own group. :data:`COMMANDS` is what `pdca --help` lists before any group has loaded; a test pins
it to the commands the groups register.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from difflib import get_close_matches
from importlib import import_module
from typing import Annotated, Any

import typer
from typer._click import Context, HelpFormatter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from pdca.interfaces.cli.common import app
from pdca.version import __version__

COMMAND_GROUPS = (
    "data",
    "pull",
    "measure",
    "durations",
    "analyse",
    "drivers",
    "problems",
    "control",
    "improve",
    "rules",
    "plan",
    "report",
    "reports",
    "demo",
    "simulate",
    "serve",
)
"""Modules of commands, in the order of the cycle (and of `pdca --help`)."""

COMMANDS: dict[str, tuple[str, str, str]] = {
    "ingest": (
        "data",
        "Data",
        "Import a helpdesk export or event log; print its data-quality report.",
    ),
    "ingest-surveys": (
        "data",
        "Data",
        "Import survey responses (CSAT or NPS) about a log's tickets; print the import report.",
    ),
    "status": ("data", "Data", "Show what the store holds: logs, events, tickets, time span."),
    "imports": ("data", "Data", "List past imports with their counts."),
    "quarantine": ("data", "Data", "List quarantined rows and the reason for each."),
    "export": ("data", "Data", "Export the canonical data to Parquet, CSV, XES or OCEL 2.0."),
    "suggest-mapping": (
        "data",
        "Data",
        "Print a draft mapping file for an export: `pdca suggest-mapping FILE > map.toml`.",
    ),
    "pull": (
        "pull",
        "Data",
        "Fetch tickets and their change history from a helpdesk's REST API and import them.",
    ),
    "kpi": (
        "measure",
        "Measure",
        "Compute KPIs, optionally per period and broken down by ticket attributes.",
    ),
    "scorecard": (
        "measure",
        "Measure",
        "All KPIs of the latest period against their targets: red/amber/green and trend.",
    ),
    "sla": (
        "measure",
        "Measure",
        "SLA clocks: a summary per priority and service, then the most urgent tickets.",
    ),
    "durations": (
        "durations",
        "Measure",
        "Duration statistics of a ticket list without dates: n, mean, median, p90 per group.",
    ),
    "mine": (
        "analyse",
        "Analyse",
        "Process mining: how tickets really flow (one row per edge / variant / case / ticket).",
    ),
    "drivers": (
        "drivers",
        "Analyse",
        (
            "Which ticket attributes explain SLA breaches, long resolution, reopens or "
            "reassignment:\neffects adjusted for each other with 95 % intervals, ranked by "
            "avoidable hours or tickets."
        ),
    ),
    "problems": (
        "problems",
        "Analyse",
        (
            "Candidate problems: tickets clustered by what they say (TF-IDF, SVD, HDBSCAN), "
            "ranked by\nvolume or hours lost, with top words and examples; --bursts finds "
            "bursts of similar\ntickets in a short window (a major incident in the making)."
        ),
    ),
    "spc": (
        "control",
        "Control",
        "Control chart of a measurement file: limits and signals, or the chart as SVG.",
    ),
    "monitor": (
        "control",
        "Control",
        "Current control-chart signals of the KPIs across services, in plain language.",
    ),
    "forecast": (
        "plan",
        "Plan",
        (
            "Forecast opened tickets with 80/95 % intervals, next to the seasonal-naive baseline, "
            "and\nthe backtest error (MASE, interval coverage) of both."
        ),
    ),
    "staff": (
        "plan",
        "Plan",
        (
            "Agents and positions per hour of the next week for a service level (Erlang A or C, "
            "from\nthe hourly forecast and the measured handling time), as a table or a heat map "
            "(svg)."
        ),
    ),
    "report": (
        "report",
        "Report",
        (
            "Write the monthly service review (scorecard, control charts, process map, "
            "findings).\nExits with 1 when a section could not be computed (the file names it "
            "at the top); a section\nthat does not apply (the improvement register on Spark) is "
            "left out and said on stderr."
        ),
    ),
    "demo": (
        "demo",
        "Report",
        "Simulate a year of a service desk, analyse it, and write the service review.",
    ),
    "simulate": (
        "simulate",
        "Simulate",
        (
            "Simulate a service desk (incidents, routing, waits, surveys, major incidents) with "
            "a\nknown truth; write it to the store or to a CSV/Parquet file."
        ),
    ),
    "serve": (
        "serve",
        "Web",
        "Serve the web app (scorecard, KPIs, SLA, improvement register…) on http://HOST:PORT.",
    ),
    "improve": (
        "improve",
        "Act",
        "The improvement register: initiatives, verification of their effect, suggestions.",
    ),
    "rules": (
        "rules",
        "Act",
        "Automation rules: replay routing, escalation, auto-close and priority rules on history.",
    ),
    "reports": (
        "reports",
        "Report",
        "The governance record: archived review packs (list, show, regenerate).",
    ),
    "user": ("serve", "Web", "Local accounts of the web app: add, passwd, role, list, token."),
}
"""Command → (its module in :data:`COMMAND_GROUPS`, help panel, first paragraph of its help)."""

__all__ = ["COMMANDS", "COMMAND_GROUPS", "app", "main"]


def load_group(group: str) -> None:
    """Import a module of commands: it registers them on :data:`app`."""
    import_module(f"pdca.interfaces.cli.{group}")


def load_all() -> None:
    for group in COMMAND_GROUPS:
        load_group(group)


class LazyGroup(TyperGroup):
    """The `pdca` group: commands load when they run; usage errors are one line.

    While the group's help is printed, a command whose module has not loaded is listed from
    :data:`COMMANDS`; resolving a command to run it (or to print its own help) loads its module.
    """

    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:  # noqa: ARG002 (click's signature)
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            known = COMMANDS.get(cmd_name)
            if known is not None and self._listing:
                stub = typer.core.TyperCommand(name=cmd_name, help=known[2])
                stub.rich_help_panel = known[1]
                return stub
            if known is None:  # not a command (a new one is listed in COMMANDS: a test pins it)
                return None
            load_group(known[0])
            # the click command typer builds for the now-registered command
            built = typer.main.get_group(app).commands.get(cmd_name)
            if built is None:
                return None
            self.commands[cmd_name] = built
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            # typer suggests among the loaded commands only: suggest among all of them
            if args and exc.message.startswith("No such command") and "Did you" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {matches[0]!r}?"
            raise

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        run = {"windows_expand_args": windows_expand_args, "standalone_mode": False, **extra}
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, **run)
        try:
            result = super().main(args, prog_name, complete_var, **run)
        except ClickException as exc:
            usage_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        except Exception as exc:  # outside a command's own handling: still one line
            from pdca.interfaces.cli import failures  # noqa: PLC0415 (only on failure)

            line = failures.internal_line(exc)
            typer.echo(f"{typer.style('error:', fg='red', bold=True)} {line}", err=True)
            sys.exit(failures.EXIT_INTERNAL)
        sys.exit(result if isinstance(result, int) else 0)


def usage_error(exc: ClickException) -> None:
    """One line on stderr, as pdca's own errors: ``error: what — hint``."""
    if isinstance(exc, NoArgsIsHelpError):  # `pdca` or a group alone: its help, exit code 2
        if exc.format_message().strip():  # rich has printed it already; plain click has not
            exc.show()
        return
    message = " ".join(exc.format_message().split())
    if isinstance(exc, UsageError) and exc.ctx is not None:
        message += f" — see '{exc.ctx.command_path} --help'"
    typer.echo(f"{typer.style('error:', fg='red', bold=True)} {message}", err=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pdca {__version__}")
        raise typer.Exit()


@app.callback()
def _pdca(
    version: Annotated[  # noqa: ARG001 (acted on by its callback)
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV output (-f csv): write cells exactly as computed; by default a text cell "
            "starting with = + - @ gets a leading ' so that a spreadsheet does not run it.",
        ),
    ] = False,
) -> None:
    """Continuous quality improvement for IT service management."""
    from pdca.interfaces.cli.common import SETTINGS  # noqa: PLC0415 (light: no pandas)

    SETTINGS["raw_csv"] = raw


app.info.cls = LazyGroup


def main() -> None:
    """Console-script entry point.

    Once the command has finished and its output is flushed, the process ends at once: tearing
    down the analytics engine's modules at interpreter exit costs a noticeable fraction of a
    second and does no useful work (the store is closed by then).
    """
    try:
        app(prog_name="pdca")  # also under `python -m pdca.interfaces.cli`
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
