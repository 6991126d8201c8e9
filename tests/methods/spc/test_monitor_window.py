"""The log's window and period completeness (pdca.methods.kpi.window), and the monitor's use."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import VALUE
from pdca.methods.kpi.window import Window, completeness, horizon_of, placement
from pdca.reports.review import build_report
from pdca.simulate import InjectedChange, SimulationConfig, simulate

WINDOW = Window(datetime(2024, 1, 3, 9, 0), datetime(2024, 3, 27, 17, 0))
WEEKS = list(pd.date_range("2024-01-01", "2024-03-25", freq="7D"))


class Cohort:
    view = "cohort"


def test_partial_first_and_last_periods_of_a_flow() -> None:
    reasons = completeness(get_kpi("volume"), WEEKS, "week", WINDOW, horizon=None)
    # The log starts on a Wednesday (two days cut) and ends on a Wednesday (Thu-Sun cut).
    assert reasons[0] == "partial first week: the log starts on 2024-01-03"
    assert reasons[-1] == "partial last week: the log ends on 2024-03-27"
    assert reasons[1:-1] == [None] * (len(WEEKS) - 2)


def test_a_day_of_slack_for_the_last_day() -> None:
    window = Window(datetime(2024, 1, 1, 0, 0), datetime(2024, 3, 31, 0, 30))  # Sun 00:30
    reasons = completeness(get_kpi("volume"), WEEKS, "week", window, horizon=None)
    assert reasons[0] is None
    assert reasons[-1] is None  # only Sunday is missing: at most a day


def test_stocks_are_always_complete() -> None:
    assert completeness(get_kpi("backlog"), WEEKS, "week", WINDOW, horizon=None) == [None] * len(
        WEEKS
    )


def test_stop_placed_durations_miss_long_tickets_early() -> None:
    horizon = timedelta(days=20)  # window start + 20 days = 2024-01-23 09:00
    reasons = completeness(get_kpi("mttr"), WEEKS, "week", WINDOW, horizon=horizon)
    # Weeks ending (exclusive) before 2024-01-23 09:00: 01-01 (partial), 01-08, 01-15 (ends 01-22).
    assert str(reasons[0]).startswith("partial first week")
    for r in reasons[1:3]:
        assert r == (
            "tickets resolved before 2024-01-23 can only be those opened after the log starts "
            "(2024-01-03): long ones are missing"
        )
    assert reasons[3] is None  # 01-22 to 01-29 ends after the horizon
    assert str(reasons[-1]).startswith("partial last week")
    assert reasons[4:-1] == [None] * (len(WEEKS) - 5)


def test_start_placed_durations_miss_long_tickets_late() -> None:
    horizon = timedelta(days=20)  # window end - 20 days = 2024-03-07 17:00
    reasons = completeness(
        get_kpi("mttr"), WEEKS, "week", WINDOW, horizon=horizon, options=Cohort()
    )
    late = [str(w.date()) for w, r in zip(WEEKS, reasons, strict=True) if r and "finished" in r]
    assert late == ["2024-03-11", "2024-03-18"]  # the 03-25 week is partial (reason a)
    assert reasons[1] is None  # nothing cut at the start of a cohort view
    assert placement(get_kpi("time_in_state")) == "start"
    assert placement(get_kpi("fcr")) is None


def test_shares_only_lose_cut_periods() -> None:
    reasons = completeness(get_kpi("fcr"), WEEKS, "week", WINDOW, horizon=timedelta(days=20))
    assert [r is None for r in reasons] == [False] + [True] * (len(WEEKS) - 2) + [False]


def test_horizon_covers_90_percent_of_the_hours_for_a_mean() -> None:
    hours = list(range(1, 101))  # 1..100 h, 5,050 h in all
    units = ibis.memtable(pd.DataFrame({VALUE: [h * 3600.0 for h in hours]}))
    # tickets up to k hours fill k(k+1)/2 hours: 4,545 (90 %) is first reached at k = 95
    assert horizon_of(get_kpi("mttr"), units, WINDOW) == timedelta(hours=95)
    # a median only needs 90 % of the tickets: the 90th percentile, about 90 h
    median = horizon_of(get_kpi("mttr"), units, WINDOW, statistic="median")
    assert median is not None
    assert timedelta(hours=89) <= median <= timedelta(hours=92)


def test_horizon_is_capped_at_half_the_window_or_the_openings() -> None:
    units = ibis.memtable(pd.DataFrame({VALUE: [h * 3600.0 for h in range(1, 101)]}))
    short = Window(WINDOW.start, WINDOW.start + timedelta(hours=100))
    assert horizon_of(get_kpi("mttr"), units, short) == timedelta(hours=50)
    extract = Window(WINDOW.start, WINDOW.end, WINDOW.start + timedelta(hours=60))
    assert horizon_of(get_kpi("mttr"), units, extract) == timedelta(hours=30)
    assert horizon_of(get_kpi("fcr"), units, WINDOW) is None


def test_periods_after_the_last_opening_hold_only_old_tickets() -> None:
    extract = Window(WINDOW.start, WINDOW.end, datetime(2024, 2, 14, 12, 0))  # a Wednesday
    reasons = completeness(get_kpi("mttr"), WEEKS, "week", extract, horizon=None)
    old = [str(w.date()) for w, r in zip(WEEKS, reasons, strict=True) if r and "old ones" in r]
    # the week of 02-12 ends 02-19: more than a day after the last opening, so it is cut too
    assert old[0] == "2024-02-12"
    assert old[-1] == "2024-03-18"  # the last week is partial (the window's end comes first)
    assert reasons[5] is None  # the week of 02-05 ends before the last opening
    assert reasons[6] == (
        "no ticket opened after 2024-02-14 is in the log: the tickets resolved in this week are "
        "only old ones"
    )
    # shares are not durations: only the cut periods; the volume counted at opening is cut
    assert completeness(get_kpi("fcr"), WEEKS, "week", extract, horizon=None)[6] is None
    volume = completeness(get_kpi("volume"), WEEKS, "week", extract, horizon=None)[6]
    assert volume is not None
    assert volume.startswith("no ticket opened after 2024-02-14 is in the log (an extract")


@pytest.mark.parametrize("kpi", ["volume", "fcr", "backlog"])
def test_not_durations_have_no_horizon(kpi: str) -> None:
    units = ibis.memtable(pd.DataFrame({VALUE: [1.0]}))
    assert horizon_of(get_kpi(kpi), units, WINDOW) is None


# the monitor on simulated desks (the simulator's known truth is the oracle)

QUIET = SimulationConfig(seed=3, start=date(2025, 1, 1), days=182, tickets=9_000)
SLOWER = ("Network", date(2025, 1, 1) + timedelta(days=240))
PLANTED = SimulationConfig(
    seed=3,
    start=date(2025, 1, 1),
    days=365,
    tickets=30_000,
    inject=(InjectedChange(kind="mttr", service=SLOWER[0], factor=2.0, start=SLOWER[1]),),
)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quiet") / "store"
    simulate(QUIET, store=root)
    return root


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planted") / "store"
    simulate(PLANTED, store=root)
    return root


def test_without_a_planted_change_the_edges_do_not_signal(quiet: Path) -> None:
    found = api.monitor_details(store=quiet, kpis=["mttr"], by=None)
    panel = found.panels[("mttr", "all")]
    assert found.signals.empty
    assert not panel["signal"].any()
    # the edges are drawn, hollow, and say why
    assert not panel["counted"].iloc[0]
    assert panel["note"].iloc[0] == "partial first week: the log starts on 2025-01-01"
    assert "long ones are missing" in panel["note"].iloc[1]
    assert not panel["counted"].iloc[-1]
    assert panel["note"].iloc[-1].startswith("partial last week")
    assert (
        found.charts["left_out"]
        .iloc[0]
        .startswith(
            f"{int((~panel['counted']).sum())} incomplete weeks: 2025-W01 (partial first week"
        )
    )
    # counted as they are, the edges pass for special causes: the first weeks (long tickets
    # missing) and the last ones (against limits dragged down by the first)
    raw = api.monitor_details(store=quiet, kpis=["mttr"], by=None, include_incomplete=True)
    flagged = raw.panels[("mttr", "all")]["signal"]
    assert flagged.iloc[:2].all()
    assert flagged.iloc[-1]
    assert not raw.signals.empty


def test_a_planted_slowdown_is_still_found(planted: Path) -> None:
    found = api.monitor_details(store=planted, kpis=["mttr"], by="service")
    worse = found.signals[found.signals["effect"] == "worse"]
    assert set(worse["group"]) == {SLOWER[0]}
    year, week, _ = SLOWER[1].isocalendar()
    assert (worse["first"] >= f"{year}-W{week:02d}").all()  # after the planted change
    assert (found.signals["n"] >= found.min_n["mttr"]).all()
    assert all(
        f"n = {n} tickets" in m
        for n, m in zip(worse["n"], worse["message"], strict=True)
        if "control limit" in m
    )


def test_a_point_with_fewer_than_min_n_tickets_never_signals(quiet: Path) -> None:
    lax = api.monitor_details(store=quiet, kpis=["mttr"], by="service", min_n=1)
    strict = api.monitor_details(store=quiet, kpis=["mttr"], by="service", min_n=40)
    small = 0
    for key, panel in strict.panels.items():
        few = panel["n"] < 40
        small += int(few.sum())
        assert not panel.loc[few, "counted"].any(), key
        assert not panel.loc[few, "signal"].any(), key
        assert key in lax.panels
        other = lax.panels[key]
        assert (other["n"] == panel["n"]).all()  # the same points, the same n
        complete = few & other["counted"]  # left out for n alone
        notes = [f"n = {n}, fewer than 40 tickets" for n in panel.loc[complete, "n"]]
        assert panel.loc[complete, "note"].tolist() == notes
    assert small > 0
    assert (strict.signals["n"] >= 40).all()
    assert strict.charts["left_out"].str.contains("with fewer than 40 tickets").any()


def test_lower_limits_of_durations_are_never_negative(quiet: Path) -> None:
    found = api.monitor_details(store=quiet, kpis=["mttr"], by="service")
    linear_below_zero = 0
    for panel in found.panels.values():
        counted = panel[panel["counted"]]
        assert (counted["lcl"] > 0).all()
        assert (counted["lcl"] < counted["centre"]).all()
        assert (counted["centre"] < counted["ucl"]).all()
        # a plain individuals chart of the same weeks would go below 0
        values = counted["value"].to_numpy()
        mr = np.abs(np.diff(values)).mean()
        linear_below_zero += int(values.mean() - 2.66 * mr < 0)
    assert linear_below_zero > 0
    assert found.charts["reason"].str.contains(r"log\(hours\)").all()


def test_the_review_names_the_left_out_weeks_and_the_minimum_n(quiet: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = build_report(store=quiet, out=out)
    assert "trends" not in result.skipped
    text = html.unescape(out.read_text(encoding="utf-8"))
    found = api.monitor_details(store=quiet, kpis=["mttr"], by=None)
    said = found.charts["left_out"].iloc[0]
    assert said  # the first and last weeks at least
    assert f"Mean time to resolve: left out of the limits and signals: {said}." in text
    assert "weeks with fewer tickets than the minimum n (" in text
    assert "5 for Mean time to resolve" in text


def test_the_cli_states_n_the_left_out_weeks_and_the_minimum_n(quiet: Path) -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["monitor", "mttr", "--by", "none", "--store", str(quiet)])
    assert table.exit_code == 0, table.output
    said = api.monitor_details(store=quiet, kpis=["mttr"], by=None).incomplete["mttr"]
    assert said.startswith("14 incomplete weeks: 2025-W01 (partial first week")
    err = " ".join(table.stderr.split())
    assert f"mttr: {said} (left out of limits and signals)" in err
    assert "mttr: points with fewer than 5 tickets never signal" in err
    strict = runner.invoke(
        app, ["monitor", "mttr", "--by", "service", "--min-n", "40", "--store", str(quiet)]
    )
    assert "mttr: points with fewer than 40 tickets never signal" in " ".join(strict.stderr.split())
    charts = runner.invoke(
        app, ["monitor", "mttr", "--by", "none", "--charts", "-f", "json", "--store", str(quiet)]
    )
    row = json.loads(charts.stdout)[0]
    assert row["left_out"].startswith(said)
    assert row["min_n"] == 5
    assert row["counted"] == row["points"] - 14


def test_volume_after_the_last_opening_of_an_extract_is_cut() -> None:
    # tickets opened from 4 January to 13 February, followed until 30 June (an extract)
    window = Window(datetime(2021, 1, 4), datetime(2021, 6, 30), datetime(2021, 2, 13, 12))
    weeks = [datetime(2021, 2, 1), datetime(2021, 2, 8), datetime(2021, 2, 15)]
    reasons = completeness(get_kpi("volume"), weeks, "week", window, horizon=None)
    assert reasons[0] is None
    # the week of 8 February ends on the 15th, more than a day after the last opening
    assert reasons[1] is not None
    assert "no ticket opened after 2021-02-13" in reasons[1]
    assert reasons[2] is not None
    # a log whose last opening is (nearly) its last event is no extract: nothing more is cut
    whole = Window(datetime(2021, 1, 4), datetime(2021, 2, 21, 23), datetime(2021, 2, 21, 22))
    assert completeness(get_kpi("volume"), weeks, "week", whole, horizon=None) == [None] * 3
