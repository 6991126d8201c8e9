"""The history a rule replay reads: per ticket its fields, who held it, its states, its clock.

Built from the canonical events and ticket facts (:mod:`pdca.model.facts`) of one log. The
engine narrows the events to the tickets opened in the window and to the columns needed, and
computes the SLA resolution clocks (:mod:`pdca.methods.kpi.clock`); the per-ticket paths are
then small pandas tables, because the counterfactual of a rule is decided ticket by ticket.

Definitions (docs/rules.md repeats them):

group stint
    Consecutive events naming the same assignment group, in the stable event order (events
    without a group skipped): a stint starts at its first event and lasts until the next stint
    starts. The number of stints before the first stint of a group is the number of
    reassignments (hops) before that group first received the ticket.
first group
    The group of the first stint.
resolving group
    The last group named at or before the ticket's final resolution event (the first event in
    a resolution state after the last event in an open state). Tickets without a final
    resolution have none and are left out of every effect (they are still counted as matched).
state run
    Consecutive events with the same known canonical state: the run lasts until the next event
    in another known state (the last run of a ticket has no end).
text
    The ticket's subcategory and, from its first event, the values of the source attributes
    named ``short_description``, ``description``, ``summary``, ``subject`` or ``title``, joined
    by spaces (empty when the source has none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from pdca.methods.kpi.clock import RESOLUTION, ClockCol, sla_clocks
from pdca.model.objectives import Objectives
from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, RESOLUTION_STATES, State

TEXT_KEYS = ("short_description", "description", "summary", "subject", "title")
"""Source attributes whose values make up a ticket's text (besides its subcategory)."""
FIRST_GROUP = "first_group"
RESOLVER = "resolver"
RESOLVED_AT = "final_resolved_at"
TEXT = "text"
GROUP = "group"
STINT = "stint"
START = "start"
END = "end"
_ORDER = [Col.CASE_ID, Col.TIMESTAMP, Col.SEQ, Col.IMPORT_ID, Col.ROW]
_FIELDS = (
    Col.PRIORITY,
    Col.CATEGORY,
    Col.SUBCATEGORY,
    Col.SERVICE,
    Col.CHANNEL,
    Col.LOCATION,
)


@dataclass(frozen=True)
class History:
    """What a replay reads (all times naive UTC).

    ``tickets``: one row per ticket opened in the window, indexed 0..n-1 — ``case_id``,
    ``opened_at``, ``final_resolved_at`` (empty when unresolved), the fields of
    :data:`pdca.methods.rules.schema.FIELDS`, ``resolver``, ``elapsed_s``, ``target_s`` and
    ``breached`` (the resolution clock; empty without a target or a measurement).
    ``stints``: ``ticket`` (row of ``tickets``), ``stint`` (0-based), ``group``, ``start``,
    ``end`` (start of the next stint; empty for the last).
    ``runs``: ``ticket``, ``state``, ``start``, ``end`` (state runs).
    """

    tickets: pd.DataFrame
    stints: pd.DataFrame
    runs: pd.DataFrame
    pause_states: tuple[str, ...]
    objectives: Objectives


def _window(tickets: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        tickets = tickets.filter(tickets[Col.OPENED_AT] >= since)
    if until is not None:
        tickets = tickets.filter(tickets[Col.OPENED_AT] < until)
    return tickets


def _text(attributes: str | None, subcategory: str | None) -> str:
    parts = [subcategory] if isinstance(subcategory, str) else []
    if isinstance(attributes, str) and attributes:
        try:
            found = json.loads(attributes)
        except ValueError:
            found = {}
        if isinstance(found, dict):
            parts += [str(found[k]) for k in TEXT_KEYS if found.get(k) not in (None, "")]
    return " ".join(parts)


def _heads(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows where ``column`` differs from the previous row of the same ticket."""
    prev = frame.groupby("ticket", sort=False)[column].shift()
    heads = frame[prev.isna() | (prev != frame[column])].copy()
    heads[END] = heads.groupby("ticket", sort=False)[Col.TIMESTAMP].shift(-1)
    return heads.rename(columns={Col.TIMESTAMP: START})


def _resolver(events: pd.DataFrame, n: int) -> np.ndarray[Any, Any]:
    """Per ticket, the last group named at or before its final resolution event."""
    e = events
    is_open = e[Col.STATE].isin([s.value for s in OPEN_STATES]).to_numpy()
    is_res = e[Col.STATE].isin([s.value for s in RESOLUTION_STATES]).to_numpy()
    pos = np.arange(len(e))
    ticket = e["ticket"].to_numpy()
    last_open = np.full(n, -1)
    np.maximum.at(last_open, ticket[is_open], pos[is_open])
    after = is_res & (pos > last_open[ticket])
    res_pos = np.full(n, len(e) + 1)
    np.minimum.at(res_pos, ticket[after], pos[after])
    group = e[Col.ASSIGNMENT_GROUP].groupby(e["ticket"], sort=False).ffill()
    upto = pos <= res_pos[ticket]
    last = pd.Series(group.to_numpy()[upto]).groupby(ticket[upto], sort=False).last()
    out = np.full(n, None, dtype=object)
    resolved = res_pos <= len(e)
    idx = last.index.to_numpy()
    keep = resolved[idx]
    out[idx[keep]] = last.to_numpy()[keep]
    return out


def load_history(
    events: Any,
    tickets: Any,
    objectives: Objectives,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> History:
    """The history of the tickets opened in [``since``, ``until``) (engine tables of one log)."""
    chosen = _window(tickets, since, until)
    keys = chosen.select(Col.LOG, Col.CASE_ID)
    ev = events.semi_join(keys, [Col.LOG, Col.CASE_ID])
    clocks = sla_clocks(ev, chosen, objectives)
    clocks = clocks.filter(clocks[ClockCol.CLOCK] == RESOLUTION).select(
        Col.CASE_ID, ClockCol.ELAPSED_S, ClockCol.TARGET_S, ClockCol.BREACHED
    )
    facts = chosen.select(Col.CASE_ID, Col.OPENED_AT, Col.RESOLVED_AT, *_FIELDS).to_pandas()
    facts = facts.rename(columns={Col.RESOLVED_AT: RESOLVED_AT})
    facts = facts.sort_values(Col.CASE_ID, ignore_index=True)
    e = ev.select(
        Col.CASE_ID, Col.TIMESTAMP, Col.SEQ, Col.IMPORT_ID, Col.ROW, Col.STATE,
        Col.ASSIGNMENT_GROUP,
    ).to_pandas()  # fmt: skip
    e = e.sort_values(_ORDER, kind="stable", ignore_index=True)
    number = pd.Series(np.arange(len(facts)), index=facts[Col.CASE_ID])
    e["ticket"] = number.reindex(e[Col.CASE_ID]).to_numpy()
    e = e[e["ticket"].notna()].astype({"ticket": np.int64})

    firsts = ev.filter(ev[Col.ATTRIBUTES].notnull())
    first_attr = (
        firsts.group_by(Col.CASE_ID)
        .aggregate(_attr=firsts[Col.ATTRIBUTES].argmin(firsts[Col.TIMESTAMP]))
        .to_pandas()
        .set_index(Col.CASE_ID)["_attr"]
    )
    attrs = first_attr.reindex(facts[Col.CASE_ID]).to_numpy()
    facts[TEXT] = [_text(a, s) for a, s in zip(attrs, facts[Col.SUBCATEGORY], strict=True)]

    grouped = e[e[Col.ASSIGNMENT_GROUP].notna()]
    stints = _heads(grouped, Col.ASSIGNMENT_GROUP).rename(columns={Col.ASSIGNMENT_GROUP: GROUP})
    stints[STINT] = stints.groupby("ticket", sort=False).cumcount()
    stints = stints[["ticket", STINT, GROUP, START, END]].reset_index(drop=True)
    first = stints[stints[STINT] == 0].set_index("ticket")[GROUP]
    facts[FIRST_GROUP] = first.reindex(range(len(facts))).to_numpy()
    facts[RESOLVER] = _resolver(e, len(facts))

    known = e[e[Col.STATE] != State.UNKNOWN.value]
    runs = _heads(known, Col.STATE)[["ticket", Col.STATE, START, END]].reset_index(drop=True)

    clock = clocks.to_pandas().set_index(Col.CASE_ID)
    clock = clock[~clock.index.duplicated()].reindex(facts[Col.CASE_ID])
    for name in (ClockCol.ELAPSED_S, ClockCol.TARGET_S, ClockCol.BREACHED):
        facts[name] = clock[name].to_numpy()
    pauses = tuple(s.value for s in objectives.clock.pause_states)
    return History(facts, stints, runs, pauses, objectives)
