"""Bottlenecks: the steps (or edges) where tickets spend the most time waiting.

Each step of a ticket (named by the activity key: ``activity`` by default, or ``state``,
``assignment_group``, …) is charged with the time until the ticket's next step.

waiting time of a step
    Seconds from the step's event to the ticket's next step, in calendar time. A ticket's last
    step has none; events without a label under the activity key are not steps, so their time
    goes to the step before them.
total and share
    The sum of the waiting times charged to a step, and that sum divided by the sum over all
    steps (which is the sum of all case durations, from each ticket's first step to its last).
mean and median
    Mean and median waiting time of the step's events that have a next step (``frequency`` of
    them, in ``cases`` tickets); the median of an even number of waits is the mean of the two
    middle ones.
kind
    ``closure`` when every event under the step's label is in a state that ends the work
    (resolved, closed or cancelled): the time after it is the confirmation and closure period
    (Resolved → Closed, a reopening after Resolved), which the desk mostly does not control;
    ``work`` otherwise (the step is new, in progress, on hold, or its events name no such state).
    With ``edges``, the kind of the edge is the kind of its first step.

With ``edges``, the waiting times are charged to the edge A → B of the step and the step after
it instead, with the same columns. Work waits are listed first, then closure waits; within each,
steps (edges) with the largest total first, then in ascending order of their labels. The share
stays a share of all waiting time, closure waits included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.traces import (
    CASE_NO,
    CODE,
    LABEL,
    NEXT_CODE,
    NEXT_TIMESTAMP,
    EventFilter,
    Traces,
    seconds,
    traces,
)
from pdca.model.schema import Col
from pdca.model.vocab import END_STATES

ACTIVITY = "activity"
SOURCE = "source"
TARGET = "target"
TOTAL = "total"
SHARE = "share"
MEAN = "mean"
MEDIAN = "median"
FREQUENCY = "frequency"
CASES = "cases"
KIND = "kind"
WORK = "work"
CLOSURE = "closure"
AFTER_WORK: tuple[str, ...] = tuple(sorted(s.value for s in END_STATES))
"""States whose steps start a closure wait: resolved, closed, cancelled."""
Activity = ActivityKey | str | Sequence[str]


def _resolve(events: Any, activity: Activity | None, filters: Sequence[EventFilter]) -> Traces:
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
    return traces(events, Col.ACTIVITY if activity is None else activity, filters)


def _kinds(t: Traces) -> Any:
    """``_kind_code`` → ``kind`` of every step label: closure when all its events are in a state
    that ends the work."""
    ev = t.events
    ended = ibis.ifelse(ev[Col.STATE].isin(list(AFTER_WORK)), 1, 0)
    per_label = ev.group_by(LABEL).aggregate(_ended=ended.min())
    coded = per_label.join(t.labels, LABEL)
    kind = ibis.ifelse(coded["_ended"] == 1, CLOSURE, WORK)
    return coded.select(_kind_code=coded[CODE], **{KIND: kind})


def _ranked(t: Traces, *, edges: bool) -> Any:
    s = t.steps
    waits = s.filter(s[NEXT_TIMESTAMP].notnull())
    kinds = _kinds(t)
    waits = waits.join(kinds, waits[CODE] == kinds["_kind_code"], how="left")
    wait = seconds(waits[Col.TIMESTAMP], waits[NEXT_TIMESTAMP])
    keys = {SOURCE: waits[CODE], TARGET: waits[NEXT_CODE]} if edges else {ACTIVITY: waits[CODE]}
    keys[KIND] = waits[KIND].fill_null(WORK)
    grouped = waits.group_by(**keys).aggregate(
        **{
            TOTAL: wait.sum(),
            MEAN: wait.mean(),
            MEDIAN: wait.median(),
            FREQUENCY: waits.count(),
            CASES: waits[CASE_NO].nunique(),
        }
    )
    grand = grouped[TOTAL].sum().over(ibis.window()).nullif(0.0)
    grouped = grouped.mutate(**{SHARE: grouped[TOTAL] / grand})
    for name in keys:
        if name != KIND:
            grouped = t.decode(grouped, name, name)
    return grouped.select(*keys, TOTAL, SHARE, MEAN, MEDIAN, FREQUENCY, CASES)


def bottlenecks(
    events: Any,
    activity: Activity | None = None,
    *,
    edges: bool = False,
    top: int | None = None,
    filters: Sequence[EventFilter] = (),
) -> pd.DataFrame:
    """Steps ranked by the total waiting time they contribute: work waits first, then the waits
    after a resolution (closure), each largest first.

    The waiting time of a step is the time from its event to the ticket's next step, charged to
    the step (with ``edges``, to the edge from the step to the next one). A step is a closure wait
    when all its events are resolved, closed or cancelled, a work wait otherwise.

    Columns ``activity`` (or ``source`` and ``target``), ``kind`` (``work`` or ``closure``),
    ``total``, ``share``, ``mean``, ``median`` (seconds), ``frequency`` and ``cases``. ``top``
    keeps the first ``top`` rows.
    ``events`` may be prepared traces (:func:`pdca.methods.mining.prepare`). See
    :mod:`.bottlenecks` for every definition.
    """
    t = _resolve(events, activity, filters)
    out: pd.DataFrame = _ranked(t, edges=edges).to_pandas()
    names = [SOURCE, TARGET] if edges else [ACTIVITY]
    out = out.assign(_closure=out[KIND] == CLOSURE)
    order = ["_closure", TOTAL, *names]
    out = out.sort_values(order, ascending=[True, False, *([True] * len(names))])
    out = out.drop(columns="_closure").reset_index(drop=True)
    return out if top is None else out.head(top)
