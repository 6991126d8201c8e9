"""Rework loops: tickets that were resolved and then reopened.

The events of a ticket whose canonical state is known (not ``unknown``) are put in their stable
order; the others are skipped, as for the ticket facts.

resolution episode
    A run of consecutive events in a resolution state (resolved or closed). It starts at its
    first event.
reopen
    An event in an open state directly after an event in a resolution state (a cancelled event in
    between breaks the loop) — the same rule as the ticket fact ``reopen_count``.
rework loop
    A reopen together with the resolution episode before it and the next resolution after it.
    A ticket has as many loops as reopens.
time lost
    Seconds from the start of the resolution episode before the reopen to the next event in a
    resolution state after it: how much later the ticket was resolved than it first seemed. A
    loop not yet resolved again (an open loop) has no time lost. A ticket's time lost is the
    total over its loops; loops do not overlap.

The overall summary counts the tickets with at least one event in a resolution state (the
denominator of the reopen rate), the rework tickets among them (at least one loop) and their
share, the loops, the open loops, and the time lost: its total, and its mean and median over the
loops that were resolved again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.runs import frame, with_case
from pdca.methods.mining.traces import (
    CASE_NO,
    CODE,
    LABEL,
    POS,
    EventFilter,
    Traces,
    apply_filters,
    seconds,
    traces,
)
from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State

LOOP = "loop"
RESOLVED_AT = "resolved_at"
REOPENED_AT = "reopened_at"
RESOLVED_AGAIN_AT = "resolved_again_at"
TIME_LOST = "time_lost"
LOOPS = "loops"
OPEN_LOOP = "open_loop"
OPEN_LOOPS = "open_loops"
RESOLVED_TICKETS = "resolved_tickets"
REWORK_TICKETS = "rework_tickets"
SHARE = "share"
MEAN_TIME_LOST = "mean_time_lost"
MEDIAN_TIME_LOST = "median_time_lost"
IS_RES = "_is_res"
IS_OPEN = "_is_open"
_FALSE = ibis.literal(value=False)


@dataclass(frozen=True)
class Rework:
    """The rework analysis of one set of events (all times in seconds).

    ``loops``: one row per loop — ``log``, ``case_id``, ``loop`` (1, 2, … within the ticket),
    ``resolved_at``, ``reopened_at``, ``resolved_again_at`` (empty for an open loop),
    ``time_lost`` (empty for an open loop).
    ``tickets``: one row per ticket with an event in a resolution state — ``log``, ``case_id``,
    ``loops``, ``open_loop``, ``time_lost`` (0 without loops resolved again).
    ``summary``: one row — ``resolved_tickets``, ``rework_tickets``, ``share``, ``loops``,
    ``open_loops``, ``time_lost``, ``mean_time_lost``, ``median_time_lost``.
    """

    loops: pd.DataFrame
    tickets: pd.DataFrame
    summary: pd.DataFrame


def state_traces(events: Any, filters: Sequence[EventFilter] = ()) -> Traces:
    """Traces of the canonical states, without events whose state is unknown."""
    kept = apply_filters(events, filters)
    kept = kept.filter(kept[Col.STATE] != State.UNKNOWN.value)
    return traces(kept, ActivityKey((Col.STATE,)))


def state_steps(t: Traces) -> Any:
    """The steps of :func:`state_traces` with two flags: in a resolution state, in an open state."""
    kinds = t.labels.select(
        CODE,
        **{
            IS_RES: t.labels[LABEL].isin(sorted(RESOLUTION_STATES)),
            IS_OPEN: t.labels[LABEL].isin(sorted(OPEN_STATES)),
        },
    )
    return t.steps.join(kinds, CODE)


def _loops(t: Traces) -> Any:
    s = state_steps(t)
    by_pos = ibis.window(group_by=s[CASE_NO], order_by=s[POS])
    after_res = s[IS_RES].lag().over(by_pos).fill_null(_FALSE)
    marked = s.mutate(_episode=s[IS_RES] & ~after_res, _reopen=s[IS_OPEN] & after_res)
    so_far = ibis.window(
        group_by=marked[CASE_NO], order_by=marked[POS], preceding=None, following=0
    )
    ahead = ibis.window(group_by=marked[CASE_NO], order_by=marked[POS], preceding=0, following=None)
    ts = marked[Col.TIMESTAMP]
    null_ts = ibis.null("timestamp")
    marked = marked.mutate(
        **{
            RESOLVED_AT: ibis.ifelse(marked["_episode"], ts, null_ts).max().over(so_far),
            RESOLVED_AGAIN_AT: ibis.ifelse(marked[IS_RES], ts, null_ts).min().over(ahead),
        }
    )
    reopens = marked.filter(marked["_reopen"])
    order = ibis.window(group_by=reopens[CASE_NO], order_by=reopens[POS])
    return reopens.select(
        CASE_NO,
        **{
            LOOP: (ibis.row_number().over(order) + 1).cast("int64"),
            RESOLVED_AT: reopens[RESOLVED_AT],
            REOPENED_AT: reopens[Col.TIMESTAMP],
            RESOLVED_AGAIN_AT: reopens[RESOLVED_AGAIN_AT],
            TIME_LOST: seconds(reopens[RESOLVED_AT], reopens[RESOLVED_AGAIN_AT]),
        },
    )


def _per_ticket(t: Traces, loops: Any) -> Any:
    s = state_steps(t)
    resolved = s.filter(s[IS_RES]).select(CASE_NO).distinct()
    per_loop = loops.group_by(CASE_NO).aggregate(
        **{
            LOOPS: loops.count(),
            OPEN_LOOP: loops[RESOLVED_AGAIN_AT].isnull().any(),
            TIME_LOST: loops[TIME_LOST].sum(),
        }
    )
    joined = resolved.join(per_loop, CASE_NO, how="left")
    return joined.select(
        CASE_NO,
        joined[LOOPS].fill_null(0).cast("int64").name(LOOPS),
        joined[OPEN_LOOP].fill_null(_FALSE).name(OPEN_LOOP),
        joined[TIME_LOST].fill_null(0.0).name(TIME_LOST),
    )


def _summary(per_ticket: Any, loops: Any) -> Any:
    tickets = per_ticket.aggregate(
        **{
            RESOLVED_TICKETS: per_ticket.count(),
            REWORK_TICKETS: (per_ticket[LOOPS] > 0).cast("int64").sum().fill_null(0),
            SHARE: (per_ticket[LOOPS] > 0).cast("float64").mean(),
            LOOPS: per_ticket[LOOPS].sum().fill_null(0),
            OPEN_LOOPS: per_ticket[OPEN_LOOP].cast("int64").sum().fill_null(0),
        }
    )
    lost = loops[TIME_LOST]
    times = loops.aggregate(
        **{
            TIME_LOST: lost.sum().fill_null(0.0),
            MEAN_TIME_LOST: lost.mean(),
            MEDIAN_TIME_LOST: lost.median(),
        }
    )
    return tickets.cross_join(times)


def rework(events: Any, *, filters: Sequence[EventFilter] = ()) -> Rework:
    """Rework loops: tickets resolved and then reopened, with the time each loop lost.

    A reopen is an event in an open state directly after an event in a resolution state; its time
    lost runs from the start of the resolution episode before it to the next event in a
    resolution state after it.

    See :class:`Rework` for the columns and :mod:`.rework` for every definition.
    """
    t = state_traces(events, filters).cache()
    loops = _loops(t).cache()
    per_ticket = _per_ticket(t, loops).cache()
    return Rework(
        frame(with_case(t, loops, LOOP)),
        frame(with_case(t, per_ticket)),
        frame(_summary(per_ticket, loops)),
    )
