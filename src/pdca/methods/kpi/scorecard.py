"""The scorecard: every KPI against its target, red/amber/green, with its trend.

Status rules (documented in docs/kpis.md):

* **green** — the latest period meets the target;
* **amber** — it misses the target by no more than the amber margin (default 10 % of the target);
* **red** — it misses by more;
* **none** — the KPI has no target.

The trend compares the latest period with the one before: ``↑``/``↓``/``→`` (within 1 % of the
previous value), and says whether that is better or worse given the KPI's direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.kpi.bands import BANDS
from pdca.methods.kpi.catalogue import CATALOGUE
from pdca.methods.kpi.continuity import applicable as continuity_applicable
from pdca.methods.kpi.definition import Direction, Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.model.objectives import KpiTarget

STEADY = 0.01
AMBER_MARGIN = 0.10
SCORECARD_KPIS = (
    "volume",
    "mtta",
    "mttr",
    "fcr",
    "reopen_rate",
    "reassignments",
    "escalation_rate",
    "sla_response",
    "sla_resolution",
    "sla_source",
    "backlog",
    "csat",
    "survey_response_rate",
    "nps",
)
"""KPIs of the scorecard; one with no value in the reporting period (CSAT, NPS and the response
rate of a log without surveys) is left out. Cost per ticket, tickets per user and the continuity
KPIs (availability, major and security incidents) join it when they apply."""


DEFAULT_TARGETS: dict[str, KpiTarget] = {
    "fcr": KpiTarget(op=">=", value=70),
    "reopen_rate": KpiTarget(op="<=", value=5),
    "sla_source": KpiTarget(op=">=", value=90),
    "sla_response": KpiTarget(op=">=", value=90),
    "sla_resolution": KpiTarget(op=">=", value=90),
    "escalation_rate": KpiTarget(op="<=", value=15),
}
"""Targets used when the objectives file sets none (documented in docs/kpis.md)."""


def gap(target: KpiTarget, actual: float) -> float:
    """How far ``actual`` misses the target, relative to the target (0 when met)."""
    if target.met(actual):
        return 0.0
    return abs(actual - target.value) / (abs(target.value) or 1.0)


def status(actual: float, target: KpiTarget | None, amber: float = AMBER_MARGIN) -> str:
    """``green``, ``amber``, ``red`` or ``none`` (see module docs)."""
    if target is None or math.isnan(actual):
        return "none"
    missed = gap(target, actual)
    if missed == 0:
        return "green"
    return "amber" if missed <= amber else "red"


def trend(current: float, previous: float, direction: Direction) -> str:
    """Arrow and judgement, e.g. ``↑ better``."""
    if math.isnan(current) or math.isnan(previous):
        return ""
    if abs(current - previous) <= STEADY * max(abs(previous), 1e-12):
        return "→ steady"
    arrow = "↑" if current > previous else "↓"
    if direction is Direction.NEUTRAL:
        return arrow
    better = (current > previous) == (direction is Direction.HIGHER)
    return f"{arrow} {'better' if better else 'worse'}"


SURVEY_KPIS = frozenset({"csat", "survey_response_rate", "nps"})


def _has_surveys(inputs: Inputs) -> bool:
    if inputs.surveys is None:
        return False
    return bool(inputs.surveys.count().execute() > 0)


def scorecard(
    inputs: Inputs,
    targets: Mapping[str, KpiTarget],
    *,
    period: str = "month",
    kpis: tuple[str, ...] = SCORECARD_KPIS,
    amber: float = AMBER_MARGIN,
    report_period: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per KPI for the reporting period: value, target, status, previous, trend.

    The reporting period defaults to the last period in which tickets were opened (a log's tail
    of late closures would otherwise be reported as if it were a month of service).
    """
    unknown = sorted(set(targets) - set(CATALOGUE))
    if unknown:
        raise ConfigError(
            f"the objectives name KPI target(s) {', '.join(unknown)} that pdca does not compute",
            f"use catalogue ids: {', '.join(sorted(CATALOGUE))}",
        )
    goals = inputs.extra.get("objectives")
    configured = ("cost_per_ticket",) * (getattr(goals, "cost", None) is not None) + (
        "tickets_per_user",
    ) * (getattr(goals, "organisation", None) is not None)
    if kpis is SCORECARD_KPIS:
        # continuity KPIs only where the log has major (security) incidents or the file says
        # which tickets are: without them they raise an error rather than report 100 %
        kpis = (*kpis, *configured, *continuity_applicable(inputs))
        if not _has_surveys(inputs):  # one cheap count instead of three empty queries
            kpis = tuple(k for k in kpis if k not in SURVEY_KPIS)
    frames = {k: evaluate(inputs, Query(k, period=period)) for k in kpis}
    if report_period is None:
        volume = frames.get("volume")
        if volume is None:
            volume = evaluate(inputs, Query("volume", period=period))
        if volume.empty:
            return pd.DataFrame()
        report_period = pd.Timestamp(volume["period"].iloc[-1])
    rows = []
    for kpi_id, frame in frames.items():
        kpi = CATALOGUE[kpi_id]
        current = frame[pd.to_datetime(frame["period"]) == report_period] if len(frame) else frame
        if current.empty:
            continue
        last = current.iloc[-1]
        value = float(last["value"])
        prev = float(last["previous"]) if pd.notna(last["previous"]) else math.nan
        target = targets.get(kpi_id)
        band = BANDS.get(kpi_id)
        rows.append(
            {
                "kpi": kpi_id,
                "name": kpi.name,
                "period": report_period.date().isoformat(),
                "value": value,
                "unit": kpi.unit,
                "target": str(target) if target else "",
                "status": status(value, target, amber),
                "previous": prev,
                "trend": trend(value, prev, kpi.direction),
                "benchmark": f"{band.text} ({band.source})" if band else "",
            }
        )
    return pd.DataFrame(rows)
