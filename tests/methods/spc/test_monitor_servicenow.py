"""`pdca monitor` on the public ServiceNow log: its window (events from 2016-02-29 to 2017-02-15,
tickets opened until 2016-05-13) must not pass for special causes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pdca
from pdca import api
from pdca.methods.spc.monitor import Monitor
from tests.conftest import SERVICENOW, shared_file

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitor-sn") / "store"
    pdca.ingest(shared_file(SERVICENOW), store=root)
    return root


def _raw() -> pd.DataFrame:
    """Per ticket from the raw rows (plain pandas): first event and last resolution."""
    raw = pd.read_csv(shared_file(SERVICENOW), usecols=["number", "sys_updated_at"], dtype=str)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    return raw


def _check(found: Monitor) -> None:
    """No signal at a point with n < min_n or in a period left out; every signal states its n."""
    floor = found.min_n["mttr"]
    assert floor == 5
    assert (found.signals["n"] >= floor).all()
    for key, panel in found.panels.items():
        assert not panel.loc[~panel["counted"], "signal"].any(), key
        assert (panel.loc[panel["counted"], "n"] >= floor).all(), key
        assert (panel.loc[~panel["counted"], "note"] != "").all(), key
    for message, n in zip(found.signals["message"], found.signals["n"], strict=True):
        assert "n = " in message
        if "control limit" in message:
            assert f"n = {n:,} ticket" in message


@pytest.mark.parametrize("by", [None, "category"])
def test_weekly_mttr_names_the_cut_weeks_and_does_not_signal_in_them(
    store: Path, by: str | None
) -> None:
    found = api.monitor_details(store=store, kpis=["mttr"], by=by)
    _check(found)
    said = found.incomplete["mttr"]
    raw = _raw()
    start = raw["at"].min()
    last_opening = raw.groupby("number")["at"].min().max()
    assert f"the log starts ({start:%Y-%m-%d})" in said
    assert f"no ticket opened after {last_opening:%Y-%m-%d} is in the log" in said
    assert said.split(": ", 1)[1].startswith("2016-W09 to ")  # the first weeks are incomplete
    assert "2017-W06" in said  # and so is the last, with one ticket
    assert found.charts["left_out"].str.contains("long ones are missing").all()
    # too few weeks remain between the cuts: the charts say so instead of signalling
    assert found.signals.empty
    assert found.charts["status"].str.contains("the log's window leaves").any()


@pytest.mark.parametrize("by", [None, "category"])
def test_daily_mttr_counts_only_complete_days_with_enough_tickets(
    store: Path, by: str | None
) -> None:
    found = api.monitor_details(store=store, kpis=["mttr"], by=by, period="day")
    _check(found)
    assert found.panels
    for panel in found.panels.values():
        assert not panel["counted"].iloc[0]  # the first days miss the long tickets
        counted = panel[panel["counted"]]
        assert counted["label"].iloc[0] >= "2016-04-06"
        assert counted["label"].iloc[-1] <= "2016-05-12"
        assert (counted["lcl"] > 0).all()


def test_counted_as_they_are_the_cut_weeks_signal(store: Path) -> None:
    """The problem the window and minimum n solve: one ticket, months old, as a special cause."""
    found = api.monitor_details(
        store=store, kpis=["mttr"], by="category", min_n=0, include_incomplete=True
    )
    few = found.signals[found.signals["n"] < 5]
    assert not few.empty
    one = few[(few["group"] == "Category 42") & (few["rule"] == "WE1")].iloc[0]
    assert one["period"] == "2017-W06"
    assert one["n"] == 1
    assert "(7,220.4 h, n = 1 ticket) is above the upper control limit" in one["message"]
    weekly = api.kpi(["mttr"], store=store, by=["category"], period="week")
    weekly["week"] = pd.to_datetime(weekly["period"]).dt.strftime("%G-W%V")
    want = weekly[(weekly["category"] == "Category 42") & (weekly["week"] == "2017-W06")]
    assert float(one["value"]) == pytest.approx(float(want["value"].iloc[0]))
    assert int(want["n"].iloc[0]) == 1
