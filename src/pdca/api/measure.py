"""The Measure API: KPI values, the catalogue and the scorecard against targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.cache import ResultCache, cache_key, code_fingerprint
from pdca.engine.choice import EngineSettings, open_for_analysis
from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.methods.kpi.bands import BANDS
from pdca.methods.kpi.catalogue import CATALOGUE, get_kpi
from pdca.methods.kpi.clock import RESOLUTION, RESPONSE, ClockCol, sla_clocks
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS
from pdca.methods.kpi.scorecard import scorecard as build_scorecard
from pdca.methods.kpi.source_sla import KEPT_VERDICTS, source_agreement, source_verdicts
from pdca.model.objectives import load_objectives
from pdca.model.schema import Col

_MEASURE_CODE = ("methods.kpi", "model", "engine")
"""Subpackages whose code decides a measured result (see :func:`code_fingerprint`)."""


def _kept(st: Any, log: str) -> Any:
    """The tables the import kept for the whole log (for :class:`Inputs`)."""
    return lambda name: st.derived(name, log)


def _inputs(st: Any, name: str, goals: Any) -> Inputs:
    """What the KPIs of log ``name`` read: its events, tickets, surveys, the objectives and the
    tables the import kept (none on Spark)."""
    return Inputs(
        st.events(name),
        st.tickets(name),
        extra={"objectives": goals},
        surveys=st.surveys(name),
        kept=_kept(st, name),
    )


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
    objectives: Path | str | None = None,
) -> pd.DataFrame:
    """KPI values per period and breakdown, with the previous period and the published band.

    ``kpis`` are catalogue ids (all when empty); ``options`` maps a KPI id to its options;
    ``objectives`` is the objectives file (SLA targets and calendars for the SLA KPIs).
    """
    ids = list(kpis) or list(CATALOGUE)
    goals = load_objectives(Path(objectives) if objectives else None)
    frames = []
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        inputs = _inputs(st, name, goals)
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
            frame["unit"] = definition.unit
            band = BANDS.get(kpi_id)
            frame["benchmark"] = f"{band.text} ({band.source})" if band else None
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def scorecard(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
    period: str = "month",
) -> pd.DataFrame:
    """Every scorecard KPI for the reporting period against its target (red/amber/green, trend).

    Targets come from the objectives file's ``[kpi_targets]``; without any, pdca's defaults.
    The result is kept beside the store (:mod:`pdca.engine.cache`) until the data, the objectives
    or pdca's code change, so asking again is immediate.
    """
    goals = load_objectives(Path(objectives) if objectives else None)
    targets = goals.kpi_targets or DEFAULT_TARGETS
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        if not isinstance(st, Store):  # results are kept beside a DuckDB store only
            return _scorecard(st, name, goals, targets, period)
        cache = ResultCache(st.root)
        key = cache_key(
            question="scorecard",
            log=name,
            period=period,
            objectives=goals.model_dump(mode="json"),
            data=st.data_version(),
            code=code_fingerprint(_MEASURE_CODE),
        )
        cached = cache.get(key)
        if cached is not None:
            return cached
        frame = _scorecard(st, name, goals, targets, period)
        cache.put(key, frame)
        return frame


def _scorecard(st: Any, name: str, goals: Any, targets: Any, period: str) -> pd.DataFrame:
    return build_scorecard(_inputs(st, name, goals), targets, period=period)


def sla(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
    clock: str | None = None,
    running: bool = False,
    breached: bool = False,
) -> pd.DataFrame:
    """The SLA clocks of every ticket (one row per ticket and clock, see docs/sla.md), with the
    verdict the source recorded (``source_met``, when it records one) beside pdca's.

    ``clock`` keeps only ``response`` or ``resolution``; ``running`` only clocks still running
    (with their time to breach); ``breached`` only breached clocks.
    """
    if clock not in (None, RESPONSE, RESOLUTION):
        raise InputError(f"unknown clock {clock!r}", "use response or resolution")
    goals = load_objectives(Path(objectives) if objectives else None)
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        events = st.events(name)
        clocks = sla_clocks(events, st.tickets(name), goals)
        verdicts = st.derived(KEPT_VERDICTS, name)
        if verdicts is None:
            verdicts = source_verdicts(events)
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


def sla_agreement(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
) -> dict[str, Any]:
    """How often pdca's resolution verdict agrees with the source's (ServiceNow ``made_sla``)."""
    goals = load_objectives(Path(objectives) if objectives else None)
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        events = st.events(name)
        clocks = sla_clocks(events, st.tickets(name), goals)
        return source_agreement(clocks, events).to_dict()


def sla_capability(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    objectives: Path | str | None = None,
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
    from pdca.methods.spc.capability import Capability  # noqa: PLC0415 (SciPy loads on use)

    frame = sla(store=store, log=log, objectives=objectives, clock=clock, engine=engine)
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
    return pd.DataFrame(rows)
