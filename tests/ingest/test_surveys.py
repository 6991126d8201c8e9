"""Reading survey files: column detection, scales, quarantine reasons, dates never guessed."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdca.errors import AmbiguousDateError, ConfigError, InputError
from pdca.ingest.options import LoadOptions
from pdca.ingest.surveys import SurveyColumns, load_surveys, parse_scale
from pdca.model.surveys import Instrument, SurveyCol
from tests.ingest.survey_files import write_csat, write_log


def _file(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_generated_file_reconciles_with_reasons(tmp_path: Path) -> None:
    tickets = write_log(tmp_path / "log.csv")
    survey = write_csat(tmp_path / "csat.csv", tickets)
    batch = load_surveys(survey.path, log="desk")
    assert batch.rows_read == survey.rows
    # the loader keeps exact duplicates: the store counts and skips them
    assert len(batch.responses) == len(survey.valid) + survey.duplicates
    assert len(batch.quarantine) == len(survey.quarantined)
    got = dict(zip(batch.quarantine["row"], batch.quarantine["reason"], strict=True))
    assert set(got) == set(survey.quarantined)
    for row, start in survey.quarantined.items():
        assert got[row].startswith(start), (row, got[row])
        assert "(column '" in got[row]
    assert batch.details["columns"] == {
        "ticket": "Ticket ID",
        "score": "Rating",
        "time": "Date Submitted",
        "comment": "Comment",
    }
    responses = batch.responses.drop_duplicates(
        subset=[SurveyCol.CASE_ID, SurveyCol.RESPONDED_AT, SurveyCol.SCORE]
    )
    want = survey.valid.sort_values(["case_id", "responded_at", "score"]).reset_index(drop=True)
    have = (
        responses[[SurveyCol.CASE_ID, SurveyCol.RESPONDED_AT, SurveyCol.SCORE]]
        .sort_values([SurveyCol.CASE_ID, SurveyCol.RESPONDED_AT, SurveyCol.SCORE])
        .reset_index(drop=True)
    )
    assert have[SurveyCol.CASE_ID].tolist() == want["case_id"].tolist()
    assert have[SurveyCol.SCORE].tolist() == want["score"].astype(float).tolist()
    pd.testing.assert_series_equal(
        have[SurveyCol.RESPONDED_AT].astype("datetime64[us]"),
        want["responded_at"].astype("datetime64[us]"),
        check_names=False,
    )
    assert set(batch.responses[SurveyCol.INSTRUMENT]) == {"csat"}
    assert batch.details["quarantine_reasons"]["missing ticket id (column 'Ticket ID')"] == 1
    raw = dict(zip(batch.quarantine["row"], batch.quarantine["raw"], strict=True))
    na_row = next(row for row, reason in survey.quarantined.items() if "n/a" in reason)
    assert json.loads(raw[na_row]) == {
        "Ticket ID": "INC0004",
        "Rating": "n/a",
        "Date Submitted": "2024-02-01 10:00",
        "Comment": "",
    }


@pytest.mark.parametrize(
    ("header", "roles"),
    [
        ("number,score,responded_at", ("number", "score", "responded_at")),
        ("Incident Number,CSAT Score,Created", ("Incident Number", "CSAT Score", "Created")),
        ("case_id,satisfaction,submitted", ("case_id", "satisfaction", "submitted")),
        ("Ticket,NPS,Date", ("Ticket", "NPS", "Date")),
    ],
)
def test_columns_are_found_by_common_names(
    tmp_path: Path, header: str, roles: tuple[str, str, str]
) -> None:
    path = _file(tmp_path, f"{header}\nT1,4,2024-01-02 10:00\n")
    batch = load_surveys(path, log="x")
    cols = batch.details["columns"]
    assert (cols["ticket"], cols["score"], cols["time"]) == roles
    assert cols["comment"] is None
    assert batch.responses[SurveyCol.COMMENT].isna().all()


def test_named_columns_win_and_unknown_names_are_errors(tmp_path: Path) -> None:
    path = _file(tmp_path, "ref,points,when,rating\nT1,5,2024-01-02,1\nT2,2,2024-01-03,5\n")
    batch = load_surveys(
        path, log="x", columns=SurveyColumns(ticket="ref", score="points", time="when")
    )
    assert batch.responses[SurveyCol.SCORE].tolist() == [5.0, 2.0]
    with pytest.raises(InputError, match=r"'nope' \(--score\) is not in the file"):
        load_surveys(path, log="x", columns=SurveyColumns(ticket="ref", score="nope"))


def test_a_file_without_a_ticket_column_names_the_option(tmp_path: Path) -> None:
    path = _file(tmp_path, "who,rating\nT1,4\n")
    with pytest.raises(InputError, match="--ticket COLUMN"):
        load_surveys(path, log="x")


def test_time_is_optional(tmp_path: Path) -> None:
    batch = load_surveys(_file(tmp_path, "ticket,rating\nT1,4\nT2,\n"), log="x")
    assert batch.responses[SurveyCol.RESPONDED_AT].isna().all()
    assert batch.quarantine["reason"].tolist() == ["missing score (column 'rating')"]
    empty = load_surveys(_file(tmp_path, "ticket,rating,date\nT1,4,\n", "e.csv"), log="x")
    assert empty.responses[SurveyCol.RESPONDED_AT].isna().all()


def test_ambiguous_dates_are_refused_not_guessed(tmp_path: Path) -> None:
    path = _file(tmp_path, "ticket,rating,date\nT1,4,03/04/2024\nT2,5,05/06/2024\n")
    with pytest.raises(AmbiguousDateError, match="day-first or month-first"):
        load_surveys(path, log="x")
    dayfirst = load_surveys(path, log="x", options=LoadOptions(dayfirst=True))
    assert dayfirst.responses[SurveyCol.RESPONDED_AT].iloc[0] == pd.Timestamp("2024-04-03")
    monthfirst = load_surveys(path, log="x", options=LoadOptions(dayfirst=False))
    assert monthfirst.responses[SurveyCol.RESPONDED_AT].iloc[0] == pd.Timestamp("2024-03-04")
    settled = _file(tmp_path, "ticket,rating,date\nT1,4,03/04/2024\nT2,5,25/06/2024\n", "d.csv")
    got = load_surveys(settled, log="x").responses[SurveyCol.RESPONDED_AT]
    assert got.tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2024-06-25")]


def test_offsets_and_time_zones_become_utc(tmp_path: Path) -> None:
    path = _file(tmp_path, "ticket,rating,date\nT1,4,2024-01-02T10:00:00+02:00\n")
    got = load_surveys(path, log="x").responses[SurveyCol.RESPONDED_AT].iloc[0]
    assert got == pd.Timestamp("2024-01-02 08:00")
    local = _file(tmp_path, "ticket,rating,date\nT1,4,2024-07-02 10:00\n", "l.csv")
    batch = load_surveys(local, log="x", options=LoadOptions(timezone="Europe/Brussels"))
    assert batch.responses[SurveyCol.RESPONDED_AT].iloc[0] == pd.Timestamp("2024-07-02 08:00")


def test_nps_scale_and_range(tmp_path: Path) -> None:
    path = _file(tmp_path, "ticket,nps\nT1,0\nT2,10\nT3,11\nT4,-1\nT5,7.5\n")
    batch = load_surveys(path, log="x", instrument="nps")
    assert batch.responses[SurveyCol.SCORE].tolist() == [0.0, 10.0, 7.5]
    assert set(batch.responses[SurveyCol.SCALE_MAX]) == {10.0}
    assert batch.quarantine["reason"].tolist() == [
        "score '11' is outside the scale 0-10 (column 'nps')",
        "score '-1' is outside the scale 0-10 (column 'nps')",
    ]
    with pytest.raises(ConfigError, match="0-10"):
        load_surveys(path, log="x", instrument="nps", scale="1-5")
    with pytest.raises(ConfigError, match="csat or nps"):
        load_surveys(path, log="x", instrument="ces")


def test_custom_scale_and_decimal_comma(tmp_path: Path) -> None:
    path = _file(tmp_path, "ticket;rating\nT1;4,5\nT2;7\nT3;10\nT4;0\n")
    batch = load_surveys(path, log="x", scale="1-7")
    assert batch.responses[SurveyCol.SCORE].tolist() == [4.5, 7.0]
    assert set(batch.responses[SurveyCol.SCALE_MIN]) == {1.0}
    assert batch.details["scale"] == [1.0, 7.0]
    assert len(batch.quarantine) == 2


@pytest.mark.parametrize(
    ("text", "want"),
    [("1-5", (1.0, 5.0)), ("0 - 10", (0.0, 10.0)), ("1\u20137", (1.0, 7.0)), ("0..1", (0.0, 1.0))],
)
def test_parse_scale(text: str, want: tuple[float, float]) -> None:
    assert parse_scale(text, Instrument.CSAT) == want


@pytest.mark.parametrize("text", ["five", "5-1", "3-3", "1-"])
def test_parse_scale_refuses_nonsense(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_scale(text, Instrument.CSAT)


def test_good_bad_words_choose_the_two_point_scale(tmp_path: Path) -> None:
    batch = load_surveys(_file(tmp_path, "ticket,rating\nT1,good\nT2,Bad\nT3,GOOD\n"), log="x")
    assert batch.responses[SurveyCol.SCORE].tolist() == [1.0, 0.0, 1.0]
    assert batch.details["scale"] == [0.0, 1.0]
    mixed = load_surveys(_file(tmp_path, "ticket,rating\nT1,good\nT2,4\n", "m.csv"), log="x")
    assert mixed.details["scale"] == [1.0, 5.0]
    assert mixed.quarantine["reason"].tolist() == ["score 'good' is not a number (column 'rating')"]


def test_excel_surveys(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ticket Number", "Rating", "Submitted"])
    sheet.append(["INC1", 5, pd.Timestamp("2024-03-04 10:00").to_pydatetime()])
    sheet.append(["INC2", 3, None])
    book.save(tmp_path / "s.xlsx")
    batch = load_surveys(tmp_path / "s.xlsx", log="x")
    assert batch.responses[SurveyCol.CASE_ID].tolist() == ["INC1", "INC2"]
    assert batch.responses[SurveyCol.SCORE].tolist() == [5.0, 3.0]
    assert batch.responses[SurveyCol.RESPONDED_AT].iloc[0] == pd.Timestamp("2024-03-04 10:00")


def test_broken_lines_are_quarantined(tmp_path: Path) -> None:
    batch = load_surveys(_file(tmp_path, "ticket,rating\nT1,4\nT2,4,extra,fields\n"), log="x")
    assert batch.rows_read == 2
    assert len(batch.responses) == 1
    assert "the header has 2" in batch.quarantine["reason"].iloc[0]


def test_header_only_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no data rows"):
        load_surveys(_file(tmp_path, "ticket,rating\n"), log="x")
