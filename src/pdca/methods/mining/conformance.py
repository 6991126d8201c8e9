"""Conformance: how far tickets follow the designed process (a :class:`ProcessModel`).

A ticket is checked against a small state machine (start states, allowed transitions, end states)
and declarative rules. These are the definitions the code implements:

step
    An event of the ticket whose label under the model's activity key is not empty and not one
    of the model's ``skip`` labels, in the stable order of the ticket's events (time, source
    sequence, import, file row). Tickets without steps are not checked.
position
    The 0-based position of an event among all events of its ticket in that order, skipped
    events included, so that it points at the row a reader finds in the source.
transition
    Two consecutive steps with different labels, from the first to the second. Consecutive
    steps with the same label (for example updates that leave the state unchanged) are one
    stay in that state, not a transition.
entry
    A step whose label differs from the label of the step before it, or the ticket's first
    step: the moment the ticket enters a state.
open ticket
    A ticket whose last step is in one of the model's ``open`` states: it is still running,
    so its end is not checked.
bad_start
    The ticket's first step is not in one of the ``start`` states.
bad_transition
    A transition that the model's ``transitions`` do not list.
bad_end
    The last step of a ticket that is not open is not in one of the ``end`` states.
moves
    What the state machine checks in a ticket: its start, each of its transitions and, unless
    the ticket is open, its end.
fitness
    The share of a ticket's moves that the model allows: 1 - (bad starts + bad transitions +
    bad ends) / moves. Rule deviations do not change it.
conforming ticket
    A ticket with no deviation of any kind, from the state machine or from a rule.
precedence
    Each entry into an ``after`` state needs an entry into a ``before`` state earlier in the
    ticket, after the previous entry into an ``after`` state if there was one.
max_count
    With ``changes_of``: the number of times the column's value changes between consecutive
    events that name a value (events without one are skipped; skipped labels count as events
    here) may be at most ``max``. With ``entries_into``: the number of entries into those
    states may be at most ``max``. A ticket above the limit has one deviation, at the change or
    entry that first exceeds it.
response_before_resolution
    The ticket's first step in a ``resolution`` state (default: resolved or closed) needs an
    earlier step in a ``response`` state (default: in_progress or a waiting state).
never
    Each entry into one of the rule's ``states`` is a deviation.

Each deviation names the event where it shows (``position``, ``timestamp``) and the labels
involved: ``from`` is the state the ticket came from (empty for a start) and ``to`` the state it
entered (empty for an end); for ``max_count`` with ``changes_of``, the old and the new value of
the column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from pdca.errors import ConfigError
from pdca.methods.mining.process_model import (
    BUILT_IN_KINDS,
    Found,
    MaxCount,
    Never,
    Precedence,
    ProcessModel,
    ResponseBeforeResolution,
    load_process_model,
)
from pdca.methods.mining.traces import EventFilter, apply_filters, stable_order
from pdca.model.schema import Col

POSITION = "position"
KIND = "kind"
FROM = "from"
TO = "to"
MESSAGE = "message"
DEVIATION_COLUMNS = (Col.LOG, Col.CASE_ID, POSITION, Col.TIMESTAMP, KIND, FROM, TO, MESSAGE)
EVENTS = "events"
TRANSITIONS = "transitions"
OPEN = "open"
MOVES = "moves"
BAD_MOVES = "bad_moves"
RULE_DEVIATIONS = "rule_deviations"
DEVIATIONS = "deviations"
FITNESS = "fitness"
CONFORMING = "conforming"
TICKET_COLUMNS = (
    Col.LOG,
    Col.CASE_ID,
    EVENTS,
    TRANSITIONS,
    OPEN,
    MOVES,
    BAD_MOVES,
    FITNESS,
    RULE_DEVIATIONS,
    DEVIATIONS,
    CONFORMING,
)
TICKETS = "tickets"
SHARE = "share"
MEAN_FITNESS = "mean_fitness"
OPEN_TICKETS = "open_tickets"
EXAMPLE = "example"
BAD_START, BAD_TRANSITION, BAD_END = BUILT_IN_KINDS

_CASE = [Col.LOG, Col.CASE_ID]
_POS, _LABEL, _PREV, _NEXT, _N, _RANK = "_pos", "_label", "_prev", "_next", "_n", "_rank"
_FIRST, _LAST, _TRANSITION, _ENTRY = "_first", "_last", "_transition", "_entry"
_BAD_START, _BAD_TRANSITION, _BAD_END, _FINISHED = "_bad_start", "_bad_tr", "_bad_end", "_fin"


@dataclass(frozen=True)
class ConformanceResult:
    """Deviations, per-ticket results and the summary of one conformance check."""

    model: ProcessModel
    deviations: pd.DataFrame
    """Every deviation: ``log``, ``case_id``, ``position``, ``timestamp``, ``kind``, ``from``,
    ``to``, ``message``; sorted by ticket, position, then kind (state machine first)."""
    tickets: pd.DataFrame
    """One row per checked ticket (columns :data:`TICKET_COLUMNS`), sorted by log and ticket."""

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``tickets``, ``conforming``, ``share``, ``mean_fitness``, ``deviations``,
        ``open_tickets`` (share and mean fitness are empty when no ticket was checked)."""
        t = self.tickets
        n = len(t)
        row = {
            TICKETS: n,
            CONFORMING: int(t[CONFORMING].sum()),
            SHARE: float(t[CONFORMING].mean()) if n else float("nan"),
            MEAN_FITNESS: float(t[FITNESS].mean()) if n else float("nan"),
            DEVIATIONS: len(self.deviations),
            OPEN_TICKETS: int(t[OPEN].sum()),
        }
        return pd.DataFrame([row])

    def top(self, n: int | None = 10) -> pd.DataFrame:
        """The most frequent deviations: one row per ``kind``, ``from`` and ``to``.

        For ``max_count`` rules on ``changes_of`` the values are left out (one row per rule).
        Columns ``deviations``, ``tickets`` (tickets with it), ``share`` (of the checked
        tickets) and ``example`` (the first such ticket); most deviations first, then most
        tickets, then kind, from and to.
        """
        d = self.deviations[[Col.LOG, Col.CASE_ID, KIND, FROM, TO]].copy()
        by_value = [r.name for r in self.model.rules if _changes(r)]
        d.loc[d[KIND].isin(by_value), [FROM, TO]] = None
        d[[FROM, TO]] = d[[FROM, TO]].fillna("")
        d["_ticket"] = list(zip(d[Col.LOG], d[Col.CASE_ID], strict=True))
        g = d.groupby([KIND, FROM, TO], sort=False)
        out = g.agg(
            **{
                DEVIATIONS: (Col.CASE_ID, "size"),
                TICKETS: ("_ticket", "nunique"),
                EXAMPLE: (Col.CASE_ID, "first"),
            }
        ).reset_index()
        out[SHARE] = out[TICKETS] / len(self.tickets) if len(self.tickets) else float("nan")
        out[[FROM, TO]] = out[[FROM, TO]].replace("", None)
        out = out.sort_values(
            [DEVIATIONS, TICKETS, KIND, FROM, TO],
            ascending=[False, False, True, True, True],
            na_position="first",
            ignore_index=True,
        )
        out = out[[KIND, FROM, TO, DEVIATIONS, TICKETS, SHARE, EXAMPLE]]
        return out if n is None else out.head(n)


def _changes(rule: Any) -> bool:
    return isinstance(rule, MaxCount) and rule.changes_of is not None


def _isin(expr: Any, labels: Sequence[str]) -> Any:
    return expr.isin(list(labels)) if labels else ibis.literal(value=False)


def _positions(events: Any) -> Any:
    """The events with their 0-based position within the ticket, in the stable order."""
    window = ibis.window(group_by=[events[c] for c in _CASE], order_by=stable_order(events))
    return events.mutate(**{_POS: ibis.row_number().over(window)})


def _steps(base: Any, model: ProcessModel) -> Any:
    """One row per step with its neighbours' labels and the state machine's verdicts."""
    key = model.key
    keep = key.present(base)
    if model.skip:
        keep &= ~key.label(base).isin(list(model.skip))
    s = base.filter(keep)
    s = s.select(*_CASE, _POS, Col.TIMESTAMP, **{_LABEL: key.label(s)})
    w = ibis.window(group_by=[s[c] for c in _CASE], order_by=s[_POS])
    s = s.mutate(**{_PREV: s[_LABEL].lag().over(w), _NEXT: s[_LABEL].lead().over(w)})
    pairs = model.allowed()
    allowed = ibis.memtable(
        pa.table(
            {"_from": [a for a, _ in pairs], "_to": [b for _, b in pairs]},
            schema=pa.schema([("_from", pa.string()), ("_to", pa.string())]),
        )
    )
    j = s.left_join(allowed, (s[_PREV] == allowed["_from"]) & (s[_LABEL] == allowed["_to"]))
    first, last = j[_PREV].isnull(), j[_NEXT].isnull()
    transition = j[_PREV].notnull() & (j[_PREV] != j[_LABEL])
    finished = last & ~_isin(j[_LABEL], model.open)
    return j.select(
        *_CASE,
        _POS,
        Col.TIMESTAMP,
        _LABEL,
        _PREV,
        **{
            _FIRST: first,
            _LAST: last,
            _TRANSITION: transition,
            _ENTRY: first | transition,
            _FINISHED: finished,
            _BAD_START: first & ~_isin(j[_LABEL], model.start),
            _BAD_TRANSITION: transition & j["_from"].isnull(),
            _BAD_END: finished & ~_isin(j[_LABEL], model.end),
        },
    )


def _rows(t: Any, rank: int, kind: str, *, frm: Any, to: Any, n: Any = None) -> Any:
    """Deviation rows in one shape, so that the pieces can be stacked."""
    return t.select(
        *_CASE,
        **{
            POSITION: t[_POS].cast("int64"),
            Col.TIMESTAMP: t[Col.TIMESTAMP],
            KIND: ibis.literal(kind, "string"),
            FROM: ibis.null("string") if frm is None else frm.cast("string"),
            TO: ibis.null("string") if to is None else to.cast("string"),
            _N: ibis.null("int64") if n is None else n.cast("int64"),
            _RANK: ibis.literal(rank, "int64"),
        },
    )


def _ticket_window(t: Any, **kw: Any) -> Any:
    return ibis.window(group_by=[t[c] for c in _CASE], **kw)


def _rule_rows(rule: Any, rank: int, *, base: Any, s: Any) -> Any:
    name = rule.name
    entries = s.filter(s[_ENTRY])
    if isinstance(rule, Precedence):
        e = entries.filter(_isin(entries[_LABEL], (*rule.before, *rule.after)))
        e = e.mutate(_p=e[_LABEL].lag().over(_ticket_window(e, order_by=e[_POS])))
        bad = e.filter(
            _isin(e[_LABEL], rule.after) & (e["_p"].isnull() | ~_isin(e["_p"], rule.before))
        )
        return _rows(bad, rank, name, frm=bad[_PREV], to=bad[_LABEL], n=bad["_p"].notnull())
    if isinstance(rule, Never):
        bad = entries.filter(_isin(entries[_LABEL], rule.states))
        return _rows(bad, rank, name, frm=bad[_PREV], to=bad[_LABEL])
    if isinstance(rule, ResponseBeforeResolution):
        res = s.filter(_isin(s[_LABEL], rule.resolution))
        res = res.mutate(_k=ibis.row_number().over(_ticket_window(res, order_by=res[_POS])))
        resp = s.filter(_isin(s[_LABEL], rule.response))
        resp = resp.group_by(_CASE).aggregate(_resp=resp[_POS].min())
        j = res.filter(res["_k"] == 0).left_join(resp, _CASE)
        bad = j.filter(j["_resp"].isnull() | (j["_resp"] > j[_POS]))
        return _rows(bad, rank, name, frm=bad[_PREV], to=bad[_LABEL])
    assert isinstance(rule, MaxCount)
    if rule.changes_of is not None:
        col = rule.changes_of
        v = base.filter(base[col].notnull())
        v = v.mutate(_from=v[col].lag().over(_ticket_window(v, order_by=v[_POS])))
        v = v.mutate(_c=(v["_from"].notnull() & (v["_from"] != v[col])).cast("int64"))
        v = v.mutate(
            _k=v["_c"].sum().over(_ticket_window(v, order_by=v[_POS], following=0)),
            _total=v["_c"].sum().over(_ticket_window(v)),
        )
        bad = v.filter((v["_c"] == 1) & (v["_k"] == rule.max + 1))
        return _rows(bad, rank, name, frm=bad["_from"], to=bad[col], n=bad["_total"])
    e = entries.filter(_isin(entries[_LABEL], rule.entries_into or ()))
    e = e.mutate(
        _k=ibis.row_number().over(_ticket_window(e, order_by=e[_POS])),
        _total=e[_POS].count().over(_ticket_window(e)),
    )
    bad = e.filter(e["_k"] == rule.max)
    return _rows(bad, rank, name, frm=bad[_PREV], to=bad[_LABEL], n=bad["_total"])


def _deviation_table(base: Any, s: Any, model: ProcessModel) -> Any:
    pieces = [
        _rows(starts := s.filter(s[_BAD_START]), 0, BAD_START, frm=None, to=starts[_LABEL]),
        _rows(
            moves := s.filter(s[_BAD_TRANSITION]),
            1,
            BAD_TRANSITION,
            frm=moves[_PREV],
            to=moves[_LABEL],
        ),
        _rows(ends := s.filter(s[_BAD_END]), 2, BAD_END, frm=ends[_LABEL], to=None),
    ]
    checked = s.filter(s[_FIRST]).select(*_CASE)
    for i, rule in enumerate(model.rules, start=3):
        rows = _rule_rows(rule, i, base=base, s=s)
        pieces.append(rows.semi_join(checked, _CASE) if _changes(rule) else rows)
    return ibis.union(*pieces)


def _ticket_table(base: Any, s: Any) -> Any:
    counts = base.group_by(_CASE).aggregate(**{EVENTS: base.count()})
    agg = s.group_by(_CASE).aggregate(
        **{
            TRANSITIONS: s[_TRANSITION].cast("int64").sum(),
            OPEN: (s[_LAST] & ~s[_FINISHED]).any(),
            "_finished": s[_FINISHED].cast("int64").sum(),
            BAD_MOVES: (
                s[_BAD_START].cast("int64")
                + s[_BAD_TRANSITION].cast("int64")
                + s[_BAD_END].cast("int64")
            ).sum(),
        }
    )
    return agg.join(counts, _CASE)


def check_conformance(
    events: Any,
    model: ProcessModel | Path | str | None = None,
    *,
    filters: Sequence[EventFilter] = (),
) -> ConformanceResult:
    """Check every ticket in ``events`` (after ``filters``) against ``model``.

    ``model`` is a :class:`ProcessModel` or the path of a model file, and defaults to the
    built-in ITIL incident model; a model with a ``ticket_type`` checks only the tickets of
    that type. The definitions are in the module docstring.
    """
    if not isinstance(model, ProcessModel):
        model = load_process_model(model)
    events = apply_filters(events, filters)
    chosen = events
    if model.ticket_type is not None:
        chosen = events.filter(events[Col.TICKET_TYPE] == model.ticket_type.value)
    base = _positions(chosen)
    with _steps(base, model).cache() as s:
        deviations = _deviation_table(base, s, model).to_pandas()
        tickets = _ticket_table(base, s).to_pandas()
    if tickets.empty and model.ticket_type is not None and int(events.count().execute()):
        raise ConfigError(
            f"the model {model.name} checks {model.ticket_type.value} tickets, and these events "
            "have none",
            "use a model for their ticket type, or a model without ticket_type",
        )
    return ConformanceResult(
        model, _finish_deviations(deviations, model), _finish_tickets(tickets, deviations)
    )


def _finish_tickets(t: pd.DataFrame, deviations: pd.DataFrame) -> pd.DataFrame:
    rules = deviations[deviations[_RANK] >= 3]
    every = Counter(zip(deviations[Col.LOG], deviations[Col.CASE_ID], strict=True))
    by_rule = Counter(zip(rules[Col.LOG], rules[Col.CASE_ID], strict=True))
    keys = list(zip(t[Col.LOG], t[Col.CASE_ID], strict=True))
    t[DEVIATIONS] = pd.Series([every[k] for k in keys], index=t.index, dtype="int64")
    t[RULE_DEVIATIONS] = pd.Series([by_rule[k] for k in keys], index=t.index, dtype="int64")
    t[MOVES] = 1 + t[TRANSITIONS] + t["_finished"]
    t[FITNESS] = 1 - t[BAD_MOVES] / t[MOVES]
    t[CONFORMING] = t[DEVIATIONS] == 0
    t[OPEN] = t[OPEN].astype(bool)
    t = t.sort_values(_CASE, ignore_index=True)
    return t[list(TICKET_COLUMNS)]


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _finish_deviations(d: pd.DataFrame, model: ProcessModel) -> pd.DataFrame:
    d = d.sort_values([*_CASE, POSITION, _RANK], ignore_index=True)
    rules = dict(enumerate(model.rules, start=3))
    found = [
        (rank, kind, Found(_text(frm), _text(to), None if pd.isna(n) else int(n)))
        for rank, kind, frm, to, n in zip(d[_RANK], d[KIND], d[FROM], d[TO], d[_N], strict=True)
    ]
    d[MESSAGE] = [
        model.describe(kind, f) if rank < 3 else rules[rank].describe(f) for rank, kind, f in found
    ]
    return d[list(DEVIATION_COLUMNS)]


__all__ = ["ConformanceResult", "check_conformance"]
