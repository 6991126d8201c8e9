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
    frame = pd.DataFrame(
        {
            "opened": raw.groupby("number")["at"].min(),
            "resolved": final.groupby("number")["at"].min(),
            "priority": named.groupby("number")["priority"].last(),
            "still_open": raw.groupby("number")["incident_state"].last().isin(OPEN),
        }
    )
    frame.attrs["last_event"] = raw["at"].max().to_pydatetime()
    return frame


def _hours(tickets: pd.DataFrame, start: datetime, end: datetime | None) -> np.ndarray:
    t = tickets[(tickets["priority"] == PRIORITY) & tickets["resolved"].notna()]
    t = t[t["resolved"] >= start]
    if end is not None:
        t = t[t["resolved"] < end]
    return ((t["resolved"] - t["opened"]).dt.total_seconds() / 3600).to_numpy()


def _cohorts(tickets: pd.DataFrame) -> pd.DataFrame:
    """The design recomputed from the file: opening cohorts of every priority, times capped at
    the 90th percentile of the before cohorts' resolved times, open tickets counted as the cap."""
    t = tickets.copy()
    t["hours"] = (t["resolved"] - t["opened"]).dt.total_seconds() / 3600
    t = t[t["resolved"].notna() | t["still_open"]]
    start = GO_LIVE - timedelta(days=DAYS)
    t = t[t["opened"] >= start]
    before = t[(t["opened"] < GO_LIVE) & t["hours"].notna()]
    cap = float(np.quantile(before["hours"], 0.9))
    end = tickets.attrs["last_event"] - timedelta(hours=cap)
    t = t[(t["opened"] < GO_LIVE) | (t["opened"] < end)].copy()
    t["y"] = t["hours"].fillna(cap).clip(upper=cap)
    t["after"] = t["opened"] >= GO_LIVE
    t["scope"] = t["priority"] == PRIORITY
    return t


def test_cohorts_and_effect_match_the_raw_log(check: Check, tickets: pd.DataFrame) -> None:
    t = _cohorts(tickets)
    cell = t.groupby(["scope", "after"])["y"]
    means, counts = cell.mean(), cell.count()
    ev = check.evidence
    assert ev.method == "difference-in-differences"
    assert (ev.n_before, ev.n_after) == (counts[(True, False)], counts[(True, True)])
    assert ev.before == pytest.approx(means[(True, False)])
    assert ev.after == pytest.approx(means[(True, True)])
    did = (means[(True, True)] - means[(True, False)]) - (
        means[(False, True)] - means[(False, False)]
    )
    assert ev.estimate == pytest.approx(did)
    assert ev.ci_low < ev.estimate < ev.ci_high
    design = check.design
    assert design["n"]["comparison_before"] == counts[(False, False)]
    assert design["n"]["comparison_after"] == counts[(False, True)]


def test_the_verdict_follows_the_interval_and_the_weekly_check(check: Check) -> None:
    ev = check.evidence
    excludes = ev.ci_low > 0 or ev.ci_high < 0
    if check.verdict in {"improved", "worsened"}:
        assert excludes
        assert (ev.estimate < 0) == (check.verdict == "improved")
    if check.trend is not None and (check.trend.ci_low > 0 or check.trend.ci_high < 0):
        assert check.verdict == "inconclusive" or (check.trend.estimate > 0) == (ev.estimate > 0)


def test_the_baseline_is_the_mean_before_go_live(
    store: Path, tickets: pd.DataFrame, check: Check
) -> None:
    assert check.go_live == GO_LIVE
    record = api.initiatives(store=store).iloc[0]
    before = _hours(tickets, GO_LIVE - timedelta(days=DAYS), GO_LIVE)
    assert record["baseline"] == pytest.approx(before.mean())
