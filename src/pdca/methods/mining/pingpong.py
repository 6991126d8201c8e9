"""Ping-pong: tickets that come back to a team they had already handed on.

A ticket's holder sequence (the assignment group by default; or the resource, or the support
level) lists who held it, in the stable order of its events, with consecutive repeats collapsed
and events without a holder skipped; each entry is a stint, which starts at its first event and
lasts until the next stint starts.

return
    A stint whose holder already held the ticket in an earlier stint. A ticket's number of
    returns is its number of stints minus its number of distinct holders.
ping-pong ticket
    A ticket with at least one return.
time cost
    Seconds from the moment the ticket left a holder until it came back to that holder, added
    over all returns with overlapping stretches counted once: the total duration of the stints
    held by someone else between two stints of the same holder. A → B → C → A costs the stints
    of B and C; A → B → A → B costs the first B stint and the second A stint.
bounce
    Three consecutive stints X → Y → X. Bounces are counted per ordered pair (X, Y); their time
    away is the duration of the Y stint in between.

The overall summary counts the tickets with a holder (at least one event naming one), the
ping-pong tickets among them and their share, the returns, and the time cost: its total over all
tickets and its mean and median over the ping-pong tickets. Pairs are listed with the most
bounces first, then the most tickets, then by holder and the holder in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from pdca.methods.mining.runs import (
    LENGTH,
    NEXT_START,
    SEQUENCE,
    STINT,
    frame,
    holder_traces,
    sequences,
    stint_seconds,
    stints,
    with_case,
)
from pdca.methods.mining.traces import CASE_NO, CODE, EventFilter, Traces, seconds
from pdca.model.schema import Col

HOLDERS = "holders"
RETURNS = "returns"
PING_PONG = "ping_pong"
COST = "cost"
TICKETS = "tickets"
PING_PONG_TICKETS = "ping_pong_tickets"
SHARE = "share"
TOTAL_COST = "total_cost"
MEAN_COST = "mean_cost"
MEDIAN_COST = "median_cost"
HOLDER = "holder"
VIA = "via"
BOUNCES = "bounces"
TOTAL_AWAY = "total_away"
MEAN_AWAY = "mean_away"


@dataclass(frozen=True)
class PingPong:
    """The ping-pong analysis of one set of events (all times in seconds).

    ``tickets``: one row per ticket with a holder — ``log``, ``case_id``, ``sequence`` (tuple of
    holders), ``length`` (stints), ``holders`` (distinct), ``returns``, ``ping_pong``, ``cost``.
    ``summary``: one row — ``tickets``, ``ping_pong_tickets``, ``share``, ``returns``,
    ``total_cost``, ``mean_cost``, ``median_cost``.
    ``pairs``: one row per ordered pair with bounces X → Y → X — ``holder`` (X), ``via`` (Y),
    ``bounces``, ``tickets``, ``total_away``, ``mean_away``.
    """

    by: str
    tickets: pd.DataFrame
    summary: pd.DataFrame
    pairs: pd.DataFrame


def _detour_cost(st: Any) -> Any:
    """Per ticket, the total duration of the stints that lie between two stints of another
    holder: ``case_no`` and ``cost``.

    A stint k lies inside some stretch away from holder H (between two stints of H) exactly when
    H ≠ its own holder held the ticket both before and after it, i.e. when the first stint of H
    comes before k and the last stint of H after k; the join finds those stints, each once.
    """
    spans = st.group_by([CASE_NO, CODE]).aggregate(_first=st[STINT].min(), _last=st[STINT].max())
    spans = spans.rename(_case=CASE_NO, _holder=CODE)
    joined = st.join(
        spans,
        [
            st[CASE_NO] == spans["_case"],
            st[CODE] != spans["_holder"],
            spans["_first"] < st[STINT],
            st[STINT] < spans["_last"],
        ],
    )
    away = joined.select(CASE_NO, STINT, _away=stint_seconds(joined)).distinct()
    return away.group_by(CASE_NO).aggregate(**{COST: away["_away"].sum()})


def _per_ticket(t: Traces, st: Any) -> Any:
    counts = st.group_by(CASE_NO).aggregate(**{HOLDERS: st[CODE].nunique()})
    seq = sequences(t, st).join(counts, CASE_NO)
    joined = seq.join(_detour_cost(st), CASE_NO, how="left")
    returns = (joined[LENGTH] - joined[HOLDERS]).cast("int64")
    return joined.select(
        CASE_NO,
        SEQUENCE,
        joined[LENGTH].cast("int64").name(LENGTH),
        joined[HOLDERS].cast("int64").name(HOLDERS),
        returns.name(RETURNS),
        (returns > 0).name(PING_PONG),
        joined[COST].fill_null(0.0).name(COST),
    )


def _summary(per_ticket: Any) -> Any:
    pp = per_ticket[PING_PONG]
    return per_ticket.aggregate(
        **{
            TICKETS: per_ticket.count(),
            PING_PONG_TICKETS: pp.cast("int64").sum().fill_null(0),
            SHARE: pp.cast("float64").mean(),
            RETURNS: per_ticket[RETURNS].sum().fill_null(0),
            TOTAL_COST: per_ticket[COST].sum().fill_null(0.0),
            MEAN_COST: per_ticket[COST].mean(where=pp),
            # not median(where=pp): Ibis compiles that for Spark as percentile(IF(pp, cost,
            # NULL), IF(pp, 0.5, NULL)), which Spark rejects (the fraction must be a constant);
            # the median skips the nulls alike on every engine
            MEDIAN_COST: ibis.cases((pp, per_ticket[COST])).median(),
        }
    )


def _pairs(t: Traces, st: Any) -> Any:
    window = ibis.window(group_by=st[CASE_NO], order_by=st[STINT])
    ahead = st.mutate(
        _via=st[CODE].lead(1).over(window),
        _back=st[CODE].lead(2).over(window),
        _back_at=st[NEXT_START].lead(1).over(window),
    )
    bounced = ahead.filter(ahead["_back"] == ahead[CODE])
    away = seconds(bounced[NEXT_START], bounced["_back_at"])
    grouped = bounced.group_by(**{HOLDER: bounced[CODE], VIA: bounced["_via"]}).aggregate(
        **{
            BOUNCES: bounced.count(),
            TICKETS: bounced[CASE_NO].nunique(),
            TOTAL_AWAY: away.sum(),
            MEAN_AWAY: away.mean(),
        }
    )
    named = t.decode(t.decode(grouped, HOLDER, HOLDER), VIA, VIA)
    return named.select(HOLDER, VIA, BOUNCES, TICKETS, TOTAL_AWAY, MEAN_AWAY)


def ping_pong(
    events: Any, by: str = Col.ASSIGNMENT_GROUP, *, filters: Sequence[EventFilter] = ()
) -> PingPong:
    """Ping-pong of tickets between holders (``by``: assignment group, resource, support level).

    A return is a stint whose holder already held the ticket in an earlier stint; a ping-pong
    ticket has at least one return. Its time cost is the total duration of the stints held by
    someone else between two stints of the same holder (overlapping bounces counted once).

    See :class:`PingPong` for the columns and :mod:`.pingpong` for every definition.
    """
    t = holder_traces(events, by, filters).cache()
    st = stints(t).cache()
    per_ticket = _per_ticket(t, st).cache()
    tickets = frame(with_case(t, per_ticket), SEQUENCE)
    summary = frame(_summary(per_ticket))
    pairs = frame(_pairs(t, st)).sort_values(
        [BOUNCES, TICKETS, HOLDER, VIA], ascending=[False, False, True, True], ignore_index=True
    )
    return PingPong(by, tickets, summary, pairs)
