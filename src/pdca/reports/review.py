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
from pdca.reports.html import Cover, Section, esc, page, status_badge, table
from pdca.reports.packs import Layout, default_layout, load_layout
from pdca.reports.templating import Markup, render


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
    template: Layout | None = None
    """The report template the review was built from."""
    period: str = "month"
    log: str = ""
    stamp: str = ""
    """The "generated on" time the review shows."""
    html: str = field(default="", repr=False)
    """The HTML written (with ``pdf``: the paged HTML the PDF was printed from)."""
    pages: int = 0
    """Pages of the PDF (0 for the HTML review)."""


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
        return Section("scorecard", "Scorecard", render("sections/scorecard.html.j2", empty=True))
    shown = card.assign(status=[status_badge(s) for s in card["status"]])
    left_out: dict[str, list[str]] = {}
    for kpi_id, reason in (card.attrs.get("left_out") or {}).items():
        left_out.setdefault(str(reason), []).append(str(kpi_id))
    body = render(
        "sections/scorecard.html.j2",
        empty=False,
        period=ctx.period,
        start=str(card["period"].iloc[0]),
        objectives_note=ctx.objectives_note(),
        left_out=left_out,
        red=list(card[card["status"] == "red"]["name"]),
        table=Markup(
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
        ),
    )
    return Section("scorecard", "Scorecard", body)


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
    moved = [
        f"{r.name}: {r.previous:,.4g} → {r.value:,.4g} {r.unit} ({rel:+.0%}); {r.trend}."
        for _, rel, r in rows[:5]
        if abs(rel) >= 0.05
    ]
    body = render("sections/changes.html.j2", moved=moved)
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
    names = dict(zip(*(api.kpi_catalogue()[c] for c in ("kpi", "name")), strict=True))
    units = _kpi_units()
    charts = []
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
        left_out = str(row["left_out"].iloc[0]) if "left_out" in row and len(row) else ""
        charts.append({"svg": Markup(svg), "name": name, "left_out": left_out})
    not_charted = []
    for item in desk.charts.itertuples(index=False):
        if (str(item.kpi), str(item.group)) not in desk.panels and str(item.status) != "nan":
            name = names.get(str(item.kpi), str(item.kpi))
            why = f"{name}: not charted ({str(item.status).removeprefix('skipped: ')})"
            extra = f"; {item.left_out}" if str(item.left_out) else ""
            not_charted.append(f"{why}{extra}.")
    floors = [f"{n} for {names.get(k, k)}" for k, n in desk.min_n.items() if n]
    signals = [str(t) for t in desk.signals["message"].head(6)] if "message" in desk.signals else []
    groups = api.monitor(
        store=ctx.store,
        engine=ctx.engine,
        log=ctx.log,
        kpis=TREND_KPIS,
        objectives=ctx.objectives,
        top=8,
    )
    worst = (
        [str(m) for m in groups.drop_duplicates(subset=["group", "kpi"]).head(8)["message"]]
        if not groups.empty
        else []
    )
    body = render(
        "sections/trends.html.j2",
        charts=charts,
        not_charted=not_charted,
        floors=floors if desk.panels else [],
        signals=signals,
        groups=worst,
        nothing=not (charts or not_charted or signals or worst),
    )
    return Section("trends", "KPI trends and control charts", body)


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
    bottleneck, shown = "", Markup()
    if not slow.empty:
        top = slow.iloc[0]
        bottleneck = (
            f"Biggest bottleneck: tickets wait {_pct(top['share'])} of all waiting time "
            f"after \u201c{top.iloc[0]}\u201d (median {_hours(top['median'])} per ticket)."
        )
        shown = Markup(
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
    body = render("sections/process.html.j2", svg=Markup(svg), bottleneck=bottleneck, table=shown)
    return Section("process", "How tickets flow", body)


def pingpong(ctx: Context) -> Section:
    """Tickets returning to a team they had left, and escalations."""
    parts = api.mine_parts("pingpong", store=ctx.store, engine=ctx.engine, log=ctx.log, top=5)
    s = parts["summary"].iloc[0]
    summary = (
        f"{int(s['ping_pong_tickets']):,} of {int(s['tickets']):,} tickets "
        f"({_pct(s['share'])}) came back to a team they had left; each such ticket spent a "
        f"median {_hours(s['median_cost'])} away before coming back."
    )
    pairs = table(
        parts["pairs"].head(5),
        columns={
            "holder": "Team",
            "via": "Bounced via",
            "bounces": "Bounces",
            "tickets": "Tickets",
            "total_away": "Time away (all tickets)",
        },
        formats={"total_away": _span},
    )
    esc_parts = api.mine_parts("escalation", store=ctx.store, engine=ctx.engine, log=ctx.log)
    e = esc_parts["summary"].iloc[0]
    escalation, paths = "", ""
    if int(e["resolved"] or 0) > 0 and len(esc_parts["paths"]):
        escalation = (
            f"Push-to-front: {_pct(e['push_to_front_share'])} of resolved tickets were "
            f"resolved at the first line without escalation; {_pct(e['escalation_share'])} "
            "of tickets reached a higher support level."
        )
        paths = table(
            esc_parts["paths"].head(6),
            columns={"path": "Path", "tickets": "Tickets", "share": "Share"},
            formats={"share": _pct},
        )
    body = render(
        "sections/pingpong.html.j2",
        summary=summary,
        pairs=Markup(pairs),
        escalation=escalation,
        paths=Markup(paths),
    )
    return Section("pingpong", "Ping-pong and escalation", body)


def conformance(ctx: Context) -> Section:
    """Deviations from the designed process (ITIL incident model by default)."""
    parts = api.mine_parts("conformance", store=ctx.store, engine=ctx.engine, log=ctx.log, top=8)
    s = parts["summary"].iloc[0]
    summary = (
        f"{_pct(s['share'])} of tickets followed the designed process exactly "
        f"(mean fitness {float(s['mean_fitness']):.2f})."
    )
    shown = table(
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
    )
    body = render("sections/conformance.html.j2", summary=summary, table=Markup(shown))
    return Section("conformance", "Deviations from the designed process", body)


def capability(ctx: Context) -> Section:
    """SLA capability per priority."""
    cap = api.sla_capability(
        store=ctx.store, engine=ctx.engine, log=ctx.log, objectives=ctx.objectives
    )
    if cap.empty:
        body = render(
            "sections/capability.html.j2", worst=None, objectives_note=ctx.objectives_note()
        )
        return Section("capability", "SLA capability", body)
    worst = cap.sort_values("met").iloc[0]
    shown = table(
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
    )
    body = render(
        "sections/capability.html.j2",
        objectives_note=ctx.objectives_note(),
        worst=(
            f"Priority {worst['priority']} meets its resolution target "
            f"({worst['target_h']:g} h) for {_pct(worst['met'])} of tickets "
            f"(Ppk {worst['ppk']:.2f}; sigma level {worst['sigma_level']:.1f})."
        ),
        table=Markup(shown),
    )
    return Section("capability", "SLA capability", body)


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
    shown = []
    for entry in api.register_report(store=ctx.store):
        record = entry["initiative"]
        title = str(record.get("title", "")) if isinstance(record, dict) else str(record)
        verdict = entry.get("verdict") or "not verified yet"
        limits = entry.get("limits")
        svg = ""
        if limits is not None and len(limits):
            svg = control_chart_svg(limits, title=f"{title}: before and after go-live", height=200)
        shown.append(
            {
                "title": title,
                "verdict": verdict,
                "worsened": verdict == "worsened",
                "sentence": str(entry.get("sentence", "")),
                "alerts": [str(a) for a in entry.get("alerts") or []],
                "svg": Markup(svg),
            }
        )
    body = render("sections/register.html.j2", entries=shown)
    return Section("register", "Improvement register", body)


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
"""Reporting periods the review is written for (the KPIs are evaluated per day, week or month:
a quarter or a year is not a period they know yet)."""
GENERATOR = "pdca report"
"""The generator the review names in its ``<meta name="generator">`` tag (``pdca demo`` for the
demo's review): how pdca knows it wrote an HTML file it is asked to write over. A PDF names it as
its creator."""
_GENERATOR_TAG = re.compile(r'<meta name="generator" content="(pdca[^"]*)">')
STAMP_FORMAT = "%Y-%m-%d %H:%M UTC"


def written_by(path: Path | str) -> str | None:
    """The pdca generator named in the head of the HTML file ``path`` (``"pdca report"``,
    ``"pdca demo"``) or as the creator of the PDF ``path``, or None when pdca did not write it
    (or it is not a readable file)."""
    try:
        with Path(path).open("rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.startswith(b"%PDF-"):
        from pdca.reports.pdf import pdf_written_by  # noqa: PLC0415 (loaded on use)

        return pdf_written_by(Path(path))
    text = head.decode("utf-8", errors="replace")
    found = _GENERATOR_TAG.search(text.split("</head>")[0]) if "<head>" in text else None
    return found.group(1) if found else None


def default_out(log: str, period: str, *, pdf: bool = False) -> Path:
    """The file ``pdca report`` writes unless told: ``review-<log>-<period>.html`` (``.pdf``
    with ``pdf``) in the current directory (characters other than letters, digits, ``.``, ``_``
    and ``-`` become ``_``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", log).strip(".") or "log"
    return Path(f"review-{safe}-{period}.{'pdf' if pdf else 'html'}")


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


def choose_layout(template: str | Path | None) -> Layout:
    """The report template (``None``: every section of :data:`SECTIONS`, in order)."""
    known = [name for name, _ in SECTIONS]
    if template is None:
        return default_layout(known)
    return load_layout(template, known=known, periods=PERIODS)


def build_report(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    objectives: Path | str | Resolved | None = None,
    period: str | None = None,
    out: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    force: bool = False,
    generator: str = GENERATOR,
    template: str | Path | Layout | None = None,
    pdf: bool = False,
    stamp: str | None = None,
    shown_as: Resolved | None = None,
) -> ReportResult:
    """Write the service review to ``out`` (default :func:`default_out`) and say what it holds.
    An existing ``out`` is replaced only when ``generator`` wrote it (its meta tag, or the PDF's
    creator), or with ``force``; a section that cannot be computed is named at the top of the
    document and in :attr:`ReportResult.skipped`. With ``engine`` Spark, the sections are
    computed on Spark from the export ``store`` (one session for the report).

    ``template`` is a report template (a built-in name, a TOML file, :mod:`pdca.reports.packs`)
    choosing and ordering the sections; ``period`` defaults to the template's, else month.
    ``pdf`` prints the paged review (cover, contents, page numbers) to a PDF instead of writing
    the HTML. ``stamp`` replaces the "generated on" time and ``shown_as`` the objectives the
    review names (a regenerated pack says what the original said: :mod:`pdca.reports.archive`)."""
    layout = template if isinstance(template, Layout) else choose_layout(template)
    period = period or layout.period or "month"
    if period not in PERIODS:
        raise ConfigError(f"unknown reporting period {period!r}", f"use {' or '.join(PERIODS)}")
    if pdf:
        from pdca.reports.pdf import weasyprint  # noqa: PLC0415 (loaded on use)

        weasyprint()  # what to install is said before any work
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
            layout=layout,
            pdf=pdf,
            stamp=stamp,
            shown_as=shown_as,
        )


def _sections(ctx: Context, layout: Layout, result: ReportResult) -> list[Section]:
    """The sections the layout names, computed in its order (failures noted in ``result``)."""
    builders = dict(SECTIONS)
    chosen = layout.sections if layout.sections is not None else [n for n, _ in SECTIONS]
    sections = []
    for name in chosen:
        try:
            sections.append(builders[name](ctx))
            result.sections.append(name)
        except NotApplicableError as exc:  # by design on this engine: said, not a failure
            result.skipped[name] = str(exc)
        except PdcaError as exc:
            result.skipped[name] = str(exc)
            result.failed.append(name)
    if result.failed:
        body = render(
            "sections/left-out.html.j2",
            failed=[(name, result.skipped[name]) for name in result.failed],
        )
        sections.insert(0, Section("left-out", "Left out of this review", body))
    return sections


def _period_line(ctx: Context) -> str:
    """The cover's line naming the reporting period (its start when the scorecard was read)."""
    card = ctx.answers.get("scorecard")
    if card is not None and not card.empty:
        return f"Reporting {ctx.period} starting {card['period'].iloc[0]}."
    return f"Reporting period: {ctx.period} (the latest in the log)."


def _build(
    *,
    store: Path | str | None,
    log: str | None,
    objectives: Path | str | Resolved | None,
    period: str,
    out: Path | str | None,
    settings: EngineSettings,
    force: bool,
    generator: str,
    layout: Layout,
    pdf: bool,
    stamp: str | None,
    shown_as: Resolved | None,
) -> ReportResult:
    status = api.status(store, engine=settings)
    if status.empty:
        raise PdcaError("the store is empty", "import data first with `pdca ingest FILE`")
    names = status["log"].tolist()
    chosen = log or (names[0] if len(names) == 1 else None)
    if chosen is None:
        raise PdcaError(f"the store holds several logs ({', '.join(names)})", "choose with --log")
    if out is None:
        out = default_out(chosen, period, pdf=pdf)
        check_out(out, generator=generator, force=force)
    # resolved once: every section reads the same file (its path), and says which it is
    reading = resolve_objectives(objectives, store=store)
    resolved = shown_as or reading  # what the review says it used (a regenerated pack: the
    # original file's path, while the sections read its recorded text from a copy)
    ctx = Context(store, chosen, reading.path, period, settings, resolved=resolved)
    result = ReportResult(
        Path(out), objectives=resolved.note(), template=layout, period=period, log=chosen
    )
    sections = _sections(ctx, layout, result)
    row = status[status["log"] == chosen].iloc[0]
    result.stamp = stamp or datetime.now(UTC).strftime(STAMP_FORMAT)
    tickets, events = f"{int(row['tickets']):,}", f"{int(row['events']):,}"
    subtitle = (
        f"Log {chosen}: {tickets} tickets, {events} events. "
        f"Objectives: {resolved.source}. Generated by pdca on {result.stamp}."
    )
    title = f"{layout.title} — {chosen}"
    cover = None
    if pdf:
        cover = Cover(
            title,
            [
                _period_line(ctx),
                f"Log {chosen}: {tickets} tickets, {events} events.",
                f"Objectives: {resolved.source}.",
                f"Template: {layout.name}. Generated by pdca on {result.stamp}.",
            ],
        )
    # the generator tag: how pdca later knows it wrote this file (check_out)
    result.html = page(title, subtitle, sections, generator=generator, cover=cover)
    if pdf:
        from pdca.reports.pdf import write_pdf  # noqa: PLC0415 (loaded on use)

        result.pages = write_pdf(result.html, result.path)
    else:
        result.path.write_text(result.html, encoding="utf-8")
    return result


__all__ = [
    "GENERATOR",
    "PERIODS",
    "SECTIONS",
    "Context",
    "ReportResult",
    "build_report",
    "check_out",
    "choose_layout",
    "default_out",
    "esc",
    "written_by",
]
