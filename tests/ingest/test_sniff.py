"""Detecting encodings and delimiters of text exports."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

from pdca.ingest.sniff import excel_sep_line, header_columns, sniff_delimiter, sniff_encoding

TEXT = "ticket;agent;status\nT1;Hélène Gaëlle;Résolu\nT2;Jürgen Größe;Geschlossen \u2013 OK\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-32-le"), "utf-32-le"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encoding_is_detected(data: bytes, expected: str) -> None:
    assert sniff_encoding(data) == expected


def test_latin1_is_read_as_windows_1252_with_the_same_text() -> None:
    data = TEXT.replace("\u2013", "-").encode("latin-1")
    encoding = sniff_encoding(data)
    assert data.decode(encoding) == TEXT.replace("\u2013", "-")


def test_another_script_is_not_forced_into_a_western_code_page() -> None:
    text = (
        "номер;описание;статус\n1;не работает принтер в офисе;закрыт\n"
        "2;нет доступа к почте;в работе\n3;сломалась мышь;новый\n"
    )
    data = text.encode("cp1251")
    assert data.decode(sniff_encoding(data)) == text


def test_utf8_cut_in_the_middle_of_a_character_is_still_utf8_when_partial() -> None:
    data = "é".encode() * 10
    assert sniff_encoding(data[:-1], partial=True) == "utf-8"
    assert sniff_encoding(data[:-1]) != "utf-8"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", "^", "~"])
def test_delimiter_is_detected(delimiter: str) -> None:
    rows = [["case", "time", "activity", "note"]] + [
        [f"C{i}", f"2021-03-0{i} 10:00", "Open", "a:b, c; d"] for i in range(1, 6)
    ]
    # the note field holds other delimiters; quote it where it contains ours
    lines = [delimiter.join(f'"{v}"' if delimiter in v else v for v in row) for row in rows]
    assert sniff_delimiter("\n".join(lines) + "\n") == delimiter


def test_quoted_fields_with_line_breaks_and_delimiters_do_not_confuse() -> None:
    text = (
        "id;description;status\n"
        '1;"first line, with commas\nsecond line, more, commas";Open\n'
        '2;"x, y, z";Closed\n'
    )
    assert sniff_delimiter(text) == ";"


def test_single_column_falls_back_to_comma() -> None:
    assert sniff_delimiter("only\na\nb\n") == ","


def test_excel_sep_line_wins() -> None:
    assert excel_sep_line("sep=|\na,b|c\n") == "|"
    assert sniff_delimiter("sep=;\na,b;c\n1,2;3\n") == ";"
    assert excel_sep_line("a,b\n") is None


def test_header_columns_of_compressed_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress("number;incident_state\nINC1;New\n".encode("utf-16")))
    assert header_columns(path) == frozenset({"number", "incident_state"})


def test_header_columns_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert header_columns(path) == frozenset()
