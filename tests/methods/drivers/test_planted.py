"""Driver analysis on simulated desks with a planted cause: it must rank the plant first, cover
its size with its interval, give a confounded plant to the right attribute, and flag nothing on
desks where nothing is planted.

The oracle is the simulator's truth: the plant's factor (``mttr`` changes of the services of
category Hardware, :mod:`pdca.simulate.injected`), or the counterfactual desk — the same seed
without the plant — for the number of tickets the plant pushed over their SLA target. The desks
have no major incidents (their related tickets take the major incident's time, a real effect of
service and channel). Priority is adjusted for and not ranked: in the simulator each priority has
its own resolution times, a real difference that is not a cause to find.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import beta

from pdca.methods.drivers import DriverResult, analyse
from tests.methods.drivers import desks

PLANTED = 1.5
RANKED = ["category", "service", "channel", "first_group", "opened_hour", "opened_weekday"]
ADJUST = ["priority"]


def _planted_desk(seed: int) -> pd.DataFrame:
    cfg = desks.config(seed, tickets=16_000, days=240, inject=desks.slower(desks.HARDWARE, PLANTED))
    # the plant stretches the time to the first resolution (reopens add unplanted rework)
    return desks.table(desks.events(cfg), resolution="first")


@pytest.fixture(scope="module")
def slow_hardware() -> pd.DataFrame:
    return _planted_desk(2)


def _row(result: DriverResult, attribute: str, level: str) -> pd.Series:
    f = result.frame
    return f[(f["attribute"] == attribute) & (f["level"] == level)].iloc[0]


def _check_slow_category(table: pd.DataFrame) -> None:
    result = analyse(table, "hours", by=RANKED, adjust=ADJUST, draws=400)
    top = result.frame.iloc[0]
    assert (top["attribute"], top["level"]) == ("category", "Hardware")
    assert bool(top["flagged"])
    assert top["effect_low"] <= PLANTED <= top["effect_high"]
    # avoidable hours: what the plant added to the category's resolved tickets, the
    # counterfactual being the same tickets 1.5 times faster
    hardware = table[(table["category"] == "Hardware") & table["resolved"]]
    added = float(hardware["hours"].sum()) * (1 - 1 / PLANTED)
    assert top["avoidable_low"] <= added <= top["avoidable_high"]


def test_a_slow_category_ranks_first_and_its_interval_covers_the_planted_factor(
    slow_hardware: pd.DataFrame,
) -> None:
    _check_slow_category(slow_hardware)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 3, 4])
def test_the_slow_category_is_found_on_other_seeds(seed: int) -> None:
    _check_slow_category(_planted_desk(seed))


def test_a_confounded_group_gives_the_effect_back_to_the_category(
    slow_hardware: pd.DataFrame,
) -> None:
    """Service Desk East takes 80 % of the Hardware tickets (and 10 % of the others): unadjusted,
    East looks slow; adjusted for the category it does not, and Hardware keeps its factor."""
    table = desks.confound(slow_hardware, "Service Desk East", "Hardware", (0.8, 0.1), seed=0)
    result = analyse(table, "hours", by=["category", "first_group"], adjust=ADJUST, draws=400)
    east = _row(result, "first_group", "Service Desk East")
    hardware = _row(result, "category", "Hardware")
    assert east["unadjusted"] > 1.1  # the confounding is there
    assert east["effect"] < east["unadjusted"]
    assert east["effect_low"] <= 1.0 <= east["effect_high"]
    assert not bool(east["flagged"])
    assert hardware["effect_low"] <= PLANTED <= hardware["effect_high"]
    assert result.frame.iloc[0]["level"] == "Hardware"


def test_a_group_whose_tickets_take_longer_drives_the_breaches() -> None:
    """Every ticket that starts at Service Desk East takes 1.8 times as long (the desk stretched
    after opening): East ranks first for SLA breaches and its avoidable breaches cover the
    breaches the stretch added (counted on the same desk without it)."""
    events = desks.events(desks.config(3, tickets=4000))
    before = desks.table(events)
    east = set(before.loc[before["first_group"] == "Service Desk East", "case_id"])
    after = desks.table(desks.stretch(events, east, 1.8))
    result = analyse(after, "breach", by=RANKED, adjust=ADJUST, draws=400)
    top = result.frame.iloc[0]
    assert (top["attribute"], top["level"]) == ("first_group", "Service Desk East")
    assert bool(top["flagged"])
    assert top["effect_low"] > 1.0
    both = before.merge(after, on="case_id", suffixes=("_before", "_after"))
    judged = both[(both["case_id"].isin(east)) & both["breached_after"].notna()]
    added = int(judged["breached_after"].astype(bool).sum() - judged["breached_before"].sum())
    assert added > 20
    assert top["avoidable_low"] <= added <= top["avoidable_high"]


NULL_SEEDS = range(100, 150)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval of k successes in n trials."""
    a = (1 - level) / 2
    low = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return low, high


@pytest.mark.slow
def test_desks_with_nothing_planted_raise_few_flags() -> None:
    """50 desks of 2,000 tickets with nothing planted: the share of desks with any flag is at
    most the nominal 5 % (Benjamini-Hochberg at q = 0.05 controls it when every level is null),
    read as its exact binomial interval reaching down to 5 % or lower. Measured figures are in
    docs/drivers.md."""
    flagged = {"hours": 0, "breach": 0}
    for seed in NULL_SEEDS:
        table = desks.table(desks.events(desks.config(seed, tickets=2000)))
        for outcome in flagged:
            result = analyse(table, outcome, by=RANKED, adjust=ADJUST, draws=20)
            flagged[outcome] += int(result.metadata["flagged"] > 0)
    n = len(NULL_SEEDS)
    for outcome, k in flagged.items():
        low, high = clopper_pearson(k, n)
        print(f"{outcome}: {k}/{n} desks with a flag, 95 % interval {low:.3f}-{high:.3f}")
        assert low <= 0.05, (outcome, k)
