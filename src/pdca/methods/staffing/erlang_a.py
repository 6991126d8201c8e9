# ruff: noqa: RUF002, RUF003  (mathematical notation: λ, μ, θ, π, ≤ are meant)
"""Erlang A (M/M/n+M): Erlang C with customers who give up waiting.

Arrivals are Poisson (rate λ), handling exponential (mean 1/μ = AHT), n agents, and each waiting
ticket abandons after an exponential patience (mean 1/θ). Garnett, Mandelbaum & Reiman (2002),
"Designing a call center with impatient customers", M&SOM 4(3); Mandelbaum & Zeltyn (2004),
"The Palm/Erlang-A queue, with applications to call centers" (the 4CallCenters tool's model).

The number in the system is a birth-death process: birth rate λ, death rate k·μ for k ≤ n and
n·μ + (k − n)·θ above. Its stationary law π is computed by the product formula, truncated where
the tail is below 1e-15 (with θ > 0 it falls faster than geometrically). By PASTA an arrival
sees π; one who finds k ≥ n waits while the j = k − n tickets ahead leave the queue at rate
n·μ + j·θ each step, and abandons itself at rate θ. From these:

* P(wait) = Σ_{k ≥ n} π_k;
* P(abandon) = θ·E[queue]/λ (abandonments per unit time over arrivals);
* service level SL(t) = P(answered within t) — the share of *all* arrivals answered (not
  abandoned) within t, computed as the absorption probability of the tagged ticket's queue
  position in "answered" by time t (the action of a sparse matrix exponential);
* mean wait E[queue]/λ (Little) and occupancy = λ·(1 − P(abandon))/(n·μ).

:func:`p_wait_closed_form` is Mandelbaum & Zeltyn's closed form, through Erlang B and the
incomplete gamma function: P(W > 0) = A·E / (1 + (A − 1)·E), E = Erlang B(n, λ/μ),
A = (x·eʸ / yˣ)·γ(x, y) with x = n·μ/θ and y = λ/θ; tests check the chain against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse.linalg import expm_multiply  # type: ignore[import-untyped, unused-ignore]
from scipy.special import gammainc, gammaln  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import ConfigError, InputError

_TAIL = 1e-15
_MAX_STATES = 20_000


@dataclass(frozen=True)
class ErlangA:
    """What ``agents`` agents achieve with abandonment."""

    agents: int
    traffic: float
    """Offered load λ·AHT, Erlangs."""
    p_wait: float
    p_abandon: float
    service_level: float
    """Share of all arrivals answered within the answer time."""
    mean_wait: float
    """Mean time in the queue of every arrival (answered or abandoned), seconds: E[queue]/λ."""
    occupancy: float


def _check(agents: int, rate: float, aht: float, patience: float) -> None:
    if agents < 1 or rate < 0 or aht <= 0 or patience <= 0:
        raise InputError(
            f"{agents} agents, arrival rate {rate:g}/s, AHT {aht:g} s, patience {patience:g} s",
            hint="need 1+ agents, rate ≥ 0, handle time and patience > 0 (seconds)",
        )


def stationary(agents: int, rate: float, aht: float, patience: float) -> np.ndarray:
    """π_k, k = 0 … K, of the number in the system (truncated where negligible)."""
    _check(agents, rate, aht, patience)
    mu, theta = 1.0 / aht, 1.0 / patience
    logs = [0.0]
    k = 0
    while k < _MAX_STATES:
        k += 1
        death = k * mu if k <= agents else agents * mu + (k - agents) * theta
        logs.append(logs[-1] + math.log(rate / death) if rate > 0 else -math.inf)
        small = rate == 0 or logs[-1] < max(logs) + math.log(_TAIL)
        if k > agents + 2 and small:
            break
    arr = np.asarray(logs)
    arr = np.exp(arr - arr.max())
    shares: np.ndarray = arr / arr.sum()
    return shares


def _answered_within(pi: np.ndarray, agents: int, aht: float, patience: float, t: float) -> float:
    """P(an arrival is answered, and within t seconds)."""
    served_now = float(pi[:agents].sum())
    queue = pi[agents:]
    if t <= 0 or queue.sum() < 1e-14:
        return served_now
    mu, theta = 1.0 / aht, 1.0 / patience
    m = len(queue)  # j = 0 … m − 1 tickets ahead; states: j, then answered, then abandoned
    rows, cols, vals = [], [], []
    for j in range(m):
        move = agents * mu + j * theta
        rows += [j, j, j]
        cols += [j - 1 if j > 0 else m, m + 1, j]
        vals += [move, theta, -(move + theta)]
    q = coo_matrix((vals, (rows, cols)), shape=(m + 2, m + 2)).tocsr()
    start = np.zeros(m + 2)
    start[:m] = queue
    # the row vector start·exp(Q·t), as the action of exp(Qᵀ·t) on a vector (sparse)
    end = expm_multiply(q.T.tocsr() * t, start)
    return served_now + float(end[m])


def performance(
    agents: int,
    *,
    contacts: float,
    period: float,
    aht: float,
    patience: float,
    answer_time: float,
) -> ErlangA:
    """What ``agents`` agents achieve for ``contacts`` per ``period`` seconds."""
    rate = contacts / period
    pi = stationary(agents, rate, aht, patience)
    k = np.arange(len(pi))
    queue_mean = float(((k - agents).clip(min=0) * pi).sum())
    p_wait = float(pi[agents:].sum())
    p_ab = (queue_mean / patience) / rate if rate > 0 else 0.0
    answered = 1.0 - p_ab
    # Little on the queue: the mean wait of every arrival, answered or abandoned
    mean_wait = queue_mean / rate if rate > 0 else 0.0
    return ErlangA(
        agents=agents,
        traffic=rate * aht,
        p_wait=p_wait,
        p_abandon=p_ab,
        service_level=_answered_within(pi, agents, aht, patience, answer_time),
        mean_wait=mean_wait,
        occupancy=min(1.0, rate * answered * aht / agents),
    )


def staffing(
    *,
    contacts: float,
    period: float,
    aht: float,
    patience: float,
    answer_time: float,
    service_level: float = 0.8,
    max_abandon: float | None = None,
) -> ErlangA:
    """The fewest agents whose service level (and abandonment, when capped) meet the targets.

    Both rise (abandonment falls) with every agent added, so the count is found by doubling
    until the targets are met and then bisecting."""
    if not 0 < service_level < 1:
        raise ConfigError(f"service_level is a share between 0 and 1, got {service_level!r}")
    if contacts <= 0:
        return performance(
            1, contacts=0, period=period, aht=aht, patience=patience, answer_time=answer_time
        )

    def meets(agents: int) -> ErlangA | None:
        got = performance(
            agents,
            contacts=contacts,
            period=period,
            aht=aht,
            patience=patience,
            answer_time=answer_time,
        )
        ok = got.service_level >= service_level and (
            max_abandon is None or got.p_abandon <= max_abandon
        )
        return got if ok else None

    # both targets improve with every agent added: double until met, then halve the gap
    low, high = 0, 1
    found = meets(high)
    while found is None:
        low, high = high, high * 2
        found = meets(high)
    while high - low > 1:
        middle = (low + high) // 2
        got = meets(middle)
        if got is None:
            low = middle
        else:
            high, found = middle, got
    return found


def erlang_b(agents: int, load: float) -> float:
    """Erlang B blocking probability (the recursion B(k) = A·B(k − 1) / (k + A·B(k − 1)))."""
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def p_wait_closed_form(agents: int, *, rate: float, aht: float, patience: float) -> float:
    """P(W > 0) by Mandelbaum & Zeltyn's incomplete-gamma formula (see the module docstring)."""
    mu, theta = 1.0 / aht, 1.0 / patience
    x, y = agents * mu / theta, rate / theta
    # A(x, y) = x·e^y / y^x · γ(x, y), γ the lower incomplete gamma = Γ(x)·P(x, y)
    log_a = math.log(x) + y - x * math.log(y) + gammaln(x) + math.log(gammainc(x, y))
    a = math.exp(log_a)
    e = erlang_b(agents, rate / mu)
    return a * e / (1 + (a - 1) * e)
