"""Breakdowns by team and agent: which assignment group and assignee a ticket's value goes to.

A ticket names many groups and agents over its life; a KPI breaks down by the one at the instant
that places the ticket in a period (its *anchor*): the group and agent that resolved it for the
KPIs placed at a resolution, the first group and agent for those placed at the opening. The rules
(:data:`RULES`) are reproduced word for word in docs/kpis.md, section "Breakdowns by team and
agent". They are computed from the events in their stable order (timestamp, source sequence, file
position) as Ibis expressions, so the same code runs on every engine; the ticket facts are not
changed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import ibis

from pdca.model.schema import EVENT_ORDER, Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, WAITING_STATES, State

ASSIGNEE = "assignee"
"""The breakdown by agent: the events' ``resource`` column (ServiceNow ``assigned_to``)."""
ATTRIBUTION_BREAKDOWNS: tuple[str, ...] = (Col.ASSIGNMENT_GROUP, ASSIGNEE)
_SOURCE = {Col.ASSIGNMENT_GROUP: Col.ASSIGNMENT_GROUP, ASSIGNEE: Col.RESOURCE}
_KEY = (Col.LOG, Col.CASE_ID)
_POS = "_attr_pos"
_ANCHOR = "_attr_anchor"
_OPEN = sorted(OPEN_STATES)
_RESOLUTION = sorted(RESOLUTION_STATES)
_WORKED = sorted({State.IN_PROGRESS} | WAITING_STATES | RESOLUTION_STATES)


class Anchor(StrEnum):
    """The event of a ticket whose group and agent its value is attributed to."""

    OPENING = "opening"
    FIRST_RESPONSE = "first response"
    FIRST_RESOLUTION = "first resolution"
    FINAL_RESOLUTION = "final resolution"


_NAMED_AT = (
    "the ticket goes to the group (agent) named on that event or, if it names none, to the last "
    "group (agent) named on an event before it; to none if no event up to it names one."
)
RULES: dict[Anchor, str] = {
    Anchor.OPENING: (
        "The ticket goes to the first group (agent) named on any of its events; to none if no "
        "event names one."
    ),
    Anchor.FIRST_RESPONSE: (
        "The event of the first response is the ticket's first event in a worked state; "
        + _NAMED_AT
    ),
    Anchor.FIRST_RESOLUTION: (
        "The event of the first resolution is the ticket's first event in a resolution state; "
        + _NAMED_AT
    ),
    Anchor.FINAL_RESOLUTION: (
        "The event that resolved the ticket is its first event in a resolution state after its "
        "last event in an open state (the event at resolved_at); " + _NAMED_AT
    ),
}
"""Each anchor's rule, word for word as in docs/kpis.md ("group (agent)": the rule is the same
for ``assignment_group`` and for ``assignee``)."""


def _positioned(events: Any) -> Any:
    window = ibis.window(
        group_by=[events[k] for k in _KEY], order_by=[events[c] for c in EVENT_ORDER[2:]]
    )
    return events.mutate(**{_POS: ibis.row_number().over(window)})


def _anchors(t: Any, anchor: Anchor) -> Any:
    """Per ticket, the position of its anchor event (tickets without one are left out)."""
    state = t[Col.STATE]
    if anchor is Anchor.FINAL_RESOLUTION:
        last_open = t.group_by(list(_KEY)).aggregate(
            _attr_last_open=t[_POS].max(where=state.isin(_OPEN))
        )
        t = t.join(last_open, list(_KEY))
        where = t[Col.STATE].isin(_RESOLUTION) & (t[_POS] > t["_attr_last_open"].fill_null(-1))
    elif anchor is Anchor.FIRST_RESOLUTION:
        where = state.isin(_RESOLUTION)
    else:
        where = state.isin(_WORKED)
    found = t.group_by(list(_KEY)).aggregate(**{_ANCHOR: t[_POS].min(where=where)})
    return found.filter(found[_ANCHOR].notnull())


def attribution(events: Any, anchor: Anchor, columns: tuple[str, ...]) -> Any:
    """One row per ticket: ``log``, ``case_id`` and each of ``columns`` (of
    :data:`ATTRIBUTION_BREAKDOWNS`) by the rule of ``anchor`` (:data:`RULES`)."""
    t = _positioned(events)
    if anchor is Anchor.OPENING:
        return t.group_by(list(_KEY)).aggregate(
            **{
                name: t[_SOURCE[name]].argmin(t[_POS], where=t[_SOURCE[name]].notnull())
                for name in columns
            }
        )
    j = t.join(_anchors(t, anchor), list(_KEY))
    upto = j[_POS] <= j[_ANCHOR]
    return j.group_by(list(_KEY)).aggregate(
        **{
            name: j[_SOURCE[name]].argmax(j[_POS], where=j[_SOURCE[name]].notnull() & upto)
            for name in columns
        }
    )


def attributed(units: Any, events: Any, anchor: Anchor, columns: tuple[str, ...]) -> Any:
    """``units`` (one row per ticket unit, with ``log`` and ``case_id``) with ``columns`` added
    by the rule of ``anchor``; a unit whose ticket has no such group (agent) gets an empty one."""
    found = attribution(events, anchor, columns).rename(_attr_log=Col.LOG, _attr_case=Col.CASE_ID)
    j = units.left_join(
        found,
        [units[Col.LOG] == found["_attr_log"], units[Col.CASE_ID] == found["_attr_case"]],
    )
    return j.drop("_attr_log", "_attr_case")


__all__ = ["ASSIGNEE", "ATTRIBUTION_BREAKDOWNS", "RULES", "Anchor", "attributed", "attribution"]
