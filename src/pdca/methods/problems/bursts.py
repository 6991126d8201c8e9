"""Bursts of similar tickets: a major incident in the making.

The rule, for one group of tickets (a cluster, a category, a configuration item) within the
desk's whole stream of tickets:

* for the window ``(t - w, t]`` ending at each of the group's tickets, count the group's
  tickets ``c`` and the desk's tickets ``m`` in it;
* the group's **baseline** is its share ``p = n_group / n_desk`` of the desk's tickets, so a
  window is expected to hold ``m * p`` of them — this follows the desk's own daily and weekly
  rhythm, so a busy Monday morning is not a burst;
* each window is scored by the binomial tail ``P(X ≥ c)``, ``X ~ Binomial(m, p)``; windows with
  fewer than ``min_count`` tickets of the group are not scored;
* the smallest score over the whole span is compared with its distribution when the group's
  tickets are spread at random over the desk's tickets (a permutation scan test, ``B``
  permutations with a fixed seed): a window is a burst when its permutation p-value is at most
  ``alpha_span = 1 - (1 - alpha)^(span in years)``, where ``alpha`` is the **false-alarm rate per
  group-year**. Overlapping burst windows are merged into one episode.

Under the null — the group's tickets are a random share of the desk's tickets, whatever the
desk's rhythm — a group raises a false alarm over the span with probability at most
``alpha_span``. With many groups, about ``groups * alpha_span`` false alarms are expected in all.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import binom  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError

HOURS_PER_YEAR = 24 * 365.25
MAX_PERMUTATIONS = 20_000
"""Cap on permutations (a very short span would otherwise ask for many more)."""
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BurstRule:
    """When a run of similar tickets is a burst (see the module's docstring)."""

    window_hours: float = 4.0
    false_alarms_per_year: float = 0.05
    """alpha: chance that a group with no burst is flagged in a year."""
    min_count: int = 3
    """Fewest tickets of the group in a window for it to count."""
    permutations: int = 999
    seed: int = 0

    def check(self) -> None:
        """An ``InputError`` for settings the rule cannot use."""
        if not self.window_hours > 0:
            raise InputError("the burst window must be longer than 0 hours", "give --window 4")
        if not 0 < self.false_alarms_per_year < 1:
            raise InputError(
                "the false-alarm rate must lie between 0 and 1", "give --false-alarms 0.05"
            )
        if self.min_count < 2:
            raise InputError("a burst needs at least 2 tickets", "give --min-count 3")
        if self.permutations < 99:
            raise InputError("at least 99 permutations are needed", "give --permutations 999")

    def alpha_for(self, span_hours: float) -> float:
        """The false-alarm probability allowed over a span (per group)."""
        years = max(span_hours, self.window_hours) / HOURS_PER_YEAR
        return float(1.0 - (1.0 - self.false_alarms_per_year) ** years)

    def describe(self) -> dict[str, object]:
        """The rule as plain data."""
        return asdict(self)


@dataclass(frozen=True)
class Desk:
    """The desk's tickets in time order: hours since the first one."""

    hours: Floats
    in_window: Ints
    """Desk tickets in the window ending at each ticket (itself included)."""

    @classmethod
    def of(cls, hours: Floats, window_hours: float) -> Desk:
        """The desk of sorted ``hours`` (relative to the first ticket)."""
        lo = np.searchsorted(hours, hours - window_hours, side="right")
        return cls(hours, (np.arange(len(hours)) - lo + 1).astype(np.int64))

    @property
    def span_hours(self) -> float:
        return float(self.hours[-1] - self.hours[0]) if len(self.hours) else 0.0


def _counts(hours: Floats, window: float) -> Ints:
    """Group tickets in the window ending at each (sorted ``hours``)."""
    lo = np.searchsorted(hours, hours - window, side="right")
    return (np.arange(len(hours)) - lo + 1).astype(np.int64)


class _Tails:
    """Binomial tails ``P(X >= c)``, ``X ~ Binomial(m, p)``, looked up by (m, c)."""

    def __init__(self, max_desk: int, share: float, min_count: int) -> None:
        m = np.arange(max_desk + 1)[:, None]
        c = np.arange(max_desk + 2)[None, :]
        table = binom.sf(c - 1, m, share)
        table[:, :min_count] = 1.0  # windows with too few of the group are not scored
        self.table: Floats = np.asarray(table, dtype=float)

    def __call__(self, count: Ints, desk_count: Ints) -> Floats:
        return self.table[desk_count, np.minimum(count, desk_count)]


def _draws(rng: np.random.Generator, big: int, n: int, b: int) -> Ints:
    """``b`` random sets of ``n`` of ``big`` positions, each sorted (one row each)."""
    if n * 50 < big:  # few of many: numpy's hash-set draw is cheapest
        rows = np.stack([rng.choice(big, n, replace=False) for _ in range(b)])
        return np.sort(rows, axis=1).astype(np.int64)
    keys = rng.random((b, big))
    cut = np.partition(keys, n - 1, axis=1)[:, n - 1 : n]
    _, cols = np.nonzero(keys <= cut)  # row-major: each row's positions in order
    return cols.reshape(b, n).astype(np.int64)


def null_minima(
    desk: Desk,
    n: int,
    rule: BurstRule,
    permutations: int,
    *,
    stop_above: tuple[float, int] | None = None,
) -> Floats:
    """The smallest window score of ``n`` tickets drawn at random from the desk, per draw.

    With ``stop_above = (s, k)`` the draws stop once more than ``k`` minima are at most ``s``
    (the observed score can then no longer be significant; fewer than ``permutations`` minima
    are returned).
    """
    rng = np.random.default_rng(rule.seed)
    big = len(desk.hours)
    tails = _Tails(int(desk.in_window.max()), n / big, rule.min_count)
    step = desk.span_hours + 2 * rule.window_hours + 1.0
    out: list[Floats] = []
    chunk = max(1, min(100, 2_000_000 // max(big, 1)))
    done = 0
    while done < permutations:
        b = min(chunk, permutations - done)
        rows = _draws(rng, big, n, b)
        flat = (desk.hours[rows] + (np.arange(b) * step)[:, None]).ravel()
        # rows are laid end to end, far apart: a window never reaches into the previous row
        count = _counts(flat, rule.window_hours)
        out.append(tails(count, desk.in_window[rows].ravel()).reshape(b, n).min(axis=1))
        done += b
        if (
            stop_above is not None
            and sum(int((o <= stop_above[0]).sum()) for o in out) > (stop_above[1])
        ):
            break
    return np.concatenate(out)


def scan_group(
    desk: Desk, members: Ints, rule: BurstRule, *, start: pd.Timestamp
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Burst episodes of one group (``members``: sorted positions in the desk), and what was
    scanned (group size, baseline, the alpha over the span, permutations)."""
    n = len(members)
    big = len(desk.hours)
    share = n / big
    span = desk.span_hours
    alpha = rule.alpha_for(span)
    perms = min(MAX_PERMUTATIONS, max(rule.permutations, math.ceil(2.0 / alpha) - 1))
    scanned: dict[str, object] = {
        "tickets": n,
        "baseline_per_day": n / max(span / 24.0, rule.window_hours / 24.0),
        "share_of_desk": share,
        "alpha_span": alpha,
        "permutations": perms,
    }
    if n < rule.min_count:
        return [], scanned
    hours = desk.hours[members]
    count = _counts(hours, rule.window_hours)
    tails = _Tails(int(desk.in_window.max()), share, rule.min_count)
    scores = tails(count, desk.in_window[members])
    if scores.min() >= 1.0:
        return [], scanned
    # the smallest observed score is significant only if at most alpha * (B + 1) - 1 draws
    # reach it: stop drawing once more do (the decision is the same as with all B draws)
    allowed = math.floor(alpha * (perms + 1)) - 1
    null = np.sort(null_minima(desk, n, rule, perms, stop_above=(scores.min(), allowed)))
    if len(null) < perms:
        scanned["permutations"] = len(null)
        return [], scanned
    pvalues = (1 + np.searchsorted(null, scores, side="right")) / (perms + 1)
    alarms = np.flatnonzero((pvalues <= alpha) & (count >= rule.min_count))
    found = _Found(hours, count, desk.in_window[members], scores, pvalues, share)
    return _episodes(alarms, found, rule.window_hours, start), scanned


@dataclass(frozen=True)
class _Found:
    """A group's windows, one per ticket of the group (in time order)."""

    hours: Floats
    count: Ints
    desk_count: Ints
    scores: Floats
    pvalues: Floats
    share: float


def _episodes(
    alarms: Ints, found: _Found, w: float, start: pd.Timestamp
) -> list[dict[str, object]]:
    """Merge overlapping burst windows into episodes, one row each."""
    out: list[dict[str, object]] = []
    hours, count, scores = found.hours, found.count, found.scores
    runs: list[list[int]] = []
    for i in alarms:
        if runs and hours[i] - w < hours[runs[-1][-1]]:
            runs[-1].append(int(i))
        else:
            runs.append([int(i)])
    for run in runs:
        lo, hi = hours[run[0]] - w, hours[run[-1]]
        inside = int(((hours > lo) & (hours <= hi)).sum())
        first = hours[(hours > lo) & (hours <= hi)].min()
        best = run[int(np.argmin(scores[run]))]
        m = int(found.desk_count[best])
        out.append(
            {
                "start": (start + pd.to_timedelta(float(first), unit="h")).round("s"),
                "end": (start + pd.to_timedelta(float(hi), unit="h")).round("s"),
                "tickets": inside,
                "peak_window_tickets": int(count[best]),
                "desk_tickets_in_window": m,
                "expected_in_window": m * found.share,
                "p_value": float(found.pvalues[best]),
            }
        )
    return out
