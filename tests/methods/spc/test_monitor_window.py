"""The log's window and period completeness (pdca.methods.kpi.window), and the monitor's use."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pytest

from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import VALUE
from pdca.methods.kpi.window import Window, completeness, horizon_of, placement

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


def test_horizon_is_a_quantile_capped_at_half_the_window() -> None:
    hours = list(range(1, 101))  # the 90th percentile of 1..100 h is about 90 h
    units = ibis.memtable(pd.DataFrame({VALUE: [h * 3600.0 for h in hours]}))
    got = horizon_of(get_kpi("mttr"), units, WINDOW)
    assert got is not None
    assert timedelta(hours=89) <= got <= timedelta(hours=92)
    short = Window(WINDOW.start, WINDOW.start + timedelta(hours=100))
    assert horizon_of(get_kpi("mttr"), units, short) == timedelta(hours=50)
    assert horizon_of(get_kpi("fcr"), units, WINDOW) is None


@pytest.mark.parametrize("kpi", ["volume", "fcr", "backlog"])
def test_not_durations_have_no_horizon(kpi: str) -> None:
    units = ibis.memtable(pd.DataFrame({VALUE: [1.0]}))
    assert horizon_of(get_kpi(kpi), units, WINDOW) is None
