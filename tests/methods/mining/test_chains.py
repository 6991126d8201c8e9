"""Reassignment chains on small logs counted by hand (real log: test_itsm_volvo.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pdca.errors import ConfigError
from pdca.methods.mining.chains import reassignment_chains
from pdca.model.facts import ticket_facts
from pdca.model.schema import Col
from tests.methods.mining.logs import table


def held(case: str, *steps: tuple[str | None, float], col: str = Col.ASSIGNMENT_GROUP) -> Any:
    return [{Col.CASE_ID: case, Col.TIMESTAMP: s, col: h} for h, s in steps]


LOG = [
    *held("T1", ("A", 0), ("A", 1), ("B", 2), (None, 3), ("B", 4), ("A", 5)),  # A B A
    *held("T2", ("A", 0)),  # A
    *held("T3", ("B", 0), ("A", 1)),  # B A
    *held("T4", ("A", 0), ("B", 1), ("A", 2)),  # A B A
    *held("T5", (None, 0)),  # no holder
    *held("T6", ("A", 0), ("B", 7)),  # A B
]


@pytest.fixture(scope="module")
def result() -> Any:
    return reassignment_chains(table(LOG))


def test_per_ticket(result: Any) -> None:
    got = result.tickets.set_index(Col.CASE_ID)
    assert got.index.tolist() == ["T1", "T2", "T3", "T4", "T6"]
    assert got["chain"].tolist() == [
        ("A", "B", "A"),
        ("A",),
        ("B", "A"),
        ("A", "B", "A"),
        ("A", "B"),
    ]
    assert got["length"].tolist() == [3, 1, 2, 3, 2]
    assert got["handovers"].tolist() == [2, 0, 1, 2, 1]
    assert got["holders"].tolist() == [2, 1, 2, 2, 2]


def test_handovers_are_the_reassignment_count_fact(result: Any) -> None:
    facts = ticket_facts(table(LOG)).to_pandas().set_index(Col.CASE_ID)
    got = result.tickets.set_index(Col.CASE_ID)["handovers"].to_dict()
    assert got == facts.loc[list(got), Col.REASSIGNMENT_COUNT].to_dict()


def test_distribution(result: Any) -> None:
    rows = [tuple(r) for r in result.distribution.itertuples(index=False)]
    assert rows == [(0, 1, 0.2, 0.2), (1, 2, 0.4, pytest.approx(0.6)), (2, 2, 0.4, 1.0)]


def test_chains_most_tickets_first_then_by_sequence(result: Any) -> None:
    rows = [(r.chain, r.handovers, r.tickets) for r in result.chains.itertuples(index=False)]
    assert rows == [
        (("A", "B", "A"), 2, 2),
        (("A",), 0, 1),  # a chain before any longer one that begins with it
        (("A", "B"), 1, 1),
        (("B", "A"), 1, 1),
    ]
    assert result.chains["share"].tolist() == pytest.approx([0.4, 0.2, 0.2, 0.2])
    top = reassignment_chains(table(LOG), top=2).chains
    assert top["chain"].tolist() == [("A", "B", "A"), ("A",)]


def test_by_resource() -> None:
    rows = held("T", ("ann", 0), ("bob", 1), ("ann", 2), col=Col.RESOURCE)
    got = reassignment_chains(table(rows), Col.RESOURCE)
    assert got.tickets["chain"].tolist() == [("ann", "bob", "ann")]
    with pytest.raises(ConfigError, match="cannot follow holders"):
        reassignment_chains(table(rows), Col.CATEGORY)
