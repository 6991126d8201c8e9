"""The store sink's bulk append: the same store as appending import by import, surveys matched
to their tickets, and an interrupted simulation leaves the store as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca.engine.store import BulkAppend, Store
from pdca.simulate import SimulationConfig, SimulationProgress, Simulator, simulate
from pdca.simulate.sinks import SURVEY_SPOOL, StoreSink

CONFIG = SimulationConfig(seed=5, days=35, tickets=2_000)


def _sink(root: Path, *, bulk: bool) -> list[int]:
    sim = Simulator(CONFIG)
    sink = StoreSink(root, CONFIG, hidden=False, batch_events=2_500, bulk=bulk)
    for chunk in sim.chunks(hidden=False):
        sink.write(chunk)
    sink.close(sim.truth)
    return sink.import_ids


def _table(root: Path, name: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    with Store.open(root, read_only=True) as st:
        frame = st.query(f"SELECT * FROM {name}").drop(columns=list(drop))
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_bulk_sink_stores_what_import_by_import_stores(tmp_path: Path) -> None:
    one_by_one = _sink(tmp_path / "one", bulk=False)
    bulk = _sink(tmp_path / "bulk", bulk=True)
    assert len(one_by_one) > 4  # several event imports, each followed by its surveys
    assert len(bulk) == (len(one_by_one) // 2) + 1  # the same event imports, one survey import
    for name, drop in [("events", ("import_id",)), ("tickets", ()), ("surveys", ("import_id",))]:
        pd.testing.assert_frame_equal(
            _table(tmp_path / "bulk", name, drop), _table(tmp_path / "one", name, drop), obj=name
        )
    with Store.open(tmp_path / "bulk", read_only=True) as st:
        imports = st.imports()
        reports = [st.import_report(int(i)) for i in imports["import_id"]]
        tickets = int(st.query("SELECT count(*) AS n FROM tickets")["n"].iloc[0])
    assert (imports["rows_read"] == imports["stored"]).all()
    assert reports[-1]["unmatched"] == 0  # the tickets were there before the survey responses
    assert reports[-2]["tickets_in_log"] == tickets == CONFIG.total_tickets
    assert not (tmp_path / "bulk" / SURVEY_SPOOL).exists()


def _stop_at(chunk: int) -> Any:
    def progress(p: SimulationProgress) -> None:
        if p.chunk == chunk:
            raise KeyboardInterrupt

    return progress


def _fail(*_: Any, **__: Any) -> Any:
    raise OSError("disk full")


@pytest.mark.parametrize("where", ["writing", "surveys", "commit"])
def test_an_interrupted_simulation_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    root = tmp_path / "s"
    simulate(SimulationConfig(days=7, tickets=200, log="earlier"), store=root, hidden=False)
    before = {name: _table(root, name) for name in ("events", "tickets", "surveys", "imports")}
    with monkeypatch.context() as patch:
        # imports of 2,500 events: some are stored before the interruption
        patch.setitem(StoreSink.__init__.__kwdefaults__, "batch_events", 2_500)
        if where == "surveys":
            patch.setattr(BulkAppend, "append_surveys", _fail)
        elif where == "commit":
            patch.setattr(BulkAppend, "_tickets", _fail)
        progress = _stop_at(3) if where == "writing" else None
        with pytest.raises(KeyboardInterrupt if where == "writing" else OSError):
            simulate(CONFIG, store=root, hidden=False, progress=progress)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(_table(root, name), frame, obj=name)
    assert not (root / SURVEY_SPOOL).exists()
    report = simulate(CONFIG, store=root, hidden=False)  # the log's name is still free
    assert report.tickets == CONFIG.total_tickets
