"""Rework loops on small logs counted by hand (real log: test_itsm_volvo.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pdca.methods.mining import AttributeValues
from pdca.methods.mining.rework import rework
from pdca.model.facts import ticket_facts
from pdca.model.schema import Col
from tests.methods.mining.logs import at, table


def states(case: str, *steps: tuple[str, float], **common: Any) -> list[dict[str, Any]]:
    return [{Col.CASE_ID: case, Col.STATE: st, Col.TIMESTAMP: s, **common} for st, s in steps]


LOG = [
    # resolved at 20 (closed at 30), reopened at 100, resolved again at 150: 130 s lost
    *states(
        "R1",
        ("new", 0),
        ("in_progress", 10),
        ("resolved", 20),
        ("closed", 30),
        ("in_progress", 100),
        ("resolved", 150),
        ("closed", 160),
    ),
    # two loops: 10 -> 40 (30 s) and 40 -> 90 (50 s)
    *states(
        "R2",
        ("in_progress", 0),
        ("resolved", 10),
        ("new", 20),
        ("resolved", 40),
        ("in_progress", 50),
        ("waiting_customer", 60),
        ("resolved", 90),
    ),
    *states("R3", ("in_progress", 0), ("resolved", 10), ("in_progress", 20)),  # open loop
    # an unknown state is skipped: resolved 10 -> in progress 20 is a loop, 20 s lost
    *states("R4", ("in_progress", 0), ("resolved", 10), ("unknown", 15), ("in_progress", 20)),
    *states("R4", ("resolved", 30)),
    # a cancelled event in between breaks the loop
    *states(
        "R5",
        ("in_progress", 0),
        ("resolved", 10),
        ("cancelled", 15),
        ("in_progress", 20),
        ("resolved", 30),
    ),
    *states("R6", ("new", 0), ("in_progress", 5)),  # never resolved: not counted
]


@pytest.fixture(scope="module")
def result() -> Any:
    return rework(table(LOG))


def test_loops(result: Any) -> None:
    loops = result.loops
    assert loops[Col.CASE_ID].tolist() == ["R1", "R2", "R2", "R3", "R4"]
    assert loops["loop"].tolist() == [1, 1, 2, 1, 1]
    assert loops["resolved_at"].tolist() == [at(20), at(10), at(40), at(10), at(10)]
    assert loops["reopened_at"].tolist() == [at(100), at(20), at(50), at(20), at(20)]
    again = loops["resolved_again_at"].tolist()
    assert again[:3] == [at(150), at(40), at(90)]
    assert pd.isna(again[3])
    assert again[4] == at(30)
    lost = loops["time_lost"].tolist()
    assert lost[:3] == [130.0, 30.0, 50.0]
    assert pd.isna(lost[3])
    assert lost[4] == 20.0


def test_per_ticket(result: Any) -> None:
    got = result.tickets.set_index(Col.CASE_ID)
    assert got.index.tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert got["loops"].tolist() == [1, 2, 1, 1, 0]
    assert got["open_loop"].tolist() == [False, False, True, False, False]
    assert got["time_lost"].tolist() == [130.0, 80.0, 0.0, 20.0, 0.0]


def test_summary(result: Any) -> None:
    s = result.summary.iloc[0]
    assert (s["resolved_tickets"], s["rework_tickets"], s["loops"], s["open_loops"]) == (
        5,
        4,
        5,
        1,
    )
    assert s["share"] == pytest.approx(4 / 5)
    assert s["time_lost"] == 230.0
    assert s["mean_time_lost"] == 57.5  # over the 4 loops resolved again
    assert s["median_time_lost"] == 40.0  # (30 + 50) / 2


def test_loops_agree_with_the_reopen_count_fact(result: Any) -> None:
    facts = ticket_facts(table(LOG)).to_pandas().set_index(Col.CASE_ID)
    got = result.tickets.set_index(Col.CASE_ID)
    resolved = facts[facts[Col.FIRST_RESOLVED_AT].notna()]
    assert sorted(resolved.index) == sorted(got.index)
    assert got["loops"].to_dict() == resolved[Col.REOPEN_COUNT].to_dict()


def test_ties_in_time_follow_the_source_sequence() -> None:
    rows = [
        {**r, Col.SEQ: q}
        for r, q in zip(
            states(
                "T", ("in_progress", 0), ("resolved", 10), ("in_progress", 10), ("resolved", 40)
            ),
            [1, 3, 2, 4],
            strict=True,
        )
    ]
    assert rework(table(rows)).summary.iloc[0]["loops"] == 0  # in progress (seq 2) comes first
    by_file = [{**r, Col.SEQ: None} for r in rows]
    assert rework(table(by_file)).loops["time_lost"].tolist() == [30.0]


def test_filters_and_an_empty_log() -> None:
    got = rework(table(LOG), filters=[AttributeValues(Col.CASE_ID, ["R6"])])
    assert got.loops.empty
    assert got.tickets.empty
    s = got.summary.iloc[0]
    assert (s["resolved_tickets"], s["rework_tickets"], s["loops"], s["time_lost"]) == (0, 0, 0, 0)
