"""Escalation paths and push-to-front on small logs counted by hand (real log:
test_itsm_volvo.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pdca.methods.mining.escalation import escalation
from pdca.model.facts import ticket_facts
from pdca.model.schema import Col
from tests.methods.mining.logs import table


def ticket(case: str, *steps: tuple[str | None, str, float]) -> list[dict[str, Any]]:
    return [
        {Col.CASE_ID: case, Col.SUPPORT_LEVEL: lvl, Col.STATE: state, Col.TIMESTAMP: s}
        for lvl, state, s in steps
    ]


LOG = [
    *ticket("E1", ("L1", "in_progress", 0), ("L1", "resolved", 10)),  # push-to-front
    *ticket("E2", ("L1", "new", 0), ("L2", "in_progress", 5), ("L1", "resolved", 9)),
    *ticket("E3", ("L1", "new", 0), ("L1", "in_progress", 5)),  # not resolved
    *ticket("E4", (None, "in_progress", 0), (None, "resolved", 5)),  # no level: left out
    *ticket(
        "E5",
        ("L2", "new", 0),
        (None, "in_progress", 3),
        ("L2", "in_progress", 4),
        ("L3", "closed", 8),
    ),
    *ticket("E6", ("L1", "in_progress", 0), ("L1", "resolved", 5), ("L1", "in_progress", 9)),
    *ticket("E7", ("L1", "in_progress", 0), ("L1", "resolved", 5), ("L1", "unknown", 9)),
    *ticket("E8", ("L1", "new", 0), ("L1", "cancelled", 5)),  # cancelled is no resolution
    *ticket("E9", ("L1", "in_progress", 0), ("L1", "resolved", 3), ("L1", "cancelled", 5)),
    *ticket("E10", ("L1", "in_progress", 0), ("L2/L3", "resolved", 4)),
]


@pytest.fixture(scope="module")
def result() -> Any:
    return escalation(table(LOG))


def test_per_ticket_paths_and_flags(result: Any) -> None:
    got = result.tickets.set_index(Col.CASE_ID)
    assert got.index.tolist() == ["E1", "E10", "E2", "E3", "E5", "E6", "E7", "E8", "E9"]
    assert got.loc["E2", "path"] == ("L1", "L2", "L1")
    assert got.loc["E5", "path"] == ("L2", "L3")
    assert got.loc["E5", "length"] == 2
    escalated = {c for c, v in got["escalated"].items() if v}
    resolved = {c for c, v in got["resolved"].items() if v}
    push = {c for c, v in got["push_to_front"].items() if v}
    assert escalated == {"E2", "E5", "E10"}
    assert resolved == {"E1", "E2", "E5", "E7", "E9", "E10"}
    assert push == {"E1", "E7", "E9"}


def test_summary_denominators(result: Any) -> None:
    s = result.summary.iloc[0]
    assert (s["tickets"], s["escalated"], s["resolved"], s["push_to_front"]) == (9, 3, 6, 3)
    assert s["escalation_share"] == pytest.approx(3 / 9)  # over tickets with a level
    assert s["push_to_front_share"] == pytest.approx(3 / 6)  # over resolved ones with a level


def test_paths_most_tickets_first_then_by_sequence(result: Any) -> None:
    rows = [(r.path, r.length, r.tickets, r.resolved) for r in result.paths.itertuples(index=False)]
    assert rows == [
        (("L1",), 1, 6, 3),
        (("L1", "L2", "L1"), 3, 1, 1),
        (("L1", "L2/L3"), 2, 1, 1),  # "L2" sorts before "L2/L3"
        (("L2", "L3"), 2, 1, 1),
    ]
    assert result.paths["share"].tolist() == pytest.approx([6 / 9, 1 / 9, 1 / 9, 1 / 9])


def test_resolved_and_escalated_agree_with_the_ticket_facts(result: Any) -> None:
    facts = ticket_facts(table(LOG)).to_pandas().set_index(Col.CASE_ID)
    got = result.tickets.set_index(Col.CASE_ID)
    for case, row in got.iterrows():
        assert row["resolved"] == pd_notna(facts.loc[case, Col.RESOLVED_AT])
        assert row["escalated"] == (facts.loc[case, Col.SUPPORT_LEVEL_REACHED] != "L1")


def pd_notna(value: object) -> bool:
    return value is not None and value == value  # NaT / NaN are not equal to themselves


def test_another_front_line() -> None:
    got = escalation(table(LOG), front_line="L2")
    push = set(got.tickets.loc[got.tickets["push_to_front"], Col.CASE_ID])
    assert push == set()  # no resolved ticket stayed at L2 only
    assert got.summary.iloc[0]["escalated"] == 9
    assert got.front_line == "L2"


def test_ties_in_time_follow_the_source_sequence() -> None:
    rows = [
        {**r, Col.SEQ: q}
        for r, q in zip(
            ticket("T", ("L1", "in_progress", 0), ("L2", "in_progress", 0), ("L1", "resolved", 0)),
            [1, 3, 2],
            strict=True,
        )
    ]
    got = escalation(table(rows)).tickets.iloc[0]
    assert got["path"] == ("L1", "L2")  # L1 (seq 1), L1 (seq 2), L2 (seq 3)
    # the resolution (seq 2) is followed by the L2 event in progress (seq 3): not resolved
    assert (got["resolved"], got["escalated"]) == (False, True)


def test_a_log_without_levels() -> None:
    got = escalation(table(ticket("T", (None, "resolved", 0))))
    assert got.tickets.empty
    assert got.paths.empty
    s = got.summary.iloc[0]
    assert (s["tickets"], s["resolved"], s["push_to_front"]) == (0, 0, 0)
    assert s["push_to_front_share"] != s["push_to_front_share"]  # NaN: nothing to divide by
