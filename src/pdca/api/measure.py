"""The Measure API: KPI values, the catalogue and the scorecard against targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.cache import ResultCache, cache_key, code_fingerprint
from pdca.engine.store import Store
from pdca.methods.kpi.bands import BANDS
from pdca.methods.kpi.catalogue import CATALOGUE, get_kpi
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS
from pdca.methods.kpi.scorecard import scorecard as build_scorecard
from pdca.model.objectives import load_objectives

_MEASURE_CODE = ("methods.kpi", "model", "engine")
"""Subpackages whose code decides a measured result (see :func:`code_fingerprint`)."""


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
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        inputs = Inputs(st.events(name), st.tickets(name), extra={"objectives": goals})
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
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
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
        inputs = Inputs(st.events(name), st.tickets(name), extra={"objectives": goals})
        frame = build_scorecard(inputs, targets, period=period)
        cache.put(key, frame)
        return frame
