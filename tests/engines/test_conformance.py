"""The same analyses on every engine, with the same results, on the two shared real logs.

Each log is imported once into a DuckDB store and exported with ``pdca export --to parquet``
(session fixtures in conftest.py, shared with test_conformance_mining.py); Spark reads that
export (:class:`pdca.engine.spark.SparkStore`). Every analysis runs on each engine and is
compared with the DuckDB result: counts, step labels, timestamps and durations exactly; means
and standard deviations to 1e-12 relative (Spark adds in another order). Each analysis also
checks what is known of the log independently where that is cheap (ticket counts, the number of
process-map edges and variants published in ../shared/data/README.md), on every engine.

This module covers the measurements: the ticket tables, every KPI of the catalogue, the SLA
clocks, the continuity KPIs, the scorecard and the monitoring charts. The KPIs run with
``period="month"`` (the monitor with weeks), from the events on both engines (no kept tables).

What Spark cannot run yet is marked ``xfail(strict=True)`` with the reason: the mark fails
the suite the day it starts to pass, so that it is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from pdca.api.control import _breakdown, _top_groups
from pdca.methods.kpi.catalogue import CATALOGUE
from pdca.methods.kpi.clock import ClockCol, sla_clocks
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS, scorecard
from pdca.methods.kpi.source_sla import source_agreement, source_verdicts
from pdca.methods.kpi.voc import VOC_KPIS
from pdca.methods.spc.monitor import monitor
from pdca.model.facts import ticket_facts
from pdca.model.objectives import Objectives, load_objectives
from pdca.model.schema import Col
from tests.engines.conftest import (
    BOTH,
    ENGINES,
    SERVICENOW_ONLY,
    SPARK_WARNINGS,
    VOLVO_ONLY,
    Exported,
    Result,
    assert_same_result,
    mark_not_on_spark,
    of_log,
    reference,
)

pytestmark = [pytest.mark.realdata, pytest.mark.slow, *SPARK_WARNINGS]

Run = Callable[[Any, Exported], Result]
Check = Callable[[Any, Exported], None]

MEANS = ("value", "previous", "change")
"""The KPI columns that hold means (compared to 1e-12) when the KPI averages."""

OBJECTIVES = """
# an office calendar in a zone with daylight saving time, with holidays in both logs' years
[calendars.office]
timezone = "Europe/Brussels"
holidays = [2012-05-01, 2012-12-25, 2016-03-28, 2016-05-05]

[calendars.office.hours]
monday = ["08:30-12:30", "13:30-17:30"]
tuesday = ["08:30-12:30", "13:30-17:30"]
wednesday = ["08:30-12:30", "13:30-17:30"]
thursday = ["08:30-12:30", "13:30-17:30"]
friday = "08:30-16:00"

[[sla]]
priority = 1
response = "30m"
resolution = "8h"
calendar = "office"

[[sla]]
response = "4h"
resolution = "30h"
calendar = "office"

[cost]
per_month = 52000

[organisation]
users = 1200

# stand-in classes that both logs have tickets of (ServiceNow: priority 1 and one category;
# Volvo, which has no priorities: major and high impact, and its largest product)
[continuity]
security_target = "1d"

[continuity.major]
priority = [1]
impact = ["Major", "High"]

[continuity.security]
category = ["Category 26"]
service = ["PROD424"]
"""
"""The objectives file of the configured analyses (written beside each log's store)."""


@dataclass(frozen=True)
class Analysis:
    """One analysis of the suite: how to run it on a store, what to check on any engine."""

    run: Run
    approx: tuple[str, ...] = ()
    """Columns compared to 1e-12 relative rather than exactly."""
    check: Check | None = None
    logs: tuple[str, ...] = BOTH
    """The logs it runs on: both, or the one that has the data (or, for a variant of an
    analysis that runs on both, one only, to keep the suite's time)."""


def _objectives(ex: Exported) -> Objectives:
    """The objectives of :data:`OBJECTIVES`, read from a file as the API reads it."""
    path = ex.root / "objectives.toml"
    if not path.exists():
        path.write_text(OBJECTIVES, encoding="utf-8")
    return load_objectives(path)


def _inputs(store: Any, ex: Exported, *, configured: bool = False) -> Inputs:
    """What ``pdca.api.measure.kpi`` hands the KPIs, without kept tables: on every engine the
    KPIs compute from the events. One per engine and objectives, shared by the KPIs as the API
    shares it (the log's span and the SLA clock table are computed once)."""
    key = ("inputs", id(store), configured)
    if key not in ex.memo:
        goals = _objectives(ex) if configured else load_objectives(None)
        inputs = Inputs(
            store.events(ex.log),
            store.tickets(ex.log),
            extra={"objectives": goals},
            surveys=store.surveys(ex.log),
        )
        ex.memo[key] = (store, inputs)  # the store kept alive: its id is not reused
    kept: Inputs = ex.memo[key][1]
    return kept


def _frame(expr: Any) -> pd.DataFrame:
    frame: pd.DataFrame = expr.to_pyarrow().to_pandas()
    return frame


# -- tickets ---------------------------------------------------------------------------------------
def _tickets(store: Any, ex: Exported) -> pd.DataFrame:
    return _frame(store.tickets(ex.log).order_by("case_id"))


def _ticket_facts(store: Any, ex: Exported) -> pd.DataFrame:
    """The facts computed from the events by the engine (not read from the stored table)."""
    return _frame(ticket_facts(store.events(ex.log)).order_by("case_id"))


def _one_row_per_ticket(frame: pd.DataFrame, ex: Exported) -> None:
    assert len(frame) == ex.known.tickets
    assert frame["case_id"].is_unique


# -- KPIs ------------------------------------------------------------------------------------------
def _kpi(
    kpi: str,
    options: dict[str, Any] | None = None,
    *,
    by: tuple[str, ...] = (),
    configured: bool = False,
) -> Run:
    def run(store: Any, ex: Exported) -> pd.DataFrame:
        inputs = _inputs(store, ex, configured=configured)
        return evaluate(inputs, Query(kpi, options=options, by=by, period="month"))

    return run


def _counts_every_ticket(frame: pd.DataFrame, ex: Exported) -> None:
    assert int(frame["n"].sum()) == ex.known.tickets


def _counts_resolved(frame: pd.DataFrame, ex: Exported) -> None:
    """Counted once per resolved ticket (the count comes from the stored ticket table)."""
    t = ex.duckdb.tickets(ex.log)
    assert int(frame["n"].sum()) == int(t.filter(t[Col.RESOLVED_AT].notnull()).count().execute())


def _shares(frame: pd.DataFrame, _: Exported) -> None:
    assert frame["value"].dropna().between(0, 100).all()


def _not_empty(frame: pd.DataFrame, _: Exported) -> None:
    assert len(frame) > 0


SURVEY_KPIS = {k.id for k in VOC_KPIS}
NO_SURVEYS = (
    "neither real log has survey responses: the survey KPIs (csat, nps, survey_response_rate) "
    "have nothing to compute on either engine here (test_engine_choice.py compares them on a "
    "generated log with CSAT and NPS responses)"
)
"""Why the survey KPIs are skipped (they read the surveys table as the others the tickets)."""

CONFIGURED_KPIS = {"cost_per_ticket", "tickets_per_user"}
CONTINUITY_KPIS = {
    "availability",
    "major_incident_count",
    "major_incident_duration",
    "security_mttr",
    "security_in_target",
}
"""KPIs that need the objectives file (cost, users, which tickets are major or security)."""

KPI_CHECKS: dict[str, Check] = {
    "volume": _counts_every_ticket,
    "mttr": _counts_resolved,
    "fcr": _counts_resolved,
    "tickets_per_user": _counts_every_ticket,
    "cost_per_ticket": _counts_every_ticket,
}
ANALYSES: dict[str, Analysis] = {
    "tickets": Analysis(_tickets, check=_one_row_per_ticket),
    "ticket_facts": Analysis(_ticket_facts, check=_one_row_per_ticket),
}
for _id, _kpi_def in CATALOGUE.items():
    if _id in SURVEY_KPIS:
        continue
    ANALYSES[f"kpi-{_id}"] = Analysis(
        _kpi(_id, configured=_id in CONFIGURED_KPIS | CONTINUITY_KPIS),
        approx=MEANS if _kpi_def.aggregation == "mean" or _kpi_def.finish else (),
        check=KPI_CHECKS.get(_id, _shares if _kpi_def.unit.startswith("%") else None),
    )
ANALYSES |= {
    "kpi-mttr-median": Analysis(_kpi("mttr", {"statistic": "median"})),
    "kpi-mttr-first": Analysis(_kpi("mttr", {"resolution": "first"}), approx=MEANS),
    "kpi-mttr-business": Analysis(_kpi("mttr", {"time": "business"}), approx=MEANS),
    "kpi-mttr-business-office": Analysis(
        _kpi("mttr", {"time": "business", "calendar": "office"}, configured=True),
        approx=MEANS,
        logs=VOLVO_ONLY,
    ),
    "kpi-mtta-business-median": Analysis(_kpi("mtta", {"time": "business", "statistic": "median"})),
    "kpi-time_in_state-by-state": Analysis(_kpi("time_in_state", by=("state",))),
    "kpi-backlog_age-by-bucket": Analysis(
        _kpi("backlog_age", by=("age_bucket",)), approx=MEANS, logs=SERVICENOW_ONLY
    ),
    "kpi-mttr-by-priority": Analysis(
        _kpi("mttr", by=(Col.PRIORITY,)), approx=MEANS, logs=SERVICENOW_ONLY
    ),
    "kpi-sla_resolution-by-priority": Analysis(
        _kpi("sla_resolution", by=(Col.PRIORITY,)), logs=SERVICENOW_ONLY
    ),
    "kpi-sla_resolution-office": Analysis(_kpi("sla_resolution", configured=True)),
    "kpi-availability-by-service": Analysis(
        _kpi("availability", by=(Col.SERVICE,), configured=True), approx=MEANS, logs=VOLVO_ONLY
    ),
    "kpi-availability-office": Analysis(
        _kpi("availability", {"calendar": "office"}, configured=True),
        approx=MEANS,
        logs=SERVICENOW_ONLY,
    ),
}


# -- SLA clocks, the source's verdicts, the scorecard ----------------------------------------------
def _clocks(configured: bool) -> Run:
    def run(store: Any, ex: Exported) -> Result:
        goals = _objectives(ex) if configured else load_objectives(None)
        events = store.events(ex.log)
        clocks = sla_clocks(events, store.tickets(ex.log), goals)
        agreement = source_agreement(clocks, events).to_dict()
        return {
            "clocks": _frame(clocks.order_by([Col.CASE_ID, ClockCol.CLOCK])),
            "verdicts": _frame(source_verdicts(events).order_by(Col.CASE_ID)),
            "agreement": pd.DataFrame([agreement]),
        }

    return run


def _two_clocks_per_ticket(result: Result, ex: Exported) -> None:
    assert isinstance(result, dict)
    clocks = result["clocks"]
    assert len(clocks) == 2 * ex.known.tickets
    assert clocks.groupby(ClockCol.CLOCK)[Col.CASE_ID].nunique().eq(ex.known.tickets).all()


def _scorecard(store: Any, ex: Exported) -> pd.DataFrame:
    return scorecard(_inputs(store, ex, configured=True), DEFAULT_TARGETS, period="month")


# -- monitoring ------------------------------------------------------------------------------------
def _monitor(store: Any, ex: Exported) -> Result:
    """What ``pdca monitor`` charts: the default KPIs per week, by service (Volvo) or category
    (ServiceNow), top 5 groups; each chart's points and limits are compared."""
    tickets = store.tickets(ex.log)
    by = _breakdown(tickets, "auto")
    groups = _top_groups(tickets, by, 5) if by else None
    found = monitor(_inputs(store, ex), by=by, groups=groups, period="week")
    parts: dict[str, pd.DataFrame] = {
        "groups": pd.DataFrame({"by": [by] * len(groups or []), "group": groups or []}),
        "signals": found.signals,
        "charts": found.charts,
    }
    for (kpi, group), panel in sorted(found.panels.items()):
        parts[f"{kpi} {group}"] = panel
    return parts


def _charted(result: Result, _: Exported) -> None:
    assert isinstance(result, dict)
    assert (result["charts"]["status"].isin(["signal", "stable"])).any()


CHART_NUMBERS = ("value", "centre", "lcl", "ucl", "sigma")

ANALYSES |= {
    # ServiceNow: the default targets by priority, and the source's made_sla verdicts;
    # Volvo (no priorities): the office calendar's catch-all targets
    "sla_clocks": Analysis(
        _clocks(configured=False), check=_two_clocks_per_ticket, logs=SERVICENOW_ONLY
    ),
    "sla_clocks-office": Analysis(
        _clocks(configured=True), check=_two_clocks_per_ticket, logs=VOLVO_ONLY
    ),
    "scorecard": Analysis(_scorecard, approx=("value", "previous", "gap"), logs=VOLVO_ONLY),
    "monitor": Analysis(_monitor, approx=CHART_NUMBERS, check=_charted),
}

NOT_ON_SPARK_YET: dict[str, str] = {}
"""Analysis -> why it fails on Spark (the mark must go once pdca's formulation is portable)."""

NO_DATA: dict[str, set[str]] = {}
"""Log -> analyses it has no data for (checked: they are empty on DuckDB, and skipped)."""


# -- the suite -----------------------------------------------------------------------------------
def _compare(request: pytest.FixtureRequest, exported: Exported, store: Any, name: str) -> None:
    mark_not_on_spark(request, exported, store, NOT_ON_SPARK_YET.get(name))
    spec = ANALYSES[name]
    want = reference(exported, name, lambda: spec.run(exported.duckdb, exported))
    got = spec.run(store, exported)
    if spec.check is not None:
        spec.check(got, exported)
    assert_same_result(got, want, spec.approx)


def _analyses_of(log: str) -> list[Any]:
    skipped = [
        pytest.param(f"kpi-{k}", marks=pytest.mark.skip(reason=NO_SURVEYS))
        for k in sorted(SURVEY_KPIS)
    ]
    return [*of_log(log, ANALYSES), *skipped]


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
@pytest.mark.parametrize("analysis", _analyses_of("servicenow"))
@pytest.mark.parametrize("exported", ["servicenow"], indirect=True)
def test_same_result_on_every_engine_servicenow(
    request: pytest.FixtureRequest, exported: Exported, engine: Any, analysis: str
) -> None:
    _compare(request, exported, engine, analysis)


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
@pytest.mark.parametrize("analysis", _analyses_of("volvo"))
@pytest.mark.parametrize("exported", ["volvo"], indirect=True)
def test_same_result_on_every_engine_volvo(
    request: pytest.FixtureRequest, exported: Exported, engine: Any, analysis: str
) -> None:
    _compare(request, exported, engine, analysis)


def test_every_kpi_of_the_catalogue_is_in_the_suite() -> None:
    """A KPI added to the catalogue joins the suite, or says here why it cannot."""
    left_out = {k for k in CATALOGUE if f"kpi-{k}" not in ANALYSES}
    assert left_out == SURVEY_KPIS
