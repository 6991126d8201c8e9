"""On the real ServiceNow log: a verdict whose numbers are recomputed from the raw CSV.

The recomputation follows the written definitions (docs/model.md, docs/kpis.md), not pdca's
code: a ticket opens at its first event; it is finally resolved at its first Resolved/Closed
event after its last event in an open state; MTTR places a ticket at its final resolution; the
ticket's priority is the last one its events name. Events are ordered by time, then
sys_mod_count, then file position; identical rows count once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pdca import api
from pdca.improve.verify import Check
from tests.conftest import SERVICENOW, shared_file

pytestmark = pytest.mark.realdata

GO_LIVE = datetime(2016, 4, 18, 12, 0)
DAYS = 60
PRIORITY = "2 - High"
OPEN = {"New", "Active", "Awaiting User Info", "Awaiting Evidence", "Awaiting Vendor",
        "Awaiting Problem", "Awaiting Change", "On Hold", "In Progress"}  # fmt: skip
RESOLVED = {"Resolved", "Closed"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("improve-sn") / "store"
    api.ingest(shared_file(SERVICENOW), store=root)
    return root


@pytest.fixture(scope="module")
def check(store: Path) -> Check:
    created = api.new_initiative(
        "Faster P2 resolution",
        kpi="mttr",
        scope={"priority": [PRIORITY]},
        go_live=GO_LIVE,
        baseline_days=DAYS,
        store=store,
    )
    return api.verify_initiative(created["initiative_id"], store=store)


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    raw = pd.read_csv(shared_file(SERVICENOW), dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates().reset_index(drop=True)
    raw["pos"] = np.arange(len(raw))
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    raw = raw.sort_values(["number", "at", "mod", "pos"]).reset_index(drop=True)
    raw["k"] = raw.groupby("number").cumcount()
    last_open = raw[raw["incident_state"].isin(OPEN)].groupby("number")["k"].max()
    raw["last_open"] = raw["number"].map(last_open).fillna(-1)
    final = raw[raw["incident_state"].isin(RESOLVED) & (raw["k"] > raw["last_open"])]
    named = raw[~raw["priority"].isin(["", "?"])]
    return pd.DataFrame(
        {
            "opened": raw.groupby("number")["at"].min(),
            "resolved": final.groupby("number")["at"].min(),
            "priority": named.groupby("number")["priority"].last(),
        }
    )


def _hours(tickets: pd.DataFrame, start: datetime, end: datetime | None) -> np.ndarray:
    t = tickets[(tickets["priority"] == PRIORITY) & tickets["resolved"].notna()]
    t = t[t["resolved"] >= start]
    if end is not None:
        t = t[t["resolved"] < end]
    return ((t["resolved"] - t["opened"]).dt.total_seconds() / 3600).to_numpy()


def test_counts_and_medians_match_the_raw_log(check: Check, tickets: pd.DataFrame) -> None:
    before = _hours(tickets, GO_LIVE - timedelta(days=DAYS), GO_LIVE)
    after = _hours(tickets, GO_LIVE, None)
    ev = check.evidence
    assert ev.method == "mann-whitney"
    assert (ev.n_before, ev.n_after) == (len(before), len(after))
    assert ev.before == pytest.approx(np.median(before))
    assert ev.after == pytest.approx(np.median(after))
    assert ev.estimate == pytest.approx(np.median(after) - np.median(before))
    assert ev.ci_low <= ev.estimate <= ev.ci_high


def test_test_statistic_and_p_value_match_scipy(check: Check, tickets: pd.DataFrame) -> None:
    before = _hours(tickets, GO_LIVE - timedelta(days=DAYS), GO_LIVE)
    after = _hours(tickets, GO_LIVE, None)
    res = stats.mannwhitneyu(after, before, alternative="two-sided")
    assert check.evidence.statistic == pytest.approx(res.statistic)
    assert check.evidence.p_value == pytest.approx(res.pvalue)
    r = 2 * res.statistic / (len(after) * len(before)) - 1
    assert check.evidence.effect_size == pytest.approx(r)
    expected = (
        "no detectable change (yet)"
        if res.pvalue >= 0.05
        else ("improved" if r < 0 else "worsened")
    )
    assert check.verdict == expected


def test_the_baseline_is_the_mean_before_go_live(
    store: Path, tickets: pd.DataFrame, check: Check
) -> None:
    assert check.go_live == GO_LIVE
    record = api.initiatives(store=store).iloc[0]
    before = _hours(tickets, GO_LIVE - timedelta(days=DAYS), GO_LIVE)
    assert record["baseline"] == pytest.approx(before.mean())
