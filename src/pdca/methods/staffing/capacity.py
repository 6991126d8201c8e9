"""What a staffing plan achieves: a discrete-event queue fed by pdca's simulator arrivals.

pdca's ticket simulator (:mod:`pdca.simulate`) has no agents: its resolution times are drawn,
not queued. Its *arrival process* is used here, calibrated to the log
(:func:`calibrated_arrivals`: weekday shares, weekday and weekend hour profiles, month factors
measured from the log's opened tickets, holidays from the objectives' calendars) and scaled to
the forecast volume; :func:`pdca.simulate.arrivals.hour_weights` gives each hour's expected
volume, and arrivals are Poisson within the hour. The queue: first come first served, as many
agents in each hour as the plan says (an agent busy when the hour ends finishes the ticket),
exponential handling (mean AHT) and exponential patience. Replications give the service level
with a 95 % confidence interval (normal, across replications) and the backlog — tickets waiting
for an agent — at the end of each day.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.simulate.arrivals import hour_weights
from pdca.simulate.config import Arrivals, SimulationConfig


def calibrated_arrivals(opened: pd.Series, holidays: tuple[str, ...] = ()) -> Arrivals:
    """The simulator's arrival profile measured from the opening times of a log."""
    stamps = pd.to_datetime(opened).dropna()
    days = stamps.dt.floor("D")
    weekday = np.bincount(stamps.dt.day_of_week, minlength=7).astype(float) + 1e-9
    weekend = stamps.dt.day_of_week >= 5
    hw = np.bincount(stamps[~weekend].dt.hour, minlength=24).astype(float) + 1e-9
    he = np.bincount(stamps[weekend].dt.hour, minlength=24).astype(float) + 1e-9
    per_day = days.value_counts()
    month_mean = per_day.groupby(pd.DatetimeIndex(per_day.index).month).mean()
    months = month_mean.reindex(range(1, 13)).fillna(month_mean.mean())
    return Arrivals(
        tickets_per_day=float(per_day.mean()),
        weekday_share=tuple(weekday / weekday.sum()),
        hour_share_weekday=tuple(hw / hw.sum()),
        hour_share_weekend=tuple(he / he.sum()),
        month_factor=tuple((months / months.mean()).to_numpy()),
        holidays=holidays,
    )


def hourly_rates(arrivals: Arrivals, start: date, days: int, tickets: float) -> np.ndarray:
    """Expected tickets in each hour of ``days`` days from ``start`` (total ``tickets``)."""
    config = SimulationConfig(
        arrivals=arrivals, start=start, days=days, tickets=max(1, int(tickets))
    )
    weights = hour_weights(config, 0, days * 24)
    result: np.ndarray = weights / weights.sum() * tickets
    return result


@dataclass
class Projection:
    """A plan's projected service level and backlog."""

    scenario: str
    service_level: float
    ci95: tuple[float, float]
    abandoned: float
    daily: pd.DataFrame
    """date, arrivals, answered_in_time (share), backlog_end (mean over replications)."""
    replications: int
    assumptions: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Plain values."""
        return {
            "scenario": self.scenario,
            "service_level": round(self.service_level, 4),
            "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)],
            "abandoned": round(self.abandoned, 4),
            "backlog_end_max": round(float(self.daily["backlog_end"].max()), 2),
            "replications": self.replications,
        }


def simulate_queue(
    rates: np.ndarray,
    agents: np.ndarray,
    *,
    aht_s: float,
    patience_s: float | None,
    answer_time_s: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One run: per hour, arrivals, answered within the time, abandoned; per hour end, backlog."""
    hours = len(rates)
    counts = rng.poisson(rates)
    times = np.concatenate([h * 3600 + np.sort(rng.random(c)) * 3600 for h, c in enumerate(counts)])
    n = len(times)
    service = rng.exponential(aht_s, n)
    patience = rng.exponential(patience_s, n) if patience_s else np.full(n, math.inf)
    in_time = np.zeros(hours)
    gave_up = np.zeros(hours)
    backlog = np.zeros(hours)
    busy: list[float] = []  # completion times
    queue: list[int] = []  # FCFS indices; head at position `head`
    head = 0
    i = 0

    def start_work(now: float, hour: int) -> None:
        nonlocal head
        while head < len(queue) and len(busy) < agents[min(hour, hours - 1)]:
            k = queue[head]
            head += 1
            if now - times[k] > patience[k]:
                gave_up[int(times[k] // 3600)] += 1
                continue
            if now - times[k] <= answer_time_s:
                in_time[int(times[k] // 3600)] += 1
            heapq.heappush(busy, now + service[k])

    for hour in range(hours):
        end = (hour + 1) * 3600.0
        start_work(hour * 3600.0, hour)
        while True:
            next_arrival = times[i] if i < n and times[i] < end else math.inf
            next_done = busy[0] if busy and busy[0] < end else math.inf
            if next_arrival == math.inf and next_done == math.inf:
                break
            if next_done <= next_arrival:
                now = heapq.heappop(busy)
            else:
                now = next_arrival
                queue.append(i)
                i += 1
            start_work(now, hour)
        waiting = queue[head:]
        backlog[hour] = sum(1 for k in waiting if end - times[k] <= patience[k])
    # tickets still waiting at the end: answered late or never (count as not in time)
    return counts.astype(float), in_time, gave_up, backlog


def project(
    rates: np.ndarray,
    agents: np.ndarray,
    *,
    start: date,
    aht_s: float,
    patience_s: float | None,
    answer_time_s: float,
    scenario: str = "plan",
    replications: int = 20,
    seed: int = 0,
) -> Projection:
    """Service level (95 % CI over replications) and daily backlog of ``agents`` per hour."""
    if len(rates) != len(agents) or len(rates) % 24:
        raise InputError("rates and agents must cover the same whole days, hour by hour")
    rng = np.random.default_rng(seed)
    levels, abandoned = [], []
    arrivals_d: Any = 0.0
    in_time_d: Any = 0.0
    backlog_d: Any = 0.0
    for _ in range(replications):
        counts, in_time, gave_up, backlog = simulate_queue(
            rates, agents, aht_s=aht_s, patience_s=patience_s, answer_time_s=answer_time_s, rng=rng
        )
        total = counts.sum()
        levels.append(in_time.sum() / total if total else 1.0)
        abandoned.append(gave_up.sum() / total if total else 0.0)
        arrivals_d = arrivals_d + counts.reshape(-1, 24).sum(axis=1)
        in_time_d = in_time_d + in_time.reshape(-1, 24).sum(axis=1)
        backlog_d = backlog_d + backlog.reshape(-1, 24)[:, -1]
    mean = float(np.mean(levels))
    half = (
        1.96 * float(np.std(levels, ddof=1)) / math.sqrt(replications) if replications > 1 else 0.0
    )
    dates = pd.date_range(pd.Timestamp(start), periods=len(rates) // 24, freq="D")
    daily = pd.DataFrame(
        {
            "date": dates,
            "arrivals": np.asarray(arrivals_d) / replications,
            "answered_in_time": np.asarray(in_time_d) / np.maximum(np.asarray(arrivals_d), 1e-9),
            "backlog_end": np.asarray(backlog_d) / replications,
        }
    )
    notes = [
        f"{replications} replications; 95 % CI normal across replications",
        "FCFS queue; agents per hour as planned; exponential handling and patience",
        "tickets still waiting when the period ends count as not answered in time",
    ]
    return Projection(
        scenario, mean, (mean - half, mean + half), float(np.mean(abandoned)), daily,
        replications, notes,
    )  # fmt: skip
