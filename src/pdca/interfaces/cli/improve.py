"""`pdca improve …`: the improvement register (new, list, show, update, verify, adopt,
reverify, suggest)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from pdca import api
from pdca.errors import ConfigError
from pdca.interfaces.cli.common import FormatOpt, StoreOpt, app, user_errors, with_progress
from pdca.interfaces.cli.output import (
    Format,
    declared,
    emit_frame,
    emit_record,
    spreadsheet_safe,
)

improve_app = typer.Typer(
    help="The improvement register: initiatives, verification of their effect, suggestions.",
    no_args_is_help=True,
)
app.add_typer(improve_app, name="improve", rich_help_panel="Act")

LogOpt = Annotated[str | None, typer.Option(help="Log in the store (if several).")]
WhoOpt = Annotated[str | None, typer.Option("--who", help="Who makes the change (default: you).")]
GoLiveOpt = Annotated[
    datetime | None, typer.Option("--go-live", help="When the change went live (UTC).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of printing.")
]
ObjectivesOpt = Annotated[
    Path | None,
    typer.Option(
        help="Objectives file (SLA targets, calendars); default: PDCA_OBJECTIVES, else the "
        "store's objectives.toml, else the built-in targets (docs/sla.md)."
    ),
]
CompareOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--compare",
        help="Comparison group: rest (the tickets outside the scope; default), none, or "
        "COLUMN=VALUE (repeatable).",
    ),
]


def _compare(values: list[str] | None, default: str | None) -> Any:
    """The --compare values as the API takes them (``default`` when none is given)."""
    if not values:
        return default
    if len(values) == 1 and values[0].strip().lower() in {"rest", "none"}:
        return values[0].strip().lower()
    return values


def _options(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--option {pair!r} is not NAME=VALUE", "e.g. --option statistic=median"
            )
        out[key.strip()] = value.strip()
    return out


def _record(record: dict[str, Any]) -> dict[str, Any]:
    """An initiative for printing: the verdict's sentence instead of every number."""
    shown = {k: v for k, v in record.items() if k != "verdict"}
    verdict = record.get("verdict") or {}
    shown["verdict"] = verdict.get("verdict")
    shown["sentence"] = verdict.get("sentence")
    shown["alerts"] = verdict.get("alerts") or []
    return shown


def _write(frame: pd.DataFrame, fmt: Format, output: Path | None, title: str) -> None:
    if output is None:
        emit_frame(frame, fmt, title=title)
        return
    if fmt is Format.JSON:
        frame.to_json(output, orient="records", date_format="iso", indent=2)
    else:
        spreadsheet_safe(frame).to_csv(output, index=False)
    typer.echo(f"wrote {len(frame)} row(s) to {output}")


@improve_app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="What the initiative is about.")],
    kpi: Annotated[str, typer.Option(help="The CTQ metric: a KPI id (see `pdca kpi --list`).")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="COLUMN=VALUE; repeat for several values or columns."),
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="KPI option NAME=VALUE.")
    ] = None,
    target: Annotated[float | None, typer.Option(help="Target in the KPI's unit.")] = None,
    go_live: GoLiveOpt = None,
    problem: Annotated[str | None, typer.Option(help="Problem statement.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns the initiative.")] = None,
    cycle: Annotated[str, typer.Option(help="pdca or dmaic.")] = "pdca",
    baseline_days: Annotated[int, typer.Option(help="Length of the baseline window.")] = 90,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="Planned action, 'TEXT@YYYY-MM-DD'.")
    ] = None,
    compare: CompareOpt = None,
    objectives: ObjectivesOpt = None,
    log: LogOpt = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Create an initiative; its baseline is measured from the data at once."""
    with user_errors():
        record = with_progress(
            "measuring the baseline",
            lambda _step: api.new_initiative(
                title,
                kpi=kpi,
                store=store,
                log=log,
                problem=problem,
                owner=owner,
                scope=list(scope or []),
                kpi_options=_options(list(option or [])),
                target=target,
                go_live=go_live,
                baseline_days=baseline_days,
                cycle=cycle,
                actions=list(action or []),
                who=who,
                comparison=_compare(compare, "rest"),
                objectives=objectives,
            ),
        )
    emit_record(_record(record), fmt, title=f"initiative {record['initiative_id']}")


@improve_app.command("list")
def list_(store: StoreOpt = None, fmt: FormatOpt = Format.TABLE, output: OutputOpt = None) -> None:
    """The register: every initiative with its latest verdict (export with -f csv|json -o FILE)."""
    with user_errors():
        frame = api.initiatives(store=store)
    if fmt is Format.TABLE and output is None:
        frame = frame.drop(columns=["log", "problem", "created_at"])
    _write(frame, fmt, output, "improvement register")


@improve_app.command("show")
def show(
    initiative_id: Annotated[int, typer.Argument(help="Initiative id.")],
    history: Annotated[bool, typer.Option("--log", help="Show the change log instead.")] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """One initiative with every field, or its change log (who, when, what)."""
    with user_errors():
        if history:
            emit_frame(api.initiative_log(initiative_id, store=store), fmt, title="change log")
            return
        record = api.initiative(initiative_id, store=store)
    emit_record(_record(record), fmt, title=f"initiative {initiative_id}")


@improve_app.command("update")
def update(
    initiative_id: Annotated[int, typer.Argument(help="Initiative id.")],
    status: Annotated[str | None, typer.Option(help="New step of the cycle.")] = None,
    go_live: GoLiveOpt = None,
    target: Annotated[float | None, typer.Option(help="Target in the KPI's unit.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns the initiative.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    problem: Annotated[str | None, typer.Option(help="Problem statement.")] = None,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="Add an action, 'TEXT@YYYY-MM-DD'.")
    ] = None,
    done: Annotated[
        list[int] | None, typer.Option("--done", help="Mark action N (from 1) as done.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept in the change log).")] = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Change an initiative; every change is logged with who and when."""
    with user_errors():
        record = api.update_initiative(
            initiative_id,
            store=store,
            who=who,
            note=note,
            title=title,
            problem=problem,
            owner=owner,
            status=status,
            target=target,
            go_live=go_live,
            add_actions=list(action or []),
            done_actions=list(done or []),
        )
    emit_record(_record(record), fmt, title=f"initiative {initiative_id}")


@improve_app.command("verify")
def verify(
    initiative_id: Annotated[int, typer.Argument(help="Initiative id.")],
    chart: Annotated[
        bool, typer.Option("--chart", help="Print the staged control chart's limits.")
    ] = False,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Keep the verdict in the register.")
    ] = True,
    method: Annotated[
        str | None,
        typer.Option(help="Force a design: per-unit, or trend (weekly values only)."),
    ] = None,
    compare: CompareOpt = None,
    objectives: ObjectivesOpt = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Check the effect: before vs after go-live against a comparison group, with one verdict in
    plain words and the design it comes from."""
    with user_errors():
        check = with_progress(
            "verifying",
            lambda _step: api.verify_initiative(
                initiative_id,
                store=store,
                save=save,
                who=who,
                method=method,
                comparison=_compare(compare, ""),
                objectives=objectives,
            ),
        )
    if chart:
        if check.limits is None:
            typer.echo("too few weeks on one side of go-live for a staged chart", err=True)
            raise typer.Exit(1)
        emit_frame(check.limits, fmt, title="staged control chart")
        return
    emit_record(
        {**check.record(), "standard": check.standard},
        fmt,
        title=f"verification of initiative {initiative_id}",
    )


@improve_app.command("adopt")
def adopt(
    initiative_id: Annotated[int, typer.Argument(help="Initiative id.")],
    note: Annotated[str | None, typer.Option(help="Why (kept in the change log).")] = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """The owner confirms: the standard proposed by the last 'improved' verdict comes into force
    and the initiative moves to Act."""
    with user_errors():
        record = api.adopt_standard(initiative_id, store=store, who=who, note=note)
    emit_record(_record(record), fmt, title=f"initiative {initiative_id}")


@improve_app.command("suggest")
def suggest(
    accept: Annotated[
        str | None, typer.Option(help="Create an initiative from the suggestion with this key.")
    ] = None,
    l1_target: Annotated[float, typer.Option(help="Push-to-front target share (0-1).")] = 0.7,
    top: Annotated[int, typer.Option(help="How many ping-pong pairs to consider.")] = 5,
    owner: Annotated[str | None, typer.Option(help="Owner of an accepted initiative.")] = None,
    spc: Annotated[
        bool, typer.Option(help="Include SPC signals and low SLA capability (slower).")
    ] = True,
    go_live: GoLiveOpt = None,
    objectives: ObjectivesOpt = None,
    log: LogOpt = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Candidate initiatives from mining, SPC signals and SLA capability, ranked by expected gain
    (hours/month)."""
    with user_errors():
        if accept is not None:
            record = api.accept_suggestion(
                accept,
                store=store,
                log=log,
                owner=owner,
                who=who,
                go_live=go_live,
                push_to_front_target=l1_target,
                top=top,
                spc=spc,
                objectives=objectives,
            )
            emit_record(_record(record), fmt, title=f"initiative {record['initiative_id']}")
            return
        frame = with_progress(
            "mining for candidates",
            lambda _step: api.suggest_initiatives(
                store=store,
                log=log,
                push_to_front_target=l1_target,
                top=top,
                spc=spc,
                objectives=objectives,
            ),
        )
    # the table says which targets it used; CSV and JSON keep their shape (the Python API's
    # attrs carry the same)
    about = declared(frame) if fmt is Format.TABLE else None
    emit_frame(frame, fmt, title="suggested initiatives", about=about)


REVERIFY_COLUMNS = [
    "initiative_id", "title", "kpi", "previous", "verdict", "changed", "alerts", "status",
    "sentence", "reason",
]  # fmt: skip


@improve_app.command("reverify")
def reverify(
    objectives: ObjectivesOpt = None,
    log: LogOpt = None,
    who: WhoOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Verify again every initiative that has gone live and keep the verdicts (as after an
    import)."""
    from pdca.api.improve import reverify_all  # noqa: PLC0415 (loaded on use)

    with user_errors():
        rows = with_progress(
            "verifying",
            lambda _step: reverify_all(store=store, log=log, who=who, objectives=objectives),
        )
    frame = pd.DataFrame(rows, columns=REVERIFY_COLUMNS)
    frame["alerts"] = frame["alerts"].map(lambda a: "; ".join(a) if isinstance(a, list) else a)
    emit_frame(frame, fmt, title="re-verified initiatives")
