"""Holder sequences: who held a ticket, in order, with consecutive repeats collapsed.

The ITSM analyses (ping-pong, escalation paths, reassignment chains) look at *who* held a ticket
— its assignment group, resource or support level — rather than at every event. A ticket's
events that name a holder are put in their stable order (by time, then the source's own
sequence number, then the import, then the position in the file; events without a holder are
skipped), and consecutive events naming the same holder are collapsed into one *stint*. The
holders of the stints, in order, are the ticket's *holder sequence*: events naming
``A, A, B, (none), B, A`` give the sequence ``A → B → A`` of three stints.

A stint starts at the time of its first event and lasts until the next stint starts; the last
stint of a ticket has no end here.

Inside the engine the stints are one narrow table of numbers (ticket number, stint number, holder
code, start, start of the next stint), built with two window passes over the coded steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.traces import (
    CASE,
    CASE_NO,
    CODE,
    LABEL,
    POS,
    EventFilter,
    Traces,
    seconds,
    traces,
)
from pdca.methods.mining.variants import ordered_list
from pdca.model.schema import Col

STINT = "stint"
"""0-based number of a stint within its ticket."""
START = "start"
"""Time of a stint's first event."""
NEXT_START = "next_start"
"""Start of the stint that follows (empty for a ticket's last stint)."""
SEQUENCE = "sequence"
"""The holders of a ticket's stints, in order."""
LENGTH = "length"
"""Number of stints of a ticket."""
HOLDERS = (Col.ASSIGNMENT_GROUP, Col.RESOURCE, Col.SUPPORT_LEVEL)
"""Columns that name who holds a ticket."""
_PREV = "_prev"


def holder_traces(events: Any, by: str, filters: Sequence[EventFilter] = ()) -> Traces:
    """Traces with the holder (``by``) as the step: events without a holder are not steps."""
    if by not in HOLDERS:
        raise ConfigError(f"cannot follow holders by {by!r}", f"use one of: {', '.join(HOLDERS)}")
    return traces(events, ActivityKey((by,)), filters)


def stints(t: Traces) -> Any:
    """One row per stint: ``case_no``, ``stint``, ``code`` (holder), ``start``, ``next_start``."""
    s = t.steps
    marked = s.mutate(**{_PREV: s[CODE].lag().over(group_by=s[CASE_NO], order_by=s[POS])})
    heads = marked.filter(marked[_PREV].isnull() | (marked[_PREV] != marked[CODE]))
    window = ibis.window(group_by=heads[CASE_NO], order_by=heads[POS])
    return heads.select(
        CASE_NO,
        CODE,
        **{
            STINT: ibis.row_number().over(window),
            START: heads[Col.TIMESTAMP],
            NEXT_START: heads[Col.TIMESTAMP].lead().over(window),
        },
    )


def stint_seconds(st: Any) -> Any:
    """Seconds a stint lasted: from its start to the start of the next stint."""
    return seconds(st[START], st[NEXT_START])


def sequences(t: Traces, st: Any) -> Any:
    """One row per ticket: ``case_no``, ``sequence`` (list of holder labels) and ``length``."""
    named = st.join(t.labels, CODE)
    return named.group_by(CASE_NO).aggregate(
        **{SEQUENCE: ordered_list(named[LABEL], named[STINT]), LENGTH: named.count()}
    )


def with_case(t: Traces, table: Any, *then: str) -> Any:
    """``table`` (keyed by ``case_no``) with ``log`` and ``case_id`` in front, in ticket order
    (then in the order of the columns ``then``)."""
    joined = table.join(t.cases, CASE_NO).order_by([CASE_NO, *then])
    return joined.select(*CASE, *(c for c in table.columns if c != CASE_NO))


def frame(expr: Any, *lists: str) -> pd.DataFrame:
    """Run ``expr`` and turn its list columns ``lists`` into tuples of labels."""
    out: pd.DataFrame = expr.to_pandas()
    for name in lists:
        out[name] = [tuple(v) for v in out[name]]
    return out


def counts_by_sequence(per_ticket: Any, column: str, extra: dict[str, Any]) -> Any:
    """Tickets per distinct sequence in ``column``, with their ``share`` and ``extra`` aggregates.

    Most tickets first; equal counts in ascending order of the sequences.
    """
    grouped = per_ticket.group_by(column).aggregate(
        tickets=per_ticket.count(), **{k: f(per_ticket) for k, f in extra.items()}
    )
    total = grouped["tickets"].sum().cast("float64")
    grouped = grouped.mutate(share=grouped["tickets"].cast("float64") / total)
    return grouped.order_by([ibis.desc("tickets"), ibis.asc(column)])
