"""Variants and case durations: worked examples, and random logs against a plain-Python oracle."""

from __future__ import annotations

import statistics
from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdca.methods import mining
from pdca.model.schema import Col
from tests.methods.mining.logs import T0, at, frame, table, trace


def test_counts_shares_and_durations() -> None:
    rows = [
        *trace("T1", ("A", 0), ("B", 10)),
        *trace("T2", ("A", 0), ("B", 30)),
        *trace("T3", ("A", 0), ("B", 50), ("B", 60)),
        *trace("T4", ("C", 0)),
    ]
    v = mining.variant_table(table(rows))
    assert v["variant"].tolist() == [("A", "B"), ("A", "B", "B"), ("C",)]
    assert v["cases"].tolist() == [2, 1, 1]
    assert v["share"].tolist() == [0.5, 0.25, 0.25]
    assert v["length"].tolist() == [2, 3, 1]
    assert v["mean_duration"].tolist() == [20.0, 60.0, 0.0]
    assert v["median_duration"].tolist() == [20.0, 60.0, 0.0]


def test_ties_in_count_are_listed_by_ascending_step_sequence() -> None:
    rows = [
        *trace("T1", ("a", 0), ("C", 1)),
        *trace("T2", ("B", 0), ("a", 1), ("B", 2)),
        *trace("T3", ("B", 0), ("a", 1)),
        *trace("T4", ("B", 0)),
        *trace("T5", ("Z", 0)),
        *trace("T6", ("Z", 0)),
    ]
    v = mining.variant_table(table(rows))
    # (Z,) is most frequent; the rest tie at one ticket and follow Python's tuple order:
    # upper case before lower case, and a sequence before any longer one it begins.
    expected = [("Z",), ("B",), ("B", "a"), ("B", "a", "B"), ("a", "C")]
    assert v["variant"].tolist() == expected
    assert sorted(expected[1:]) == expected[1:]
    top = mining.variant_table(table(rows), top=2)
    assert top["variant"].tolist() == expected[:2]
    assert top["share"].tolist() == [2 / 6, 1 / 6]  # shares are of all tickets, not of the top


def test_case_durations_per_ticket() -> None:
    rows = [*trace("T2", ("A", 0), ("B", 90)), *trace("T1", ("A", 5))]
    d = mining.case_durations(table(rows))
    assert d[Col.CASE_ID].tolist() == ["T1", "T2"]
    assert d["duration"].tolist() == [0.0, 90.0]
    assert d["length"].tolist() == [1, 2]
    assert d["start"].tolist() == [at(5), at(0)]


# -- random logs against an oracle written from the docs ------------------------------------

event_st = st.fixed_dictionaries(
    {
        "second": st.integers(0, 40),
        "seq": st.one_of(st.none(), st.integers(0, 3)),
        "activity": st.sampled_from(["A", "B", "b", "C", "Ä"]),
    }
)
log_st = st.lists(st.lists(event_st, min_size=1, max_size=7), min_size=1, max_size=9)


def _rows(log: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = [
        {
            Col.CASE_ID: f"T{t}",
            Col.TIMESTAMP: at(e["second"]),
            Col.SEQ: e["seq"],
            Col.ACTIVITY: e["activity"],
        }
        for t, events in enumerate(log)
        for e in events
    ]
    # shuffle the file order deterministically so that file order is not time order
    return rows[1::2] + rows[0::2]


def _oracle(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stable order as documented: time, then sequence (missing last), then file row."""
    by_case: dict[str, list[tuple[Any, ...]]] = {}
    for i, r in enumerate(rows):
        seq = r[Col.SEQ]
        key = (r[Col.TIMESTAMP], seq is None, seq or 0, i)
        by_case.setdefault(r[Col.CASE_ID], []).append((key, r[Col.ACTIVITY]))
    traces = {c: [a for _, a in sorted(evs)] for c, evs in by_case.items()}
    times = {c: sorted(k[0] for k, _ in evs) for c, evs in by_case.items()}
    durations = {c: (t[-1] - t[0]).total_seconds() for c, t in times.items()}
    edges = Counter(p for t in traces.values() for p in pairwise(t))
    variants = Counter(tuple(t) for t in traces.values())
    listing = sorted(variants.items(), key=lambda kv: (-kv[1], kv[0]))
    medians = {
        v: statistics.median(durations[c] for c, t in traces.items() if tuple(t) == v)
        for v in variants
    }
    return {"edges": dict(edges), "listing": listing, "durations": durations, "medians": medians}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log_st)
def test_random_logs_match_the_oracle(log: list[list[dict[str, Any]]]) -> None:
    rows = _rows(log)
    expected = _oracle(rows)
    events = table(frame(rows))
    prepared = mining.prepare(events)
    edges = mining.process_map(prepared, performance=False)
    assert (
        dict(
            zip(zip(edges["source"], edges["target"], strict=True), edges["frequency"], strict=True)
        )
        == expected["edges"]
    )
    v = mining.variant_table(prepared)
    assert list(zip(v["variant"], v["cases"], strict=True)) == expected["listing"]
    for variant, median in zip(v["variant"], v["median_duration"], strict=True):
        assert median == pytest.approx(expected["medians"][variant])
    d = mining.case_durations(prepared)
    assert dict(zip(d[Col.CASE_ID], d["duration"], strict=True)) == expected["durations"]
    assert (d["start"] >= T0).all()
