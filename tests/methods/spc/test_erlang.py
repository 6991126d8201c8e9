# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Erlang C against the textbook formula with factorials (the reference example is in
test_reference_cases)."""

from __future__ import annotations

import math

import pytest

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import erlang_c, performance, staffing, staffing_table


def _erlang_c_by_factorials(m: int, a: float) -> float:
    top = a**m / math.factorial(m) * m / (m - a)
    return top / (sum(a**k / math.factorial(k) for k in range(m)) + top)


@pytest.mark.parametrize(("m", "a"), [(1, 0.5), (2, 1.0), (14, 10.0), (55, 48.0), (120, 100.0)])
def test_erlang_c_equals_the_formula(m: int, a: float) -> None:
    assert erlang_c(m, a) == pytest.approx(_erlang_c_by_factorials(m, a), rel=1e-10)


def test_single_agent_is_m_m_1() -> None:
    """One agent: P(wait) = ρ and ASA = ρ/(1 − ρ)·AHT (the M/M/1 queue)."""
    got = performance(1, contacts=30, period=3600, aht=60, answer_time=0)
    rho = 0.5
    assert got.p_wait == pytest.approx(rho)
    assert got.asa == pytest.approx(rho / (1 - rho) * 60)
    assert got.service_level == pytest.approx(1 - rho)


def test_overloaded_desk() -> None:
    got = performance(9, contacts=100, period=1800, aht=180, answer_time=20)
    assert got.p_wait == 1.0
    assert got.service_level == 0.0
    assert math.isinf(got.asa)


def test_asa_target_and_occupancy_cap_add_agents() -> None:
    work = {"contacts": 100, "period": 1800, "aht": 180, "answer_time": 20}
    assert staffing(**work, service_level=0.79).agents == 13  # SL(13) = 0.7956
    assert staffing(**work, service_level=0.79, asa=10).agents == 14  # ASA(13) = 17.1 s
    assert staffing(**work, service_level=0.5).agents == 12
    assert staffing(**work, service_level=0.5, max_occupancy=0.75).agents == 14
    table = staffing_table(range(11, 15), **work)
    assert list(table["agents"]) == [11, 12, 13, 14]
    assert table["service_level"].is_monotonic_increasing


def test_shrinkage_rounds_up_whole_positions() -> None:
    work = {"contacts": 100, "period": 1800, "aht": 180, "answer_time": 20}
    assert performance(14, **work, shrinkage=0.3).positions == 20  # 14 / 0.7 = 20 exactly
    assert performance(14, **work, shrinkage=0.31).positions == 21


def test_errors() -> None:
    work = {"contacts": 100, "period": 1800, "aht": 180, "answer_time": 20}
    with pytest.raises(ConfigError):
        staffing(**work, service_level=80)
    with pytest.raises(ConfigError):
        performance(3, **work, shrinkage=1.0)
    with pytest.raises(InputError):
        performance(3, contacts=10, period=0, aht=180, answer_time=20)
    with pytest.raises(InputError):
        erlang_c(0, 1.0)
