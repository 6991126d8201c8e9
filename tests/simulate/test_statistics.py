"""The simulated log has the calibrated shape, recomputed from its events with plain pandas."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from pdca.simulate import SimulationConfig
from pdca.simulate import calibrated as cal
from pdca.simulate.config import Bursts
from tests.simulate.helpers import Run, run, tickets

TICKETS = 30_000


@pytest.fixture(scope="module")
def sim() -> Run:
    # no major incidents: their tickets have set priorities and routes of their own
    config = SimulationConfig(
        seed=7, start=date(2024, 1, 1), days=365, tickets=TICKETS, bursts=Bursts(per_month=0)
    )
    return run(config)


@pytest.fixture(scope="module")
def facts(sim: Run) -> pd.DataFrame:
    return tickets(sim.events)


def _tolerance(p: float, n: int) -> float:
    """Four binomial standard errors (plus a little for the model's approximations)."""
    return 4 * math.sqrt(p * (1 - p) / n) + 0.005


def test_exact_ticket_count_and_unique_rows(sim: Run, facts: pd.DataFrame) -> None:
    assert len(facts) == TICKETS
    assert sim.events["row"].is_unique
    assert not sim.events.duplicated(["case_id", "seq"]).any()


def test_priority_shares_match_the_impact_urgency_table(sim: Run, facts: pd.DataFrame) -> None:
    expected = sim.config.priority_shares()
    got = facts["priority"].value_counts(normalize=True)
    for prio, share in expected.items():
        assert abs(got.get(prio, 0.0) - share) <= _tolerance(share, TICKETS), prio
    # ServiceNow's matrix: the priority follows from impact and urgency
    first = sim.events.groupby("case_id")[["impact", "urgency", "priority"]].first()
    pairs = first.drop_duplicates()
    assert len(pairs) <= 9
    assert set(pairs[pairs["priority"] == "1 - Critical"]["impact"]) == {"1 - High"}


@pytest.mark.parametrize("prio", ["3 - Moderate", "4 - Low"])
def test_half_the_tickets_resolve_within_the_calibrated_median(
    facts: pd.DataFrame, prio: str
) -> None:
    # tickets opened in the first half of the year; one still open counts as slower
    early = facts[(facts["priority"] == prio) & (facts["opened"] < "2024-07-01")]
    median = cal.RESOLUTION_HOURS[prio][cal.QUANTILE_PROBS.index(0.5)]
    share = float((early["resolution_h"] <= median).mean())
    assert abs(share - 0.5) <= _tolerance(0.5, len(early)), (share, len(early))


def test_resolution_quantiles_follow_the_table(facts: pd.DataFrame) -> None:
    p3 = facts[(facts["priority"] == "3 - Moderate") & (facts["opened"] < "2024-07-01")]
    hours = p3["resolution_h"].fillna(np.inf)
    table = cal.RESOLUTION_HOURS["3 - Moderate"]
    for prob in (0.2, 0.4, 0.6, 0.8, 0.9):
        value = table[cal.QUANTILE_PROBS.index(prob)]
        share = float((hours <= value).mean())
        assert abs(share - prob) <= _tolerance(prob, len(p3)), (prob, share)


def test_first_response_comes_quickly_for_most_tickets(facts: pd.DataFrame) -> None:
    p3 = facts[facts["priority"] == "3 - Moderate"]
    # ServiceNow: median 0.22 h; responses are capped by the resolution, so a bit sooner
    assert p3["response_h"].median() <= 0.25
    answered = p3.dropna(subset=["response_h"])
    assert (answered["response_h"] >= 0).all()
    assert (answered["response_h"] <= answered["resolution_h"].fillna(np.inf)).all()


def test_weekday_and_hour_profile(sim: Run, facts: pd.DataFrame) -> None:
    weekday = facts["opened"].dt.day_of_week.value_counts(normalize=True).sort_index()
    expected = np.asarray(sim.config.arrivals.weekday_share)
    expected = expected / expected.sum()
    assert np.abs(weekday.to_numpy() - expected).max() < 0.02
    assert weekday.loc[[5, 6]].sum() < 0.06  # few tickets at weekends
    hour = facts["opened"].dt.hour
    assert ((hour >= 8) & (hour < 18)).mean() > 0.8  # office hours
    assert (hour < 6).mean() < 0.05  # few at night


def test_summer_dip(facts: pd.DataFrame) -> None:
    per_month = facts["opened"].dt.month.value_counts()
    assert per_month[8] < 0.9 * per_month[[3, 4, 5, 9, 10]].mean()


def test_escalation_push_to_front_and_ping_pong_shares(sim: Run, facts: pd.DataFrame) -> None:
    routing = sim.config.routing
    direct = facts["channel"].isin(routing.direct_channels)
    assert abs(direct.mean() - cal.START_BEYOND_L1) <= _tolerance(cal.START_BEYOND_L1, TICKETS)
    assert (facts.loc[direct, "levels"].map(lambda p: p[0]) == "L2").all()
    l1 = facts[~direct]
    escalated = l1["levels"].map(len) > 1
    assert abs(escalated.mean() - routing.l1_escalation) <= 0.02
    push_to_front = (facts["levels"] == ("L1",)) & facts["resolution_h"].notna()
    assert abs(push_to_front.sum() / facts["resolution_h"].notna().sum() - 0.602) < 0.03
    reached_l3 = l1[escalated]["levels"].map(lambda p: "L3" in p)
    assert abs(reached_l3.mean() - routing.escalated_l3) <= 0.02
    # ping-pong between teams: L2 sends escalated tickets back to L1
    expected = (1 - cal.START_BEYOND_L1) * routing.l1_escalation * routing.ping_pong
    assert abs(facts["team_returns"].mean() - expected) <= 0.015


def test_waits_reopens_and_surveys(sim: Run, facts: pd.DataFrame) -> None:
    timing = sim.config.timing
    assert abs(facts["waited"].mean() - timing.wait_share) <= 0.02
    assert abs(facts["reopened"].mean() - timing.reopen_share) <= 0.004
    resolved = facts["resolution_h"].notna().sum()
    rate = len(sim.surveys) / resolved
    assert abs(rate - sim.config.surveys.response_rate) <= 0.015
    assert set(sim.surveys["score"].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_satisfaction_falls_with_resolution_time(sim: Run, facts: pd.DataFrame) -> None:
    answered = sim.surveys.set_index("case_id").join(facts[["resolution_h"]])
    rho = answered["score"].rank().corr(answered["resolution_h"].rank())
    assert rho < -0.25
    fast = answered[answered["resolution_h"] < 1]["score"].mean()
    slow = answered[answered["resolution_h"] > 24 * 14]["score"].mean()
    assert fast - slow > 1.0


def test_states_follow_the_incident_flow(sim: Run) -> None:
    ev = sim.events.sort_values(["case_id", "seq"])
    g = ev.groupby("case_id")
    assert (g["state"].first() == "new").all()
    assert (g["seq"].first() == 0).all()
    # timestamps never go backwards along the source sequence
    assert (g["timestamp"].diff().dropna() >= pd.Timedelta(0)).all()
    nxt = g["state"].shift(-1)
    pairs = set(zip(ev["state"], nxt.fillna("end"), strict=True))
    allowed = {
        ("new", "in_progress"),
        ("new", "resolved"),
        ("new", "end"),
        ("in_progress", "waiting_customer"),
        ("in_progress", "waiting_vendor"),
        ("in_progress", "new"),  # handed to the next team's queue
        ("in_progress", "resolved"),
        ("in_progress", "end"),
        ("waiting_customer", "in_progress"),
        ("waiting_vendor", "in_progress"),
        ("waiting_customer", "end"),
        ("waiting_vendor", "end"),
        ("resolved", "closed"),
        ("resolved", "in_progress"),  # reopened
        ("resolved", "end"),
        ("closed", "end"),
    }
    assert pairs <= allowed, pairs - allowed
    assert ("resolved", "in_progress") in pairs
    assert ("in_progress", "waiting_customer") in pairs


def test_closed_about_five_days_after_resolution(facts: pd.DataFrame, sim: Run) -> None:
    ev = sim.events
    closed = ev[ev["state"] == "closed"].groupby("case_id")["timestamp"].min()
    last_resolved = ev[ev["state"] == "resolved"].groupby("case_id")["timestamp"].max()
    delay = (closed - last_resolved.reindex(closed.index)).dt.total_seconds() / 3600
    auto = ((delay >= 120) & (delay < 121)).mean()
    assert abs(auto - cal.AUTO_CLOSE_SHARE) <= 0.02
    assert (delay >= 120).all()
