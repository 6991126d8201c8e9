"""The generic CSV/Excel connector, end to end through ``pdca.api.ingest``.

Every fixture is written into ``tmp_path``; expected values are the ones written into it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.errors import AmbiguousDateError, InputError, MappingError
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app

HEADER = ["Ticket ID", "Updated", "Status", "Agent", "Note"]
ROWS = [
    ["T-1", "2021-03-04 09:00:00", "New", "Hélène Gaëlle", "first"],
    ["T-1", "2021-03-04 10:30:00", "In Progress", "Hélène Gaëlle", "a, b; c | d"],
    ["T-1", "2021-03-05 16:45:00", "Resolved", "Jürgen Größe", "line one\nline two"],
    ["T-2", "2021-03-06 08:00:00", "New", "François Œuvre", ""],
    ["T-2", "2021-03-07 12:15:00", "Closed", "Zoë Ørsted", 'said "hi"'],
]


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue()


def _events(store: Path) -> pd.DataFrame:
    frame = api.events(store)
    return frame.sort_values(["case_id", "timestamp"]).reset_index(drop=True)


def _expected(rows: list[list[str]]) -> list[tuple[str, datetime, str, str]]:
    out = [(r[0], datetime.fromisoformat(r[1]), r[2], r[3]) for r in rows]
    return sorted(out, key=lambda t: (t[0], t[1]))


def _actual(store: Path) -> list[tuple[str, datetime, str, str]]:
    ev = _events(store)
    return [
        (row.case_id, row.timestamp.to_pydatetime(), row.activity, row.resource)
        for row in ev.itertuples()
    ]


@pytest.mark.parametrize(
    ("encoding", "data_encoding"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-32", "utf-32"),
        ("cp1252", "cp1252"),
    ],
)
def test_each_encoding(tmp_path: Path, encoding: str, data_encoding: str) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(_csv_text(HEADER, ROWS).encode(encoding))
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.reconciles
    assert report.stored == len(ROWS)
    assert report.details["formats"]["encoding"] == data_encoding
    assert _actual(tmp_path / "s") == _expected(ROWS)
    notes = set(_events(tmp_path / "s")["attributes"].map(lambda a: eval_json(a)["Note"]))
    assert "line one\nline two" in notes


def eval_json(text: str) -> dict[str, str]:
    return dict(json.loads(text))


def test_latin1_file_keeps_accented_names(tmp_path: Path) -> None:
    rows = [[*r[:4], r[4].replace("\n", " ")] for r in ROWS if "Œ" not in r[3]]
    path = tmp_path / "latin.csv"
    path.write_bytes(_csv_text(HEADER, rows, ";").encode("latin-1"))
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.details["formats"]["encoding_detected"] is True
    assert {"Hélène Gaëlle", "Jürgen Größe", "Zoë Ørsted"} <= {
        a[3] for a in _actual(tmp_path / "s")
    }


def test_given_encoding_is_used(tmp_path: Path) -> None:
    path = tmp_path / "given.csv"
    path.write_bytes(_csv_text(HEADER, ROWS[:2]).encode("cp1252"))
    report = api.ingest(
        path, source="csv", store=tmp_path / "s", options=LoadOptions(encoding="cp1252")
    )
    assert report.details["formats"]["encoding"] == "cp1252"
    assert report.details["formats"]["encoding_detected"] is False


def test_wrong_given_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv_text(HEADER, ROWS).encode("cp1252"))
    with pytest.raises(InputError, match="not valid utf-8"):
        api.ingest(path, source="csv", store=tmp_path / "s", options=LoadOptions(encoding="utf-8"))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", "^"])
def test_each_delimiter(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "log.txt"
    path.write_text(_csv_text(HEADER, ROWS, delimiter), encoding="utf-8")
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.details["formats"]["delimiter"] == delimiter
    assert _actual(tmp_path / "s") == _expected(ROWS)


def test_given_delimiter_and_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "excel_style.csv"
    path.write_text("sep=;\n" + _csv_text(HEADER, ROWS, ";"), encoding="utf-8")
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.details["formats"]["delimiter"] == ";"
    assert report.stored == len(ROWS)
    path2 = tmp_path / "pipe.csv"
    path2.write_text(_csv_text(HEADER, ROWS, "|"), encoding="utf-8")
    report2 = api.ingest(
        path2, source="csv", store=tmp_path / "s2", options=LoadOptions(delimiter="|")
    )
    assert report2.details["formats"]["delimiter_detected"] is False
    assert _actual(tmp_path / "s2") == _expected(ROWS)


def test_compressed_csv(tmp_path: Path) -> None:
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(_csv_text(HEADER, ROWS).encode("utf-16")))
    api.ingest(path, source="csv", store=tmp_path / "s")
    assert _actual(tmp_path / "s") == _expected(ROWS)


def test_excel_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Export"
    sheet.append(["Ticket", "Changed", "Status", "Assignee", "Count"])
    written = [
        (1001, datetime(2021, 3, 4, 9, 0), "Open", "Ana", 1.0),
        (1001, datetime(2021, 3, 4, 13, 5, 30), "Waiting for customer", "Ana", 2.5),
        (1002, datetime(2021, 11, 12, 23, 59), "Done", None, 3.0),
    ]
    for row in written:
        sheet.append(list(row))
    book.create_sheet("Notes").append(["nothing", "here"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    report = api.ingest(path, store=tmp_path / "s")  # auto source: Excel goes to the csv connector
    assert report.source == "csv"
    assert report.details["formats"]["sheet"] == "Export"
    assert report.details["formats"]["dayfirst"] is None  # ISO text, no day/month question
    ev = _events(tmp_path / "s")
    assert list(ev["case_id"]) == ["1001", "1001", "1002"]
    assert [t.to_pydatetime() for t in ev["timestamp"]] == [r[1] for r in written]
    assert list(ev["state"]) == ["new", "waiting_customer", "closed"]
    assert ev["resource"].isna().tolist() == [False, False, True]
    assert [eval_json(a)["Count"] for a in ev["attributes"]] == ["1", "2.5", "3"]


def test_excel_named_sheet_from_mapping(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["unrelated"])
    second = book.create_sheet("Log")
    second.append(["case", "when", "what"])
    second.append(["A", "2021-05-01 10:00", "open"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[read]\nsheet = "Log"\n'
        '[columns]\ncase_id = "case"\ntimestamp = "when"\nactivity = "what"\n',
        encoding="utf-8",
    )
    report = api.ingest(path, store=tmp_path / "s", options=LoadOptions(mapping=mapping))
    assert report.stored == 1
    mapping.write_text(mapping.read_text().replace('"Log"', '"Nope"'), encoding="utf-8")
    with pytest.raises(MappingError, match="'Nope' not found"):
        api.ingest(path, store=tmp_path / "s2", options=LoadOptions(mapping=mapping))


def test_old_xls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputError, match=r"\.xls"):
        api.ingest(path, source="csv", store=tmp_path / "s")


def test_mapping_with_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(_csv_text(HEADER, ROWS), encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "Ticket ID"\ntimestamp = "When"\nactivity = "Status"\n',
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match="'When' not found") as caught:
        api.ingest(path, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping))
    assert "'Updated'" in str(caught.value)


def test_unrecognisable_columns_say_how_to_write_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("alpha,beta\nx,1\ny,2\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        api.ingest(path, source="csv", store=tmp_path / "s")
    text = str(caught.value)
    assert "'alpha', 'beta'" in text
    assert "pdca suggest-mapping odd.csv > map.toml" in text
    assert "--map map.toml" in text
    assert "\n" not in text


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("Ticket ID,Updated,Status\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        api.ingest(header_only, source="csv", store=tmp_path / "s")
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        api.ingest(empty, source="csv", store=tmp_path / "s")


def test_ragged_rows_are_quarantined_and_counted(tmp_path: Path) -> None:
    text = _csv_text(HEADER, ROWS) + "T-3,2021-03-08 10:00:00,New\n"
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert (report.rows_read, report.stored, report.quarantined) == (len(ROWS) + 1, len(ROWS), 1)
    quarantined = api.quarantine(tmp_path / "s")
    assert quarantined["reason"].tolist() == ["line 8: has 3 fields, the header has 5"]
    assert "T-3,2021-03-08 10:00:00,New" in quarantined["raw"].iloc[0]


AMBIGUOUS = [
    ["C1", "03/04/2021 10:00", "New"],
    ["C1", "05/04/2021 11:00", "Closed"],
    ["C2", "01/02/2021 08:30", "New"],
]


def _ambiguous_file(tmp_path: Path) -> Path:
    path = tmp_path / "amb.csv"
    path.write_text(_csv_text(["case", "timestamp", "activity"], AMBIGUOUS), encoding="utf-8")
    return path


def test_ambiguous_dates_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AmbiguousDateError, match="--dayfirst"):
        api.ingest(_ambiguous_file(tmp_path), source="csv", store=tmp_path / "s")


@pytest.mark.parametrize("dayfirst", [True, False])
def test_ambiguous_dates_with_the_users_choice(tmp_path: Path, dayfirst: bool) -> None:
    store = tmp_path / "s"
    api.ingest(
        _ambiguous_file(tmp_path),
        source="csv",
        store=store,
        options=LoadOptions(dayfirst=dayfirst),
    )
    fmt = "%d/%m/%Y %H:%M" if dayfirst else "%m/%d/%Y %H:%M"
    expected = sorted((r[0], datetime.strptime(r[1], fmt)) for r in AMBIGUOUS)
    got = sorted((r.case_id, r.timestamp.to_pydatetime()) for r in _events(store).itertuples())
    assert got == expected


def test_unambiguous_day_first_is_detected(tmp_path: Path) -> None:
    rows = [*AMBIGUOUS, ["C2", "13/02/2021 09:00", "Closed"]]
    path = tmp_path / "dmy.csv"
    path.write_text(_csv_text(["case", "timestamp", "activity"], rows), encoding="utf-8")
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.details["formats"]["dayfirst"] is True
    expected = sorted((r[0], datetime.strptime(r[1], "%d/%m/%Y %H:%M")) for r in rows)
    got = sorted(
        (r.case_id, r.timestamp.to_pydatetime()) for r in _events(tmp_path / "s").itertuples()
    )
    assert got == expected


def test_local_time_zone_with_daylight_saving(tmp_path: Path) -> None:
    rows = [
        ["A", "2021-03-28 01:30:00", "New"],  # CET, UTC+1 -> 00:30 UTC
        ["A", "2021-03-28 02:30:00", "Active"],  # does not exist in Brussels: quarantined
        ["A", "2021-03-28 03:30:00", "Resolved"],  # CEST, UTC+2 -> 01:30 UTC
        ["B", "2021-10-31 02:30:00", "New"],  # happens twice: quarantined
        ["B", "2021-10-31 03:30:00", "Closed"],  # CET again -> 02:30 UTC
    ]
    path = tmp_path / "dst.csv"
    path.write_text(_csv_text(["case", "timestamp", "activity"], rows), encoding="utf-8")
    report = api.ingest(
        path, source="csv", store=tmp_path / "s", options=LoadOptions(timezone="Europe/Brussels")
    )
    assert (report.stored, report.quarantined) == (3, 2)
    got = [(r.case_id, r.timestamp.to_pydatetime()) for r in _events(tmp_path / "s").itertuples()]
    assert got == [
        ("A", datetime(2021, 3, 28, 0, 30)),
        ("A", datetime(2021, 3, 28, 1, 30)),
        ("B", datetime(2021, 10, 31, 2, 30)),
    ]
    reasons = api.quarantine(tmp_path / "s")["reason"]
    assert reasons.str.contains("clock change").all()


def test_cli_ambiguous_dates_exit_1_with_one_line_error(tmp_path: Path) -> None:
    path = _ambiguous_file(tmp_path)
    result = CliRunner().invoke(
        app, ["ingest", str(path), "--store", str(tmp_path / "s")], catch_exceptions=False
    )
    assert result.exit_code == 1
    output = result.output.strip()
    assert "--dayfirst" in output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1
