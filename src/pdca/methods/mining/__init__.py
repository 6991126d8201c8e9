"""Process mining on helpdesk tickets: process maps, waiting times, variants, handovers.

Each function takes the events of a log (``store.events(log)``, an engine table) and returns a
pandas DataFrame; all heavy work runs inside the engine. Several analyses of the same events can
share one ordering of the events: build it once with :func:`prepare` and pass the result instead
of the events::

    from pdca.engine.store import Store
    from pdca.methods import mining

    with Store.open(".pdca", read_only=True) as st:
        t = mining.prepare(st.events("servicenow_incident_event_log"))
        edges = mining.process_map(t)
        top = mining.variant_table(t, top=10)

``activity`` names the step: a canonical column (``"activity"``, the source's own label, is the
default; ``"state"``, ``"assignment_group"``…), several columns (``["state", "support_level"]``),
or an :class:`ActivityKey`. ``filters`` narrow the events first (see :mod:`.filters`).
The definitions of every number are in :mod:`.dfg` and :mod:`.variants` (and docs/mining.md);
the IT-support analyses (ping-pong, escalation, chains, rework, bottlenecks) in their modules and
docs/mining-itsm.md; conformance in :mod:`.conformance` and docs/conformance.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.mining import bottlenecks, escalation, rework
from pdca.methods.mining import dfg as _dfg
from pdca.methods.mining import traces as _traces
from pdca.methods.mining import variants as _variants
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.chains import reassignment_chains
from pdca.methods.mining.conformance import check_conformance
from pdca.methods.mining.dfg import BusinessTime
from pdca.methods.mining.filter_spec import parse_filters
from pdca.methods.mining.filters import (
    AttributeValues,
    EndActivities,
    PassesThrough,
    StartActivities,
    TimeFrame,
    Variants,
)
from pdca.methods.mining.pingpong import ping_pong
from pdca.methods.mining.process_model import load_process_model
from pdca.methods.mining.traces import EventFilter, Traces
from pdca.model.schema import Col

Activity = ActivityKey | str | Sequence[str]

__all__ = [
    "ActivityKey",
    "AttributeValues",
    "BusinessTime",
    "EndActivities",
    "PassesThrough",
    "StartActivities",
    "TimeFrame",
    "Traces",
    "Variants",
    "bottlenecks",
    "case_durations",
    "check_conformance",
    "end_activities",
    "escalation",
    "handover",
    "load_process_model",
    "parse_filters",
    "ping_pong",
    "prepare",
    "process_map",
    "reassignment_chains",
    "rework",
    "start_activities",
    "variant_table",
]


def prepare(
    events: Any, activity: Activity = Col.ACTIVITY, filters: Sequence[EventFilter] = ()
) -> Traces:
    """Order the events once (after ``filters``) for several analyses; keeps it in the engine."""
    return _variants.with_summary(_traces.traces(events, activity, filters).cache())


def _resolve(events: Any, activity: Activity | None, filters: Sequence[EventFilter]) -> Traces:
    """Traces of ``events``, or ``events`` itself when it was prepared already."""
    if isinstance(events, Traces):
        if filters:
            raise ConfigError(
                "filters cannot be applied to prepared traces", "give them to prepare() instead"
            )
        if activity is not None and ActivityKey.of(activity) != events.key:
            raise ConfigError(
                "these traces were prepared with another activity key",
                "prepare them again with this key, or leave out activity",
            )
        return events
    return _traces.traces(events, Col.ACTIVITY if activity is None else activity, filters)


def _frame(expr: Any) -> pd.DataFrame:
    # through Arrow: several times faster than Ibis's own conversion on large results
    frame: pd.DataFrame = expr.to_pyarrow().to_pandas()
    return frame


def process_map(
    events: Any,
    activity: Activity | None = None,
    *,
    performance: bool = True,
    filters: Sequence[EventFilter] = (),
    business: BusinessTime | None = None,
) -> pd.DataFrame:
    """The process map: one row per edge ``source → target``.

    Columns ``source``, ``target``, ``frequency``, ``cases`` and, with ``performance``, the
    waiting times in seconds ``mean``, ``median``, ``min``, ``max``, ``p90``, ``stdev``,
    ``total`` — in calendar time, or in the working hours of ``business``. Sorted by source,
    then target.
    """
    t = _resolve(events, activity, filters)
    frame = _frame(_dfg.edges(t, performance=performance, business=business))
    return frame.sort_values([_dfg.SOURCE, _dfg.TARGET], ignore_index=True)


def start_activities(
    events: Any, activity: Activity | None = None, *, filters: Sequence[EventFilter] = ()
) -> pd.DataFrame:
    """Steps that begin tickets: ``activity`` and the number of ``cases``, most first."""
    t = _resolve(events, activity, filters)
    frame = _frame(_dfg.start_activities(t))
    return frame.sort_values(
        [_dfg.CASES, _dfg.ACTIVITY], ascending=[False, True], ignore_index=True
    )


def end_activities(
    events: Any, activity: Activity | None = None, *, filters: Sequence[EventFilter] = ()
) -> pd.DataFrame:
    """Steps that end tickets: ``activity`` and the number of ``cases``, most first."""
    t = _resolve(events, activity, filters)
    frame = _frame(_dfg.end_activities(t))
    return frame.sort_values(
        [_dfg.CASES, _dfg.ACTIVITY], ascending=[False, True], ignore_index=True
    )


def handover(
    events: Any,
    by: str = Col.ASSIGNMENT_GROUP,
    *,
    include_same: bool = False,
    performance: bool = True,
    filters: Sequence[EventFilter] = (),
) -> pd.DataFrame:
    """Handover of work between teams (or resources, or support levels): one row per pair.

    By default only changes of holder are counted (X → Y with X ≠ Y); ``include_same`` keeps
    X → X as well, which is the plain process map with the holder as the step.
    """
    t = _resolve(events, _dfg.handover_key(by), filters)
    expr = (
        _dfg.edges(t, performance=performance)
        if include_same
        else _dfg.handovers(t, performance=performance)
    )
    return _frame(expr).sort_values([_dfg.SOURCE, _dfg.TARGET], ignore_index=True)


def variant_table(
    events: Any,
    activity: Activity | None = None,
    *,
    top: int | None = None,
    filters: Sequence[EventFilter] = (),
) -> pd.DataFrame:
    """Variants, most frequent first (ties: ascending step sequence); ``top`` keeps the first n.

    Columns ``variant`` (a tuple of step labels), ``length``, ``cases``, ``share``,
    ``mean_duration`` and ``median_duration`` (seconds).
    """
    t = _resolve(events, activity, filters)
    expr = _variants.variants(t, top)
    frame = _frame(expr)
    frame[_variants.VARIANT] = [tuple(v) for v in frame[_variants.VARIANT]]
    return frame


def case_durations(
    events: Any, activity: Activity | None = None, *, filters: Sequence[EventFilter] = ()
) -> pd.DataFrame:
    """One row per ticket: ``log``, ``case_id``, ``start``, ``end``, ``length`` (steps) and
    ``duration`` (seconds from first to last step). Sorted by log and ticket."""
    t = _resolve(events, activity, filters)
    return _frame(_variants.case_durations(t))
