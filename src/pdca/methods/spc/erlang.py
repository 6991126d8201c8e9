# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Erlang C: how many agents a service desk needs for a service level or an average speed of answer.

Traffic
    A = λ·AHT in Erlangs, λ the arrival rate (calls or tickets per second: contacts / period)
    and AHT the average handle time in seconds.
Probability of waiting (Erlang C)
    Ec(m, A) = [Aᵐ/m! · m/(m − A)] / [Σ_{k=0}^{m−1} Aᵏ/k! + Aᵐ/m! · m/(m − A)] for m agents,
    A < m; computed through the Erlang B recursion B(0) = 1, B(k) = A·B(k − 1) / (k + A·B(k − 1)),
    Ec = m·B(m) / (m − A·(1 − B(m))). With m ≤ A the queue grows without end: Ec = 1.
Service level
    SL(t) = 1 − Ec · e^(−(m − A)·t/AHT), the share of contacts answered within t seconds.
Average speed of answer
    ASA = Ec · AHT / (m − A) seconds.
Occupancy
    A / m.
Staffing
    The smallest m with SL(t) ≥ the target, ASA ≤ its target (when given) and A/m ≤ the maximum
    occupancy; positions to roster = ⌈m / (1 − shrinkage)⌉, shrinkage being the share of paid
    time agents are not available (breaks, training, absence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pdca.errors import ConfigError, InputError

_EPS = 1e-9
"""Tolerance of the rounding up to whole positions (14 / 0.7 is 20.000000000000004)."""


def traffic(contacts: float, period: float, aht: float) -> float:
    """Offered load in Erlangs: contacts per period times handle time, over the period."""
    if contacts < 0 or period <= 0 or aht <= 0:
        raise InputError(
            f"contacts {contacts:g}, period {period:g} s, handle time {aht:g} s",
            hint="contacts ≥ 0; period and average handle time > 0 (seconds)",
        )
    return contacts / period * aht


def erlang_c(agents: int, load: float) -> float:
    """Probability that a contact waits, with ``agents`` agents and ``load`` Erlangs."""
    if agents < 1 or load < 0:
        raise InputError(f"{agents} agents for {load:g} Erlangs", hint="need 1+ agents, load ≥ 0")
    if agents <= load:
        return 1.0
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return agents * b / (agents - load * (1 - b))


@dataclass(frozen=True)
class Staffing:
    """Performance of a number of agents (and the positions to roster for them)."""

    agents: int
    traffic: float
    p_wait: float
    service_level: float
    """Share answered within the answer time."""
    asa: float
    """Average speed of answer, seconds (infinite when agents ≤ traffic)."""
    occupancy: float
    immediate_answer: float
    positions: int
    """Agents to roster once shrinkage is allowed for."""


def performance(
    agents: int,
    *,
    contacts: float,
    period: float,
    aht: float,
    answer_time: float,
    shrinkage: float = 0.0,
) -> Staffing:
    """What ``agents`` agents achieve for the given workload."""
    _check_shrinkage(shrinkage)
    load = traffic(contacts, period, aht)
    ec = erlang_c(agents, load)
    if agents <= load:
        sl, asa = 0.0, math.inf
    else:
        sl = 1.0 - ec * math.exp(-(agents - load) * answer_time / aht)
        asa = ec * aht / (agents - load)
    return Staffing(
        agents=agents,
        traffic=load,
        p_wait=ec,
        service_level=sl,
        asa=asa,
        occupancy=min(1.0, load / agents),
        immediate_answer=1.0 - ec,
        positions=math.ceil(agents / (1.0 - shrinkage) - _EPS),
    )


def _check_shrinkage(shrinkage: float) -> None:
    if not 0 <= shrinkage < 1:
        raise ConfigError(f"shrinkage is a share below 1, got {shrinkage!r}")


def staffing(
    *,
    contacts: float,
    period: float,
    aht: float,
    answer_time: float,
    service_level: float = 0.8,
    asa: float | None = None,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest agents meeting the service level, ASA and occupancy targets."""
    if not 0 < service_level < 1:
        raise ConfigError(f"service_level is a share between 0 and 1, got {service_level!r}")
    if not 0 < max_occupancy <= 1:
        raise ConfigError(f"max_occupancy is a share in (0, 1], got {max_occupancy!r}")
    if asa is not None and asa <= 0:
        raise ConfigError(f"the ASA target must be positive, got {asa!r}")
    if answer_time < 0:
        raise ConfigError(f"answer_time cannot be negative, got {answer_time!r}")
    load = traffic(contacts, period, aht)
    agents = max(1, math.floor(load) + 1)
    while True:
        result = performance(
            agents,
            contacts=contacts,
            period=period,
            aht=aht,
            answer_time=answer_time,
            shrinkage=shrinkage,
        )
        if (
            result.service_level >= service_level
            and (asa is None or result.asa <= asa)
            and result.occupancy <= max_occupancy
        ):
            return result
        agents += 1


def staffing_table(
    agents: range,
    *,
    contacts: float,
    period: float,
    aht: float,
    answer_time: float,
    shrinkage: float = 0.0,
) -> pd.DataFrame:
    """Performance for each number of agents in ``agents``, one row each."""
    rows = [
        performance(
            m,
            contacts=contacts,
            period=period,
            aht=aht,
            answer_time=answer_time,
            shrinkage=shrinkage,
        ).__dict__
        for m in agents
    ]
    return pd.DataFrame(rows)
