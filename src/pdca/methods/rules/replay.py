"""Replay rules over history: per rule and in total, what they would have changed, with intervals.

For each rule (:mod:`.effects` defines every effect and its assumptions) and for all rules
together, the replay sums over tickets:

matched
    tickets whose fields satisfy the rule's conditions;
applied
    matched tickets on which the rule takes effect (the first matching rule of its action kind)
    and that were resolved: the tickets every effect below is computed on;
changed
    applied tickets whose handling the rule would change;
hops_avoided
    reassignments the rule would have saved (negative: hops it would have added);
hours_saved
    hours of time to final resolution saved (auto-close: the ticket closes earlier); negative
    when the rule costs time;
breaches_avoided, breaches_caused
    resolution-SLA breaches the rule would have avoided, and caused;
misrouted
    tickets the rule sends to a group that did not resolve them;
closed_while_needed
    tickets an auto-close rule would have closed although the customer came back.

The total applies every rule together: per ticket the effects of different action kinds add up
(a route and an escalation on one ticket: both savings), and its breaches are judged once on the
combined clock change and the new target.

Intervals: percentile bootstrap over tickets grouped by their day of opening (the days in the
window are resampled with replacement, ``resamples`` times, seeded, each day with all the tickets
opened on it; or single tickets, with ``unit = "ticket"``), which carries the uncertainty of the
pass-on time into the hours saved; the breach counts use the pass-on time measured on all
tickets. A pass-on time given by the user replaces the measured one and is not resampled. A rule
that matches nothing has every figure 0 with the interval [0, 0]. Days are the default because
tickets of one day are not independent (a major incident brings many alike at once): resampling
single tickets makes the intervals too narrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.methods.rules.effects import Effects, breaches, pass_on_hours, rule_effects
from pdca.methods.rules.history import History
from pdca.methods.rules.match import effective
from pdca.methods.rules.schema import RuleSet

Unit = Literal["day", "ticket"]
"""What the bootstrap resamples: the days of opening (all tickets opened that day together) or
single tickets."""

METRICS = (
    "matched",
    "applied",
    "changed",
    "hops_avoided",
    "hours_saved",
    "breaches_avoided",
    "breaches_caused",
    "misrouted",
    "closed_while_needed",
)
"""The figures of a replay, in their order (see the module docstring)."""
TOTAL = "(all rules)"
"""The ``rule`` name of the total rows."""
LEVEL = 0.95
COLUMNS = ("rule", "action", "metric", "value", "ci_low", "ci_high", "per_changed")

ASSUMPTIONS = (
    (
        "A ticket routed directly to a group skips everything before that group first received it "
        "(the hops and the time from opening to that group's first stint) and continues as "
        "recorded."
    ),
    (
        "A ticket sent to a group that never held it takes one extra hop and loses the pass-on "
        "time: by default the mean time a group held a ticket it then passed on, measured on the "
        "same history (--pass-on-hours gives another)."
    ),
    (
        "An escalation after N hours in a state skips the groups between the holder and the target "
        "group, saving the time from the escalation to the target's first stint."
    ),
    (
        "An auto-close after N days of waiting for the customer saves the rest of the wait when "
        "the ticket was resolved, closed or cancelled right after it; otherwise the customer came "
        "back and the ticket counts as closed while still needed."
    ),
    "A new priority changes only the resolution target; the time to resolve is assumed unchanged.",
    (
        "SLA: the resolution clock loses the hours saved less the time the skipped stretch was "
        "paused; every skipped hour counts as a working hour (exact on a 24x7 calendar)."
    ),
    (
        "Only tickets with a final resolution are judged; the other matched tickets count as "
        "matched only."
    ),
    (
        "Rules apply in file order: for each action kind the first matching rule takes effect; "
        "in the total, effects of different action kinds on one ticket add up."
    ),
)


@dataclass
class Replay:
    """A replay's figures (one row per rule and metric, then the total) and its context."""

    table: pd.DataFrame
    tickets: int
    resolved: int
    pass_on_hours: float
    """The pass-on time used: measured (mean) or given."""
    pass_on_median_hours: float
    """The median of the measured pass-on times (for the reader to judge the mean)."""
    pass_on_given: bool
    resamples: int
    unit: str = "day"
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: list[str] = field(default_factory=list)


def _per_ticket(
    history: History, fx: Effects, matched: np.ndarray[Any, Any], applied: np.ndarray[Any, Any],
    dwell: float,
) -> np.ndarray[Any, Any]:  # fmt: skip
    """Columns per ticket: the metrics, with ``hours_saved`` before the pass-on time, then the
    extra hops (for the pass-on time)."""
    resolved = history.tickets["final_resolved_at"].notna().to_numpy()
    clock = fx.clock_s - fx.extra_hops * dwell * 3600
    avoided, caused = breaches(history, clock, fx.target_s)
    return np.column_stack(
        [
            matched,
            applied & resolved,
            fx.changed,
            fx.hops,
            fx.hours,
            avoided & fx.changed,
            caused & fx.changed,
            fx.misrouted & fx.changed,
            fx.closed_needed,
            fx.extra_hops,
        ]
    ).astype(np.float64)


def _combined(history: History, effects: list[Effects]) -> Effects:
    out = Effects.none(history)
    for fx in effects:
        out.changed |= fx.changed
        out.hops += fx.hops
        out.hours += fx.hours
        out.extra_hops += fx.extra_hops
        out.clock_s += fx.clock_s
        out.misrouted |= fx.misrouted
        out.closed_needed |= fx.closed_needed
        moved = fx.changed & ~np.isnan(fx.target_s)
        out.target_s[moved] = fx.target_s[moved]
    return out


def _intervals(
    blocks: np.ndarray[Any, Any], hold: np.ndarray[Any, Any], cnt: np.ndarray[Any, Any],
    *, resamples: int, seed: int, given: float | None, units: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:  # fmt: skip
    """Bootstrap percentiles of the column sums of ``blocks`` (n by k by 10), with the hours
    corrected by each resample's pass-on time (or by the ``given`` one). ``units`` numbers the
    resampling unit of each ticket (0..u-1): units are drawn with replacement, and a ticket
    counts as often as its unit was drawn."""
    n, k, m = blocks.shape
    u = int(units.max()) + 1 if n else 0
    flat = blocks.reshape(n, k * m)
    rng = np.random.default_rng(seed)
    sums = np.empty((resamples, k, m))
    dwell = np.empty(resamples)
    batch = max(1, min(resamples, 2_000_000 // max(n, 1)))
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        drawn = np.stack([np.bincount(rng.integers(0, u, u), minlength=u) for _ in range(size)])
        weights = drawn[:, units].astype(np.float64)
        sums[done : done + size] = (weights @ flat).reshape(size, k, m)
        total_cnt = weights @ cnt
        dwell[done : done + size] = (
            given
            if given is not None
            else np.where(total_cnt > 0, (weights @ hold) / np.maximum(total_cnt, 1), 0.0)
        )
        done += size
    hours = METRICS.index("hours_saved")
    sums[:, :, hours] -= sums[:, :, -1] * dwell[:, None]
    alpha = (1 - LEVEL) / 2
    lo = np.quantile(sums[:, :, :-1], alpha, axis=0)
    hi = np.quantile(sums[:, :, :-1], 1 - alpha, axis=0)
    return lo, hi


def replay(
    history: History,
    rules: RuleSet,
    *,
    resamples: int = 1000,
    seed: int = 0,
    pass_on: float | None = None,
    unit: Unit = "day",
) -> Replay:
    """Replay ``rules`` over ``history`` (see the module docstring for every figure).

    ``pass_on``: the hours a wrong group costs a ticket it passes on, instead of the mean
    measured on the history (then it is not resampled). ``unit``: what the bootstrap resamples,
    the days of opening (default) or the tickets (see the module docstring)."""
    t = history.tickets
    n = len(t)
    hold, cnt = pass_on_hours(history)
    measured = float(hold.sum() / cnt.sum()) if cnt.sum() > 0 else 0.0
    dwell = measured if pass_on is None else pass_on
    matched, applied = effective(t, rules)
    effects = [
        rule_effects(history, rule, mask) for rule, mask in zip(rules.rule, applied, strict=True)
    ]
    any_match = np.logical_or.reduce(matched) if matched else np.zeros(n, np.bool_)
    any_applied = np.logical_or.reduce(applied) if applied else np.zeros(n, np.bool_)
    columns = [
        _per_ticket(history, fx, m, a, dwell)
        for fx, m, a in zip(effects, matched, applied, strict=True)
    ]
    columns.append(_per_ticket(history, _combined(history, effects), any_match, any_applied, dwell))
    blocks = np.stack(columns, axis=1) if n else np.zeros((0, len(columns), len(METRICS) + 1))
    point = blocks.sum(axis=0)
    point[:, METRICS.index("hours_saved")] -= point[:, -1] * dwell
    if n and resamples > 0:
        units = resampling_units(history, unit)
        lo, hi = _intervals(
            blocks, hold, cnt, resamples=resamples, seed=seed, given=pass_on, units=units
        )
    else:
        lo = hi = point[:, :-1]
    names = [(r.name, r.then.describe()) for r in rules.rule] + [(TOTAL, "every rule together")]
    rows = []
    changed = METRICS.index("changed")
    for j, (name, action) in enumerate(names):
        for i, metric in enumerate(METRICS):
            value = float(point[j, i])
            base = float(point[j, changed])
            per = value / base if base and metric not in ("matched", "applied", "changed") else None
            rows.append((name, action, metric, value, float(lo[j, i]), float(hi[j, i]), per))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    resolved = int(t["final_resolved_at"].notna().sum())
    median = pass_on_median(history)
    found = Replay(
        table, n, resolved, dwell, median, pass_on is not None, resamples if n else 0, unit
    )
    found.notes = warnings(history, rules, measured=cnt.sum() > 0 or pass_on is not None)
    return found


def warnings(history: History, rules: RuleSet, *, measured: bool) -> list[str]:
    """What a reader must know about this replay: groups the rules name that the history never
    names (a typo?), and a pass-on time that could not be measured."""
    out = []
    known = set(history.stints["group"].dropna().unique())
    for rule in rules.rule:
        action = rule.then
        group = action.route_to or (action.escalate.to if action.escalate else None)
        if group is not None and group not in known:
            out.append(
                f"Rule {rule.name!r}: no ticket in the window was ever assigned to {group!r} "
                "(check the name); every ticket the rule changes counts as misrouted."
            )
    if not measured:
        out.append(
            "No group passed a ticket on in this history: the pass-on time cannot be measured "
            "and counts as 0 h; give --pass-on-hours."
        )
    return out


def resampling_units(history: History, unit: Unit) -> np.ndarray[Any, Any]:
    """Per ticket, the number (0..u-1) of its resampling unit: its own row, or its day of
    opening (UTC)."""
    n = len(history.tickets)
    if unit == "ticket":
        return np.arange(n)
    if unit != "day":
        raise InputError(f"unknown resampling unit {unit!r}", "use day or ticket")
    days = history.tickets["opened_at"].dt.floor("D")
    codes, _ = pd.factorize(days)
    return np.asarray(codes, dtype=np.int64)


def pass_on_median(history: History) -> float:
    """The median hours of the stints that ended in a reassignment (0 when there are none)."""
    st = history.stints[history.stints["end"].notna()]
    if st.empty:
        return 0.0
    hours = (st["end"] - st["start"]).dt.total_seconds() / 3600.0
    return float(hours.median())
