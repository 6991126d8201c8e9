# ruff: noqa: RUF002, RUF003  (mathematical notation: λ, μ, θ, ≤ are meant)
"""Erlang A against the worked example published in pyworkforce's documentation.

Source (MIT-licensed package; read, not installed, not imported):
https://pyworkforce.rodrigo-arenas.com/development/guide/erlanga (also /stable/guide/erlanga),
"Basic usage", pyworkforce 0.5.4:

    ErlangA(transactions=100, aht=3, asa=20/60, interval=30, patience=5, shrinkage=0.3)
    .required_positions(service_level=0.8, max_occupancy=0.85, max_abandonment=0.05)
    → raw_positions 13, positions 19, service_level 0.858…, occupancy 0.750…,
      abandonment_probability 0.025…, waiting_probability 0.226…,
      average_speed_of_answer 0.125…

pyworkforce's definitions (its ErlangA class, pyworkforce/queuing/abandonment.py, and the
guide page), compared with pdca's (src/pdca/methods/staffing/erlang_a.py):

* every time is in minutes; arrival rate λ = transactions / interval = 100 / 30 per minute.
  pdca works in seconds: contacts=100 per period=1800 s, AHT 180 s, patience 300 s, answer
  time 20 s — the same λ, μ, θ, so only the average speed of answer needs a unit conversion.
* the same birth-death chain (birth λ, death min(k, c)·μ + max(k − c, 0)·θ).
* service_level = P(served immediately) + Σ P(k ≥ c) · P(tagged ticket with k − c ahead is
  answered within asa): the share of ALL arrivals answered within asa (abandons count as not
  answered, they are not excluded) — pdca's definition.
* abandonment_probability = θ·E[queue]/λ; waiting_probability = P(k ≥ c) — both as pdca.
* occupancy = λ·(1 − P(abandon)) / (c·μ) — as pdca (which also caps it at 1, not reached here).
* average_speed_of_answer = E[queue]/λ in minutes: the mean wait over ALL arrivals, answered or
  abandoned (Little) — pdca's ``mean_wait``, which is in seconds, so divided by 60 here.
* required_positions = the fewest c (searched upwards from ⌈λ/μ⌉) meeting all three targets:
  SL ≥ 0.8, occupancy ≤ 0.85, P(abandon) ≤ 0.05; positions = ⌈raw / (1 − shrinkage)⌉.
  pdca's ``staffing`` has no occupancy cap, so the test checks all three targets itself.

Precision: the page prints three decimals followed by "…". Read as rounding, not truncation:
at 13 agents the chain solved independently in this test gives P(abandon) 0.02496, ASA
0.1248 min and P(wait) 0.2258, which truncate to 0.024 / 0.124 / 0.225 but round to the
printed 0.025 / 0.125 / 0.226, so the printed values are rounded. Tolerance: |x − printed|
< 0.0005.

Second example: pyworkforce's own regression snapshot for the same scenario at 14 positions
(no shrinkage), pyworkforce/queuing/tests/test_abandonment.py, test_erlanga_regression_metrics,
commit 7c3ea98121c1ecd10adb91193d689bbc495b7694 (github.com/rodrigo-arenas/pyworkforce):
P(wait) 0.14526, P(abandon) 0.013984, occupancy 0.704297, ASA 0.069919 min, SL 0.916792. It is
pyworkforce's computed output (an independent implementation), not a hand-derived value;
tolerance half a unit of its last printed digit.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pdca.methods.staffing import erlang_a
from pdca.methods.staffing.plan import plan_week
from tests.methods.staffing.test_erlang_a_published import _independent

# pyworkforce: transactions=100 per interval=30 min, aht=3 min, patience=5 min, asa=20/60 min
LOAD = {"contacts": 100.0, "period": 1800.0, "aht": 180.0}
PATIENCE = 300.0
ANSWER = 20.0
SHRINKAGE = 0.3
TARGET_SL, MAX_OCCUPANCY, MAX_ABANDON = 0.8, 0.85, 0.05

PUBLISHED = {  # printed to three decimals on the guide page
    "service_level": 0.858,
    "occupancy": 0.750,
    "p_abandon": 0.025,
    "p_wait": 0.226,
    "asa_min": 0.125,
}


def _measures(agents: int) -> dict[str, float]:
    """pdca's Erlang A in pyworkforce's terms (the ASA converted from seconds to minutes)."""
    got = erlang_a.performance(agents, **LOAD, patience=PATIENCE, answer_time=ANSWER)
    return {
        "service_level": got.service_level,
        "occupancy": got.occupancy,
        "p_abandon": got.p_abandon,
        "p_wait": got.p_wait,
        "asa_min": got.mean_wait / 60,
    }


def _meets_all(m: dict[str, float]) -> bool:
    return (
        m["service_level"] >= TARGET_SL
        and m["occupancy"] <= MAX_OCCUPANCY
        and m["p_abandon"] <= MAX_ABANDON
    )


def test_pdca_reproduces_the_documented_required_positions() -> None:
    measures = {n: _measures(n) for n in range(1, 14)}
    # 13 agents meet all three targets, 12 (and every smaller count) fail at least one
    assert _meets_all(measures[13])
    assert not any(_meets_all(measures[n]) for n in range(1, 13))
    # 12 fails on the service level alone (0.772 < 0.8); occupancy and abandonment pass
    assert measures[12]["service_level"] < TARGET_SL
    assert measures[12]["occupancy"] <= MAX_OCCUPANCY
    assert measures[12]["p_abandon"] <= MAX_ABANDON
    for key, printed in PUBLISHED.items():
        assert abs(measures[13][key] - printed) < 0.0005, key
    # positions = ⌈raw / (1 − shrinkage)⌉ = ⌈13 / 0.7⌉ = 19
    assert math.ceil(13 / (1 - SHRINKAGE)) == 19


def test_pdca_staffing_and_plan_give_the_documented_agents_and_positions() -> None:
    """pdca's own search (service level and abandonment cap; it has no occupancy cap) and the
    weekly plan's shrinkage arithmetic: 200 arrivals an hour is 100 per 30 min."""
    got = erlang_a.staffing(
        **LOAD,
        patience=PATIENCE,
        answer_time=ANSWER,
        service_level=TARGET_SL,
        max_abandon=MAX_ABANDON,
    )
    assert got.agents == 13
    hours = pd.date_range("2024-01-01", periods=168, freq="h")
    arrivals = pd.Series(0.0, index=hours)
    arrivals.iloc[10] = 200.0  # Monday 10:00
    plan = plan_week(
        arrivals,
        aht_s=LOAD["aht"],
        target=TARGET_SL,
        answer_time_s=ANSWER,
        patience_s=PATIENCE,
        shrinkage=SHRINKAGE,
    )
    row = plan.table.loc[(plan.table["weekday"] == 0) & (plan.table["hour"] == 10)].iloc[0]
    assert (int(row["agents"]), int(row["positions"])) == (13, 19)
    assert abs(float(row["service_level"]) - PUBLISHED["service_level"]) < 0.0005
    assert abs(float(row["p_abandon"]) - PUBLISHED["p_abandon"]) < 0.0005


def test_the_documented_figures_follow_from_the_chain_solved_independently() -> None:
    """The printed values against this test suite's own solution of the chain (linear solve
    and uniformization, not pdca's code): the example itself is consistent with the model."""
    want = _independent(13, **LOAD, patience=PATIENCE, t=ANSWER)
    lam, aht = LOAD["contacts"] / LOAD["period"], LOAD["aht"]
    occupancy = lam * (1 - want["p_abandon"]) * aht / 13
    assert abs(want["service_level"] - PUBLISHED["service_level"]) < 0.0005
    assert abs(occupancy - PUBLISHED["occupancy"]) < 0.0005
    assert abs(want["p_abandon"] - PUBLISHED["p_abandon"]) < 0.0005
    assert abs(want["p_wait"] - PUBLISHED["p_wait"]) < 0.0005
    assert abs(want["mean_wait"] / 60 - PUBLISHED["asa_min"]) < 0.0005
    below = _independent(12, **LOAD, patience=PATIENCE, t=ANSWER)
    assert below["service_level"] < TARGET_SL


@pytest.mark.parametrize(
    ("key", "printed", "digits"),
    [
        ("p_wait", 0.14526, 5),
        ("p_abandon", 0.013984, 6),
        ("occupancy", 0.704297, 6),
        ("asa_min", 0.069919, 6),
        ("service_level", 0.916792, 6),
    ],
)
def test_pdca_matches_pyworkforces_regression_snapshot_at_14(
    key: str, printed: float, digits: int
) -> None:
    assert abs(_measures(14)[key] - printed) <= 0.5 * 10**-digits
