"""`pdca` commands that control: control charts of any file, and KPI monitoring of the store."""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.text import Text

from pdca import api
from pdca.api.control import chart_parameters
from pdca.errors import ConfigError
from pdca.interfaces.cli.common import (
    DelimiterOpt,
    EncodingOpt,
    EngineOpt,
    FormatOpt,
    Period,
    StoreOpt,
    app,
    delimiter_of,
    engine_name,
    err,
    user_errors,
    with_progress,
)
from pdca.interfaces.cli.output import Format, emit_frame


class ChartFormat(StrEnum):
    """Output formats of `pdca spc`: the usual three, or the chart itself."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    SVG = "svg"


@app.command(rich_help_panel="Control")
def spc(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file, one row per measurement.")],
    chart: Annotated[
        str,
        typer.Option(
            "--chart",
            "-c",
            help="Chart id: imr, xbar-r, xbar-s, p, np, c, u, laney-p, laney-u, ewma, cusum, t, g.",
        ),
    ],
    value: Annotated[
        str, typer.Option(help="Value column (or count); several, comma-separated: one subgroup.")
    ],
    subgroup: Annotated[
        str | None, typer.Option(help="Column whose equal values form a subgroup.")
    ] = None,
    size: Annotated[
        str | None, typer.Option(help="Subgroup size or area of opportunity column (p, np, u).")
    ] = None,
    phase1: Annotated[
        str | None,
        typer.Option(help="Phase I: the first N points, or A:B (1-based) of each stage."),
    ] = None,
    stages: Annotated[str | None, typer.Option(help="Column of stage labels.")] = None,
    rules: Annotated[
        str | None, typer.Option(help="Rules: we, nelson, anhoej or ids like WE1,N2.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Points left out of the limits, e.g. 15,23 (1-based).")
    ] = None,
    label: Annotated[str | None, typer.Option(help="Column naming each point (dates).")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the SVG chart.")] = None,
    y_label: Annotated[
        str | None, typer.Option("--y-label", help="Y-axis label of the SVG chart.")
    ] = None,
    sigma: Annotated[
        str | None,
        typer.Option(
            help="Sigma estimator (moving-range, sd, mean-range, mean-sd, pooled, pooled-sbar, …) "
            "or a known sigma."
        ),
    ] = None,
    centre: Annotated[
        float | None, typer.Option("--centre", "--center", help="Known centre (target, μ0).")
    ] = None,
    width: Annotated[
        float | None,
        typer.Option("--L", "--width", help="Limits at centre ± L sigma (default 3; EWMA's L)."),
    ] = None,
    smoothing: Annotated[
        float | None, typer.Option("--lambda", help="EWMA weight λ in (0, 1] (default 0.2).")
    ] = None,
    decision: Annotated[
        float | None, typer.Option("--h", help="CUSUM decision interval h > 0 (sigmas, default 5).")
    ] = None,
    reference: Annotated[
        float | None, typer.Option("--k", help="CUSUM reference value k ≥ 0 (sigmas, default 0.5).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")] = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    fmt: Annotated[
        ChartFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ChartFormat.TABLE,
) -> None:
    """Control chart of a measurement file: limits and signals, or the chart as SVG."""
    with user_errors():
        columns = [c.strip() for c in value.split(",") if c.strip()]
        options: dict[str, Any] = {
            "subgroup": subgroup,
            "size": size,
            "phase1": phase1,
            "stages": stages,
            "rules": rules,
            "exclude": _points(exclude),
            "label": label,
            "sheet": sheet,
            "encoding": encoding,
            "delimiter": delimiter_of(delimiter),
            "chart_options": _chart_options(
                chart,
                sigma=sigma,
                centre=centre,
                width=width,
                smoothing=smoothing,
                decision=decision,
                reference=reference,
            ),
        }
        target = columns[0] if len(columns) == 1 else columns
        if fmt is ChartFormat.SVG:
            text = api.control_chart(file, chart, target, title=title, y_label=y_label, **options)
            sys.stdout.write(text + "\n")
            return
        limits, signals = api.spc(file, chart, target, **options)
    if fmt is ChartFormat.JSON:
        doc = {
            "chart": chart.lower(),
            "limits": _records(limits),
            "signals": _records(signals),
        }
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    elif fmt is ChartFormat.CSV:
        emit_frame(limits, Format.CSV)
    else:
        emit_frame(_summary(limits), Format.TABLE, title=f"{chart.lower()} chart: limits")
        if signals.empty:
            err.print("no signals")
        else:
            emit_frame(signals.drop(columns=["flagged"]), Format.TABLE, title="signals")


@app.command(rich_help_panel="Control")
def monitor(
    kpis: Annotated[
        list[str] | None, typer.Argument(help="KPI ids (default: the usual service-desk KPIs).")
    ] = None,
    by: Annotated[
        str,
        typer.Option(help="Group by a ticket attribute; auto: service, else category; none."),
    ] = "auto",
    period: Annotated[Period, typer.Option(help="Period of each point.")] = (Period.WEEK),
    phase1: Annotated[
        int | None, typer.Option(help="Limits from the first N periods (default: all).")
    ] = None,
    current: Annotated[
        int, typer.Option(help="A signal is current when it reaches the KPI's last K periods.")
    ] = 3,
    top: Annotated[int, typer.Option(help="Chart the N groups with the most tickets.")] = 10,
    rules: Annotated[
        str, typer.Option(help="Rules: we, nelson, anhoej or ids like WE1,N2.")
    ] = "we",
    charts: Annotated[
        bool, typer.Option("--charts", help="One row per chart (binding, limits, status).")
    ] = False,
    min_n: Annotated[
        int | None,
        typer.Option(
            "--min-n",
            help="Points with fewer tickets never signal (default 5 for means, 10 for shares).",
        ),
    ] = None,
    include_incomplete: Annotated[
        bool,
        typer.Option(
            "--include-incomplete", help="Count periods the log covers incompletely, too."
        ),
    ] = False,
    log: Annotated[str | None, typer.Option(help="Log in the store (if several).")] = None,
    objectives: Annotated[
        Path | None, typer.Option(help="Objectives file (SLA targets, calendars).")
    ] = None,
    store: StoreOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Current control-chart signals of the KPIs across services, in plain language."""
    with user_errors():
        found = with_progress(
            "charting KPIs",
            lambda _step: api.monitor_details(
                store=store,
                engine=engine_name(engine),
                log=log,
                kpis=list(kpis or []),
                by=None if by.lower() == "none" else by,
                period=period.value,
                objectives=objectives,
                phase1=phase1,
                current=current,
                top=top,
                rules=rules,
                min_n=min_n,
                include_incomplete=include_incomplete,
            ),
        )
    frame = found.charts if charts else found.signals
    if fmt is Format.TABLE and not charts:
        if frame.empty:
            err.print("no current signals: every charted KPI is in statistical control")
        else:
            frame = frame[["group", "kpi", "period", "n", "rule", "effect", "message"]]
            emit_frame(frame, fmt, title="current signals")
        for line in _monitor_notes(found, include_incomplete=include_incomplete):
            err.print(Text(line), soft_wrap=True, highlight=False)
        return
    emit_frame(frame, fmt, title="charts" if charts else "current signals")


def _monitor_notes(found: Any, *, include_incomplete: bool) -> list[str]:
    """Under the signal table: per KPI, the periods left out and the minimum n (``found`` is
    :func:`pdca.api.monitor_details`'s result)."""
    lines = []
    for kpi_id, floor in found.min_n.items():
        said = found.incomplete.get(kpi_id, "")
        if said:
            verb = "counted anyway" if include_incomplete else "left out of limits and signals"
            lines.append(f"{kpi_id}: {said} ({verb})")
        if floor:
            lines.append(f"{kpi_id}: points with fewer than {floor} tickets never signal")
    return lines


def _chart_options(
    chart: str,
    *,
    sigma: str | None,
    centre: float | None,
    width: float | None,
    smoothing: float | None,
    decision: float | None,
    reference: float | None,
) -> dict[str, Any]:
    """The chart's own parameters from `pdca spc`'s flags, each checked on one line."""
    given: dict[str, tuple[str, Any]] = {
        "sigma": ("--sigma", _sigma(sigma)),
        "centre": ("--centre", centre),
        "nsigmas": ("--L", width),
        "smoothing": ("--lambda", smoothing),
        "decision": ("--h", decision),
        "reference": ("--k", reference),
    }
    checks = {
        "centre": (math.isfinite, "a number"),
        "nsigmas": (lambda v: 0 < v < math.inf, "a positive number"),
        "smoothing": (lambda v: 0 < v <= 1, "in (0, 1]"),
        "decision": (lambda v: 0 < v < math.inf, "a positive number"),
        "reference": (lambda v: 0 <= v < math.inf, "0 or more"),
    }
    accepted = chart_parameters(chart)
    options: dict[str, Any] = {}
    for name, (flag, value) in given.items():
        if value is None:
            continue
        if name not in accepted:
            raise ConfigError(f"{flag} does not apply to the {chart.lower()} chart")
        if name in checks and not checks[name][0](value):
            raise ConfigError(f"{flag} must be {checks[name][1]}, got {value:g}")
        options[name] = value
    return options


def _sigma(text: str | None) -> str | float | None:
    """``--sigma``: an estimator's name, or a known sigma (a positive number)."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return text.strip().lower()
    if not 0 < value < math.inf:
        raise ConfigError(f"--sigma must be an estimator or a positive number, got {text}")
    return value


def _points(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError:
        raise ConfigError(
            f"--exclude {text!r} is not a list of point numbers", "e.g. 15,23"
        ) from None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    text = frame.to_json(orient="records", date_format="iso", double_precision=15)
    parsed: list[dict[str, Any]] = json.loads(text)
    return parsed


def _summary(limits: pd.DataFrame) -> pd.DataFrame:
    """Per panel and stage: points, centre and limits (a range when they vary by point)."""

    def span(values: pd.Series) -> str:
        lo, hi = values.min(), values.max()
        if pd.isna(lo):
            return ""
        return f"{lo:.6g}" if abs(hi - lo) <= 1e-12 * max(1.0, abs(hi)) else f"{lo:.6g}-{hi:.6g}"

    rows = []
    for (panel, stage), part in limits.groupby(["panel", "stage"], sort=False):
        rows.append(
            {
                "panel": panel,
                "stage": stage,
                "points": len(part),
                "phase I": int((part["phase"] == 1).sum()),
                "centre": span(part["centre"]),
                "lcl": span(part["lcl"]),
                "ucl": span(part["ucl"]),
                "signals": int(part["signal"].sum()),
            }
        )
    return pd.DataFrame(rows)
