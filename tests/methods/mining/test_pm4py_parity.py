"""Parity with PM4Py 2.7 on the two public real logs.

PM4Py (AGPL) is an oracle here, never a dependency of pdca: this module computes PM4Py's answers
from the raw CSV, prepared exactly as ../shared/data/README.md says (stable sort by case id as
text, timestamp and file row; nothing dropped; offsets converted to UTC; ServiceNow day-first),
and compares pdca's answers — computed from the imported store — with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pdca
from pdca.engine.store import Store
from pdca.methods import mining
from pdca.methods.mining import Traces
from pdca.methods.mining.materialize import kept_traces
from pdca.model.schema import Col
from tests.conftest import SERVICENOW, VOLVO, shared_file

pm4py = pytest.importorskip("pm4py", reason="pm4py (the test oracle) is not installed")

pytestmark = pytest.mark.realdata

REL = 1e-9  # only where the summation order differs (means, standard deviations)


@dataclass(frozen=True)
class LogSpec:
    path: Path
    case: str
    activity: str
    timestamp: str
    time_format: str
    edges: int  # published in ../shared/data/README.md
    variants: int


SPECS = {
    "volvo": LogSpec(
        VOLVO, "SR Number", "Activity", "Change Date+Time", "%Y-%m-%dT%H:%M:%S%z", 81, 2278
    ),
    "servicenow": LogSpec(
        SERVICENOW, "number", "incident_state", "sys_updated_at", "%d/%m/%Y %H:%M", 45, 1907
    ),
}


@dataclass
class Oracle:
    log: pd.DataFrame
    dfg: dict[tuple[str, str], int]
    start: dict[str, int]
    end: dict[str, int]
    performance: dict[tuple[str, str], dict[str, float]]
    variants: dict[tuple[str, ...], int]
    durations: list[float]


@dataclass
class Ours:
    traces: Traces
    edges: pd.DataFrame
    start: pd.DataFrame
    end: pd.DataFrame
    variants: pd.DataFrame
    durations: pd.DataFrame
    handovers: pd.DataFrame
    tickets: pd.DataFrame


def _pm4py(spec: LogSpec) -> Oracle:
    raw = pd.read_csv(spec.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    stamps = pd.to_datetime(raw[spec.timestamp], format=spec.time_format, utc=True)
    raw[spec.timestamp] = stamps.dt.tz_localize(None)
    log = pm4py.format_dataframe(
        raw, case_id=spec.case, activity_key=spec.activity, timestamp_key=spec.timestamp
    )
    dfg, start, end = pm4py.discover_dfg(log)
    performance, _, _ = pm4py.discover_performance_dfg(log)
    variants = pm4py.get_variants(log)
    # PM4Py 2.7 returns counts per variant tuple; older versions returned lists of traces
    counts = {v: (n if isinstance(n, int) else len(n)) for v, n in variants.items()}
    durations = [float(d) for d in pm4py.get_all_case_durations(log)]
    return Oracle(log, dict(dfg), dict(start), dict(end), performance, counts, durations)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mining-parity")
    logs = {name: pdca.ingest(shared_file(s.path), store=root).log for name, s in SPECS.items()}
    return {"root": root, "logs": logs}


_ORACLES: dict[str, Oracle] = {}
PATHS = ("computed", "kept at import")
"""Traces ordered for the question (``prepare``), or the ones the import kept (the CLI's path)."""


@pytest.fixture(scope="module", params=[(n, p) for n in SPECS for p in PATHS], ids="-".join)
def case(request: pytest.FixtureRequest, store: dict[str, Any]) -> tuple[LogSpec, Oracle, Ours]:
    name, path = request.param
    spec = SPECS[name]
    if name not in _ORACLES:
        _ORACLES[name] = _pm4py(spec)
    oracle = _ORACLES[name]
    log = store["logs"][name]
    with Store.open(store["root"], read_only=True) as st:
        events = st.events(log)
        if path == PATHS[0]:
            t = mining.prepare(events, Col.ACTIVITY)
        else:
            kept = kept_traces(events, lambda table: st.derived(table, log))
            assert kept is not None
            t = kept
        ours = Ours(
            t,
            mining.process_map(t),
            mining.start_activities(t),
            mining.end_activities(t),
            mining.variant_table(t),
            mining.case_durations(t),
            mining.handover(events),
            st.tickets(log).to_pandas(),
        )
    return spec, oracle, ours


def test_directly_follows_counts(case: tuple[LogSpec, Oracle, Ours]) -> None:
    spec, oracle, ours = case
    edges = ours.edges
    got = dict(
        zip(zip(edges["source"], edges["target"], strict=True), edges["frequency"], strict=True)
    )
    assert len(got) == spec.edges == len(oracle.dfg)
    assert got == oracle.dfg


def test_cases_per_edge_against_pandas(case: tuple[LogSpec, Oracle, Ours]) -> None:
    _, oracle, ours = case
    log = oracle.log  # PM4Py's formatted frame, already in its stable order
    nxt = log.groupby("case:concept:name", sort=False)["concept:name"].shift(-1)
    pairs = pd.DataFrame(
        {"case": log["case:concept:name"], "source": log["concept:name"], "target": nxt}
    ).dropna()
    expected = pairs.groupby(["source", "target"])["case"].nunique().to_dict()
    got = ours.edges.set_index(["source", "target"])["cases"].to_dict()
    assert got == expected


def test_start_and_end_activities(case: tuple[LogSpec, Oracle, Ours]) -> None:
    _, oracle, ours = case
    assert dict(zip(ours.start["activity"], ours.start["cases"], strict=True)) == oracle.start
    assert dict(zip(ours.end["activity"], ours.end["cases"], strict=True)) == oracle.end


def test_waiting_times_per_edge(case: tuple[LogSpec, Oracle, Ours]) -> None:
    _, oracle, ours = case
    assert len(ours.edges) == len(oracle.performance)
    for row in ours.edges.to_dict("records"):
        theirs = oracle.performance[(row["source"], row["target"])]
        assert row["min"] == theirs["min"]
        assert row["max"] == theirs["max"]
        assert row["median"] == theirs["median"]
        assert row["total"] == theirs["sum"]
        assert row["mean"] == pytest.approx(theirs["mean"], rel=REL, abs=0)
        if math.isnan(theirs["stdev"]):  # an edge seen once
            assert row["frequency"] == 1
            assert pd.isna(row["stdev"])
        else:
            assert row["stdev"] == pytest.approx(theirs["stdev"], rel=REL, abs=0)


def test_variants(case: tuple[LogSpec, Oracle, Ours]) -> None:
    spec, oracle, ours = case
    v = ours.variants
    assert len(v) == spec.variants == len(oracle.variants)
    assert dict(zip(v["variant"], v["cases"], strict=True)) == oracle.variants
    top = sorted(oracle.variants.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert list(zip(v["variant"][:20], v["cases"][:20], strict=True)) == top
    assert v["share"].sum() == pytest.approx(1.0, rel=REL)


def test_case_durations(case: tuple[LogSpec, Oracle, Ours]) -> None:
    _, oracle, ours = case
    mine = ours.durations["duration"].to_numpy()
    assert sorted(mine.tolist()) == sorted(oracle.durations)
    assert float(np.median(mine)) == float(np.median(oracle.durations))
    assert float(np.mean(mine)) == pytest.approx(float(np.mean(oracle.durations)), rel=REL)
    # each variant's mean duration, weighted by its tickets, gives back the overall mean
    v = ours.variants
    weighted = float((v["mean_duration"] * v["cases"]).sum() / v["cases"].sum())
    assert weighted == pytest.approx(float(np.mean(oracle.durations)), rel=1e-9)


def test_handovers_agree_with_the_reassignment_count_of_tickets(
    case: tuple[LogSpec, Oracle, Ours],
) -> None:
    _, _, ours = case
    total = int(ours.handovers["frequency"].sum())
    assert total == int(ours.tickets[Col.REASSIGNMENT_COUNT].sum())
    assert total > 0
    assert (ours.handovers["source"] != ours.handovers["target"]).all()


def test_counts_are_whole_numbers_on_both_paths(case: tuple[LogSpec, Oracle, Ours]) -> None:
    """Counts come back as int64 whether computed or kept at import (DuckDB keeps a sum as a
    128-bit integer, which pandas would otherwise hold as Python objects)."""
    _, _, ours = case
    for frame, columns in ((ours.edges, ("frequency", "cases")), (ours.start, ("cases",))):
        for column in columns:
            assert str(frame[column].dtype) == "int64", column
    assert str(ours.end["cases"].dtype) == "int64"
