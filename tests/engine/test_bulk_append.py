"""Store.bulk: many batches in one transaction give the store that Store.append gives batch by
batch (the oracle), and an interruption leaves the store as it was."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from pdca.engine import derived
from pdca.engine.store import BulkAppend, Store
from pdca.errors import StoreError
from pdca.methods.mining.materialize import derivations
from pdca.model.batch import QUARANTINE_COLUMNS, AppendResult, ImportBatch
from pdca.model.schema import Col
from pdca.simulate import SimulationConfig, Simulator

LOG = "bulk"
CONFIG = SimulationConfig(seed=3, days=28, tickets=600, log=LOG)


def _events() -> pd.DataFrame:
    table = pa.concat_tables([c.events for c in Simulator(CONFIG).chunks(hidden=False)])
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


def _batch(events: pd.DataFrame, n: int, quarantine: pd.DataFrame | None = None) -> ImportBatch:
    if quarantine is None:
        quarantine = pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
    return ImportBatch(
        log=LOG,
        source="test",
        path=f"part-{n}",
        sha256=f"{n:064d}",
        rows_read=len(events) + len(quarantine),
        events=events.reset_index(drop=True),
        quarantine=quarantine,
        details={"part": n},
    )


def _again(rows: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """The same events at other file positions: duplicates by content."""
    copy = rows.copy()
    copy[Col.ROW] = pd.array(range(first_row, first_row + len(copy)), dtype="int64[pyarrow]")
    return copy


def _batches() -> list[ImportBatch]:
    """A log cut at arbitrary rows (tickets span batches), with duplicates within a batch,
    across batches and of events stored before the bulk, and quarantined rows."""
    ev = _events()
    cuts = [0, 700, 1_500, 1_501, 2_600, len(ev)]
    parts = [ev.iloc[a:b] for a, b in itertools.pairwise(cuts)]
    top = len(ev) + 10
    parts[1] = pd.concat([parts[1], _again(parts[1].iloc[:5], top)])  # within the batch
    parts[3] = pd.concat([parts[3], _again(parts[1].iloc[100:140], top + 10)])  # an earlier one
    parts[4] = pd.concat([parts[4], _again(parts[0].iloc[:30], top + 60)])  # stored before
    bad = pd.DataFrame({"row": [top + 100, top + 101], "reason": ["no time", "no id"]})
    bad["raw"] = ['{"a": 1}', '{"b": 2}']
    return [_batch(p, i, bad if i == 2 else None) for i, p in enumerate(parts)]


def _snapshot(st: Store) -> dict[str, Any]:
    tables = ["events", "tickets", "quarantine", "imports", "surveys", *derived.known(st._con)]
    out: dict[str, Any] = {}
    for name in tables:
        frame = st.query(f'SELECT * FROM "{name}" ORDER BY ALL')
        if name == "imports":
            frame = frame.drop(columns=["imported_at"])
            frame["report"] = frame["report"].map(json.loads)
        out[name] = frame
    return out


def _assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert list(a) == list(b)
    for name, frame in a.items():
        pd.testing.assert_frame_equal(frame, b[name], obj=name)


@pytest.fixture(scope="module")
def batches() -> list[ImportBatch]:
    return _batches()


@pytest.fixture(scope="module")
def one_by_one(
    tmp_path_factory: pytest.TempPathFactory, batches: list[ImportBatch]
) -> tuple[list[AppendResult], dict[str, Any]]:
    with Store.open(tmp_path_factory.mktemp("one") / "s") as st:
        results = [st.append(b, derive=derivations()) for b in batches]
        return results, _snapshot(st)


def test_bulk_gives_the_store_that_appending_one_by_one_gives(
    tmp_path: Path,
    batches: list[ImportBatch],
    one_by_one: tuple[list[AppendResult], dict[str, Any]],
) -> None:
    expected_results, expected = one_by_one
    with Store.open(tmp_path / "s") as st:
        first = st.append(batches[0], derive=derivations())  # the log exists before the bulk
        with st.bulk(LOG, derivations()) as bulk:
            ids = [bulk.append(b) for b in batches[1:]]
        assert ids == [r.import_id for r in bulk.results]
        got = _snapshot(st)
    _assert_same(got, expected)
    assert [first, *bulk.results] == expected_results
    # the cases the oracle must cover did occur
    assert sum(r.duplicates_in_file for r in expected_results) == 5
    assert [r.duplicates_in_store for r in expected_results] == [0, 0, 0, 40, 30]
    assert sum(r.quarantined for r in expected_results) == 2
    assert len(expected["mining_steps"]) > 0
    assert expected_results[-1].tickets_in_log == CONFIG.total_tickets


def test_bulk_into_an_empty_store_and_in_one_block(
    tmp_path: Path,
    batches: list[ImportBatch],
    one_by_one: tuple[list[AppendResult], dict[str, Any]],
) -> None:
    expected_results, expected = one_by_one
    with Store.open(tmp_path / "s") as st, st.bulk(LOG, derivations()) as bulk:
        for b in batches:
            bulk.append(b)
    with Store.open(tmp_path / "s", read_only=True) as st:
        _assert_same(_snapshot(st), expected)
    assert bulk.results == expected_results


class InterruptionError(Exception):
    pass


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, call: int) -> None:
    original = getattr(target, name)
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call:
            raise InterruptionError(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)


@pytest.mark.parametrize(
    ("where", "call"),
    [
        ("_insert_staged", 3),  # while storing the third batch
        ("_refresh_tickets", 1),  # building the ticket facts at the end
        ("refresh", 1),  # building the derived tables at the end
        ("_record_import", 4),  # writing the import records at the end
    ],
)
def test_an_interrupted_bulk_leaves_the_store_as_it_was(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    batches: list[ImportBatch],
    one_by_one: tuple[list[AppendResult], dict[str, Any]],
    where: str,
    call: int,
) -> None:
    root = tmp_path / "s"
    with Store.open(root) as st:
        st.append(batches[0], derive=derivations())
        before = _snapshot(st)
    target: Any = derived if where == "refresh" else Store
    with monkeypatch.context() as patch:
        _fail_on_call(patch, target, where, call)
        with Store.open(root) as st:
            bulk = st.bulk(LOG, derivations())
            with pytest.raises(InterruptionError):
                _append_all(bulk, batches[1:])
            assert bulk.results == []
            _assert_same(_snapshot(st), before)
    # the same store takes the same batches afterwards, completely
    with Store.open(root) as st:
        with st.bulk(LOG, derivations()) as bulk:
            for b in batches[1:]:
                bulk.append(b)
        _assert_same(_snapshot(st), one_by_one[1])


def _append_all(bulk: BulkAppend, batches: list[ImportBatch]) -> None:
    with bulk:
        for b in batches:
            bulk.append(b)


def test_a_bulk_is_for_one_log_and_an_open_block(
    tmp_path: Path, batches: list[ImportBatch]
) -> None:
    with Store.open(tmp_path / "s") as st:
        bulk = st.bulk("another")
        with pytest.raises(StoreError, match="not open"):
            bulk.append(batches[0])
        with pytest.raises(StoreError, match="in a bulk append"), bulk:
            bulk.append(batches[0])
        assert st.logs().empty
    with Store.open(tmp_path / "s", read_only=True) as st, pytest.raises(StoreError):
        st.bulk(LOG)
