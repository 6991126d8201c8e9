"""Reassignment chains: the teams a ticket passed through, and how long such chains get.

A ticket's reassignment chain is its holder sequence (the assignment group by default; or the
resource, or the support level): who held it, in the stable order of its events, with
consecutive repeats collapsed and events without a holder skipped. Only tickets
with at least one event that names a holder have a chain.

chain length
    The number of stints in the chain (``A → B → A`` has length 3).
handovers
    The number of changes of holder along the chain: its length minus one. For assignment groups
    this is the ticket fact ``reassignment_count``.
holders
    The number of distinct holders in the chain.
handover distribution
    For each number of handovers, how many tickets have it, that number divided by the number of
    tickets with a chain, and the cumulative share up to and including it.
chain count and share
    How many tickets follow the chain, and that number divided by the number of tickets with a
    chain.

Chains are listed with the most tickets first; chains with equal counts in ascending order of
their holder sequences.
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
from pdca.methods.mining.traces import CASE, CASE_NO, CODE, EventFilter
from pdca.model.schema import Col

CHAIN = "chain"
HANDOVERS = "handovers"
HOLDERS = "holders"
TICKETS = "tickets"
SHARE = "share"
CUMULATIVE_SHARE = "cumulative_share"


@dataclass(frozen=True)
class Chains:
    """The reassignment chains of one set of events.

    ``tickets``: one row per ticket with a holder — ``log``, ``case_id``, ``chain`` (tuple of
    holders), ``length``, ``handovers``, ``holders``.
    ``distribution``: one row per number of handovers, ascending — ``handovers``, ``tickets``,
    ``share``, ``cumulative_share``.
    ``chains``: one row per chain, most tickets first — ``chain``, ``length``, ``handovers``,
    ``tickets``, ``share``.
    """

    by: str
    tickets: pd.DataFrame
    distribution: pd.DataFrame
    chains: pd.DataFrame


def _per_ticket(events: Any, by: str, filters: Sequence[EventFilter]) -> Any:
    t = holder_traces(events, by, filters)
    st = stints(t)
    distinct = st.group_by(CASE_NO).aggregate(**{HOLDERS: st[CODE].nunique()})
    seq = sequences(t, st).join(distinct, CASE_NO)
    out = seq.select(
        CASE_NO,
        **{
            CHAIN: seq[SEQUENCE],
            LENGTH: seq[LENGTH].cast("int64"),
            HANDOVERS: (seq[LENGTH] - 1).cast("int64"),
            HOLDERS: seq[HOLDERS].cast("int64"),
        },
    )
    return with_case(t, out)


def _distribution(per_ticket: Any) -> Any:
    counted = per_ticket.group_by(HANDOVERS).aggregate(**{TICKETS: per_ticket.count()})
    total = counted[TICKETS].sum().cast("float64")
    running = ibis.window(order_by=counted[HANDOVERS], preceding=None, following=0)
    out = counted.mutate(
        **{
            SHARE: counted[TICKETS].cast("float64") / total,
            CUMULATIVE_SHARE: counted[TICKETS].sum().over(running).cast("float64") / total,
        }
    )
    return out.order_by(HANDOVERS).select(HANDOVERS, TICKETS, SHARE, CUMULATIVE_SHARE)


def reassignment_chains(
    events: Any,
    by: str = Col.ASSIGNMENT_GROUP,
    *,
    top: int | None = None,
    filters: Sequence[EventFilter] = (),
) -> Chains:
    """Reassignment chains by holder (``by``: assignment group, resource, support level).

    A chain's handovers are its length minus one (for assignment groups, the ticket fact
    ``reassignment_count``).

    ``top`` keeps the first ``top`` chains. See :class:`Chains` for the columns and
    :mod:`.chains` for every definition.
    """
    per_ticket = _per_ticket(events, by, filters).cache()
    chains = counts_by_sequence(
        per_ticket,
        CHAIN,
        {LENGTH: lambda p: p[LENGTH].max(), HANDOVERS: lambda p: p[HANDOVERS].max()},
    )
    chains = chains.select(CHAIN, LENGTH, HANDOVERS, TICKETS, SHARE)
    if top is not None:
        chains = chains.limit(top)
    return Chains(
        by,
        frame(per_ticket.order_by(list(CASE)), CHAIN),
        frame(_distribution(per_ticket)),
        frame(chains, CHAIN),
    )
