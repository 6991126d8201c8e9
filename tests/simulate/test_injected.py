"""Injected changes are true, visible in plain before/after comparisons, and touch nothing else."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from pdca.errors import ConfigError
from pdca.simulate import InjectedChange, SimulationConfig, Simulator, parse_change
from tests.simulate.helpers import Run, median_with_open, run, tickets

CHANGE_DAY = pd.Timestamp("2025-05-01")
BASE = {"seed": 21, "start": date(2025, 1, 1), "days": 240, "tickets": 40_000}


@pytest.fixture(scope="module")
def baseline() -> Run:
    return run(SimulationConfig(**BASE))


@pytest.fixture(scope="module")
def slower_email() -> Run:
    change = InjectedChange(kind="mttr", service="Email", factor=2.0, start=CHANGE_DAY.date())
    return run(SimulationConfig(**BASE, inject=(change,)))


def _before_after(facts: pd.DataFrame) -> pd.DataFrame:
    """Median hours to resolve before and after the change day, per service (plain pandas);
    tickets opened in the last 60 days are left out so most have had time to resolve."""
    usable = facts[facts["opened"] < pd.Timestamp("2025-07-01")]
    after = usable["opened"] >= CHANGE_DAY
    grouped = usable.groupby([usable["service"] == "Email", after])["resolution_h"]
    medians = grouped.agg(median_with_open).unstack()
    return medians.rename(
        index={True: "Email", False: "others"}, columns={False: "before", True: "after"}
    )


def test_mttr_change_is_visible_for_its_service_only(slower_email: Run) -> None:
    m = _before_after(tickets(slower_email.events))
    ratio = m["after"] / m["before"]
    assert 1.5 < ratio["Email"] < 3.0, m
    assert 0.9 < ratio["others"] < 1.1, m


def test_without_the_change_nothing_moves(baseline: Run) -> None:
    m = _before_after(tickets(baseline.events))
    ratio = m["after"] / m["before"]
    assert 0.7 < ratio["Email"] < 1.43, m
    assert 0.9 < ratio["others"] < 1.1, m


def test_mttr_change_alters_exactly_the_tickets_it_names(baseline: Run, slower_email: Run) -> None:
    a = baseline.hidden.set_index("case_id")
    b = slower_email.hidden.set_index("case_id")
    changed = (a["resolution_hours"] - b["resolution_hours"]).abs() > 1e-9
    named = (b["service"] == "Email") & (b["opened_at"] >= CHANGE_DAY)
    assert not (changed & ~named).any()
    # related tickets of a major incident follow it (unchanged if they came after its fix)
    own = named & b["major_incident"].isna()
    assert changed[own].all()
    ratio = b.loc[own, "resolution_hours"] / a.loc[own, "resolution_hours"]
    assert ratio.between(1.999, 2.001).all()
    # every event of the other tickets is identical
    others = baseline.events[~baseline.events["case_id"].isin(b.index[named])]
    same = slower_email.events[slower_email.events["case_id"].isin(others["case_id"])]
    cols = [c for c in others.columns if c != "row"]
    assert others[cols].reset_index(drop=True).equals(same[cols].reset_index(drop=True))
    effect = slower_email.truth.changes[0]
    assert effect.tickets == int(named.sum())
    assert effect.mean_ratio == pytest.approx(2.0, rel=1e-3)


def test_ping_pong_removal_empties_the_loops_from_its_date(baseline: Run) -> None:
    change = InjectedChange(kind="pingpong", action="remove", start=CHANGE_DAY.date())
    removed = run(SimulationConfig(**BASE, inject=(change,)))
    before_base = tickets(baseline.events)
    facts = tickets(removed.events)
    after = facts["opened"] >= CHANGE_DAY
    assert facts.loc[after, "team_returns"].sum() == 0
    early = before_base["opened"] < CHANGE_DAY
    assert facts.loc[~after, "team_returns"].mean() == pytest.approx(
        before_base.loc[early, "team_returns"].mean()
    )
    assert (
        before_base.loc[~early & (before_base["opened"] < "2025-07-01"), "team_returns"].mean()
        > 0.1
    )
    effect = removed.truth.changes[0]
    assert effect.tickets > 0
    assert effect.mean_ratio is not None
    assert effect.mean_ratio < 0.9  # the loops cost time


def test_ping_pong_can_be_added_for_one_service() -> None:
    change = InjectedChange(
        kind="pingpong", action="add", service="Network", share=1.0, start=CHANGE_DAY.date()
    )
    added = run(SimulationConfig(**BASE | {"tickets": 15_000}, inject=(change,)))
    facts = tickets(added.events)
    after = facts["opened"] >= CHANGE_DAY
    network = facts["service"] == "Network"
    escalated_l1 = facts["levels"].map(lambda p: p[:2] == ("L1", "L2"))
    done = facts["resolution_h"].notna()
    assert facts.loc[after & network & escalated_l1 & done, "team_returns"].all()
    assert not facts.loc[~after & network & escalated_l1, "team_returns"].all()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mttr:Email:1.2:2025-03-01", {"kind": "mttr", "service": "Email", "factor": 1.2}),
        ("pingpong:remove:2025-03-01", {"kind": "pingpong", "action": "remove", "service": None}),
        ("pingpong:add:2025-03-01:VPN:0.5", {"action": "add", "service": "VPN", "share": 0.5}),
    ],
)
def test_parse_change(spec: str, expected: dict[str, object]) -> None:
    change = parse_change(spec)
    assert change.start == datetime(2025, 3, 1)
    for key, value in expected.items():
        assert getattr(change, key) == value
    assert change.describe().startswith("from 2025-03-01")


@pytest.mark.parametrize(
    "spec",
    [
        "mttr:Email:fast:2025-03-01",
        "mttr:Email:-1:2025-03-01",
        "mttr:Email:1.2:01/03/2025",
        "pingpong:twice:2025-03-01",
        "pingpong:add:2025-03-01:VPN:2",
        "capacity:10",
    ],
)
def test_bad_changes_say_how_to_write_them(spec: str) -> None:
    with pytest.raises(ConfigError, match="pingpong:remove"):
        parse_change(spec)


def test_a_change_naming_an_unknown_service_is_refused() -> None:
    change = InjectedChange(kind="mttr", service="Teleport", start=CHANGE_DAY.date())
    with pytest.raises(ConfigError, match=r"unknown service 'Teleport'.*Email"):
        Simulator(SimulationConfig(inject=(change,)))
