"""Erlang C and Erlang A against published examples, closed forms and a ciw simulation.

Published / independent oracles:
* Erlang C — the worked example in ../shared/data/spc_reference/erlang_c_reference.expected.json
  (CRAN ErlangC 0.1.0 and PyPI pyworkforce 0.1.0 README outputs: 100 calls per 30 min, AHT 180 s,
  80/20 → 14 agents, P(wait) 0.1741319, SL 0.88835, ASA 7.836 s).
* Erlang A — Mandelbaum & Zeltyn's closed form of P(W > 0) (incomplete gamma, Erlang B), an
  independent formula from the birth-death chain pdca computes with; their limits: θ → 0 gives
  Erlang C (the same published example), θ = μ gives the infinite-server law, P(W > 0) =
  P(Poisson(λ/μ) ≥ n) (Mandelbaum & Zeltyn 2004, §"θ = μ").
* A discrete-event simulation with ciw (M/M/n+M, MIT-licensed, tests only), bounded run length;
  tolerance 0.05 absolute on shares (waits are autocorrelated: about 3 standard errors at this
  run length), and pdca's own queue simulation (:mod:`pdca.methods.staffing.capacity`, an
  event-driven FCFS queue independent of the chain) over 600,000 arrivals within 0.01.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import poisson

from pdca.methods.spc import erlang
from pdca.methods.staffing import erlang_a
from pdca.methods.staffing.capacity import simulate_queue
from tests.conftest import SHARED_DATA, shared_file

EXAMPLE = {"contacts": 100, "period": 1800, "aht": 180, "answer_time": 20}


def test_erlang_c_published_example() -> None:
    ref = json.loads(
        shared_file(SHARED_DATA / "spc_reference" / "erlang_c_reference.expected.json").read_text()
    )
    want = ref["published_example_1"]["expected"]
    got = erlang.staffing(**EXAMPLE, service_level=0.8, max_occupancy=0.85, shrinkage=0.3)
    assert got.agents == want["agents_required"]
    assert got.p_wait == pytest.approx(want["P_wait"], rel=1e-4)
    assert got.service_level == pytest.approx(want["service_level"], rel=1e-4)
    assert got.positions == want["positions_after_shrinkage"]


def test_erlang_a_without_abandonment_is_erlang_c() -> None:
    a = erlang_a.performance(14, **EXAMPLE, patience=1e9)
    assert a.p_wait == pytest.approx(0.1741319, rel=1e-5)
    assert a.service_level == pytest.approx(0.88835, rel=1e-4)
    assert a.mean_wait == pytest.approx(7.835937, rel=1e-4)  # ASA of Erlang C
    assert a.p_abandon < 1e-6


@pytest.mark.parametrize(
    ("agents", "patience"), [(8, 60.0), (10, 180.0), (12, 600.0), (14, 1800.0)]
)
def test_erlang_a_matches_the_closed_form(agents: int, patience: float) -> None:
    rate = 100 / 1800
    chain = erlang_a.performance(agents, **EXAMPLE, patience=patience).p_wait
    closed = erlang_a.p_wait_closed_form(agents, rate=rate, aht=180, patience=patience)
    assert chain == pytest.approx(closed, rel=1e-9)


def test_erlang_a_with_patience_equal_to_handling_is_poisson() -> None:
    got = erlang_a.performance(10, **EXAMPLE, patience=180)
    assert got.p_wait == pytest.approx(float(poisson.sf(9, 10.0)), rel=1e-9)
    # abandonment balance: θ·E[queue] = λ·P(abandon); served load = agents busy
    assert got.occupancy * 10 == pytest.approx(10 * (1 - got.p_abandon), rel=1e-9)


def test_staffing_with_abandonment_needs_no_more_agents() -> None:
    c = erlang.staffing(**EXAMPLE, service_level=0.8)
    a = erlang_a.staffing(**EXAMPLE, patience=120, service_level=0.8)
    assert a.agents <= c.agents
    assert a.service_level >= 0.8


def _ciw(agents: int, rate: float, aht: float, patience: float, t: float, seed: int) -> dict:
    ciw = pytest.importorskip("ciw")
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rate)],
        service_distributions=[ciw.dists.Exponential(rate=1 / aht)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / patience)],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    horizon = 200_000.0
    sim.simulate_until_max_time(horizon)
    recs = [r for r in sim.get_all_records() if r.arrival_date > 20_000]
    served = [r for r in recs if r.record_type == "service"]
    gave_up = [r for r in recs if r.record_type == "renege"]
    n = len(served) + len(gave_up)
    waits = np.array([r.waiting_time for r in served])
    return {
        "n": n,
        "p_abandon": len(gave_up) / n,
        "service_level": float((waits <= t).sum()) / n,
        "p_wait": (float((waits > 1e-9).sum()) + len(gave_up)) / n,
    }


@pytest.mark.parametrize(("agents", "patience"), [(10, 180.0), (12, 600.0)])
def test_erlang_a_agrees_with_a_ciw_simulation(agents: int, patience: float) -> None:
    model = erlang_a.performance(agents, **EXAMPLE, patience=patience)
    sim = _ciw(agents, 100 / 1800, 180, patience, 20, seed=3)
    assert sim["n"] > 9_000
    assert sim["p_abandon"] == pytest.approx(model.p_abandon, abs=0.05)
    assert sim["service_level"] == pytest.approx(model.service_level, abs=0.05)
    assert sim["p_wait"] == pytest.approx(model.p_wait, abs=0.05)


def test_erlang_a_agrees_with_pdcas_queue_simulation() -> None:
    model = erlang_a.performance(12, **EXAMPLE, patience=600)
    hours = 3000
    counts, in_time, gave_up, _ = simulate_queue(
        np.full(hours, 200.0), np.full(hours, 12), aht_s=180, patience_s=600,
        answer_time_s=20, rng=np.random.default_rng(1),
    )  # fmt: skip
    assert in_time.sum() / counts.sum() == pytest.approx(model.service_level, abs=0.01)
    assert gave_up.sum() / counts.sum() == pytest.approx(model.p_abandon, abs=0.01)


def test_erlang_c_agrees_with_a_ciw_simulation() -> None:
    model = erlang.performance(14, **EXAMPLE)
    sim = _ciw(14, 100 / 1800, 180, 1e12, 20, seed=4)
    assert sim["p_abandon"] == 0
    assert sim["service_level"] == pytest.approx(model.service_level, abs=0.03)
    assert sim["p_wait"] == pytest.approx(model.p_wait, abs=0.03)
