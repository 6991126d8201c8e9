"""Ticket facts derived from events — the one place where they are defined.

All definitions work on the events of one ticket in their stable order (timestamp, source sequence,
file position). Events whose state is ``unknown`` (a source label with no mapping) are ignored for
state-based facts but still count as events.

opened_at
    Time of the ticket's first event.
first_response_at
    Time of the first event in a worked state (in progress, any waiting state, resolved or closed):
    the first sign that someone acted on the ticket.
first_resolved_at
    Time of the first event in a resolution state (resolved or closed).
resolved_at (final resolution)
    Time at which the ticket entered its final resolution: the first resolution-state event after
    the last event in an open state. Empty when the ticket's last known state is open or cancelled
    without a resolution.
closed_at
    Time at which the ticket entered its final ``closed`` state: the first ``closed`` event after
    the last event in any other known state. Empty when the ticket is not closed.
reopen_count
    Number of times an event in an open state directly follows an event in a resolution state.
reassignment_count
    Number of times the assignment group changes between consecutive events that name a group
    (events without a group are skipped; the first group is an assignment, not a reassignment).
support_level_reached
    Highest support level named by any event (text order: L1 < L2 < L2/L3 < L3).
last_state, is_open
    The last known canonical state, and whether it is an open state.
Descriptive attributes (priority, service, category, …)
    The last non-missing value among the ticket's events.

The functions build Ibis expressions, so the same definitions run on every engine.
"""

from __future__ import annotations

from typing import Any

import ibis

from pdca.model.schema import TICKET_DIMENSIONS, Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State

_WORKED_STATES = sorted(
    {State.IN_PROGRESS, State.WAITING_CUSTOMER, State.WAITING_VENDOR, State.WAITING_OTHER}
    | RESOLUTION_STATES
)
_OPEN = sorted(OPEN_STATES)
_RESOLUTION = sorted(RESOLUTION_STATES)
_POS = "_pos"


def _ordered(events: Any) -> Any:
    key = [events[Col.LOG], events[Col.CASE_ID]]
    order = [events[Col.TIMESTAMP], events[Col.SEQ], events[Col.IMPORT_ID], events[Col.ROW]]
    window = ibis.window(group_by=key, order_by=order)
    return events.mutate(**{_POS: ibis.row_number().over(window)})


def ticket_facts(events: Any) -> Any:
    """Return an Ibis table with one row per (log, case_id) and the facts defined above."""
    t = _ordered(events)
    key = [Col.LOG, Col.CASE_ID]
    known = t[Col.STATE] != State.UNKNOWN.value
    is_open_ev = t[Col.STATE].isin(_OPEN)
    is_res_ev = t[Col.STATE].isin(_RESOLUTION)
    is_closed_ev = t[Col.STATE] == State.CLOSED.value

    base = t.group_by(key).aggregate(
        **{
            Col.TICKET_TYPE: t[Col.TICKET_TYPE].argmax(t[_POS]),
            **{dim: t[dim].argmax(t[_POS], where=t[dim].notnull()) for dim in TICKET_DIMENSIONS},
            Col.OPENED_AT: t[Col.TIMESTAMP].min(),
            Col.FIRST_RESPONSE_AT: t[Col.TIMESTAMP].min(where=t[Col.STATE].isin(_WORKED_STATES)),
            Col.FIRST_RESOLVED_AT: t[Col.TIMESTAMP].min(where=is_res_ev),
            Col.LAST_EVENT_AT: t[Col.TIMESTAMP].max(),
            Col.LAST_STATE: t[Col.STATE].argmax(t[_POS], where=known),
            Col.EVENT_COUNT: t.count(),
            Col.SUPPORT_LEVEL_REACHED: t[Col.SUPPORT_LEVEL].max(),
            "_last_open_pos": t[_POS].max(where=is_open_ev),
            "_last_nonclosed_pos": t[_POS].max(where=known & ~is_closed_ev),
        }
    )

    # final resolution / closure episodes
    ep = t.join(base.select(*key, "_last_open_pos", "_last_nonclosed_pos"), key)
    episodes = ep.group_by(key).aggregate(
        **{
            Col.RESOLVED_AT: ep[Col.TIMESTAMP].min(
                where=ep[Col.STATE].isin(_RESOLUTION)
                & (ep[_POS] > ep["_last_open_pos"].fill_null(-1))
            ),
            Col.CLOSED_AT: ep[Col.TIMESTAMP].min(
                where=(ep[Col.STATE] == State.CLOSED.value)
                & (ep[_POS] > ep["_last_nonclosed_pos"].fill_null(-1))
            ),
        }
    )

    # reopens: consecutive known-state events resolution -> open
    ks = t.filter(known)
    kw = ibis.window(group_by=[ks[Col.LOG], ks[Col.CASE_ID]], order_by=ks[_POS])
    ks = ks.mutate(_prev_state=ks[Col.STATE].lag().over(kw))
    reopens = ks.group_by(key).aggregate(
        **{
            Col.REOPEN_COUNT: (
                ks["_prev_state"].isin(_RESOLUTION) & ks[Col.STATE].isin(_OPEN)
            ).sum()
        }
    )

    # reassignments: consecutive events naming a group, group changes
    gs = t.filter(t[Col.ASSIGNMENT_GROUP].notnull())
    gw = ibis.window(group_by=[gs[Col.LOG], gs[Col.CASE_ID]], order_by=gs[_POS])
    gs = gs.mutate(_prev_group=gs[Col.ASSIGNMENT_GROUP].lag().over(gw))
    hops = gs.group_by(key).aggregate(
        **{
            Col.REASSIGNMENT_COUNT: (
                gs["_prev_group"].notnull() & (gs["_prev_group"] != gs[Col.ASSIGNMENT_GROUP])
            ).sum()
        }
    )

    out = base.join(episodes, key, how="left").drop(*(f"{k}_right" for k in key))
    out = out.join(reopens, key, how="left").drop(*(f"{k}_right" for k in key))
    out = out.join(hops, key, how="left").drop(*(f"{k}_right" for k in key))
    return out.select(
        Col.LOG,
        Col.CASE_ID,
        Col.TICKET_TYPE,
        *TICKET_DIMENSIONS,
        Col.OPENED_AT,
        Col.FIRST_RESPONSE_AT,
        Col.FIRST_RESOLVED_AT,
        Col.RESOLVED_AT,
        Col.CLOSED_AT,
        Col.LAST_EVENT_AT,
        Col.LAST_STATE,
        out[Col.LAST_STATE].isin(_OPEN).fill_null(ibis.literal(value=False)).name(Col.IS_OPEN),
        out[Col.EVENT_COUNT].cast("int64").name(Col.EVENT_COUNT),
        out[Col.REOPEN_COUNT].fill_null(0).cast("int64").name(Col.REOPEN_COUNT),
        out[Col.REASSIGNMENT_COUNT].fill_null(0).cast("int64").name(Col.REASSIGNMENT_COUNT),
        Col.SUPPORT_LEVEL_REACHED,
    )
