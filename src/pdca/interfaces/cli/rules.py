"""`pdca rules …`: automation rules (replay a rule file over history)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import pandas as pd
import typer
from rich.console import Console
from rich.text import Text

from pdca.interfaces.cli.common import FormatOpt, StoreOpt, app, user_errors, with_progress
from pdca.interfaces.cli.output import Format, emit_frame

if TYPE_CHECKING:
    from pdca.methods.rules.replay import Unit

rules_app = typer.Typer(
    help="Automation rules: replay routing, escalation, auto-close and priority rules on history.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules", rich_help_panel="Act")

_WHEN = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
TABLE_COLUMNS = ["rule", "metric", "value", "ci_low", "ci_high", "per_changed"]


def _notes(about: dict[str, Any]) -> list[str]:
    counts = (
        f"Tickets opened in the window: {about['tickets']} ({about['resolved']} with a final "
        f"resolution, the ones judged); window: {about['window']}."
    )
    intervals = f"Intervals: {about['interval']} ({about['resamples']} resamples)."
    pass_on = (
        f"Pass-on time (the cost of a ticket sent to a wrong group), {about['pass_on']}: "
        f"{about['pass_on_hours']:g} h; the median hours a group held a ticket it then passed "
        f"on: {about['pass_on_median_hours']:g} h (--pass-on-hours sets your own)."
    )
    warnings = [f"Warning: {w}" for w in about.get("warnings", [])]
    lines = [*warnings, counts, intervals, pass_on, str(about["objectives"]["note"])]
    lines.append("Assumptions:")
    return lines + [f"- {a}" for a in about["assumptions"]]


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame[TABLE_COLUMNS].copy()
    for col in ("value", "ci_low", "ci_high", "per_changed"):
        shown[col] = shown[col].round(2)
    return shown


@rules_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The rule file (TOML; see docs/rules.md).")],
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Check a rule file without a store: one row per rule (its conditions and action in
    words), or a one-line error naming the line and key."""
    from pdca.api.rules import check_rules  # noqa: PLC0415 (loaded on use)

    with user_errors():
        frame = check_rules(file)
    emit_frame(frame, fmt, title=f"rules: {file.name}")


@rules_app.command("replay")
def replay(
    file: Annotated[Path, typer.Argument(help="The rule file (TOML; see docs/rules.md).")],
    since: Annotated[
        datetime | None,
        typer.Option(formats=_WHEN, help="Only tickets opened at or after this time (UTC)."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=_WHEN, help="Only tickets opened before this time (UTC)."),
    ] = None,
    objectives: Annotated[
        Path | None,
        typer.Option(
            help="Objectives file (SLA targets); default: PDCA_OBJECTIVES, else the store's "
            "objectives.toml, else the built-in targets (docs/sla.md)."
        ),
    ] = None,
    resamples: Annotated[
        int, typer.Option(help="Bootstrap resamples of the 95 % intervals (0: none).")
    ] = 1000,
    pass_on_hours: Annotated[
        float | None,
        typer.Option(
            help="Hours a wrong group costs a ticket before passing it on (default: the mean "
            "measured on the history)."
        ),
    ] = None,
    resample: Annotated[
        str,
        typer.Option(
            help="What the bootstrap resamples: day (the days of opening, each with its tickets) "
            "or ticket."
        ),
    ] = "day",
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Replay rules over history: per rule and in total, the tickets matched, hops avoided,
    hours saved, SLA breaches avoided and caused, tickets misrouted, with 95 % intervals.
    Negative savings and caused breaches mean the rule hurts."""
    from pdca.api.rules import replay_rules  # noqa: PLC0415 (loaded on use)

    with user_errors():
        frame = with_progress(
            "replaying the rules",
            lambda _step: replay_rules(
                file,
                store=store,
                log=log,
                since=since,
                until=until,
                objectives=objectives,
                resamples=resamples,
                pass_on_hours=pass_on_hours,
                unit=cast("Unit", resample),
            ),
        )
    about = {str(k): v for k, v in frame.attrs.items()}
    frame.attrs.clear()
    if fmt is Format.JSON:
        emit_frame(frame, fmt, about=about)
        return
    if fmt is Format.CSV:
        emit_frame(frame, fmt)
        console = Console(stderr=True, width=200)
    else:
        emit_frame(_rounded(frame), fmt, title=f"rule replay: {file.name}")
        console = Console() if Console().is_terminal else Console(width=200)
    for line in _notes(about):  # Text: data and file names are printed as they are
        console.print(Text(line), soft_wrap=True, highlight=False)
