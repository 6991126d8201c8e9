"""What one rule would have changed on each ticket: the counterfactual, ticket by ticket.

Every effect is computed on the tickets the rule takes effect on (:mod:`.match`) that have a
final resolution; the definitions of stints, runs and the resolving group are in
:mod:`.history`. The assumptions, repeated in docs/rules.md and in every replay's output:

route_to G
    A ticket routed directly to G skips everything before G first received it (the stints of
    the groups before G) and continues as recorded from there: the hops avoided are the
    reassignments before G's first stint, the hours saved the time from opening to that stint.
    A ticket G already received first is unchanged. A ticket G never held (before its
    resolution) is *misrouted by the rule*: it takes one extra hop (G passes it on to the group
    that first got it) and loses the *pass-on time* (by default the mean time a group held a
    ticket it then passed on, measured on the same history; or the hours given), and continues
    as recorded.
escalate after N hours in a state, to G
    The first run of that state longer than N hours (before the resolution) ends after N hours
    with a reassignment to G. If G received the ticket later, the stints between the holder at
    that moment and G are skipped: the hops avoided are those stints, the hours saved the time
    from the escalation to G's first stint after it. If the holder already was G nothing
    changes; if G never received the ticket afterwards, the escalation is one extra hop that
    costs the pass-on time.
auto_close after N days waiting for the customer
    The first wait for the customer longer than N days ends with the ticket closed after N
    days. If the ticket was resolved, closed or cancelled right after that wait (the customer
    never came back), the hours saved are the rest of the wait; otherwise the customer came
    back and the ticket was *closed while still needed* (counted, with no hours saved).
set_priority P
    The ticket's resolution-clock target becomes the one for P (same service); its elapsed
    clock time is assumed unchanged (a faster handling of a higher priority is not estimated).
SLA breaches
    The resolution clock loses the hours saved, less the time the skipped stretch spent in a
    pause state (or gains the pass-on time); the ticket breaches when the new elapsed time
    exceeds its (new) target. Business calendars: every skipped hour is counted as a working
    hour (exact on 24x7; an upper bound of the change otherwise).
misrouted
    The rule sends the ticket to a group that did not resolve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pdca.methods.kpi.clock import ClockCol
from pdca.methods.rules.history import (
    END,
    GROUP,
    RESOLVED_AT,
    RESOLVER,
    START,
    STINT,
    History,
)
from pdca.methods.rules.schema import Rule
from pdca.model.schema import Col
from pdca.model.vocab import RESOLUTION_STATES, State

Floats = np.ndarray[Any, np.dtype[np.float64]]
Bools = np.ndarray[Any, np.dtype[np.bool_]]
_HOUR = np.timedelta64(3600, "s")
_DONE = {s.value for s in RESOLUTION_STATES} | {State.CANCELLED.value}


@dataclass
class Effects:
    """Per ticket (aligned with ``History.tickets``) what a rule changes.

    ``hours`` excludes the pass-on time of the extra hops: the hours saved are ``hours -
    extra_hops * pass_on_hours`` (so an interval can resample the pass-on time too).
    """

    changed: Bools
    hops: Floats
    hours: Floats
    extra_hops: Floats
    clock_s: Floats
    """Seconds the resolution clock loses, before the pass-on time of the extra hops."""
    target_s: Floats
    """The resolution target under the rule (NaN: none)."""
    misrouted: Bools
    closed_needed: Bools

    @classmethod
    def none(cls, history: History) -> Effects:
        n = len(history.tickets)
        target = history.tickets[ClockCol.TARGET_S].to_numpy(dtype=np.float64, na_value=np.nan)
        return cls(
            np.zeros(n, np.bool_), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
            target.copy(), np.zeros(n, np.bool_), np.zeros(n, np.bool_),
        )  # fmt: skip


def pass_on_hours(history: History) -> tuple[Floats, Floats]:
    """Per ticket: the total hours and the number of its stints that ended in a reassignment."""
    st = history.stints[history.stints[END].notna()]
    hours = (st[END].to_numpy() - st[START].to_numpy()) / _HOUR
    n = len(history.tickets)
    weights = np.asarray(hours, dtype=np.float64)
    total: Floats = np.bincount(st["ticket"], weights=weights, minlength=n).astype(np.float64)
    count: Floats = np.bincount(st["ticket"], minlength=n).astype(np.float64)
    return total, count


def paused_seconds(history: History, rows: np.ndarray[Any, Any], a: Any, b: Any) -> Floats:
    """Per given ticket row, seconds of [a, b) spent in a pause state (arrays aligned)."""
    out = np.zeros(len(rows))
    if not len(rows):
        return out
    runs = history.runs[history.runs[Col.STATE].isin(history.pause_states)]
    window = pd.DataFrame({"ticket": rows, "_a": a, "_b": b, "_i": np.arange(len(rows))})
    both = runs.merge(window, on="ticket")
    if both.empty:
        return out
    lo = np.maximum(both[START].to_numpy(), both["_a"].to_numpy())
    end = both[END].fillna(both["_b"]).to_numpy()
    hi = np.minimum(end, both["_b"].to_numpy())
    sec = np.clip((hi - lo) / np.timedelta64(1, "s"), 0, None).astype(np.float64)
    np.add.at(out, both["_i"].to_numpy(), sec)
    return out


def _stints_before_resolution(history: History) -> pd.DataFrame:
    st = history.stints
    resolved = history.tickets[RESOLVED_AT].to_numpy()
    kept: pd.DataFrame = st[st[START].to_numpy() <= resolved[st["ticket"].to_numpy()]]
    return kept


def _wrong(fx: Effects, rows: np.ndarray[Any, Any]) -> None:
    fx.changed[rows] = True
    fx.hops[rows] = -1.0
    fx.extra_hops[rows] = 1.0
    fx.misrouted[rows] = True


def _route(history: History, group: str, rows: np.ndarray[Any, Any], fx: Effects) -> None:
    t = history.tickets
    st = _stints_before_resolution(history)
    first = st[st[GROUP] == group].groupby("ticket")[[STINT, START]].first()
    has = np.isin(rows, first.index.to_numpy())
    _wrong(fx, rows[~has])
    got = rows[has]
    at = first.loc[got]
    later = at[STINT].to_numpy() > 0
    moved = got[later]
    opened = t[Col.OPENED_AT].to_numpy()[moved]
    received = at[START].to_numpy()[later]
    fx.changed[moved] = True
    fx.hops[moved] = at[STINT].to_numpy()[later].astype(np.float64)
    fx.hours[moved] = (received - opened) / _HOUR
    fx.clock_s[moved] = fx.hours[moved] * 3600 - paused_seconds(history, moved, opened, received)
    fx.misrouted[moved] = t[RESOLVER].to_numpy()[moved] != group


def _first_long_run(history: History, state: str, hours: float, rows: Any) -> pd.DataFrame:
    """Per ticket of ``rows``: its first run of ``state`` longer than ``hours`` that started
    before its final resolution, with the run's position among the ticket's runs."""
    runs = history.runs.assign(_pos=history.runs.groupby("ticket").cumcount())
    runs = runs[runs["ticket"].isin(rows) & (runs[Col.STATE] == state)]
    resolved = history.tickets[RESOLVED_AT].to_numpy()[runs["ticket"].to_numpy()]
    long = (runs[END] - runs[START]) > pd.Timedelta(hours=hours)
    runs = runs[long.to_numpy() & (runs[START].to_numpy() < resolved)]
    first: pd.DataFrame = runs.groupby("ticket").first()
    return first


def _escalate(history: History, rule: Rule, rows: np.ndarray[Any, Any], fx: Effects) -> None:
    esc = rule.then.escalate
    assert esc is not None
    runs = _first_long_run(history, esc.state.value, esc.after_hours, rows)
    if runs.empty:
        return
    when = runs[START] + pd.Timedelta(hours=esc.after_hours)
    st = _stints_before_resolution(history)
    moments = pd.DataFrame({"ticket": when.index.to_numpy(), "_te": when.to_numpy()})
    st = st.merge(moments, on="ticket")
    holder = st[st[START] <= st["_te"]].groupby("ticket")[[STINT, GROUP]].last()
    target = st[(st[GROUP] == esc.to) & (st[START] > st["_te"])].groupby("ticket").first()
    tickets = when.index.to_numpy()
    held = holder.reindex(tickets)
    already = (held[GROUP] == esc.to).to_numpy()
    found = np.isin(tickets, target.index.to_numpy()) & ~already
    _wrong(fx, tickets[~found & ~already])
    got = tickets[found]
    if len(got):
        te = when.loc[got].to_numpy()
        received = target.loc[got, START].to_numpy()
        # no group named before the escalation: every stint before the target's is skipped
        holder_stint = held.loc[got, STINT].fillna(-1).to_numpy(dtype=np.float64)
        skipped = target.loc[got, STINT].to_numpy(dtype=np.float64) - holder_stint - 1
        fx.changed[got] = True
        fx.hops[got] = skipped.astype(np.float64)
        fx.hours[got] = (received - te) / _HOUR
        fx.clock_s[got] = fx.hours[got] * 3600 - paused_seconds(history, got, te, received)
    resolver = history.tickets[RESOLVER].to_numpy()
    moved = tickets[~already]
    fx.misrouted[moved] = resolver[moved] != esc.to


def _auto_close(history: History, rule: Rule, rows: np.ndarray[Any, Any], fx: Effects) -> None:
    close = rule.then.auto_close
    assert close is not None
    hours = close.after_days * 24
    runs = _first_long_run(history, State.WAITING_CUSTOMER.value, hours, rows)
    if runs.empty:
        return
    all_runs = history.runs.assign(_pos=history.runs.groupby("ticket").cumcount())
    following = all_runs.set_index(["ticket", "_pos"])[Col.STATE]
    tickets = runs.index.to_numpy()
    nxt = following.reindex(list(zip(tickets, runs["_pos"].to_numpy() + 1, strict=True)))
    done = nxt.isna().to_numpy() | nxt.isin(_DONE).to_numpy()
    fx.changed[tickets] = True
    fx.closed_needed[tickets[~done]] = True
    early = tickets[done]
    closes = (runs[START] + pd.Timedelta(hours=hours)).to_numpy()[done]
    ends = runs[END].to_numpy()[done]
    fx.hours[early] = (ends - closes) / _HOUR
    fx.clock_s[early] = fx.hours[early] * 3600 - paused_seconds(history, early, closes, ends)


def _set_priority(history: History, rule: Rule, rows: np.ndarray[Any, Any], fx: Effects) -> None:
    wanted = rule.then.set_priority
    assert wanted is not None
    t = history.tickets
    prio = t[Col.PRIORITY].to_numpy()[rows]
    rows = rows[prio != wanted]
    fx.changed[rows] = True
    services = t[Col.SERVICE].to_numpy()[rows]
    for service in pd.unique(services):
        row = history.objectives.target_for(
            None if pd.isna(service) else str(service), wanted, "resolution"
        )
        target = np.nan if row is None or row.resolution is None else row.resolution.total_seconds()
        same = rows[services == service] if not pd.isna(service) else rows[pd.isna(services)]
        fx.target_s[same] = target


def rule_effects(history: History, rule: Rule, applied: Bools) -> Effects:
    """The effect of ``rule`` on the tickets where it takes effect and that were resolved."""
    fx = Effects.none(history)
    resolved = history.tickets[RESOLVED_AT].notna().to_numpy()
    rows = np.flatnonzero(applied & resolved)
    if not len(rows):
        return fx
    action = rule.then
    if action.route_to is not None:
        _route(history, action.route_to, rows, fx)
    elif action.escalate is not None:
        _escalate(history, rule, rows, fx)
    elif action.auto_close is not None:
        _auto_close(history, rule, rows, fx)
    else:
        _set_priority(history, rule, rows, fx)
    return fx


def breaches(history: History, clock_s: Floats, target_s: Floats) -> tuple[Bools, Bools]:
    """Per ticket: SLA breaches avoided and caused when the resolution clock loses ``clock_s``
    seconds and its target becomes ``target_s`` (tickets without a measurement: neither)."""
    t = history.tickets
    elapsed = t[ClockCol.ELAPSED_S].to_numpy(dtype=np.float64, na_value=np.nan)
    was = t[ClockCol.BREACHED].to_numpy(dtype=object)
    known = ~np.isnan(elapsed) & ~np.isnan(target_s) & pd.notna(was)
    known &= t[RESOLVED_AT].notna().to_numpy()
    after = np.maximum(elapsed - clock_s, 0.0) > target_s
    before = np.asarray([bool(v) if pd.notna(v) else False for v in was], dtype=np.bool_)
    return known & before & ~after, known & ~before & after
