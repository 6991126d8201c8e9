"""Pruning keeps exactly what docs/process-map.md says, computed here a second way."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdca.errors import ConfigError, InputError
from pdca.methods.mining import dfg
from pdca.render import prune
from pdca.render.prune import activity_counts, prune_process_map
from tests.render.maps import expected_pruning, tables

TRACES = [
    ["A", "B", "C", "D"],
    ["A", "B", "B", "C", "D"],
    ["A", "C", "D"],
    ["A", "B", "C", "E"],
    ["F", "C", "D"],
    ["A"],
]

traces_strategy = st.lists(
    st.lists(st.sampled_from("ABCDEFG"), min_size=1, max_size=8), min_size=1, max_size=25
)


def _kept(p: prune.PrunedMap) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    flow = set(zip(p.edges["source"], p.edges["target"], strict=True))
    start = set() if p.start is None else set(p.start["activity"])
    end = set() if p.end is None else set(p.end["activity"])
    return flow, start, end


def test_columns_are_the_ones_mining_returns() -> None:
    assert (prune.SOURCE, prune.TARGET, prune.FREQUENCY, prune.CASES, prune.ACTIVITY) == (
        dfg.SOURCE,
        dfg.TARGET,
        dfg.FREQUENCY,
        dfg.CASES,
        dfg.ACTIVITY,
    )


def test_counts_are_occurrences_when_start_or_end_is_given() -> None:
    edges, start, end = tables(TRACES)
    occurrences = dict(Counter(step for t in TRACES for step in t))
    assert activity_counts(edges, start, end) == occurrences
    assert activity_counts(edges, None, end) == occurrences
    # Without either table the larger of in and out is a lower bound: A occurs 5 times, but
    # nothing comes before it and the one-step ticket has no edge, so only A->B 3 + A->C 1 count.
    bare = activity_counts(edges)
    assert bare["A"] == 4
    assert all(bare[a] <= n for a, n in occurrences.items())


def test_worked_example() -> None:
    edges, start, end = tables(TRACES)
    # Occurrences: A 5, B 4, C 5, D 4, E 1, F 1 -> ranked A, C, B, D, E, F.
    p = prune_process_map(edges, start, end, max_activities=4, min_edge_share=0.5)
    assert p.activities == ("A", "C", "B", "D")
    # Candidates (freq): start->A 5, A->B 3, A->C 1, B->B 1, B->C 3, C->D 4, D->end 4,
    # A->end 1 (the one-step ticket). Threshold 0.5 * 5 = 2.5 keeps start->A, A->B, B->C,
    # C->D, D->end; every activity already has an incoming and an outgoing edge except A's
    # outgoing (A->B kept) -- all covered, so nothing more is added.
    flow, starts, ends = _kept(p)
    assert flow == {("A", "B"), ("B", "C"), ("C", "D")}
    assert starts == {"A"}
    assert ends == {"D"}
    assert p.all_activities == 6
    assert p.all_edges == len(edges)


def test_an_edge_exactly_at_the_threshold_is_kept() -> None:
    edges, start, end = tables(TRACES)
    # The busiest candidate is start->A (5); 0.2 * 5 = 1, so edges seen once stay. A->C is
    # nobody's busiest edge (A->B and B->C are), so only the threshold keeps it.
    flow, _, _ = _kept(prune_process_map(edges, start, end, min_edge_share=0.2))
    assert ("A", "C") in flow
    flow, _, _ = _kept(prune_process_map(edges, start, end, min_edge_share=0.21))
    assert ("A", "C") not in flow


def test_busiest_only_still_connects_every_node() -> None:
    edges, start, end = tables(TRACES)
    p = prune_process_map(edges, start, end, min_edge_share=1.0)
    flow, starts, ends = _kept(p)
    # Only start->A (5) reaches the threshold; the rest are each node's best in and out edges:
    # B in A->B, out B->C; C in B->C (3 beats A->C 1 and F->C 1), out C->D;
    # D in C->D, out D->end; E in C->E, out E->end; F in start->F, out F->C; A out A->B.
    assert flow == {("A", "B"), ("B", "C"), ("C", "D"), ("C", "E"), ("F", "C")}
    assert starts == {"A", "F"}
    assert ends == {"D", "E"}


def test_ties_go_to_the_artificial_ends_then_by_name() -> None:
    # X is reached once from start, once from A and once from B: start wins the tie. A and B
    # keep their busier outgoing edges A->Y and B->Z, so nothing else keeps A->X or B->X.
    traces = [["X"], ["A", "X"], ["A", "Y"], ["A", "Y"], ["B", "X"], ["B", "Z"], ["B", "Z"]]
    edges, start, end = tables(traces)
    p = prune_process_map(edges, start, end, min_edge_share=1.0)
    flow, starts, _ = _kept(p)
    assert "X" in starts
    assert ("A", "X") not in flow
    assert ("B", "X") not in flow
    # Without the start table A -> X wins over B -> X by name.
    p = prune_process_map(edges, None, end, min_edge_share=1.0)
    flow, _, _ = _kept(p)
    assert ("A", "X") in flow
    assert ("B", "X") not in flow


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_activities": 0}, ConfigError),
        ({"min_edge_share": -0.1}, ConfigError),
        ({"min_edge_share": 1.5}, ConfigError),
    ],
)
def test_bad_thresholds(kwargs: dict[str, float], error: type[Exception]) -> None:
    edges, start, end = tables(TRACES)
    with pytest.raises(error):
        prune_process_map(edges, start, end, **kwargs)  # type: ignore[arg-type]


def test_missing_columns_say_which() -> None:
    with pytest.raises(InputError, match="'frequency'"):
        prune_process_map(pd.DataFrame({"source": ["A"], "target": ["B"]}))
    edges, _, _ = tables(TRACES)
    with pytest.raises(InputError, match="start table"):
        prune_process_map(edges, pd.DataFrame({"activity": ["A"]}))


@settings(max_examples=80, deadline=None)
@given(
    traces=traces_strategy,
    max_activities=st.one_of(st.none(), st.integers(1, 7)),
    share=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])),
    with_start=st.booleans(),
    with_end=st.booleans(),
)
def test_matches_the_rules_written_again(
    traces: list[list[str]],
    max_activities: int | None,
    share: float,
    with_start: bool,
    with_end: bool,
) -> None:
    edges, start, end = tables(traces)
    s = start if with_start else None
    e = end if with_end else None
    occurrences = activity_counts(edges, s, e)
    if with_start or with_end:
        assert occurrences == dict(Counter(step for t in traces for step in t))
    p = prune_process_map(edges, s, e, max_activities=max_activities, min_edge_share=share)
    want = expected_pruning(edges, s, e, occurrences, max_activities, share)
    flow, starts, ends = _kept(p)
    assert list(p.activities) == want.activities
    assert flow == want.flow
    assert starts == want.start
    assert ends == want.end
    # No dangling ends: every kept edge joins kept activities.
    kept = set(p.activities)
    assert all(a in kept and b in kept for a, b in flow)
    assert starts <= kept
    assert ends <= kept
