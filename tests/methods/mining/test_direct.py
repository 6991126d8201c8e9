"""The direct path: a CSV export mined without an import gives exactly the import's answers.

On both public real logs, the process map (counts, cases, waiting times), start and end steps,
variants and case durations computed on the file read directly are compared with the ones
computed on the imported store, and with PM4Py 2.7's (the checks of ``test_pm4py_parity`` run
again here on the direct path). Then what makes the direct path trustworthy on other files: rows
keep their file order (the last tie-breaker), dates are read with the connector's format and
never guessed, and a date that does not fit stops the run with a clear error.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pdca
from pdca.api.analyse import file_events, mine, mine_parts
from pdca.engine.csvscan import CsvFile, open_csv
from pdca.engine.store import Store
from pdca.errors import InputError, MappingError
from pdca.ingest.options import LoadOptions
from pdca.methods import mining
from pdca.methods.mining.materialize import kept_traces
from pdca.model.schema import EVENT_COLUMNS, Col
from tests.conftest import SERVICENOW, VOLVO, shared_file
from tests.methods.mining import test_pm4py_parity as parity
from tests.methods.mining.test_pm4py_parity import (
    SPECS,
    LogSpec,
    Oracle,
    Ours,
    test_case_durations,
    test_cases_per_edge_against_pandas,
    test_directly_follows_counts,
    test_start_and_end_activities,
    test_variants,
    test_waiting_times_per_edge,
)

# the parity checks, collected here again with this module's ``case`` (the direct path)
__all__ = [
    "test_case_durations",
    "test_cases_per_edge_against_pandas",
    "test_directly_follows_counts",
    "test_start_and_end_activities",
    "test_variants",
    "test_waiting_times_per_edge",
]

pm4py = pytest.importorskip("pm4py", reason="pm4py (the test oracle) is not installed")


def _same(got: pd.DataFrame, want: pd.DataFrame, *, dtypes: bool = True) -> None:
    """Equal tables; means and standard deviations may differ in the last bits (the order in
    which the engine adds numbers up is not fixed), everything else is exact. ``dtypes=False``
    for the tables an import keeps, whose edge counts come back as Python integers."""
    assert list(got.columns) == list(want.columns)
    rounded = [c for c in ("mean", "stdev", "mean_duration") if c in got.columns]
    exact = [c for c in got.columns if c not in rounded]
    pd.testing.assert_frame_equal(got[exact], want[exact], check_exact=True, check_dtype=dtypes)
    pd.testing.assert_frame_equal(got[rounded], want[rounded], check_exact=False, rtol=1e-12)


def _results(events: Any) -> dict[str, pd.DataFrame]:
    t = mining.prepare(events)
    return {
        "edges": mining.process_map(t),
        "start": mining.start_activities(t),
        "end": mining.end_activities(t),
        "variants": mining.variant_table(t),
        "durations": mining.case_durations(t),
        "handover": mining.handover(events),
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, pd.DataFrame]]:
    root = tmp_path_factory.mktemp("direct-vs-import")
    out = {}
    for name, spec in SPECS.items():
        log = pdca.ingest(shared_file(spec.path), store=root).log
        with Store.open(root, read_only=True) as st:
            events = st.events(log)
            kept = kept_traces(events, lambda table, log=log: st.derived(table, log))
            assert kept is not None
            out[name] = _results(events) | {
                "kept edges": mining.process_map(kept),
                "kept variants": mining.variant_table(kept),
                "kept durations": mining.case_durations(kept),
            }
    return out


@pytest.fixture(scope="module")
def direct() -> dict[str, dict[str, pd.DataFrame]]:
    out = {}
    for name, spec in SPECS.items():
        with file_events(shared_file(spec.path)) as events:
            out[name] = _results(events)
    return out


@pytest.fixture(scope="module", params=list(SPECS))
def case(request: pytest.FixtureRequest) -> tuple[LogSpec, Oracle, Ours]:
    """``test_pm4py_parity``'s case, with pdca's answers from the file read directly."""
    spec = SPECS[request.param]
    path = shared_file(spec.path)  # skips, saying why, before the oracle reads the file
    if request.param not in parity._ORACLES:
        parity._ORACLES[request.param] = parity._pm4py(spec)
    with file_events(path) as events:
        t = mining.prepare(events)
        ours = Ours(
            t,
            mining.process_map(t),
            mining.start_activities(t),
            mining.end_activities(t),
            mining.variant_table(t),
            mining.case_durations(t),
            mining.handover(events),
            pd.DataFrame(),
        )
    return spec, parity._ORACLES[request.param], ours


@pytest.mark.realdata
@pytest.mark.parametrize("log", list(SPECS))
@pytest.mark.parametrize("result", ["edges", "start", "end", "variants", "durations", "handover"])
def test_direct_path_equals_the_imported_path(
    imported: dict[str, dict[str, pd.DataFrame]],
    direct: dict[str, dict[str, pd.DataFrame]],
    log: str,
    result: str,
) -> None:
    got, want = direct[log][result], imported[log][result]
    assert len(got) > 0
    _same(got, want)
    if f"kept {result}" in imported[log]:  # what the CLI shows for an imported log
        _same(got, imported[log][f"kept {result}"], dtypes=False)


@pytest.mark.realdata
def test_the_events_are_the_imported_events_row_for_row(tmp_path: Path) -> None:
    path = shared_file(SERVICENOW)
    log = pdca.ingest(path, store=tmp_path).log
    with Store.open(tmp_path, read_only=True) as st:
        want = st.events(log).to_pyarrow().to_pandas()
    with file_events(path) as events:
        assert list(events.columns) == list(EVENT_COLUMNS)
        got = events.to_pyarrow().to_pandas()
    same = [c for c in EVENT_COLUMNS if c not in (Col.ATTRIBUTES, Col.IMPORT_ID, Col.EVENT_KEY)]
    got = got.sort_values(Col.ROW, ignore_index=True)[same]
    want = want.sort_values(Col.ROW, ignore_index=True)[same]
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.realdata
def test_mine_reads_a_file_like_a_store(tmp_path: Path) -> None:
    path = shared_file(VOLVO)
    pdca.ingest(path, store=tmp_path)
    for view in ("dfg", "variants", "handover", "pingpong"):
        _same(mine(view, file=path), mine(view, store=tmp_path), dtypes=False)
    through = ["through=Accepted-Wait - User"]
    _same(
        mine_parts("dfg", file=path, filters=through)["edges"],
        mine_parts("dfg", store=tmp_path, filters=through)["edges"],
        dtypes=False,
    )


# -- file order, dates and errors, on small generated files --------------------------------------

SN_HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"


def _servicenow(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([SN_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_rows_keep_their_file_order_across_threads_and_buffers(tmp_path: Path) -> None:
    # every event of a ticket at the same minute, no sequence number: only the position in the
    # file orders them; tickets interleave so each buffer holds pieces of many tickets
    n_cases, per_case = 400, 40
    rows = [
        f"INC{c:05d},Step {k:02d},?,1/3/2016 10:00,Group {k % 7},2 - High"
        for k in range(per_case)
        for c in range(n_cases)
    ]
    path = tmp_path / "ties.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join([SN_HEADER, *rows]) + "\n")
    with file_events(path, settings={"threads": 4}) as events:
        frame = events.select(Col.CASE_ID, Col.ACTIVITY, Col.ROW).to_pyarrow().to_pandas()
        variants = mining.variant_table(events)
    frame = frame.sort_values(Col.ROW, ignore_index=True)
    assert frame[Col.ROW].tolist() == list(range(len(rows)))
    assert (frame[Col.CASE_ID] + "," + frame[Col.ACTIVITY]).tolist() == [
        ",".join(r.split(",")[:2]) for r in rows
    ]
    assert len(variants) == 1
    assert variants["variant"].iloc[0] == tuple(f"Step {k:02d}" for k in range(per_case))


def test_rowid_follows_the_file_with_small_buffers(tmp_path: Path) -> None:
    """The engine's guarantee itself: many read buffers, four threads, rows in file order."""
    path = tmp_path / "many.csv"
    lines = [f"c{i % 97},{i},{'x' * (i % 13)}" for i in range(30_000)]
    path.write_text("case,n,pad\n" + "\n".join(lines) + "\n", encoding="utf-8")
    spec = CsvFile(
        path,
        {"case": "VARCHAR", "n": "BIGINT", "pad": "VARCHAR"},
        settings={"threads": 4},
        buffer_size=1 << 14,
    )
    with open_csv(spec) as raw:
        frame = raw.to_pyarrow().to_pandas().sort_values("__row__", ignore_index=True)
    assert frame["n"].tolist() == list(range(30_000))
    assert frame["__row__"].tolist() == list(range(30_000))


def test_day_first_dates_are_read_day_first(tmp_path: Path) -> None:
    path = _servicenow(
        tmp_path / "sn.csv",
        ["INC1,New,0,02/03/2016 10:00,G1,1", "INC1,Resolved,1,03/03/2016 09:30,G1,1"],
    )
    with file_events(path) as events:
        stamps = events.order_by(Col.ROW)[Col.TIMESTAMP].to_pyarrow().to_pylist()
    assert [s.isoformat() for s in stamps] == ["2016-03-02T10:00:00", "2016-03-03T09:30:00"]


def test_offsets_become_utc(tmp_path: Path) -> None:
    path = tmp_path / "volvo.csv"
    path.write_text(
        "\ufeffSR Number,Change Date+Time,Status,Sub Status,Activity\n"
        "1-1,2010-03-31T15:59:42+01:00,Accepted,In Progress,Accepted-In Progress\n"
        "1-1,2010-04-01T08:00:00-05:30,Completed,Closed,Completed-Closed\n",
        encoding="utf-8",
    )
    with file_events(path) as events:
        got = events.order_by(Col.ROW).select(Col.TIMESTAMP, Col.STATE).to_pyarrow().to_pylist()
    assert [r[Col.TIMESTAMP].isoformat() for r in got] == [
        "2010-03-31T14:59:42",
        "2010-04-01T13:30:00",
    ]
    assert [r[Col.STATE] for r in got] == ["in_progress", "closed"]


def test_a_date_that_does_not_fit_is_an_error_not_a_shifted_date(tmp_path: Path) -> None:
    path = _servicenow(
        tmp_path / "bad.csv",
        ["INC1,New,0,29/2/2016 10:00,G1,1", "INC1,Resolved,1,2016-03-01 09:30,G1,1"],
    )
    with pytest.raises(InputError, match=r"bad\.csv.*2016-03-01 09:30") as err:
        mine("dfg", file=path)
    assert "pdca ingest" in str(err.value)


def test_an_impossible_date_is_an_error(tmp_path: Path) -> None:
    path = _servicenow(tmp_path / "month13.csv", ["INC1,New,0,12/13/2016 10:00,G1,1"])
    with pytest.raises(InputError, match="12/13/2016"):
        mine("dfg", file=path)


def test_a_mapping_without_a_date_format_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("id,when,status\nT1,03/04/2021 10:00,Open\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "id"\ntimestamp = "when"\nactivity = "status"\n', encoding="utf-8"
    )
    with pytest.raises(MappingError, match="never guesses dates"):
        mine("dfg", file=data, options=LoadOptions(mapping=mapping))
    mapping.write_text(
        mapping.read_text(encoding="utf-8") + '[timestamp]\nformat = "%d/%m/%Y %H:%M"\n',
        encoding="utf-8",
    )
    with file_events(data, options=LoadOptions(mapping=mapping)) as events:
        row = events.to_pyarrow().to_pylist()[0]
    assert row[Col.TIMESTAMP].isoformat() == "2021-04-03T10:00:00"
    assert (row[Col.CASE_ID], row[Col.ACTIVITY]) == ("T1", "Open")


def test_an_unknown_export_needs_a_mapping(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("id,when,status\nT1,2021-04-03 10:00,Open\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"--map.*pdca ingest"):
        mine("dfg", file=data)
    with pytest.raises(InputError, match="CSV files"):
        mine("dfg", file=tmp_path / "log.xes")


def test_rows_without_ticket_time_or_step_are_left_out_as_the_import_does(
    tmp_path: Path,
) -> None:
    path = _servicenow(
        tmp_path / "gaps.csv",
        [
            "INC1,New,0,01/03/2016 10:00,G1,1",
            "?,New,0,01/03/2016 10:05,G1,1",
            "INC1,?,1,01/03/2016 10:10,G1,1",
            "INC1,Active,2,?,G1,1",
            "INC1,Resolved,3,01/03/2016 11:00,?,1",
        ],
    )
    pdca.ingest(path, store=tmp_path / "store")
    direct = mine("variants", file=path)
    stored = mine("variants", store=tmp_path / "store")
    pd.testing.assert_frame_equal(direct, stored)
    assert direct["variant"].tolist() == [("New", "Resolved")]
