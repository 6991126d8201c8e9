"""Bottlenecks on small logs counted by hand (real log: test_itsm_volvo.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pdca.errors import ConfigError
from pdca.methods import mining
from pdca.methods.mining import AttributeValues
from pdca.methods.mining.bottlenecks import bottlenecks
from pdca.model.schema import Col
from tests.methods.mining.logs import table, trace

# T1: A(0) B(10) B(20) C(50)   T2: A(0) C(100)   T3: A(0) B(5) C(65)
LOG = [
    *trace("T1", ("A", 0), ("B", 10), ("B", 20), ("C", 50)),
    *trace("T2", ("A", 0), ("C", 100)),
    *trace("T3", ("A", 0), ("B", 5), ("C", 65)),
]


def _rows(frame: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_steps_ranked_by_total_waiting_time() -> None:
    got = bottlenecks(table(LOG))
    assert got.columns.tolist() == [
        "activity",
        "kind",
        "total",
        "share",
        "mean",
        "median",
        "frequency",
        "cases",
    ]
    # A waits 10, 100, 5; B waits 10 (to B), 30 and 60; C ends every ticket: no wait
    assert _rows(got.drop(columns=["share", "mean"])) == [
        ("A", "work", 115.0, 10.0, 3, 3),  # no event names a state: all work
        ("B", "work", 100.0, 30.0, 3, 2),
    ]
    assert got["share"].tolist() == pytest.approx([115 / 215, 100 / 215])  # 215 = all durations
    assert got["mean"].tolist() == pytest.approx([115 / 3, 100 / 3])


def test_edges_ranked_by_total_waiting_time() -> None:
    got = bottlenecks(table(LOG), edges=True)
    assert _rows(got[["source", "target", "total", "median", "frequency", "cases"]]) == [
        ("A", "C", 100.0, 100.0, 1, 1),
        ("B", "C", 90.0, 45.0, 2, 2),
        ("A", "B", 15.0, 7.5, 2, 2),
        ("B", "B", 10.0, 10.0, 1, 1),
    ]
    assert got["share"].sum() == pytest.approx(1.0)


def test_equal_totals_are_listed_by_label_and_top_keeps_the_first() -> None:
    rows = [*trace("T", ("Y", 0), ("X", 10), ("Z", 20))]
    got = bottlenecks(table(rows))
    assert got["activity"].tolist() == ["X", "Y"]  # both wait 10 s
    assert bottlenecks(table(rows), top=1)["activity"].tolist() == ["X"]


def test_events_without_a_label_give_their_time_to_the_step_before() -> None:
    rows = [
        {Col.CASE_ID: "T", Col.TIMESTAMP: 0, Col.ASSIGNMENT_GROUP: "X"},
        {Col.CASE_ID: "T", Col.TIMESTAMP: 10},
        {Col.CASE_ID: "T", Col.TIMESTAMP: 30, Col.ASSIGNMENT_GROUP: "Y"},
    ]
    got = bottlenecks(table(rows), Col.ASSIGNMENT_GROUP)
    assert _rows(got[["activity", "total", "frequency"]]) == [("X", 30.0, 1)]


def test_ties_in_time_follow_the_source_sequence() -> None:
    rows = [
        {Col.CASE_ID: "T", Col.TIMESTAMP: 0, Col.ACTIVITY: "A", Col.SEQ: 1},
        {Col.CASE_ID: "T", Col.TIMESTAMP: 50, Col.ACTIVITY: "C", Col.SEQ: 3},
        {Col.CASE_ID: "T", Col.TIMESTAMP: 50, Col.ACTIVITY: "B", Col.SEQ: 2},
    ]
    got = bottlenecks(table(rows), edges=True)  # A -> B (50 s), B -> C (0 s)
    assert _rows(got[["source", "target", "total"]]) == [("A", "B", 50.0), ("B", "C", 0.0)]


def test_prepared_traces_and_filters() -> None:
    events = table(LOG)
    direct = bottlenecks(events, filters=[AttributeValues(Col.CASE_ID, ["T2"])])
    assert _rows(direct[["activity", "total"]]) == [("A", 100.0)]
    prepared = mining.prepare(events)
    assert bottlenecks(prepared).equals(bottlenecks(events))
    with pytest.raises(ConfigError, match="filters cannot be applied"):
        bottlenecks(prepared, filters=[AttributeValues(Col.CASE_ID, ["T2"])])
    with pytest.raises(ConfigError, match="another activity key"):
        bottlenecks(prepared, Col.STATE)


def test_all_waits_zero_has_no_share() -> None:
    got = bottlenecks(table(trace("T", ("A", 0), ("B", 0))))
    assert got["total"].tolist() == [0.0]
    assert got["share"].isna().all()


# Incidents with states. W1: new(0) in_progress(10) resolved(40) closed(1000)
# W2: new(0) resolved(5) in_progress(505) resolved(525) closed(2525)  (reopened after resolved)
# W3: new(0) in_progress(100) cancelled(130) closed(150)
STATEFUL = [
    *trace("W1", ("new", 0), ("in_progress", 10), ("resolved", 40), ("closed", 1000)),
    *trace(
        "W2", ("new", 0), ("resolved", 5), ("in_progress", 505), ("resolved", 525), ("closed", 2525)
    ),
    *trace("W3", ("new", 0), ("in_progress", 100), ("cancelled", 130), ("closed", 150)),
]
for _row in STATEFUL:
    _row[Col.STATE] = _row[Col.ACTIVITY]


def test_waits_after_a_resolution_come_after_the_work_waits() -> None:
    got = bottlenecks(table(STATEFUL))
    # resolved waits 960 (W1), 500 and 2000 (W2) = 3460; new 10 + 5 + 100 = 115;
    # in_progress 30 + 20 + 30 = 80; cancelled 20. Work first, though resolved waits longest.
    assert _rows(got[["activity", "kind", "total", "frequency"]]) == [
        ("new", "work", 115.0, 3),
        ("in_progress", "work", 80.0, 3),
        ("resolved", "closure", 3460.0, 3),
        ("cancelled", "closure", 20.0, 1),
    ]
    assert got["share"].tolist() == pytest.approx([115 / 3675, 80 / 3675, 3460 / 3675, 20 / 3675])
    assert bottlenecks(table(STATEFUL), top=1)["activity"].tolist() == ["new"]
    edges = bottlenecks(table(STATEFUL), edges=True)
    assert _rows(edges[["source", "target", "kind", "total"]]) == [
        ("new", "in_progress", "work", 110.0),
        ("in_progress", "resolved", "work", 50.0),
        ("in_progress", "cancelled", "work", 30.0),
        ("new", "resolved", "work", 5.0),
        ("resolved", "closed", "closure", 2960.0),
        ("resolved", "in_progress", "closure", 500.0),  # reopened: still after a resolution
        ("cancelled", "closed", "closure", 20.0),
    ]


def test_a_label_whose_events_are_not_all_resolved_is_work() -> None:
    # the source label "Done" is resolved in one ticket and in progress in another
    rows = [
        *trace("D1", ("Done", 0), ("Closed", 50), state="resolved"),
        *trace("D2", ("Done", 0), ("Closed", 70), state="in_progress"),
    ]
    got = bottlenecks(table(rows))
    assert _rows(got[["activity", "kind", "total"]]) == [("Done", "work", 120.0)]
