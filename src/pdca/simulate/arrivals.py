"""When tickets arrive: a seasonal arrival process with bursts, planned chunk by chunk.

The volume of each hour is proportional to the weekday's share times the hour's share (a weekend
or holiday profile on those days), times the month's factor and the trend. A *plan* fixes, before
any ticket is made, how many tickets each chunk (a week, or a day or an hour when the volume is
high) gets and when each major incident happens; it is a few numbers per chunk, so memory does
not grow with the number of tickets. The total is exact: the background tickets are spread over
the chunks by one multinomial draw in proportion to their expected volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from pdca.simulate.catalog import Catalog
from pdca.simulate.config import SimulationConfig

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

HOUR = 3600
CHUNK_TICKETS = 25_000
"""Largest expected number of tickets in one chunk (bounds the memory of a chunk)."""
PLAN_STREAM = 0
CHUNK_STREAM = 1


def chunk_hours(config: SimulationConfig) -> int:
    """A week per chunk, or a day, or an hour when that would exceed :data:`CHUNK_TICKETS`."""
    per_day = config.total_tickets / config.days
    if per_day * 7 <= CHUNK_TICKETS:
        return 7 * 24
    return 24 if per_day <= CHUNK_TICKETS else 1


def day_weights(config: SimulationConfig, first: int, count: int) -> Floats:
    """Relative volume of days ``first`` … ``first + count - 1`` of the simulation."""
    arr = config.arrivals
    weekday = np.asarray(arr.weekday_share, dtype=np.float64)
    weekend = float(weekday[5:].mean())
    months = np.asarray(arr.month_factor, dtype=np.float64)
    holidays = set(arr.holidays)
    out = np.empty(count, dtype=np.float64)
    for k in range(count):
        day = config.start + timedelta(days=first + k)
        base = weekend if day.strftime("%m-%d") in holidays else weekday[day.weekday()]
        out[k] = base * months[day.month - 1]
    growth = (1.0 + arr.trend_per_year) ** (np.arange(first, first + count) / 365.25)
    result: Floats = out * growth
    return result


def _weekend_days(config: SimulationConfig, first: int, count: int) -> npt.NDArray[np.bool_]:
    holidays = set(config.arrivals.holidays)
    flags = []
    for k in range(count):
        day = config.start + timedelta(days=first + k)
        flags.append(day.weekday() >= 5 or day.strftime("%m-%d") in holidays)
    return np.asarray(flags, dtype=np.bool_)


def hour_weights(config: SimulationConfig, first_hour: int, hours: int) -> Floats:
    """Relative volume of each hour of a chunk (``hours`` hours from ``first_hour``)."""
    first_day = first_hour // 24
    last_day = (first_hour + hours - 1) // 24
    n_days = last_day - first_day + 1
    days = day_weights(config, first_day, n_days)
    weekend = _weekend_days(config, first_day, n_days)
    wd = np.asarray(config.arrivals.hour_share_weekday, dtype=np.float64)
    we = np.asarray(config.arrivals.hour_share_weekend, dtype=np.float64)
    profile = np.where(weekend[:, None], we / we.sum(), wd / wd.sum())
    grid = (days[:, None] * profile).ravel()
    offset = first_hour - first_day * 24
    result: Floats = grid[offset : offset + hours]
    return result


@dataclass(frozen=True)
class Plan:
    """How many tickets each chunk gets, and the major incidents."""

    chunk_hours: int
    total_hours: int
    background: Ints
    """Background (ordinary) tickets per chunk."""
    burst_chunk: Ints
    """Chunk of each major incident, ascending."""
    burst_start: Ints
    """Seconds since the simulation start at which each major incident begins."""
    burst_size: Ints
    """Tickets per major incident (the major incident itself included)."""
    burst_service: Ints
    burst_ci: Ints
    """Global CI index (see :attr:`Catalog.cis`)."""

    @property
    def chunks(self) -> int:
        """Number of chunks."""
        return len(self.background)

    def tickets_in(self, chunk: int) -> int:
        """Tickets of a chunk: its background and its major incidents."""
        sizes = self.burst_size[self.burst_chunk == chunk]
        return int(self.background[chunk] + sizes.sum())

    def first_number(self, chunk: int) -> int:
        """Number (0-based) of the chunk's first ticket."""
        before = self.burst_size[self.burst_chunk < chunk].sum()
        return int(self.background[:chunk].sum() + before)


def _pick_hour(rng: np.random.Generator, weights: Floats, size: int) -> Ints:
    cdf = np.cumsum(weights)
    picked: Ints = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").astype(np.int64)
    return np.minimum(picked, len(weights) - 1)


def make_plan(config: SimulationConfig, catalog: Catalog) -> Plan:
    """Decide the chunks' volumes and the major incidents (the plan's own random stream)."""
    rng = np.random.default_rng([config.seed, PLAN_STREAM])
    hours = config.days * 24
    size = chunk_hours(config)
    n_chunks = -(-hours // size)
    expected = np.empty(n_chunks, dtype=np.float64)
    b_chunk: list[int] = []
    b_start: list[int] = []
    b_size: list[int] = []
    bursts = config.bursts
    for c in range(n_chunks):
        first = c * size
        weights = hour_weights(config, first, min(size, hours - first))
        expected[c] = weights.sum()
        n = int(rng.poisson(bursts.per_month / 30.0 * len(weights) / 24.0))
        if n and bursts.per_month > 0:
            hour = _pick_hour(rng, weights, n)
            start = (first + hour) * HOUR + rng.integers(0, HOUR, n)
            sizes = rng.geometric(1.0 / bursts.mean_size, n)
            for s, k in sorted(zip(start.tolist(), sizes.tolist(), strict=True)):
                b_chunk.append(c)
                b_start.append(s)
                b_size.append(k)
    total = config.total_tickets
    sizes_arr = np.asarray(b_size, dtype=np.int64)
    # the major incidents must fit in the total: keep the first ones that do
    keep = np.cumsum(sizes_arr) <= total
    n_keep = int(keep.sum())
    service = _pick_hour(rng, catalog.service_weights, n_keep)
    ci_in = _pick_hour(rng, catalog.ci_weights, n_keep)
    per_service = len(catalog.ci_weights)
    background_total = total - int(sizes_arr[:n_keep].sum())
    background = rng.multinomial(background_total, expected / expected.sum()).astype(np.int64)
    return Plan(
        chunk_hours=size,
        total_hours=hours,
        background=background,
        burst_chunk=np.asarray(b_chunk[:n_keep], dtype=np.int64),
        burst_start=np.asarray(b_start[:n_keep], dtype=np.int64),
        burst_size=sizes_arr[:n_keep],
        burst_service=service,
        burst_ci=service * per_service + ci_in,
    )


@dataclass(frozen=True)
class Arrivals:
    """The tickets of one chunk, in order of arrival."""

    opened: Ints
    """Seconds since the simulation start."""
    burst: Ints
    """Index of the ticket's major incident in the plan, or -1."""
    parent: npt.NDArray[np.bool_]
    """Whether the ticket is the major incident itself (the first ticket of its burst)."""


def chunk_arrivals(
    config: SimulationConfig, plan: Plan, chunk: int, rng: np.random.Generator
) -> Arrivals:
    """Arrival times of a chunk's tickets: background by the hourly profile, bursts after their
    start (exponential delays), sorted by time."""
    first = chunk * plan.chunk_hours
    weights = hour_weights(config, first, min(plan.chunk_hours, plan.total_hours - first))
    n_bg = int(plan.background[chunk])
    bg = (first + _pick_hour(rng, weights, n_bg)) * HOUR + rng.integers(0, HOUR, n_bg)
    ids = np.flatnonzero(plan.burst_chunk == chunk)
    sizes = plan.burst_size[ids]
    burst = np.repeat(ids, sizes)
    starts = np.repeat(plan.burst_start[ids], sizes)
    delay = rng.exponential(config.bursts.spread_hours * HOUR, len(burst)).astype(np.int64)
    first_of = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    parent = np.zeros(len(burst), dtype=np.bool_)
    parent[first_of[sizes > 0]] = True
    delay[parent] = 0
    end = plan.total_hours * HOUR - 1
    opened = np.concatenate([bg, np.minimum(starts + 1 + delay, end) - parent]).astype(np.int64)
    burst_all = np.concatenate([np.full(n_bg, -1, dtype=np.int64), burst])
    parent_all = np.concatenate([np.zeros(n_bg, dtype=np.bool_), parent])
    order = np.lexsort((~parent_all, opened))
    return Arrivals(opened=opened[order], burst=burst_all[order], parent=parent_all[order])
