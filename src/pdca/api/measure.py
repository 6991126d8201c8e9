"""The Measure API: KPI values, the catalogue and the scorecard against targets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdca.api.common import resolve_objectives
from pdca.engine.cache import ResultCache, cache_key, code_fingerprint
from pdca.engine.choice import EngineSettings
from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.methods.kpi.bands import BANDS
from pdca.methods.kpi.catalogue import CATALOGUE, get_kpi
from pdca.methods.kpi.clock import RESOLUTION, RESPONSE, ClockCol, sla_clocks
from pdca.methods.kpi.continuity import CONTINUITY_KPIS
from pdca.methods.kpi.definition import Aggregation, Inputs
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS
from pdca.methods.kpi.scorecard import scorecard as build_scorecard
from pdca.methods.kpi.source_sla import KEPT_VERDICTS, source_verdicts
from pdca.methods.kpi.window import min_n_of, period_notes
from pdca.model.objectives import Objectives, Resolved
from pdca.model.schema import Col

if TYPE_CHECKING:
    from pdca.api.desk import Desk

_MEASURE_CODE = ("methods.kpi", "model", "engine")
"""Subpackages whose code decides a measured result (see :func:`code_fingerprint`)."""
OBJECTIVES_ATTR = "objectives"
"""``DataFrame.attrs`` key: what a result says about its objectives (``Resolved.metadata``)."""
LEFT_OUT_ATTR = "left_out"
"""``DataFrame.attrs`` key of the KPIs a result leaves out, each with the reason."""
Goals = Path | str | Resolved | None
"""An objectives file, what :func:`resolve_objectives` found, or None (look it up)."""


def _declare(frame: pd.DataFrame, resolved: Resolved, left_out: dict[str, str]) -> pd.DataFrame:
    """Say on the result which objectives it used (and which KPIs it left out, why)."""
    frame.attrs[OBJECTIVES_ATTR] = resolved.metadata()
    frame.attrs[LEFT_OUT_ATTR] = dict(left_out)
    return frame


def unconfigured(goals: Objectives) -> dict[str, str]:
    """The KPIs that need a part of the objectives these lack, with the reason (one line)."""
    out: dict[str, str] = {}
    if goals.continuity is None:
        reason = (
            "no [continuity] section in the objectives, so no ticket is taken for a major or "
            "security incident (add one, docs/sla.md)"
        )
        out.update(dict.fromkeys((k.id for k in CONTINUITY_KPIS), reason))
    if goals.cost is None:
        out["cost_per_ticket"] = "no [cost] per_month in the objectives (docs/sla.md)"
    if goals.organisation is None:
        out["tickets_per_user"] = "no [organisation] users in the objectives (docs/sla.md)"
    return out


def kpi_catalogue() -> pd.DataFrame:
    """Every KPI pdca computes: id, name, unit, direction, definition and whose it follows."""
    rows = [
        {
            "kpi": k.id,
            "name": k.name,
            "unit": k.unit,
            "better": k.direction.value,
            "definition": k.definition,
            "follows": k.follows,
        }
        for k in CATALOGUE.values()
    ]
    return pd.DataFrame(rows)


def kpi_attribution(kpi: str, by: str | None = "assignment_group") -> dict[str, Any] | None:
    """For a breakdown by team or agent (``by`` = ``assignment_group`` or ``assignee``): whose
    group and agent ``kpi``'s tickets go to, in words (``summary``), and the rules that names,
    word for word as implemented (``rules``: (rule, text) pairs; docs/kpis.md, "Breakdowns by
    team and agent"). None for another breakdown or a KPI that does not break down by team."""
    from pdca.methods.kpi.attribution import ATTRIBUTION_BREAKDOWNS, RULES  # noqa: PLC0415
    from pdca.methods.kpi.catalogue import ATTRIBUTION_SUMMARY  # noqa: PLC0415

    if by not in ATTRIBUTION_BREAKDOWNS or kpi not in ATTRIBUTION_SUMMARY:
        return None
    summary = ATTRIBUTION_SUMMARY[kpi]
    rules = [(anchor.value, text) for anchor, text in RULES.items() if anchor.value in summary]
    return {"summary": summary, "rules": rules}


_AVERAGES = (Aggregation.MEAN, Aggregation.MEDIAN)


def kpi(
    kpis: Sequence[str] = (),
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    by: Sequence[str] = (),
    period: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    objectives: Goals = None,
) -> pd.DataFrame:
    """KPI values per period and breakdown, with the previous period and the published band.

    With a ``period``, column ``note`` says for each row why its period is incomplete (the log's
    window cuts it, or hides the long tickets of a duration: :mod:`pdca.methods.kpi.window`) and
    whether it holds fewer units than the monitor counts (``few: n = 3 < 5``).
    ``kpis`` are catalogue ids (all when empty: then the KPIs that need a part of the
    objectives that is missing — continuity, cost, organisation — are left out, and
    ``attrs["left_out"]`` says why); ``options`` maps a KPI id to its options; ``objectives`` is
    the objectives file (:func:`resolve_objectives`; ``attrs["objectives"]`` says which).
    """
    resolved = resolve_objectives(objectives, store=store)
    with _desk(store, resolved, engine) as desk:
        return desk.kpi(kpis, log=log, by=by, period=period, start=start, end=end, options=options)


def _desk(store: Path | str | None, resolved: Resolved, engine: Any) -> Desk:
    """A desk over the store for one question (objectives resolved before it opens)."""
    from pdca.api.desk import open as open_desk  # noqa: PLC0415 (the desk imports this module)

    return open_desk(store, objectives=resolved, engine=engine)


def kpi_frame(
    inputs: Inputs,
    resolved: Resolved,
    kpis: Sequence[str],
    *,
    by: Sequence[str],
    period: str | None,
    start: datetime | None,
    end: datetime | None,
    options: dict[str, dict[str, Any]] | None,
) -> pd.DataFrame:
    """:func:`kpi`'s answer from a log's inputs (what :meth:`pdca.api.desk.Desk.kpi` gives)."""
    goals = resolved.objectives
    left_out = {} if kpis else unconfigured(goals)
    ids = list(kpis) or [k for k in CATALOGUE if k not in left_out]
    frames = []
    for kpi_id in ids:
        query = Query(
            kpi_id,
            options=(options or {}).get(kpi_id),
            by=tuple(by),
            period=period,
            start=start,
            end=end,
        )
        frame = evaluate(inputs, query)
        definition = get_kpi(kpi_id)
        parsed = definition.parse_options(query.options)
        if period is not None and len(frame):
            frame["note"] = period_notes(
                inputs,
                definition,
                parsed,
                starts=frame[PERIOD].tolist(),
                counts=frame["n"].tolist() if "n" in frame else [None] * len(frame),
                period=period,
                min_n=min_n_of(definition),
            )
        if "statistic" not in frame and definition.aggregation in _AVERAGES:
            # the label says which average the value is (mean unless --option statistic=…)
            used = getattr(parsed, "statistic", None)
            frame.insert(1, "statistic", used or definition.aggregation.value)
        frame["unit"] = definition.unit
        band = BANDS.get(kpi_id)
        frame["benchmark"] = f"{band.text} ({band.source})" if band else None
        frames.append(frame)
    return _declare(pd.concat(frames, ignore_index=True), resolved, left_out)


def scorecard(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Goals = None,
    period: str = "month",
) -> pd.DataFrame:
    """Every scorecard KPI for the reporting period against its target (red/amber/green, trend).

    Targets come from the objectives file's ``[kpi_targets]``; without any, pdca's defaults.
    ``attrs["objectives"]`` says which objectives were used, ``attrs["left_out"]`` which KPIs
    the objectives leave out and why. The result is kept beside the store
    (:mod:`pdca.engine.cache`) until the data, the objectives or pdca's code change, so asking
    again is immediate.
    """
    resolved = resolve_objectives(objectives, store=store)
    with _desk(store, resolved, engine) as desk:
        return desk.scorecard(log=log, period=period)


_CONTINUITY = frozenset(k.id for k in CONTINUITY_KPIS)


def scorecard_frame(
    st: Any,
    name: str,
    inputs: Callable[[], Inputs],
    resolved: Resolved,
    *,
    period: str,
    scope: list[Any],
) -> pd.DataFrame:
    """:func:`scorecard`'s answer for log ``name`` of the opened store ``st`` (``inputs`` builds
    the log's inputs when the answer is not kept; ``scope`` names what a scoped desk sees, and is
    part of the kept answer's key)."""
    goals = resolved.objectives
    targets = goals.kpi_targets or DEFAULT_TARGETS
    left_out = {k: v for k, v in unconfigured(goals).items() if k in _CONTINUITY}
    if not isinstance(st, Store):  # results are kept beside a DuckDB store only
        frame = build_scorecard(inputs(), targets, period=period)
        return _declare(frame, resolved, left_out)
    cache = ResultCache(st.root)
    parts: dict[str, Any] = {
        "question": "scorecard",
        "log": name,
        "period": period,
        "objectives": goals.model_dump(mode="json"),
        "data": st.data_version(),
        "code": code_fingerprint(_MEASURE_CODE),
    }
    if scope:  # the whole store's key stays what it was
        parts["scope"] = scope
    key = cache_key(**parts)
    cached = cache.get(key)
    if cached is not None:
        return _declare(cached, resolved, left_out)
    frame = build_scorecard(inputs(), targets, period=period)
    cache.put(key, frame)
    return _declare(frame, resolved, left_out)


def sla(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Goals = None,
    clock: str | None = None,
    running: bool = False,
    breached: bool = False,
    top: int | None = None,
) -> pd.DataFrame:
    """The SLA clocks of every ticket (one row per ticket and clock, see docs/sla.md), with the
    verdict the source recorded (``source_met``, when it records one) beside pdca's.

    ``clock`` keeps only ``response`` or ``resolution``; ``running`` only clocks still running
    (with their time to breach); ``breached`` only breached clocks. With ``top``, the ``top``
    most urgent of them in that order (:func:`most_urgent`), else every row by ticket and clock.
    """
    check_sla_options(clock, top)
    resolved = resolve_objectives(objectives, store=store)
    with _desk(store, resolved, engine) as desk:
        return desk.sla(log=log, clock=clock, running=running, breached=breached, top=top)


def _clocks(inputs: Inputs) -> Any:
    """The SLA clock table of the inputs, computed once and kept in the engine while they are
    (the same memo the SLA KPIs use: a desk's SLA page and its SLA KPIs share one table)."""
    memo = inputs.extra.setdefault("_memo", {})
    if "clocks" not in memo:
        memo["clocks"] = sla_clocks(
            inputs.events, inputs.tickets, inputs.extra.get("objectives")
        ).cache()
    return memo["clocks"]


def check_sla_options(clock: str | None, top: int | None) -> None:
    """Refuse a negative ``top`` and an unknown ``clock`` (before anything is read)."""
    if top is not None and top < 0:
        raise InputError(f"--top {top} is negative", "give a number of rows, e.g. --top 20")
    if clock not in (None, RESPONSE, RESOLUTION):
        raise InputError(f"unknown clock {clock!r}", "use response or resolution")


def sla_frame(inputs: Inputs, clock: str | None, *, running: bool, breached: bool) -> pd.DataFrame:
    """The clocks of :func:`sla` (before ``top``) from a log's inputs."""
    events = inputs.events
    clocks = _clocks(inputs)
    verdicts = inputs.kept_or(KEPT_VERDICTS, lambda: source_verdicts(events))
    table = clocks.left_join(verdicts, [Col.LOG, Col.CASE_ID]).drop(
        f"{Col.LOG}_right", f"{Col.CASE_ID}_right"
    )
    if clock is not None:
        table = table.filter(table[ClockCol.CLOCK] == clock)
    if running:
        table = table.filter(table[ClockCol.RUNNING])
    if breached:
        table = table.filter(table[ClockCol.BREACHED])
    frame: pd.DataFrame = table.order_by([Col.CASE_ID, ClockCol.CLOCK]).to_pandas()
    return frame


ABOUT_TO_BREACH = 0.2
"""A running clock is *about to breach* when it has not breached yet and less than this share of
its target is left (time to breach < 20 % of the target)."""
OVERRUN_S = "overrun_s"
"""Column :func:`most_urgent` adds for the tables: elapsed minus target of a breached clock."""
SUMMARY_COUNTS = ("clocks", "met", "breached", "running", "about_to_breach")
"""The counts of :func:`sla_summary`, in its column order (then ``compliance``)."""


def _states(clocks: pd.DataFrame) -> pd.DataFrame:
    """Per clock: measured (has a target and a measurement), met, breached, running in time,
    about to breach (see :func:`sla_summary`)."""
    verdict = clocks[ClockCol.BREACHED].astype("boolean")
    measured = verdict.notna()
    is_breached = measured & verdict.fillna(value=False)
    running = clocks[ClockCol.RUNNING].astype("boolean").fillna(value=False)
    in_time = measured & running & ~is_breached
    left = clocks[ClockCol.TIME_TO_BREACH_S].astype("float64")
    target = clocks[ClockCol.TARGET_S].astype("float64")
    return pd.DataFrame(
        {
            "clocks": measured,
            "met": measured & ~running & ~is_breached,
            "breached": is_breached,
            "running": in_time,
            "about_to_breach": in_time & (left < ABOUT_TO_BREACH * target).fillna(value=False),
        },
        index=clocks.index,
    ).astype(bool)


def sla_summary(clocks: pd.DataFrame) -> pd.DataFrame:
    """How the SLA clocks stand, per clock and priority — and per service when the clocks have
    services — after one row per clock over all tickets (``by`` = ``all``).

    ``clocks`` is a result of :func:`sla`. Columns ``by`` (``all``, ``priority`` or
    ``service``), ``group`` (its value; ``(none)`` when empty), ``clock``, then counts:
    ``clocks`` measured (with a target and a measurement; clocks without a target are not
    counted), ``met`` (stopped within the target), ``breached`` (stopped or still running past
    the target), ``running`` (still running, within the target), ``about_to_breach`` (running
    clocks with less than :data:`ABOUT_TO_BREACH` of their target left) — ``clocks`` = ``met`` +
    ``breached`` + ``running`` — and ``compliance``, the share met of the clocks with a verdict
    (``met / (met + breached)``; empty when there are none).
    """
    states = _states(clocks)
    keys = pd.DataFrame(
        {
            ClockCol.CLOCK: clocks[ClockCol.CLOCK].astype(str),
            Col.PRIORITY: clocks[Col.PRIORITY].astype("string").fillna("(none)"),
            Col.SERVICE: clocks[Col.SERVICE].astype("string").fillna("(none)"),
            "all": "all",
        },
        index=clocks.index,
    )
    groupings = ["all", Col.PRIORITY]
    if clocks[Col.SERVICE].notna().any():
        groupings.append(Col.SERVICE)
    parts = []
    for by in groupings:
        joined = pd.concat([keys[[ClockCol.CLOCK, by]], states], axis=1)
        counts = joined.groupby([ClockCol.CLOCK, by], sort=True)[list(SUMMARY_COUNTS)].sum()
        counts = counts.reset_index().rename(columns={by: "group"})
        counts.insert(0, "by", by)
        parts.append(counts)
    columns = ["by", "group", ClockCol.CLOCK, *SUMMARY_COUNTS]
    out = pd.concat(parts, ignore_index=True)[columns]
    for col in SUMMARY_COUNTS:
        out[col] = out[col].astype("int64")
    decided = out["met"] + out["breached"]
    out["compliance"] = (out["met"] / decided.where(decided > 0)).astype("float64")
    out.attrs = dict(clocks.attrs)
    return out


def most_urgent(clocks: pd.DataFrame, *, only_urgent: bool = False) -> pd.DataFrame:
    """The clocks, most urgent first: running clocks within their target by time to breach
    (least left first), then breached clocks by overrun (elapsed minus target, largest first),
    then the others in their order. ``only_urgent`` leaves the others out. Adds no column."""
    states = _states(clocks)
    overrun = clocks[ClockCol.ELAPSED_S].astype("float64") - clocks[ClockCol.TARGET_S].astype(
        "float64"
    )
    rank = pd.Series(2, index=clocks.index)
    rank[states["breached"]] = 1
    rank[states["running"]] = 0
    key = pd.Series(0.0, index=clocks.index)
    key[states["running"]] = clocks.loc[states["running"], ClockCol.TIME_TO_BREACH_S]
    key[states["breached"]] = -overrun[states["breached"]]
    order = pd.DataFrame({"rank": rank, "key": key.fillna(0.0), "at": range(len(clocks))})
    order = order.sort_values(["rank", "key", "at"], kind="stable")
    if only_urgent:
        order = order[order["rank"] < 2]  # the others are not urgent
    out = clocks.iloc[order["at"].to_numpy()]
    out.attrs = dict(clocks.attrs)
    return out


def sla_agreement(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Goals = None,
) -> dict[str, Any]:
    """How often pdca's resolution verdict agrees with the source's (ServiceNow ``made_sla``);
    the key ``objectives`` says which targets pdca's verdict used."""
    resolved = resolve_objectives(objectives, store=store)
    with _desk(store, resolved, engine) as desk:
        record: dict[str, Any] = desk.sla_agreement(log=log)
        return record


def sla_capability(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Goals = None,
    clock: str = RESOLUTION,
    by: str = Col.PRIORITY,
    min_tickets: int = 30,
) -> pd.DataFrame:
    """SLA capability per group (priority by default): how the elapsed times of the stopped
    clocks sit against their target, the upper specification limit.

    One row per group with at least ``min_tickets`` measured clocks (all with the same target):
    ``tickets``, ``target_h``, ``median_h``, ``p90_h``, ``met`` (share within target), ``ppk``
    (percentile method: (USL - P50) / (P99.865 - P50), for skewed times), ``dpmo`` and
    ``sigma_level`` (with the conventional 1.5 sigma shift); see docs/spc.md.
    """
    resolved = resolve_objectives(objectives, store=store)
    with _desk(store, resolved, engine) as desk:
        return desk.sla_capability(log=log, clock=clock, by=by, min_tickets=min_tickets)


def capability_frame(
    frame: pd.DataFrame, resolved: Resolved, by: str, min_tickets: int
) -> pd.DataFrame:
    """:func:`sla_capability` from the clocks of :func:`sla`."""
    from pdca.methods.spc.capability import Capability  # noqa: PLC0415 (SciPy loads on use)

    done = frame[~frame[ClockCol.RUNNING].astype(bool)]
    done = done[done[ClockCol.TARGET_S].notna() & done[ClockCol.ELAPSED_S].notna()]
    rows = []
    for (group, target_s), part in done.groupby([by, ClockCol.TARGET_S], dropna=False):
        target = float(str(target_s))
        values = part[ClockCol.ELAPSED_S].to_numpy(dtype="float64")
        if len(values) < min_tickets:
            continue
        fit = Capability(usl=target, method="percentile").fit(values)
        rows.append(
            {
                by: group,
                "tickets": len(values),
                "target_h": target / 3600,
                "median_h": float(pd.Series(values).median()) / 3600,
                "p90_h": float(pd.Series(values).quantile(0.9)) / 3600,
                "met": float((values <= target).mean()),
                "ppk": fit.ppk_,
                "dpmo": fit.dpmo_,
                "sigma_level": fit.sigma_level_,
            }
        )
    return _declare(pd.DataFrame(rows), resolved, {})
