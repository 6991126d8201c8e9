"""Ping-pong on small logs whose answers are counted by hand (real log: test_itsm_volvo.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pdca.errors import ConfigError
from pdca.methods.mining import AttributeValues
from pdca.methods.mining.pingpong import ping_pong
from pdca.model.schema import Col
from tests.methods.mining.logs import table


def held(case: str, *steps: tuple[str | None, float], col: str = Col.ASSIGNMENT_GROUP) -> Any:
    return [{Col.CASE_ID: case, Col.TIMESTAMP: s, col: h} for h, s in steps]


LOG = [
    # A B A C A: two returns; away from A during B [20, 100) and C [130, 160) -> 110 s
    *held("T1", ("A", 0), ("A", 10), ("B", 20), (None, 30), ("B", 40), ("A", 100)),
    *held("T1", ("C", 130), ("A", 160)),
    # A B A B: returns of A [10, 20) and of B [20, 50) -> 40 s
    *held("T2", ("A", 0), ("B", 10), ("A", 20), ("B", 50)),
    # A B C A: one return, away [5, 17) -> 12 s; no X -> Y -> X bounce
    *held("T3", ("A", 0), ("B", 5), ("C", 7), ("A", 17)),
    *held("T4", (None, 0), (None, 9)),  # no holder: not counted at all
    *held("T5", ("A", 3)),  # one event
    # A B C B A: B comes back [30, 60), A comes back [10, 100): overlap counted once -> 90 s
    *held("T7", ("A", 0), ("B", 10), ("C", 30), ("B", 60), ("A", 100)),
]


@pytest.fixture(scope="module")
def result() -> Any:
    return ping_pong(table(LOG))


def test_per_ticket_sequences_returns_and_cost(result: Any) -> None:
    got = result.tickets.set_index(Col.CASE_ID)
    assert got.index.tolist() == ["T1", "T2", "T3", "T5", "T7"]
    assert got.loc["T1", "sequence"] == ("A", "B", "A", "C", "A")
    assert got["length"].tolist() == [5, 4, 4, 1, 5]
    assert got["holders"].tolist() == [3, 2, 3, 1, 3]
    assert got["returns"].tolist() == [2, 2, 1, 0, 2]
    assert got["ping_pong"].tolist() == [True, True, True, False, True]
    assert got["cost"].tolist() == [110.0, 40.0, 12.0, 0.0, 90.0]


def test_summary(result: Any) -> None:
    s = result.summary.iloc[0]
    assert (s["tickets"], s["ping_pong_tickets"], s["returns"]) == (5, 4, 7)
    assert s["share"] == pytest.approx(4 / 5)
    assert s["total_cost"] == 252.0
    assert s["mean_cost"] == 63.0  # over the ping-pong tickets only
    assert s["median_cost"] == 65.0  # (40 + 90) / 2


def test_pairs_most_bounces_first(result: Any) -> None:
    rows = [tuple(r) for r in result.pairs.itertuples(index=False)]
    assert rows == [
        ("A", "B", 2, 2, 90.0, 45.0),  # T1 (80 s at B) and T2 (10 s)
        ("A", "C", 1, 1, 30.0, 30.0),  # T1
        ("B", "A", 1, 1, 30.0, 30.0),  # T2
        ("B", "C", 1, 1, 30.0, 30.0),  # T7
    ]


def test_ties_in_time_follow_the_source_sequence_then_the_file() -> None:
    def rows(*seqs: int | None) -> list[dict[str, Any]]:
        steps = [("A", 0), ("B", 60), ("A", 60)]  # B and A share a timestamp
        return [
            {Col.CASE_ID: "T", Col.TIMESTAMP: s, Col.SEQ: q, Col.ASSIGNMENT_GROUP: h}
            for (h, s), q in zip(steps, seqs, strict=True)
        ]

    def sequence(events: list[dict[str, Any]]) -> tuple[str, ...]:
        got = ping_pong(table(events)).tickets
        assert len(got) == 1
        return tuple(got.iloc[0]["sequence"])

    assert sequence(rows(1, 3, 2)) == ("A", "B")  # by seq: A, A, B
    assert sequence(rows(1, None, 2)) == ("A", "B")  # a missing seq comes last
    assert sequence(rows(None, None, None)) == ("A", "B", "A")  # by file row
    tied = ping_pong(table(rows(None, None, None))).tickets.iloc[0]
    assert (tied["returns"], tied["cost"]) == (1, 0.0)  # away for 0 s


def test_by_support_level_and_resource() -> None:
    rows = [
        *held("T", ("L1", 0), ("L2", 10), ("L1", 40), col=Col.SUPPORT_LEVEL),
        *held("U", ("ann", 0), ("bob", 5), ("ann", 6), ("bob", 8), col=Col.RESOURCE),
    ]
    levels = ping_pong(table(rows), Col.SUPPORT_LEVEL)
    assert levels.tickets[Col.CASE_ID].tolist() == ["T"]
    assert levels.tickets["cost"].tolist() == [30.0]
    people = ping_pong(table(rows), by=Col.RESOURCE)
    assert people.tickets["returns"].tolist() == [2]
    assert people.tickets["cost"].tolist() == [3.0]  # [5, 8): bob's first and ann's second stint
    assert people.by == Col.RESOURCE


def test_filters_narrow_the_tickets_first() -> None:
    events = table(LOG)
    got = ping_pong(events, filters=[AttributeValues(Col.CASE_ID, ["T2", "T5"])])
    assert got.tickets[Col.CASE_ID].tolist() == ["T2", "T5"]
    assert got.summary.iloc[0]["ping_pong_tickets"] == 1


def test_no_holder_anywhere_gives_empty_results() -> None:
    got = ping_pong(table(held("T", (None, 0))))
    assert got.tickets.empty
    assert got.pairs.empty
    s = got.summary.iloc[0]
    assert (s["tickets"], s["ping_pong_tickets"], s["returns"], s["total_cost"]) == (0, 0, 0, 0)


def test_unknown_holder_column_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot follow holders by 'priority'"):
        ping_pong(table(LOG), Col.PRIORITY)
