"""Same configuration and seed, same output; memory does not grow with the simulated period."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date

import pyarrow as pa
import pytest

from pdca.simulate import SimulationConfig, Simulator
from pdca.simulate.arrivals import CHUNK_TICKETS, chunk_hours, make_plan
from pdca.simulate.catalog import build_catalog


def _tables(config: SimulationConfig) -> tuple[pa.Table, pa.Table, pa.Table]:
    events, surveys, hidden = [], [], []
    for chunk in Simulator(config).chunks(hidden=True):
        events.append(chunk.events)
        surveys.append(chunk.surveys)
        hidden.append(chunk.hidden)
    return pa.concat_tables(events), pa.concat_tables(surveys), pa.concat_tables(hidden)


def test_same_seed_same_output() -> None:
    config = SimulationConfig(seed=11, days=60, tickets=3000)
    first = _tables(config)
    second = _tables(SimulationConfig(seed=11, days=60, tickets=3000))
    for a, b in zip(first, second, strict=True):
        assert a.num_rows > 0
        assert a.equals(b)


def test_another_seed_another_output() -> None:
    a, _, _ = _tables(SimulationConfig(seed=1, days=30, tickets=1000))
    b, _, _ = _tables(SimulationConfig(seed=2, days=30, tickets=1000))
    assert not a.equals(b)
    assert a.column("case_id").unique().to_pylist() == b.column("case_id").unique().to_pylist()


def test_truth_is_deterministic_too() -> None:
    config = SimulationConfig(seed=5, days=90, tickets=4000)
    one, two = Simulator(config), Simulator(config)
    for _ in one.chunks():
        pass
    for _ in two.chunks():
        pass
    assert one.truth.to_dict() == two.truth.to_dict()
    assert one.truth.major_incidents  # 90 days: a few major incidents


def _peak_bytes(days: int) -> tuple[int, int]:
    """Peak traced memory while generating ``days`` at 150 tickets a day, and the tickets."""
    config = SimulationConfig(seed=3, days=days, tickets=150 * days)
    gc.collect()
    tracemalloc.start()
    tickets = 0
    for chunk in Simulator(config).chunks():
        tickets += chunk.tickets
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, tickets


def test_memory_does_not_grow_with_the_number_of_days() -> None:
    short_peak, short_tickets = _peak_bytes(35)
    long_peak, long_tickets = _peak_bytes(350)
    assert long_tickets == 10 * short_tickets
    # the generator holds one chunk (a week) at a time: 10x the days, about the same peak
    assert long_peak < 1.3 * short_peak, (short_peak, long_peak)


def test_arrow_memory_is_released_after_each_chunk() -> None:
    config = SimulationConfig(seed=3, days=140, tickets=20_000)
    pool = pa.default_memory_pool()
    held = []
    for chunk in Simulator(config).chunks():
        held.append(pool.bytes_allocated())
        del chunk
    assert max(held[-5:]) < 2 * max(held[:5]) + (1 << 20)


def test_busy_desks_get_smaller_chunks() -> None:
    assert chunk_hours(SimulationConfig(days=365, tickets=50_000)) == 7 * 24
    assert chunk_hours(SimulationConfig(days=7, tickets=CHUNK_TICKETS * 5)) == 24
    assert chunk_hours(SimulationConfig(days=1, tickets=CHUNK_TICKETS * 2)) == 1
    config = SimulationConfig(days=10, tickets=CHUNK_TICKETS * 3)
    plan = make_plan(config, build_catalog(config))
    per_chunk = [plan.tickets_in(c) for c in range(plan.chunks)]
    assert sum(per_chunk) == config.total_tickets
    assert max(per_chunk) < 1.5 * CHUNK_TICKETS


@pytest.mark.parametrize("days", [1, 8])
def test_short_runs_and_chunk_edges(days: int) -> None:
    config = SimulationConfig(start=date(2024, 2, 28), days=days, tickets=500)
    events, _, hidden = _tables(config)
    assert hidden.num_rows == 500
    assert events.column("case_id").unique().to_pylist()[-1] == "INC0000500"
    stamps = events.column("timestamp").to_pandas()
    assert stamps.min() >= config.start_at
    assert stamps.max() < config.end_at
