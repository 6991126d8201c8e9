"""Process map, start/end steps and handovers on small logs whose answers are worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pdca.errors import ConfigError
from pdca.methods import mining
from pdca.methods.mining import ActivityKey
from pdca.model.schema import Col
from tests.methods.mining.logs import at, table, trace

# T1: A(0) B(10) B(20) C(50)   T2: A(0) C(100)   T3: A(0) B(5) C(65)
HAND = [
    *trace("T1", ("A", 0), ("B", 10), ("B", 20), ("C", 50)),
    *trace("T2", ("A", 0), ("C", 100)),
    *trace("T3", ("A", 0), ("B", 5), ("C", 65)),
]


def _edges(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, float]]:
    return {
        (r["source"], r["target"]): {
            k: r[k] for k in frame.columns if k not in ("source", "target")
        }
        for r in frame.to_dict("records")
    }


def test_edges_frequency_cases_and_waiting_times() -> None:
    e = _edges(mining.process_map(table(HAND)))
    assert set(e) == {("A", "B"), ("B", "B"), ("B", "C"), ("A", "C")}
    ab = e[("A", "B")]
    assert (ab["frequency"], ab["cases"]) == (2, 2)
    assert ab["mean"] == 7.5
    assert ab["median"] == 7.5  # even count: mean of the two middle waits
    assert (ab["min"], ab["max"], ab["total"]) == (5, 10, 15)
    assert ab["p90"] == pytest.approx(9.5)  # linear interpolation between 5 and 10
    assert ab["stdev"] == pytest.approx(math.sqrt(12.5))  # sample stdev of 5 and 10
    bc = e[("B", "C")]
    assert (bc["frequency"], bc["cases"], bc["median"]) == (2, 2, 45.0)
    bb = e[("B", "B")]  # a self-loop, seen once: stdev is undefined
    assert (bb["frequency"], bb["cases"], bb["mean"]) == (1, 1, 10.0)
    assert pd.isna(bb["stdev"])
    assert e[("A", "C")]["max"] == 100


def test_cases_count_tickets_not_pairs() -> None:
    rows = trace("T1", ("A", 0), ("B", 1), ("A", 2), ("B", 3))
    e = _edges(mining.process_map(table(rows), performance=False))
    assert (e[("A", "B")]["frequency"], e[("A", "B")]["cases"]) == (2, 1)
    assert "mean" not in e[("A", "B")]


def test_start_and_end_activities() -> None:
    events = table(HAND)
    start = mining.start_activities(events)
    end = mining.end_activities(events)
    assert start.to_dict("records") == [{"activity": "A", "cases": 3}]
    assert end.to_dict("records") == [{"activity": "C", "cases": 3}]


def test_equal_times_are_ordered_by_sequence_then_file_row() -> None:
    rows = [
        {Col.CASE_ID: "T", Col.ACTIVITY: "second", Col.TIMESTAMP: at(0), Col.SEQ: 2},
        {Col.CASE_ID: "T", Col.ACTIVITY: "first", Col.TIMESTAMP: at(0), Col.SEQ: 1},
        {Col.CASE_ID: "T", Col.ACTIVITY: "third", Col.TIMESTAMP: at(0), Col.SEQ: 2},
        {Col.CASE_ID: "T", Col.ACTIVITY: "zero", Col.TIMESTAMP: at(-5), Col.SEQ: 9},
    ]
    v = mining.variant_table(table(rows))
    assert v["variant"].tolist() == [("zero", "first", "second", "third")]


def test_same_case_id_in_two_logs_are_two_tickets() -> None:
    rows = [*trace("T", ("A", 0), ("B", 1), log="x"), *trace("T", ("B", 0), ("A", 1), log="y")]
    e = _edges(mining.process_map(table(rows)))
    assert set(e) == {("A", "B"), ("B", "A")}


def test_combined_activity_key_and_missing_parts() -> None:
    rows = [
        *trace("T1", ("a", 0), ("b", 1), support_level="L1"),
        {Col.CASE_ID: "T1", Col.ACTIVITY: "c", Col.TIMESTAMP: at(2)},  # no support level
        *trace("T1", ("c", 3), support_level="L2"),
    ]
    key = ActivityKey((Col.ACTIVITY, Col.SUPPORT_LEVEL))
    e = _edges(mining.process_map(table(rows), key))
    assert set(e) == {("a | L1", "b | L1"), ("b | L1", "c | L2")}
    kept = ActivityKey((Col.ACTIVITY, Col.SUPPORT_LEVEL), separator="/", missing="?")
    e = _edges(mining.process_map(table(rows), kept))
    assert set(e) == {("a/L1", "b/L1"), ("b/L1", "c/?"), ("c/?", "c/L2")}


def test_activity_key_rejects_unknown_columns() -> None:
    with pytest.raises(ConfigError, match="canonical event columns"):
        ActivityKey(("Involved ST",))
    with pytest.raises(ConfigError):
        ActivityKey(())


def test_handover_counts_changes_of_holder_and_skips_events_without_one() -> None:
    rows = [
        *trace("T1", ("x", 0), ("x", 1), assignment_group="G1"),
        {Col.CASE_ID: "T1", Col.ACTIVITY: "x", Col.TIMESTAMP: at(2)},  # no group: skipped
        *trace("T1", ("x", 3), assignment_group="G2"),
        *trace("T1", ("x", 4), assignment_group="G1"),
        *trace("T2", ("x", 0), ("x", 9), assignment_group="G2"),
    ]
    events = table(rows)
    hand = _edges(mining.handover(events))
    assert {k: v["frequency"] for k, v in hand.items()} == {("G1", "G2"): 1, ("G2", "G1"): 1}
    assert hand[("G1", "G2")]["mean"] == 2.0  # from the last G1 event (1 s) to G2 (3 s)
    raw = _edges(mining.handover(events, include_same=True, performance=False))
    assert {k: v["frequency"] for k, v in raw.items()} == {
        ("G1", "G1"): 1,
        ("G1", "G2"): 1,
        ("G2", "G1"): 1,
        ("G2", "G2"): 1,
    }
    assert raw[("G2", "G2")]["cases"] == 1
    with pytest.raises(ConfigError, match="handovers"):
        mining.handover(events, by=Col.PRIORITY)


def test_empty_log_gives_empty_tables() -> None:
    events = table(trace("T1", ("A", 0)))
    none = events.filter(events[Col.CASE_ID] == "nobody")
    assert mining.process_map(none).empty
    assert mining.start_activities(none).empty
    assert mining.variant_table(none).empty
    assert mining.case_durations(none).empty
    one = mining.process_map(events)  # one event: no edge, but a start and an end
    assert one.empty
    assert mining.end_activities(events)["cases"].tolist() == [1]


def test_prepared_traces_are_reused_and_checked() -> None:
    events = table(HAND)
    prepared = mining.prepare(events)
    assert mining.process_map(prepared).equals(mining.process_map(events))
    assert mining.variant_table(prepared, Col.ACTIVITY)["cases"].sum() == 3
    with pytest.raises(ConfigError, match="another activity key"):
        mining.process_map(prepared, Col.STATE)
    with pytest.raises(ConfigError, match="prepared traces"):
        mining.process_map(prepared, filters=[mining.PassesThrough(["B"])])
