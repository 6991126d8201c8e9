"""Durations written as text (pdca.ingest.durations): read where unambiguous, refused otherwise.

Each expected value is worked out by hand in seconds (1 h = 3600 s, 1 d = 86400 s), not by the
code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pdca.ingest.durations import (
    DurationError,
    parse_duration,
    read_durations,
    unit_from_header,
)

CASES = [
    ("1 hora 20 minutos", 3600 + 20 * 60),  # Portuguese (GLPI)
    ("1 hora e 20 minutos", 4800),
    ("2 horas", 7200),
    ("3 d 4 h", 3 * 86400 + 4 * 3600),
    ("3d4h", 273600),
    ("01:20:00", 4800),
    ("26:00:30", 26 * 3600 + 30),
    ("2 d 01:20:00", 2 * 86400 + 4800),
    ("45 min", 2700),
    ("1 jour 2 heures", 86400 + 7200),  # French
    ("2 Stunden 5 Minuten", 7200 + 300),  # German
    ("1 Tag", 86400),
    ("3 uur 15 minuten", 3 * 3600 + 15 * 60),  # Dutch
    ("2 dagen", 172800),
    ("1 día y 2 horas", 93600),  # Spanish
    ("1 ora e 30 minuti", 5400),  # Italian
    ("2 giorni", 172800),
    ("1,5 h", 5400),
    ("0.5 hours", 1800),
    ("18 dias 4 horas 11 minutos 48 segundos", 18 * 86400 + 4 * 3600 + 11 * 60 + 48),
    ("1 week", 604800),
    ("PT1H20M", 4800),
    ("P1DT2H", 93600),
]


@pytest.mark.parametrize(("text", "seconds"), CASES)
def test_reads_unambiguous_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1:20", "ambiguous"),  # h:mm or mm:ss?
        ("125", "without a unit"),
        ("3 meses", "not a unit"),  # months differ in length
        ("1 h 2 h", "twice"),
        ("-5 min", "negative"),
        ("1h30", "cannot read"),  # 30 what?
        ("soon", "cannot read"),
    ],
)
def test_refuses_what_it_would_have_to_guess(text: str, why: str) -> None:
    with pytest.raises(DurationError, match=why):
        parse_duration(text)


def test_bare_numbers_take_the_stated_unit() -> None:
    assert parse_duration("125", "minutes") == 125 * 60
    assert parse_duration("1,5", "hours") == 5400
    with pytest.raises(DurationError, match="unknown unit"):
        parse_duration("3", "fortnights")


def test_the_header_can_state_the_unit() -> None:
    assert unit_from_header("totale minuten open") == "minutes"
    assert unit_from_header("Tempo (horas)") == "hours"
    assert unit_from_header("Duration") is None


def test_read_durations_gives_seconds_and_reasons_row_by_row() -> None:
    values = pd.Series(["1 hora", None, "1:20", "45 min", "1 hora"])
    seconds, reasons = read_durations(values)
    assert seconds.tolist()[0] == 3600
    assert pd.isna(seconds[1])
    assert pd.isna(reasons[1])  # missing is not refused
    assert pd.isna(seconds[2])
    assert "ambiguous" in reasons[2]
    assert seconds[3] == 2700
    assert seconds[4] == 3600
