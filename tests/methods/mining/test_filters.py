"""Each filter against a plain pandas implementation of its documented meaning."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from pdca.errors import ConfigError
from pdca.methods import mining
from pdca.methods.mining import (
    AttributeValues,
    EndActivities,
    PassesThrough,
    StartActivities,
    TimeFrame,
    Variants,
)
from pdca.model.schema import Col
from tests.methods.mining.logs import T0, frame, table

ACTS = ["New", "Assigned", "Waiting", "Resolved", "Closed"]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for case in range(120):
        start = T0 + timedelta(hours=int(rng.integers(0, 24 * 60)))
        n = int(rng.integers(1, 7))
        offsets = np.sort(rng.integers(0, 24 * 20, size=n))
        # few distinct paths, so that variants repeat
        first = "New" if rng.random() < 0.8 else "Assigned"
        path = [first, *rng.choice(ACTS[1:3], size=max(n - 2, 0)).tolist(), "Closed"][:n]
        rows += [
            {
                Col.CASE_ID: f"C{case:03d}",
                Col.TIMESTAMP: start + timedelta(hours=int(offsets[k])),
                Col.SEQ: k,
                Col.ACTIVITY: path[k],
                Col.ASSIGNMENT_GROUP: rng.choice(["G1", "G2", None]),
                Col.PRIORITY: rng.choice(["1", "2", "3"]),
                Col.ATTRIBUTES: json.dumps({"Country": str(rng.choice(["be", "fr", "se"]))}),
            }
            for k in range(n)
        ]
    return frame(rows)


def _ordered(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values([Col.LOG, Col.CASE_ID, Col.TIMESTAMP, Col.SEQ, Col.ROW], kind="stable")


def _rows(events: object) -> set[int]:
    out = events.select(Col.ROW).to_pandas()  # type: ignore[attr-defined]
    return set(out[Col.ROW])


def _cases_rows(df: pd.DataFrame, cases: pd.Index | set[str]) -> set[int]:
    return set(df.loc[df[Col.CASE_ID].isin(set(cases)), Col.ROW])


def _check(log: pd.DataFrame, flt: object, expected: Callable[[pd.DataFrame], set[int]]) -> None:
    got = _rows(flt.apply(table(log)))  # type: ignore[attr-defined]
    want = expected(log)
    assert got == want
    assert 0 < len(want) < len(log), "the fixture should make this filter bite"


FRAME_START, FRAME_END = T0 + timedelta(days=20), T0 + timedelta(days=40)


@pytest.mark.parametrize("mode", ["contained", "intersecting", "started", "completed", "events"])
def test_time_frame(log: pd.DataFrame, mode: str) -> None:
    def expected(df: pd.DataFrame) -> set[int]:
        ts = df[Col.TIMESTAMP]
        inside = (ts >= FRAME_START) & (ts < FRAME_END)
        if mode == "events":
            return set(df.loc[inside, Col.ROW])
        span = df.groupby(Col.CASE_ID)[Col.TIMESTAMP].agg(["min", "max"])
        first_in = (span["min"] >= FRAME_START) & (span["min"] < FRAME_END)
        last_in = (span["max"] >= FRAME_START) & (span["max"] < FRAME_END)
        keep = {
            "contained": first_in & last_in,
            "intersecting": (span["min"] < FRAME_END) & (span["max"] >= FRAME_START),
            "started": first_in,
            "completed": last_in,
        }[mode]
        return _cases_rows(df, span.index[keep])

    _check(log, TimeFrame(FRAME_START, FRAME_END, mode), expected)  # type: ignore[arg-type]


def test_time_frame_converts_zoned_times_to_utc(log: pd.DataFrame) -> None:
    plus2 = timezone(timedelta(hours=2))
    zoned = TimeFrame(FRAME_START.replace(tzinfo=UTC).astimezone(plus2), None, "started")
    naive = TimeFrame(FRAME_START, None, "started")
    assert zoned == naive
    assert _rows(zoned.apply(table(log))) == _rows(naive.apply(table(log)))


def test_time_frame_checks_its_options() -> None:
    with pytest.raises(ConfigError, match="ends before"):
        TimeFrame(FRAME_END, FRAME_START)
    with pytest.raises(ConfigError, match="mode"):
        TimeFrame(mode="during")  # type: ignore[arg-type]


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("level", ["event", "case"])
def test_attribute_values_on_canonical_column(log: pd.DataFrame, level: str, keep: bool) -> None:
    def expected(df: pd.DataFrame) -> set[int]:
        match = df[Col.ASSIGNMENT_GROUP].isin(["G2"])  # missing never matches
        if level == "event":
            return set(df.loc[match if keep else ~match, Col.ROW])
        hit = set(df.loc[match, Col.CASE_ID])
        cases = hit if keep else set(df[Col.CASE_ID]) - hit
        return _cases_rows(df, cases)

    flt = AttributeValues(Col.ASSIGNMENT_GROUP, ["G2"], level=level, keep=keep)  # type: ignore[arg-type]
    _check(log, flt, expected)


def test_attribute_values_on_source_attribute(log: pd.DataFrame) -> None:
    def expected(df: pd.DataFrame) -> set[int]:
        country = df[Col.ATTRIBUTES].map(lambda s: json.loads(s)["Country"])
        return set(df.loc[country.isin(["be", "se"]), Col.ROW])

    _check(log, AttributeValues("Country", ("be", "se"), level="event"), expected)


@pytest.mark.parametrize("keep", [True, False])
def test_start_and_end_activities(log: pd.DataFrame, keep: bool) -> None:
    def expected(first: bool) -> Callable[[pd.DataFrame], set[int]]:
        def run(df: pd.DataFrame) -> set[int]:
            g = _ordered(df).groupby(Col.CASE_ID)[Col.ACTIVITY]
            edge = g.first() if first else g.last()
            hit = set(edge.index[edge.isin(["New"] if first else ["Closed"])])
            return _cases_rows(df, hit if keep else set(df[Col.CASE_ID]) - hit)

        return run

    _check(log, StartActivities(["New"], keep=keep), expected(first=True))
    _check(log, EndActivities("Closed", keep=keep), expected(first=False))


def test_passes_through(log: pd.DataFrame) -> None:
    def expected(df: pd.DataFrame) -> set[int]:
        return _cases_rows(df, set(df.loc[df[Col.ACTIVITY] == "Waiting", Col.CASE_ID]))

    _check(log, PassesThrough(["Waiting"]), expected)

    def never(df: pd.DataFrame) -> set[int]:
        hit = set(df.loc[df[Col.ACTIVITY].isin(["Waiting", "Resolved"]), Col.CASE_ID])
        return _cases_rows(df, set(df[Col.CASE_ID]) - hit)

    _check(log, PassesThrough(["Waiting", "Resolved"], keep=False), never)


def _variants(df: pd.DataFrame) -> pd.Series:
    return _ordered(df).groupby(Col.CASE_ID)[Col.ACTIVITY].agg(tuple)


@pytest.mark.parametrize("keep", [True, False])
def test_top_variants(log: pd.DataFrame, keep: bool) -> None:
    def expected(df: pd.DataFrame) -> set[int]:
        per_case = _variants(df)
        counts = per_case.value_counts()
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top = {v for v, _ in ranked[:3]}
        hit = set(per_case.index[per_case.isin(top)])
        return _cases_rows(df, hit if keep else set(df[Col.CASE_ID]) - hit)

    _check(log, Variants(top=3, keep=keep), expected)


def test_listed_variants(log: pd.DataFrame) -> None:
    chosen = [("New", "Closed"), ("New",), ("New", "Nowhere")]

    def expected(df: pd.DataFrame) -> set[int]:
        per_case = _variants(df)
        return _cases_rows(df, set(per_case.index[per_case.isin(set(chosen))]))

    _check(log, Variants(variants=chosen), expected)
    with pytest.raises(ConfigError, match="either top or variants"):
        Variants()
    with pytest.raises(ConfigError, match="either top or variants"):
        Variants(top=1, variants=chosen)


def test_filters_compose_in_order(log: pd.DataFrame) -> None:
    flts = [PassesThrough(["Waiting"]), TimeFrame(FRAME_START, None, "started")]
    got = mining.case_durations(table(log), filters=flts)
    start = log.groupby(Col.CASE_ID)[Col.TIMESTAMP].min()
    waiting = set(log.loc[log[Col.ACTIVITY] == "Waiting", Col.CASE_ID])
    want = sorted(c for c in waiting if start[c] >= FRAME_START)
    assert got[Col.CASE_ID].tolist() == want
    assert want


def test_filters_are_immutable_and_normalise_their_inputs() -> None:
    flt = StartActivities("New")
    assert flt.activities == ("New",)
    with pytest.raises(AttributeError):
        flt.keep = False  # type: ignore[misc]
    assert TimeFrame(datetime(2024, 1, 1, tzinfo=UTC)).start == datetime(2024, 1, 1)
