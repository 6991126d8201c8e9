# ruff: noqa: RUF002, RUF003  (mathematical notation: λ, μ, θ, π are meant)
"""Erlang A against a recalled published example and an independent solution of the chain.

The verifiable published check is in test_erlang_a_pyworkforce.py (pyworkforce's documented
worked example). The figures below are RECALLED, NOT VERIFIED (see "Tolerance" below).

Example (Mandelbaum & Zeltyn, "The Palm/Erlang-A Queue, with Applications to Call
Centers", teaching note, Technion, 2004/2005, §2 "Significance of abandonment", the table and
figure comparing Erlang C and Erlang A; the same setting is quoted as "50 agents, 2880 calls per
hour, 1 min. average service time, 2 min. average patience"): λ = 48 calls a minute, mean service
1 min, mean patience 2 min, n = 50 agents. As recalled, rounded as printed:

=========================  ========  ========
measure                    Erlang C  Erlang A
=========================  ========  ========
fraction abandoning        —         3.1 %
average wait               20.8 s    3.7 s
wait's 90th percentile     58.1 s    (not asserted, see below)
average queue length       17        3
agents' occupancy          96 %      93 %
=========================  ========  ========

Tolerance: half a unit of the last printed digit. The figures are as recalled from the note (no
copy could be retrieved when this test was written; the example's inputs are quoted by other
pages). The Erlang A 90th percentile of the wait (12.5 s as recalled) is not asserted: pdca does
not report percentiles, and this test's own computation of it from the chain gives 12.44 s.

Independent oracle: the stationary law from a linear solve of the truncated generator matrix
(not pdca's product formula), and the service level by uniformization of the tagged ticket's
queue position (not pdca's matrix exponential); staffing by trying every agent count.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import poisson

from pdca.methods.spc import erlang
from pdca.methods.staffing import erlang_a

# the published example, in seconds
MZ = {"contacts": 48.0, "period": 60.0, "aht": 60.0}
MZ_PATIENCE = 120.0
MZ_AGENTS = 50


def _stationary(agents: int, lam: float, mu: float, theta: float, states: int) -> np.ndarray:
    """π of the number in the system: πQ = 0, Σπ = 1, on states 0 … states − 1 (linear solve)."""
    q = np.zeros((states, states))
    for k in range(states):
        if k + 1 < states:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, agents) * mu + max(k - agents, 0) * theta
        q[k, k] = -q[k].sum()
    a = q.T.copy()
    a[-1] = 1.0
    b = np.zeros(states)
    b[-1] = 1.0
    pi: np.ndarray = np.linalg.solve(a, b)
    assert pi[-20:].sum() < 1e-13, "truncation too tight"
    return pi


def _answered_within(pi: np.ndarray, agents: int, mu: float, theta: float, t: float) -> float:
    """P(answered within t) by uniformization: the tagged ticket's position j ahead of it
    moves down at n·μ + j·θ, and it abandons itself at θ."""
    queue = pi[agents:]
    m = len(queue)
    served, abandoned = m, m + 1
    rates = np.array([agents * mu + j * theta + theta for j in range(m)])
    big = float(rates.max())
    step = np.zeros((m + 2, m + 2))
    for j in range(m):
        step[j, j - 1 if j > 0 else served] = (agents * mu + j * theta) / big
        step[j, abandoned] = theta / big
        step[j, j] = 1.0 - rates[j] / big
    step[served, served] = step[abandoned, abandoned] = 1.0
    state = np.zeros(m + 2)
    state[:m] = queue
    total, k = 0.0, 0
    mean = big * t
    while poisson.cdf(k - 1, mean) < 1 - 1e-14:
        total += poisson.pmf(k, mean) * state[served]
        state = state @ step
        k += 1
    return float(pi[:agents].sum()) + total


def _independent(
    agents: int, *, contacts: float, period: float, aht: float, patience: float, t: float
) -> dict[str, float]:
    lam, mu, theta = contacts / period, 1 / aht, 1 / patience
    pi = _stationary(agents, lam, mu, theta, agents + 300)
    k = np.arange(len(pi))
    queue = float(((k - agents).clip(min=0) * pi).sum())
    return {
        "p_wait": float(pi[agents:].sum()),
        "p_abandon": theta * queue / lam,
        "mean_wait": queue / lam,
        "queue": queue,
        "service_level": _answered_within(pi, agents, mu, theta, t),
    }


def test_erlang_a_reproduces_the_published_example() -> None:
    got = erlang_a.performance(MZ_AGENTS, **MZ, patience=MZ_PATIENCE, answer_time=20)
    lam = MZ["contacts"] / MZ["period"]
    assert got.p_abandon == pytest.approx(0.031, abs=0.0005)  # 3.1 %
    assert got.mean_wait == pytest.approx(3.7, abs=0.05)  # 3.7 s
    assert lam * got.mean_wait == pytest.approx(3, abs=0.5)  # average queue length 3
    assert got.occupancy == pytest.approx(0.93, abs=0.005)  # 93 %


def test_erlang_c_reproduces_the_same_published_example() -> None:
    got = erlang.performance(MZ_AGENTS, **MZ, answer_time=20)
    lam = MZ["contacts"] / MZ["period"]
    assert got.asa == pytest.approx(20.8, abs=0.05)  # average wait 20.8 s
    assert lam * got.asa == pytest.approx(17, abs=0.5)  # average queue length 17
    assert got.occupancy == pytest.approx(0.96, abs=0.005)  # 96 %

    def above(t: float) -> float:  # P(wait > t) − 10 %, from pdca's service level
        return 1 - erlang.performance(MZ_AGENTS, **MZ, answer_time=t).service_level - 0.1

    assert brentq(above, 0, 600) == pytest.approx(58.1, abs=0.05)  # 90th percentile


CASES = [
    (MZ_AGENTS, MZ, MZ_PATIENCE, 20.0),
    (46, MZ, MZ_PATIENCE, 20.0),
    (55, MZ, MZ_PATIENCE, 60.0),
    (8, {"contacts": 100.0, "period": 1800.0, "aht": 180.0}, 60.0, 20.0),
    (12, {"contacts": 100.0, "period": 1800.0, "aht": 180.0}, 600.0, 20.0),
    (3, {"contacts": 6.0, "period": 3600.0, "aht": 1200.0}, 3600.0, 900.0),
]


@pytest.mark.parametrize(("agents", "load", "patience", "t"), CASES)
def test_erlang_a_equals_an_independent_solution_of_the_chain(
    agents: int, load: dict[str, float], patience: float, t: float
) -> None:
    want = _independent(agents, **load, patience=patience, t=t)
    got = erlang_a.performance(agents, **load, patience=patience, answer_time=t)
    assert got.p_wait == pytest.approx(want["p_wait"], rel=1e-9, abs=1e-12)
    assert got.p_abandon == pytest.approx(want["p_abandon"], rel=1e-9, abs=1e-12)
    assert got.mean_wait == pytest.approx(want["mean_wait"], rel=1e-9, abs=1e-9)
    assert got.service_level == pytest.approx(want["service_level"], abs=1e-9)


@pytest.mark.parametrize(("target", "t"), [(0.8, 20.0), (0.9, 10.0), (0.95, 30.0)])
def test_agents_needed_is_the_fewest_that_meet_the_target(target: float, t: float) -> None:
    """The service level rises with every agent, so the fewest that meet the target are those
    that meet it while one agent fewer does not (by the independent computation)."""
    got = erlang_a.staffing(**MZ, patience=MZ_PATIENCE, answer_time=t, service_level=target)
    level = {
        n: _independent(n, **MZ, patience=MZ_PATIENCE, t=t)["service_level"]
        for n in (got.agents - 1, got.agents)
    }
    assert level[got.agents] >= target > level[got.agents - 1]
    # Erlang C, which lets nobody give up, never asks for fewer
    assert erlang.staffing(**MZ, answer_time=t, service_level=target).agents >= got.agents
