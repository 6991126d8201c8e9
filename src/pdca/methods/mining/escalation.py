"""Escalation paths and push-to-front: which support levels tickets went through.

A ticket's escalation path is its holder sequence by support level: the levels named by its
events, in their stable order, with consecutive repeats collapsed and events that name no level
skipped — for example ``L1 → L2 → L1``. Only tickets with at least one event
that names a level have a path; they are the tickets counted below. The front line is ``L1``
unless told otherwise.

escalated ticket
    A ticket with an event naming a level other than the front line (L2, L3, L2/L3, …). With
    the front line L1 and no level label that sorts before it, this is the rule of the KPI
    escalation rate (the highest level reached is not L1).
resolved ticket
    A ticket whose last event in an open or resolution state is in a resolution state: the ticket
    fact ``resolved_at`` is not empty (events with an unknown state are skipped).
push-to-front ticket
    A resolved ticket whose every event that names a level names the front line: resolved at L1
    without ever reaching another level.
push-to-front share
    Push-to-front tickets divided by the resolved tickets with a level.
path count and share
    How many tickets with a level follow the path, and that number divided by the number of
    tickets with a level; ``resolved`` counts the resolved ones among them.

Paths are listed with the most tickets first; paths with equal counts in ascending order of
their level sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from pdca.methods.mining.runs import (
    LENGTH,
    SEQUENCE,
    counts_by_sequence,
    frame,
    holder_traces,
    sequences,
    stints,
    with_case,
)
from pdca.methods.mining.traces import (
    CASE,
    CASE_NO,
    CODE,
    LABEL,
    EventFilter,
    apply_filters,
    stable_order,
)
from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES

PATH = "path"
ESCALATED = "escalated"
RESOLVED = "resolved"
PUSH_TO_FRONT = "push_to_front"
TICKETS = "tickets"
ESCALATION_SHARE = "escalation_share"
PUSH_TO_FRONT_SHARE = "push_to_front_share"
FRONT_LINE = "L1"


@dataclass(frozen=True)
class Escalation:
    """The escalation analysis of one set of events.

    ``tickets``: one row per ticket with a level — ``log``, ``case_id``, ``path`` (tuple of
    levels), ``length``, ``escalated``, ``resolved``, ``push_to_front``.
    ``summary``: one row — ``tickets``, ``escalated``, ``escalation_share``, ``resolved``,
    ``push_to_front``, ``push_to_front_share``.
    ``paths``: one row per path — ``path``, ``length``, ``tickets``, ``share``, ``resolved``.
    """

    front_line: str
    tickets: pd.DataFrame
    summary: pd.DataFrame
    paths: pd.DataFrame


def _resolved(events: Any, filters: Sequence[EventFilter]) -> Any:
    """Per ticket: ``log``, ``case_id`` and ``resolved`` — its last event in an open or
    resolution state is in a resolution state."""
    e = apply_filters(events, filters)
    e = e.filter(e[Col.STATE].isin(sorted(OPEN_STATES | RESOLUTION_STATES)))
    window = ibis.window(group_by=[e[c] for c in CASE], order_by=stable_order(e))
    e = e.mutate(_pos=ibis.row_number().over(window))
    last = e.group_by(list(CASE)).aggregate(
        _res=e["_pos"].max(where=e[Col.STATE].isin(sorted(RESOLUTION_STATES))),
        _open=e["_pos"].max(where=e[Col.STATE].isin(sorted(OPEN_STATES))),
    )
    done = (last["_res"] > last["_open"].fill_null(-1)).fill_null(ibis.literal(value=False))
    return last.select(*CASE, **{RESOLVED: done})


def _per_ticket(events: Any, filters: Sequence[EventFilter], front_line: str) -> Any:
    t = holder_traces(events, Col.SUPPORT_LEVEL, filters)
    st = stints(t)
    levels = st.join(t.labels, CODE)
    away = levels.group_by(CASE_NO).aggregate(**{ESCALATED: (levels[LABEL] != front_line).any()})
    paths = with_case(t, sequences(t, st).join(away, CASE_NO))
    joined = paths.join(_resolved(events, filters), list(CASE), how="left")
    resolved = joined[RESOLVED].fill_null(ibis.literal(value=False))
    return joined.select(
        *CASE,
        **{
            PATH: joined[SEQUENCE],
            LENGTH: joined[LENGTH].cast("int64"),
            ESCALATED: joined[ESCALATED],
            RESOLVED: resolved,
            PUSH_TO_FRONT: resolved & ~joined[ESCALATED],
        },
    )


def _summary(per_ticket: Any) -> Any:
    n_resolved = per_ticket[RESOLVED].cast("int64").sum().fill_null(0)
    n_push = per_ticket[PUSH_TO_FRONT].cast("int64").sum().fill_null(0)
    return per_ticket.aggregate(
        **{
            TICKETS: per_ticket.count(),
            ESCALATED: per_ticket[ESCALATED].cast("int64").sum().fill_null(0),
            ESCALATION_SHARE: per_ticket[ESCALATED].cast("float64").mean(),
            RESOLVED: n_resolved,
            PUSH_TO_FRONT: n_push,
            PUSH_TO_FRONT_SHARE: n_push.cast("float64") / n_resolved.nullif(0).cast("float64"),
        }
    )


def escalation(
    events: Any, *, front_line: str = FRONT_LINE, filters: Sequence[EventFilter] = ()
) -> Escalation:
    """Escalation paths through the support levels, and the push-to-front share.

    A push-to-front ticket is a resolved ticket whose every event that names a level names the
    front line; its share is taken over the resolved tickets with a level.

    See :class:`Escalation` for the columns and :mod:`.escalation` for every definition.
    """
    per_ticket = _per_ticket(events, filters, front_line).cache()
    paths = counts_by_sequence(
        per_ticket,
        PATH,
        {
            LENGTH: lambda p: p[LENGTH].max(),
            RESOLVED: lambda p: p[RESOLVED].cast("int64").sum(),
        },
    )
    return Escalation(
        front_line,
        frame(per_ticket.order_by(list(CASE)), PATH),
        frame(_summary(per_ticket)),
        frame(paths.select(PATH, LENGTH, TICKETS, "share", RESOLVED), PATH),
    )
