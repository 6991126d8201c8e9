"""The monthly service review: one HTML file a quality manager can take to the governance meeting.

Each section reads the public API (:mod:`pdca.api`) and writes what it finds; the report adds
no analytics of its own. A section whose data is missing (no survey, no support levels, …) says
so instead of failing the whole report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pdca import api
from pdca.api.common import resolve_objectives
from pdca.engine.choice import EngineSettings, engine_session
from pdca.errors import ConfigError, InputError, PdcaError
from pdca.model.objectives import Resolved
from pdca.render import control_chart_svg, format_duration
from pdca.render.format import format_span
from pdca.reports.html import (
    Section,
    chart,
    esc,
    finding,
    page,
    paragraph,
    status_badge,
    table,
)


@dataclass(frozen=True)
class Context:
    """What every section is asked about."""

    store: Path | str | None
    log: str
    objectives: Path | str | None
    period: str
    engine: EngineSettings = field(default_factory=EngineSettings)
    """The engine the sections ask (DuckDB: the store; Spark: the export ``store``)."""
    answers: dict[str, Any] = field(default_factory=dict, compare=False)
    """Results several sections read, asked once (on Spark nothing is kept between questions)."""
    resolved: Resolved | None = field(default=None, compare=False)
    """The objectives in use and where they come from (``objectives`` is then their file)."""

    def objectives_note(self) -> str:
        """The visible "Objectives" line: which targets and calendars, default or file."""
        goals = self.resolved or resolve_objectives(self.objectives, store=self.store)
        return f"Objectives \u2014 {goals.note()}"


class NotApplicableError(PdcaError):
    """A section that does not apply to this review (e.g. the register on Spark): left out and
    said, but the review is complete without it."""


@dataclass
class ReportResult:
    """The written file and what it holds."""

    path: Path
    sections: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Sections left out, with the reason."""
    failed: list[str] = field(default_factory=list)
    """Of ``skipped``, the sections that could not be computed (the rest do not apply here, such
    as the improvement register on Spark): the review names them at its top."""
    objectives: str = ""
    """Which objectives the review used (the note it shows, docs/sla.md)."""


def _hours(seconds: Any) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    return format_duration(float(seconds))


def _span(seconds: Any) -> str:
    """A total of many tickets' time: whole units with thousands separators (``1,204 d 3 h``)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    return format_span(float(seconds))


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{100 * float(value):.1f} %"


def _card(ctx: Context) -> Any:
    """The scorecard (read by two sections)."""
    if "scorecard" not in ctx.answers:
        ctx.answers["scorecard"] = api.scorecard(
            store=ctx.store,
            engine=ctx.engine,
            log=ctx.log,
            objectives=ctx.objectives,
            period=ctx.period,
        )
    return ctx.answers["scorecard"]


# -- sections --------------------------------------------------------------------------------------
def scorecard(ctx: Context) -> Section:
    """Every KPI of the reporting period against its target."""
    card = _card(ctx)
    if card.empty:
        return Section("scorecard", "Scorecard", paragraph("No ticket was opened yet."))
    period = str(card["period"].iloc[0])
    shown = card.assign(status=[status_badge(s) for s in card["status"]])
    red = card[card["status"] == "red"]
    lines = [
        paragraph(f"Reporting {ctx.period} starting {period}, against the targets."),
        paragraph(ctx.objectives_note(), "note objectives"),
    ]
    left_out: dict[str, list[str]] = {}
    for kpi_id, reason in (card.attrs.get("left_out") or {}).items():
        left_out.setdefault(str(reason), []).append(str(kpi_id))
    lines += [
        paragraph(f"Not shown: {', '.join(ids)} \u2014 {reason}.", "note")
        for reason, ids in left_out.items()
    ]
    if not red.empty:
        names = ", ".join(red["name"])
        lines.append(finding(f"Off target by more than 10 %: {names}.", alert=True))
    lines.append(
        table(
            shown,
            columns={
                "name": "KPI",
                "value": "Value",
                "unit": "Unit",
                "target": "Target",
                "status": "Status",
                "previous": "Previous",
                "trend": "Trend",
                "benchmark": "Published reference",
            },
            raw=("status",),
        )
    )
    return Section("scorecard", "Scorecard", "".join(lines))


def changes(ctx: Context) -> Section:
    """What moved most since the previous period, in words."""
    card = _card(ctx)
    rows = []
    for r in card.itertuples(index=False):
        prev, now = float(str(r.previous)), float(str(r.value))
        if math.isnan(prev) or prev == 0 or math.isnan(now):
            continue
        rel = (now - prev) / abs(prev)
        rows.append((abs(rel), rel, r))
    rows.sort(key=lambda x: -x[0])
    items = [
        finding(f"{r.name}: {r.previous:,.4g} → {r.value:,.4g} {r.unit} ({rel:+.0%}); {r.trend}.")
        for _, rel, r in rows[:5]
        if abs(rel) >= 0.05
    ]
    body = "".join(items) or paragraph("No KPI moved by 5 % or more since the previous period.")
    return Section("changes", "What changed since the previous period", body)


TREND_KPIS = ("mttr", "sla_resolution", "volume", "fcr")
"""KPIs whose whole-desk weekly control chart the review shows."""


def trends(ctx: Context) -> Section:
    """Weekly control charts of the key KPIs, and the current signals per group, in words."""
    desk = api.monitor_details(
        store=ctx.store,
        engine=ctx.engine,
        log=ctx.log,
        kpis=TREND_KPIS,
        by=None,
        objectives=ctx.objectives,
    )
    lines = []
    names = dict(zip(*(api.kpi_catalogue()[c] for c in ("kpi", "name")), strict=True))
    units = _kpi_units()
    for (kpi_id, _group), frame in desk.panels.items():
        row = desk.charts[desk.charts["kpi"] == kpi_id]
        name = names.get(kpi_id, kpi_id)
        chart_id = str(row["chart"].iloc[0]) if "chart" in row and len(row) else ""
        svg = control_chart_svg(
            frame,
            title=f"{name}, per week",
            subtitle=f"{chart_id} chart",
            height=220,
            y_label=name,
            unit=str(units.get(kpi_id, "")),
        )
        lines.append(chart(svg))
        left_out = str(row["left_out"].iloc[0]) if "left_out" in row and len(row) else ""
        if left_out:
            lines.append(
                paragraph(f"{name}: left out of the limits and signals: {left_out}.", "note")
            )
    for item in desk.charts.itertuples(index=False):
        if (str(item.kpi), str(item.group)) not in desk.panels and str(item.status) != "nan":
            name = names.get(str(item.kpi), str(item.kpi))
            why = f"{name}: not charted ({str(item.status).removeprefix('skipped: ')})"
            extra = f"; {item.left_out}" if str(item.left_out) else ""
            lines.append(paragraph(f"{why}{extra}.", "note"))
    floors = [f"{n} for {names.get(k, k)}" for k, n in desk.min_n.items() if n]
    if desk.panels and floors:
        lines.append(
            paragraph(
                "Hollow points are left out of the limits and never signal: weeks the log covers "
                "incompletely, and weeks with fewer tickets than the minimum n "
                f"({', '.join(floors)}).",
                "note",
            )
        )
    if "message" in desk.signals:
        lines += [finding(str(t), alert=True) for t in desk.signals["message"].head(6)]
    groups = api.monitor(
        store=ctx.store,
        engine=ctx.engine,
        log=ctx.log,
        kpis=TREND_KPIS,
        objectives=ctx.objectives,
        top=8,
    )
    if not groups.empty:
        lines.append("<h3>Signals per group in the last weeks</h3>")
        worst = groups.drop_duplicates(subset=["group", "kpi"]).head(8)
        lines += [finding(str(m), alert=True) for m in worst["message"]]
    if not lines:
        lines.append(paragraph("Too few weeks of data for control charts.", "note"))
    return Section("trends", "KPI trends and control charts", "".join(lines))


def process(ctx: Context) -> Section:
    """The process map (pruned to what matters) and the bottlenecks."""
    svg = api.process_map(
        store=ctx.store,
        engine=ctx.engine,
        log=ctx.log,
        max_activities=12,
        min_edge_share=0.02,
        label="frequency",
    )
    slow = api.mine("bottlenecks", store=ctx.store, engine=ctx.engine, log=ctx.log, top=5)
    lines = [chart(svg, "Most frequent steps and paths; edge width by number of tickets.")]
    if not slow.empty:
        top = slow.iloc[0]
        lines.append(
            finding(
                f"Biggest bottleneck: tickets wait {_pct(top['share'])} of all waiting time "
                f"after \u201c{top.iloc[0]}\u201d (median {_hours(top['median'])} per ticket)."
            )
        )
        lines.append(
            table(
                slow,
                columns={
                    slow.columns[0]: "Step",
                    "total": "Total waiting (all tickets)",
                    "share": "Share",
                    "median": "Median wait",
                    "cases": "Tickets",
                },
                formats={"total": _span, "median": _hours, "share": _pct},
            )
        )
    return Section("process", "How tickets flow", "".join(lines))


def pingpong(ctx: Context) -> Section:
    """Tickets returning to a team they had left, and escalations."""
    parts = api.mine_parts("pingpong", store=ctx.store, engine=ctx.engine, log=ctx.log, top=5)
    s = parts["summary"].iloc[0]
    lines = [
        finding(
            f"{int(s['ping_pong_tickets']):,} of {int(s['tickets']):,} tickets "
            f"({_pct(s['share'])}) came back to a team they had left; each such ticket spent a "
            f"median {_hours(s['median_cost'])} away before coming back."
        ),
        table(
            parts["pairs"].head(5),
            columns={
                "holder": "Team",
                "via": "Bounced via",
                "bounces": "Bounces",
                "tickets": "Tickets",
                "total_away": "Time away (all tickets)",
            },
            formats={"total_away": _span},
        ),
    ]
    esc_parts = api.mine_parts("escalation", store=ctx.store, engine=ctx.engine, log=ctx.log)
    e = esc_parts["summary"].iloc[0]
    if int(e["resolved"] or 0) > 0 and len(esc_parts["paths"]):
        lines.append(
            finding(
                f"Push-to-front: {_pct(e['push_to_front_share'])} of resolved tickets were "
                f"resolved at the first line without escalation; {_pct(e['escalation_share'])} "
                "of tickets reached a higher support level."
            )
        )
        lines.append(
            table(
                esc_parts["paths"].head(6),
                columns={"path": "Path", "tickets": "Tickets", "share": "Share"},
                formats={"share": _pct},
            )
        )
    else:
        lines.append(paragraph("The log names no support levels: no escalation paths.", "note"))
    return Section("pingpong", "Ping-pong and escalation", "".join(lines))


def conformance(ctx: Context) -> Section:
    """Deviations from the designed process (ITIL incident model by default)."""
    parts = api.mine_parts("conformance", store=ctx.store, engine=ctx.engine, log=ctx.log, top=8)
    s = parts["summary"].iloc[0]
    lines = [
        finding(
            f"{_pct(s['share'])} of tickets followed the designed process exactly "
            f"(mean fitness {float(s['mean_fitness']):.2f})."
        ),
        table(
            parts["top"],
            columns={
                "kind": "Deviation",
                "from": "From",
                "to": "To",
                "deviations": "Times",
                "tickets": "Tickets",
                "share": "Share of tickets",
                "example": "Example",
            },
            formats={"share": _pct},
        ),
    ]
    return Section("conformance", "Deviations from the designed process", "".join(lines))


def capability(ctx: Context) -> Section:
    """SLA capability per priority."""
    cap = api.sla_capability(
        store=ctx.store, engine=ctx.engine, log=ctx.log, objectives=ctx.objectives
    )
    if cap.empty:
        body = paragraph("Too few tickets with an SLA target to judge capability.", "note")
        body += paragraph(ctx.objectives_note(), "note objectives")
        return Section("capability", "SLA capability", body)
    worst = cap.sort_values("met").iloc[0]
    lines = [
        paragraph(ctx.objectives_note(), "note objectives"),
        finding(
            f"Priority {worst['priority']} meets its resolution target "
            f"({worst['target_h']:g} h) for {_pct(worst['met'])} of tickets "
            f"(Ppk {worst['ppk']:.2f}; sigma level {worst['sigma_level']:.1f})."
        ),
        table(
            cap,
            columns={
                "priority": "Priority",
                "tickets": "Tickets",
                "target_h": "Target (h)",
                "median_h": "Median (h)",
                "p90_h": "90th pct (h)",
                "met": "Within target",
                "ppk": "Ppk",
                "dpmo": "DPMO",
                "sigma_level": "Sigma level",
            },
            formats={"met": _pct},
        ),
        paragraph(
            "Ppk by the percentile method (resolution times are skewed); sigma level with the "
            "conventional 1.5 sigma shift (docs/spc.md).",
            "note",
        ),
    ]
    return Section("capability", "SLA capability", "".join(lines))


def _kpi_units() -> dict[str, str]:
    """KPI id → unit, for the y axes of the control charts."""
    catalogue = api.kpi_catalogue()
    return dict(zip(catalogue["kpi"], catalogue["unit"].astype(str), strict=True))


def register(ctx: Context) -> Section:
    """Each improvement initiative with its staged control chart and its verdict in words."""
    if ctx.engine.name != "duckdb":
        raise NotApplicableError(
            "the improvement register is kept in the DuckDB store, not in the export"
        )
    entries = api.register_report(store=ctx.store)
    if not entries:
        body = paragraph(
            "No improvement initiative yet: `pdca improve suggest` proposes some.", "note"
        )
        return Section("register", "Improvement register", body)
    lines = []
    for entry in entries:
        record = entry["initiative"]
        title = str(record.get("title", "")) if isinstance(record, dict) else str(record)
        verdict = entry.get("verdict") or "not verified yet"
        lines.append(f"<h3>{esc(title)} — {esc(verdict)}</h3>")
        lines.append(finding(str(entry.get("sentence", "")), alert=verdict == "worsened"))
        lines += [finding(str(a), alert=True) for a in entry.get("alerts") or []]
        limits = entry.get("limits")
        if limits is not None and len(limits):
            svg = control_chart_svg(limits, title=f"{title}: before and after go-live", height=200)
            lines.append(chart(svg))
    return Section("register", "Improvement register", "".join(lines))


def _plan(ctx: Context) -> Section:
    """Demand forecast with its backtest, and the staffing it takes (:mod:`pdca.reports.plan`)."""
    from pdca.reports.plan import plan  # noqa: PLC0415 (statsmodels' ETS loads on use)

    return plan(ctx)


SECTIONS: list[tuple[str, Callable[[Context], Section]]] = [
    ("scorecard", scorecard),
    ("changes", changes),
    ("trends", trends),
    ("process", process),
    ("pingpong", pingpong),
    ("conformance", conformance),
    ("capability", capability),
    ("plan", _plan),
    ("register", register),
]
"""The sections of the review, in order. Other modules may insert theirs."""


PERIODS = ("month", "week")
"""Reporting periods the review is written for."""
GENERATOR = "pdca report"
"""The generator the review names in its ``<meta name="generator">`` tag (``pdca demo`` for the
demo's review): how pdca knows it wrote an HTML file it is asked to write over."""
_GENERATOR_TAG = re.compile(r'<meta name="generator" content="(pdca[^"]*)">')


def written_by(path: Path | str) -> str | None:
    """The pdca generator named in the head of the HTML file ``path`` (``"pdca report"``,
    ``"pdca demo"``), or None when pdca did not write it (or it is not a readable file)."""
    try:
        with Path(path).open("rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    found = _GENERATOR_TAG.search(head.split("</head>")[0]) if "<head>" in head else None
    return found.group(1) if found else None


def default_out(log: str, period: str) -> Path:
    """The file ``pdca report`` writes unless told: ``review-<log>-<period>.html`` in the current
    directory (characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", log).strip(".") or "log"
    return Path(f"review-{safe}-{period}.html")


def check_out(path: Path, *, generator: str = GENERATOR, force: bool = False) -> None:
    """Refuse (:class:`InputError`) to write ``path`` over a file that ``generator`` did not
    write (unless ``force``), or into a folder that does not exist."""
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist", "create it first")
    if path.is_dir():
        raise InputError(f"{path} is a directory", "give --out a file name")
    if force or not path.exists():
        return
    maker = written_by(path)
    if maker != generator:
        who = f"{maker}, not {generator}," if maker else "not pdca"
        raise InputError(
            f"{path} exists and was written by {who}; it was left as it is",
            "give another --out, or --force to replace it",
        )


def build_report(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
    period: str = "month",
    out: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    force: bool = False,
    generator: str = GENERATOR,
) -> ReportResult:
    """Write the service review to ``out`` (default :func:`default_out`) and say what it holds.
    An existing ``out`` is replaced only when ``generator`` wrote it (its meta tag), or with
    ``force``; a section that cannot be computed is named at the top of the document and in
    :attr:`ReportResult.skipped`. With ``engine`` Spark, the sections are computed on Spark from
    the export ``store`` (one session for the report)."""
    if period not in PERIODS:
        raise ConfigError(f"unknown reporting period {period!r}", f"use {' or '.join(PERIODS)}")
    if out is not None:
        check_out(Path(out), generator=generator, force=force)
    with engine_session(engine) as settings:
        return _build(
            store=store,
            log=log,
            objectives=objectives,
            period=period,
            out=out,
            settings=settings,
            force=force,
            generator=generator,
        )


def _build(
    *,
    store: Path | str | None,
    log: str | None,
    objectives: Path | str | None,
    period: str,
    out: Path | str | None,
    settings: EngineSettings,
    force: bool,
    generator: str,
) -> ReportResult:
    status = api.status(store, engine=settings)
    if status.empty:
        raise PdcaError("the store is empty", "import data first with `pdca ingest FILE`")
    names = status["log"].tolist()
    chosen = log or (names[0] if len(names) == 1 else None)
    if chosen is None:
        raise PdcaError(f"the store holds several logs ({', '.join(names)})", "choose with --log")
    if out is None:
        out = default_out(chosen, period)
        check_out(out, generator=generator, force=force)
    # resolved once: every section reads the same file (its path), and says which it is
    resolved = resolve_objectives(objectives, store=store)
    ctx = Context(store, chosen, resolved.path, period, settings, resolved=resolved)
    result = ReportResult(Path(out), objectives=resolved.note())
    sections = []
    for name, build in SECTIONS:
        try:
            sections.append(build(ctx))
            result.sections.append(name)
        except NotApplicableError as exc:  # by design on this engine: said, not a failure
            result.skipped[name] = str(exc)
        except PdcaError as exc:
            result.skipped[name] = str(exc)
            result.failed.append(name)
    row = status[status["log"] == chosen].iloc[0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = (
        f"Log {chosen}: {int(row['tickets']):,} tickets, {int(row['events']):,} events. "
        f"Objectives: {resolved.source}. Generated by pdca on {stamp}."
    )
    if result.failed:
        items = "".join(
            f"<li><strong>{esc(name)}</strong>: {esc(result.skipped[name])}</li>"
            for name in result.failed
        )
        body = paragraph(
            f"This review is incomplete: {len(result.failed)} section(s) could not be computed "
            "and are left out.",
            "note",
        )
        sections.insert(
            0, Section("left-out", "Left out of this review", f"{body}<ul>{items}</ul>")
        )
    html_text = page(f"Service review — {chosen}", subtitle, sections)
    # the generator tag: how pdca later knows it wrote this file (check_out)
    tag = f'<meta name="generator" content="{esc(generator)}">'
    html_text = html_text.replace("<head>", f"<head>{tag}", 1)
    result.path.write_text(html_text, encoding="utf-8")
    return result


__all__ = [
    "GENERATOR",
    "PERIODS",
    "SECTIONS",
    "Context",
    "ReportResult",
    "build_report",
    "check_out",
    "default_out",
    "esc",
    "written_by",
]
