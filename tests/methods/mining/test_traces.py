"""Traces: numbering of tickets and labels, caching, and living with the store's lifetime."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd

from pdca.engine.store import Store
from pdca.methods import mining
from pdca.methods.mining.traces import CASE_NO, CODE, LABEL, POS, traces
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from tests.methods.mining.logs import frame, table, trace


def test_numbers_follow_sort_order_not_arrival() -> None:
    rows = [*trace("b", ("Zeta", 0), ("alpha", 1)), *trace("a", ("Beta", 0))]
    t = traces(table(rows))
    cases = t.cases.order_by(CASE_NO).to_pandas()
    assert cases[Col.CASE_ID].tolist() == ["a", "b"]
    assert cases[CASE_NO].tolist() == [1, 2]
    labels = t.labels.order_by(CODE).to_pandas()
    assert labels[LABEL].tolist() == ["Beta", "Zeta", "alpha"]  # code order = text order
    steps = t.steps.order_by([CASE_NO, POS]).to_pandas()
    assert steps[POS].tolist() == [0, 0, 1]


def _store_with_events(root: Path) -> None:
    events = frame(trace("T1", ("A", 0), ("B", 5), ("C", 9)))
    batch = ImportBatch(
        log="log",
        source="test",
        path="-",
        sha256="-",
        rows_read=len(events),
        events=events.drop(columns=[Col.IMPORT_ID, Col.EVENT_KEY]),
        quarantine=pd.DataFrame(columns=["row", "reason", "raw"]),
    )
    with Store.open(root) as store:
        store.append(batch)


def test_prepared_traces_outliving_their_store_are_harmless(tmp_path: Path) -> None:
    _store_with_events(tmp_path)
    with Store.open(tmp_path, read_only=True) as st:
        prepared = mining.prepare(st.events("log"))
        assert mining.process_map(prepared)["frequency"].tolist() == [1, 1]
    # the store dropped the cached tables on close; collecting them later must not raise
    del prepared
    gc.collect()
    with Store.open(tmp_path, read_only=True) as st:
        again = mining.variant_table(st.events("log"))
    assert again["variant"].tolist() == [("A", "B", "C")]
