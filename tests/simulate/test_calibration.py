"""The calibrated defaults are what the real logs say (re-measured from the files)."""

from __future__ import annotations

from typing import Any

import pytest

from pdca.simulate import calibrated as cal
from tests.conftest import SERVICENOW, VOLVO, shared_file
from tests.simulate import calibration

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def servicenow() -> dict[str, Any]:
    return calibration.servicenow(shared_file(SERVICENOW))


@pytest.fixture(scope="module")
def volvo() -> dict[str, Any]:
    return calibration.volvo(shared_file(VOLVO))


def test_servicenow_numbers(servicenow: dict[str, Any]) -> None:
    assert servicenow["tickets"] == 20_769
    counts = servicenow["impact_urgency_counts"]
    for i, impact in enumerate(cal.IMPACTS):
        for j, urgency in enumerate(cal.URGENCIES):
            assert counts[f"{impact}|{urgency}"] == cal.IMPACT_URGENCY_COUNTS[i][j]
            if counts[f"{impact}|{urgency}"]:
                prio = servicenow["priority_of"][f"{impact}|{urgency}"]
                assert prio == [cal.PRIORITIES[cal.PRIORITY_MATRIX[i][j]]]
    for prio in cal.PRIORITIES:
        assert tuple(servicenow["resolution_hours_quantiles"][prio]) == cal.RESOLUTION_HOURS[prio]
        assert tuple(servicenow["response_hours_quantiles"][prio]) == cal.RESPONSE_HOURS[prio]
    expected = {
        "response_resolution_spearman": cal.RESPONSE_RESOLUTION_SPEARMAN,
        "fast_share_2h": cal.FAST_SHARE_2H,
        "wait_user_ticket_share": cal.WAIT_TICKET_SHARE,
        "wait_user_stints_per_waiting_ticket": cal.WAIT_STINTS_PER_WAITING_TICKET,
        "wait_vendor_share_of_waits": cal.WAIT_VENDOR_SHARE,
        "wait_fraction_of_resolution_median": cal.WAIT_FRACTION_MEDIAN,
        "reopen_ticket_share": cal.REOPEN_SHARE,
        "auto_close_share": cal.AUTO_CLOSE_SHARE,
        "auto_close_jitter_hours_median": cal.AUTO_CLOSE_JITTER_MEDIAN,
        "knowledge_share_fast": cal.KNOWLEDGE_SHARE_FAST,
        "knowledge_share_slow": cal.KNOWLEDGE_SHARE_SLOW,
        "tickets_per_caller": cal.TICKETS_PER_CALLER,
    }
    for key, value in expected.items():
        assert servicenow[key] == value, key
    tables = {
        "reopen_after_hours_quantiles": cal.REOPEN_AFTER_HOURS,
        "rework_hours_quantiles": cal.REWORK_HOURS,
        "late_close_excess_hours_quantiles": cal.LATE_CLOSE_EXCESS_HOURS,
        "weekday_share": cal.WEEKDAY_SHARE,
        "hour_share_weekday": cal.HOUR_SHARE_WEEKDAY,
        "hour_share_weekend": cal.HOUR_SHARE_WEEKEND,
        "category_top20_share": cal.CATEGORY_SHARE_TOP20,
        "location_top8_share": cal.LOCATION_SHARE_TOP8,
    }
    for key, table in tables.items():
        assert tuple(servicenow[key]) == table, key


def test_volvo_numbers(volvo: dict[str, Any]) -> None:
    assert volvo["tickets"] == 7_554
    expected = {
        "start_beyond_l1_share": cal.START_BEYOND_L1,
        "direct_reaching_l3_share": cal.DIRECT_REACHING_L3,
        "l1_escalation_share": cal.L1_ESCALATION,
        "escalated_reaching_l3_share": cal.ESCALATED_REACHING_L3,
        "escalated_ping_pong_share": cal.ESCALATED_PING_PONG,
        "ping_pong_ending_at_l1_share": cal.PING_PONG_ENDING_AT_L1,
        "escalated_lateral_l2_share": cal.ESCALATED_LATERAL_L2,
    }
    for key, value in expected.items():
        assert volvo[key] == value, key
    shares = volvo["time_share_before_resolution"]
    assert (shares["queued"], shares["worked"]) == (cal.TIME_SHARE_QUEUED, cal.TIME_SHARE_WORKED)
