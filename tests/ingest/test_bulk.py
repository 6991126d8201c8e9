"""The bulk import path (issue 19, item 1) stores what the usual path stores.

Oracle: the usual import path (``pdca.api.ingest`` without ``bulk``), run on the same file into
another store. Both stores must hold the same events (same content keys, values, attributes,
file positions), the same quarantined rows (same file positions, reasons with the same line
numbers, same raw JSON), the same ticket facts and the same import counts; the data-quality
report must say the same. Files: a simulated desk written as a ServiceNow audit log (the
simulator's events are the known truth: every one of them is stored), that log corrupted in many
ways, a CSV with a mapping file, and the shared ServiceNow log (skipped when absent).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca import api
from pdca.engine import bulk_import
from pdca.engine.store import Store
from pdca.errors import PdcaError
from pdca.ingest import bulk_csv
from pdca.ingest.options import LoadOptions
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate
from tests.conftest import SERVICENOW, shared_file

SN_COLUMNS = [
    "number", "incident_state", "active", "sys_mod_count", "made_sla", "caller_id",
    "sys_updated_at", "contact_type", "location", "category", "subcategory", "cmdb_ci",
    "impact", "urgency", "priority", "assignment_group", "assigned_to",
]  # fmt: skip


def _sn_time(moment: pd.Timestamp) -> str:
    return f"{moment.day}/{moment.month}/{moment.year} {moment.hour:02d}:{moment.minute:02d}"


_DESKS: dict[tuple[int, int], pd.DataFrame] = {}


def _desk(tickets: int = 120, seed: int = 3) -> pd.DataFrame:
    """A simulated desk's events (the known truth), in the simulator's order."""
    if (tickets, seed) not in _DESKS:
        import tempfile  # noqa: PLC0415

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "desk.parquet"
            simulate(make_config(tickets=tickets, days=30, seed=seed), out=out, fmt="parquet",
                     hidden=False)  # fmt: skip
            _DESKS[tickets, seed] = pd.read_parquet(out)
    return _DESKS[tickets, seed].copy()


def _servicenow_lines(events: pd.DataFrame) -> list[str]:
    """The events written as ServiceNow's incident audit export (day-first minutes, ``?``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SN_COLUMNS)
    for e in events.itertuples(index=False):

        def v(x: Any) -> str:
            return "?" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)

        writer.writerow(
            [
                e.case_id, e.activity, "true", int(e.seq), "true", v(e.caller),
                _sn_time(pd.Timestamp(e.timestamp)), v(e.channel), v(e.location),
                v(e.category), v(e.subcategory), "CI-7", v(e.impact), v(e.urgency),
                v(e.priority), v(e.assignment_group), v(e.resource),
            ]
        )  # fmt: skip
    return out.getvalue().splitlines()


def _write(path: Path, lines: list[str], *, gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]))


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)  # a value with a line break is quoted
    return out.getvalue().removesuffix("\n")


def _set(lines: list[str], i: int, column: str, value: str) -> None:
    cells = _cells(lines[i])
    cells[SN_COLUMNS.index(column)] = value
    lines[i] = _line(cells)


VALUE_CORRUPTIONS: list[tuple[str, str]] = [
    ("number", "?"),
    ("number", ""),
    ("sys_updated_at", "?"),
    ("sys_updated_at", "31/2/2016 10:00"),
    ("sys_updated_at", "29/2/1850 10:00"),
    ("sys_updated_at", "now"),
    ("sys_updated_at", " 1/3/2016 10:00 "),
    ("sys_updated_at", "1/3/2016 10:00:30"),
    ("sys_updated_at", "2016-03-01 10:00"),
    ("sys_updated_at", "1/3/2016\\10:00"),
    ("sys_mod_count", "abc"),
    ("sys_mod_count", "1.5"),
    ("sys_mod_count", "3.0"),
    ("sys_mod_count", "1e30"),
    ("sys_mod_count", " 7 "),
    ("sys_mod_count", "99999999999999999999"),
    ("sys_mod_count", "it's"),
    ("sys_mod_count", "-0"),
    ("incident_state", "?"),
    ("incident_state", "Weird state"),
    ("location", 'Café ☕, "quoted"'),
    ("category", "?"),
]
"""(column, value) written into rows of the desk: each is a different way a value is wrong."""


def _corrupt_values(lines: list[str]) -> list[str]:
    out = list(lines)
    for n, (column, value) in enumerate(VALUE_CORRUPTIONS):
        _set(out, 2 + 7 * n, column, value)
    out.insert(40, out[33])  # an exact duplicate row
    out.insert(60, out[53])
    return out


def _corrupt_lines(lines: list[str]) -> list[str]:
    out = _corrupt_values(lines)
    out[200] = out[200] + ",extra"  # one field too many
    out[210] = ",".join(_cells(out[210])[:5])  # too few
    cells = _cells(out[220])
    out[220] = _line(cells[:5]) + ',"never closed' + "," + _line(cells[6:])  # broken quote
    cells = _cells(out[230])
    cells[SN_COLUMNS.index("location")] = "line one\nline two"  # a value with a line break
    out[230] = _line(cells)
    out.insert(240, "")  # a blank line is no record
    out[250] = out[250].replace(",", ";")  # one field
    out.append('INC9,"unterminated at the end')
    return out


def _snapshot(store: Path) -> dict[str, pd.DataFrame]:
    with Store.open(store, read_only=True) as st:
        return {
            "events": st.query("SELECT * EXCLUDE (import_id) FROM events ORDER BY event_key"),
            "quarantine": st.query(
                'SELECT "row", reason, raw FROM quarantine ORDER BY "row", reason, raw'
            ),
            "imports": st.query(
                "SELECT log, source, path, sha256, rows_read, stored, quarantined, duplicates"
                " FROM imports ORDER BY import_id"
            ),
            "tickets": st.query("SELECT * FROM tickets ORDER BY log, case_id"),
        }


def _both(path: Path, tmp: Path, **kw: Any) -> tuple[api.ImportReport, api.ImportReport]:
    usual = api.ingest(path, store=tmp / "usual", bulk=False, **kw)
    bulk = api.ingest(path, store=tmp / "bulk", bulk=True, **kw)
    return usual, bulk


def _assert_same(tmp: Path, usual: api.ImportReport, bulk: api.ImportReport) -> None:
    assert "bulk" not in usual.details
    assert "bulk" in bulk.details, "the bulk path was not taken"
    a, b = _snapshot(tmp / "usual"), _snapshot(tmp / "bulk")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
    details = {k: v for k, v in bulk.details.items() if k != "bulk"}
    assert details == usual.details
    for report in (usual, bulk):
        assert report.reconciles


def test_simulated_servicenow_desk(tmp_path: Path) -> None:
    events = _desk()
    path = _write(tmp_path / "incidents.csv", _servicenow_lines(events))
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)
    assert bulk.details["bulk"]["reader"] == "arrow"
    # the known truth: every simulated event is stored, none quarantined
    assert (bulk.stored, bulk.quarantined, bulk.duplicates) == (len(events), 0, 0)
    stored = api.events(tmp_path / "bulk")
    assert sorted(stored["case_id"].unique()) == sorted(events["case_id"].unique())
    assert (stored.sort_values("row")["activity"].to_numpy() == events["activity"]).all()


def test_value_corruptions_are_quarantined_alike(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "incidents.csv.gz", _corrupt_values(_servicenow_lines(_desk())), gz=True
    )
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)
    assert bulk.details["bulk"]["reader"] == "arrow"
    assert bulk.quarantined >= 12
    assert bulk.duplicates_in_file == 2


def test_malformed_lines_are_set_aside_alike(tmp_path: Path) -> None:
    path = _write(tmp_path / "incidents.csv", _corrupt_lines(_servicenow_lines(_desk())))
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)
    assert bulk.details["bulk"]["reader"] == "careful"
    reasons = api.quarantine(tmp_path / "bulk")["reason"]
    assert reasons.str.startswith("line ").sum() >= 5  # real file line numbers in the reasons


def test_small_read_chunks_and_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records that straddle the reader's chunks and batches read the same."""
    monkeypatch.setattr(bulk_csv, "_READ", 97)
    monkeypatch.setattr(bulk_csv, "CAREFUL_BATCH", 13)
    monkeypatch.setattr(bulk_import, "CHUNK", 5)
    lines = _corrupt_lines(_servicenow_lines(_desk()))
    path = _write(tmp_path / "incidents.csv", [ln.replace("\n", "\r\n") for ln in lines])
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)


def test_cell_limit_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDCA_MAX_CELL_BYTES", "2000")
    lines = _servicenow_lines(_desk(tickets=30))
    _set(lines, 5, "location", "x" * 5000)
    path = _write(tmp_path / "incidents.csv", lines)
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)
    assert "is longer than" in " ".join(api.quarantine(tmp_path / "bulk")["reason"])


@pytest.mark.parametrize(
    ("env", "value"), [("PDCA_MAX_COLUMNS", "5"), ("PDCA_MAX_EXPANDED_BYTES", "3000")]
)
def test_file_limits_stop_both_paths_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    path = _write(tmp_path / "incidents.csv.gz", _servicenow_lines(_desk(tickets=30)), gz=True)
    messages = []
    for bulk in (False, True):
        with pytest.raises(PdcaError) as caught:
            api.ingest(path, store=tmp_path / f"s{bulk}", bulk=bulk)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert not (tmp_path / "sTrue" / "pdca.duckdb").exists() or _empty(tmp_path / "sTrue")


def _empty(store: Path) -> bool:
    with Store.open(store, read_only=True) as st:
        return int(st.query("SELECT count(*) AS n FROM imports")["n"].iloc[0]) == 0


def test_reimport_through_either_path_stores_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path / "incidents.csv", _corrupt_values(_servicenow_lines(_desk())))
    store = tmp_path / "s"
    first = api.ingest(path, store=store, bulk=False)
    again = api.ingest(path, store=store, bulk=True)
    assert again.stored == 0
    assert again.duplicates_in_store == first.stored
    assert again.quarantined == first.quarantined
    assert again.reconciles
    other = tmp_path / "t"
    api.ingest(path, store=other, bulk=True)
    back = api.ingest(path, store=other, bulk=False)
    assert back.stored == 0
    assert back.duplicates_in_store == first.stored


class _InjectedError(Exception):
    pass


@pytest.mark.parametrize("where", ["batches", "seq", "insert"])
def test_an_interrupted_import_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    store = tmp_path / "s"
    events = _desk()
    first = _write(
        tmp_path / "first.csv", _servicenow_lines(events[events["case_id"] < "INC0000060"])
    )
    api.ingest(first, store=store, options=LoadOptions(log="desk"), bulk=True)
    before = _snapshot(store)
    path = _write(tmp_path / "incidents.csv", _corrupt_lines(_servicenow_lines(events)))
    if where == "batches":
        real = bulk_csv.BulkFile.batches

        def failing(self: bulk_csv.BulkFile) -> Any:
            for n, batch in enumerate(real(self)):
                if n == 1:
                    raise _InjectedError
                yield batch

        monkeypatch.setattr(bulk_csv.BulkFile, "batches", failing)
    elif where == "seq":
        monkeypatch.setattr(
            bulk_csv.BulkFile, "parse_seq", lambda *_: (_ for _ in ()).throw(_InjectedError())
        )
    else:
        real_stats = bulk_import._stats

        def after_insert(*args: Any) -> Any:
            raise _InjectedError

        monkeypatch.setattr(bulk_import, "_stats", real_stats)
        monkeypatch.setattr(bulk_import.derived, "refresh", after_insert)
    with pytest.raises(_InjectedError):
        api.ingest(path, store=store, options=LoadOptions(log="desk"), bulk=True)
    after = _snapshot(store)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    monkeypatch.undo()
    report = api.ingest(
        path, store=store, options=LoadOptions(log="desk"), bulk=True
    )  # the store still works
    assert report.reconciles
    assert report.stored > 0


MAPPING = """
[columns]
case_id = "Ticket"
timestamp = "When"
activity = ["Status", "Sub"]
seq = "Step"
ticket_type = "Kind"
assignment_group = "Team"

[read]
missing_values = ["", "n/a"]

[attributes]
sla_met = "SLA"

[states]
"Open-" = "new"
"Work-Busy" = "in_progress"
"Done-" = "resolved"
"""


def _mapped_lines() -> list[str]:
    rows = ["Ticket;When;Status;Sub;Step;Kind;Team;SLA;Note"]
    kinds = ["Incident", "service request", "INCIDENT ", "problem", "Bogus", "n/a"]
    for t in range(60):
        day = 1 + t % 28
        for step, (status, sub) in enumerate([("Open", ""), ("Work", "Busy"), ("Done", "")]):
            when = f"2021-03-{day:02d}T{8 + step}:0{step}:00+01:00"
            rows.append(
                f"T{t};{when};{status};{sub};{step};{kinds[t % len(kinds)]};G{t % 3};yes;n{t}"
            )
    rows[10] = "T100;2021-13-01T10:00:00+01:00;Open;;0;Incident;G1;no;bad month"
    rows[20] = "T101;2021-03-02T10:00:00Z;n/a;n/a;0;Incident;G1;no;no status"
    rows[30] = "T102;1899-12-31T23:00:00-02:00;Open;;0;Incident;G1;no;out of range"
    rows[40] = "T103;2021-03-02T10:00:00+01:00;Open;;x;Incident;G1;no;bad step"
    rows[50] = "n/a;2021-03-02T10:00:00+01:00;Open;;0;Incident;G1;no;no ticket"
    return rows


def test_mapped_csv(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = _write(tmp_path / "export.csv", _mapped_lines())
    options = LoadOptions(mapping=mapping)
    usual, bulk = _both(path, tmp_path, source="csv", options=options)
    _assert_same(tmp_path, usual, bulk)
    assert bulk.quarantined >= 6


def test_ambiguous_dates_are_refused_alike(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "id"\ntimestamp = "at"\nactivity = "step"\n', encoding="utf-8"
    )
    path = _write(
        tmp_path / "e.csv", ["id,at,step", "A,03/04/2021 10:00,New", "A,05/06/2021 11:00,Done"]
    )
    messages = []
    for bulk in (False, True):
        with pytest.raises(PdcaError) as caught:
            api.ingest(path, store=tmp_path / f"s{bulk}", source="csv",
                       options=LoadOptions(mapping=mapping), bulk=bulk)  # fmt: skip
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "day-first or month-first" in messages[0]
    # told day-first, both read it the same way
    usual, bulk_report = _both(
        path, tmp_path / "told", source="csv", options=LoadOptions(mapping=mapping, dayfirst=True)
    )
    _assert_same(tmp_path / "told", usual, bulk_report)


def test_dates_the_wrong_way_round_are_refused_alike(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "id"\ntimestamp = "at"\nactivity = "step"\n'
        '[timestamp]\nformat = "%m/%d/%Y %H:%M"\n',
        encoding="utf-8",
    )
    path = _write(
        tmp_path / "e.csv",
        ["id,at,step", "A,03/04/2021 10:00,New", "A,25/06/2021 11:00,Done", "B,13/01/2021 9:00,X"],
    )
    messages = []
    for bulk in (False, True):
        with pytest.raises(PdcaError) as caught:
            api.ingest(path, store=tmp_path / f"s{bulk}", source="csv",
                       options=LoadOptions(mapping=mapping), bulk=bulk)  # fmt: skip
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "nothing was stored" in messages[0]


def test_unsupported_mappings_take_the_usual_path(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "id"\ntimestamp = "at"\nactivity = "step"\n'
        '[values.step]\n"x" = "y"\n',
        encoding="utf-8",
    )
    path = _write(tmp_path / "e.csv", ["id,at,step", "A,2021-03-04 10:00,New"])
    options = LoadOptions(mapping=mapping)
    assert bulk_csv.plan(path, "csv", options) is None
    report = api.ingest(path, store=tmp_path / "s", source="csv", options=options, bulk=True)
    assert "bulk" not in report.details
    assert report.stored == 1


@pytest.mark.realdata
@pytest.mark.slow
def test_shared_servicenow_log(tmp_path: Path) -> None:
    path = shared_file(SERVICENOW)
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)
    assert bulk.stored == 119_998


@pytest.mark.realdata
def test_shared_servicenow_head_corrupted(tmp_path: Path) -> None:
    with gzip.open(shared_file(SERVICENOW), "rt", encoding="utf-8") as handle:
        lines = [next(handle).rstrip("\n") for _ in range(3000)]
    header = _cells(lines[0])
    # write the real rows in the shape the corruption helpers know (the columns they touch)
    keep = [header.index(c) for c in SN_COLUMNS]
    lines = [_line([_cells(ln)[i] for i in keep]) for ln in lines]
    path = _write(tmp_path / "servicenow_head.csv", _corrupt_lines(lines))
    usual, bulk = _both(path, tmp_path)
    _assert_same(tmp_path, usual, bulk)


KILL_HARNESS = r"""
import os, signal, sys
from pdca import api
from pdca.engine import bulk_import
from pdca.engine.store import Store
from pdca.ingest.options import LoadOptions

staged = sys.argv[3] == "staged"
owner, name = (bulk_import, "_quarantine") if staged else (Store, "_refresh_tickets")
original = getattr(owner, name)


def dies_after(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return result


setattr(owner, name, dies_after)
api.ingest(sys.argv[1], store=sys.argv[2], options=LoadOptions(log="desk"), bulk=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["staged", "inserted"])
def test_kill_during_a_bulk_import_leaves_the_store_as_it_was(tmp_path: Path, phase: str) -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    store = tmp_path / "s"
    events = _desk()
    first = _servicenow_lines(events[events["case_id"] < "INC0000060"])
    api.ingest(_write(tmp_path / "first.csv", first), store=store,
               options=LoadOptions(log="desk"), bulk=True)  # fmt: skip
    before = _snapshot(store)
    path = _write(tmp_path / "incidents.csv", _corrupt_lines(_servicenow_lines(events)))
    proc = subprocess.run(
        [sys.executable, "-c", KILL_HARNESS, str(path), str(store), phase],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-500:]
    after = _snapshot(store)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    report = api.ingest(path, store=store, options=LoadOptions(log="desk"), bulk=True)
    assert report.reconciles
    assert report.stored > 0
