"""Timestamp format detection: right formats, and a refusal whenever the data does not tell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from pdca.errors import AmbiguousDateError, InputError
from pdca.ingest.dates import detect_format, looks_like_dates, parse_with


def _read(values: list[str], **kwargs: object) -> list[datetime | None]:
    """Detect, parse, and return plain datetimes (naive UTC when the values had offsets)."""
    series = pd.Series(values, dtype="str")
    fmt = detect_format(series, **kwargs)  # type: ignore[arg-type]
    parsed = parse_with(series, fmt.format)
    if fmt.has_offset:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return [None if pd.isna(v) else v.to_pydatetime() for v in parsed]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ["2021-03-04 10:00:00", "2021-12-31 23:59:59"],
            [datetime(2021, 3, 4, 10), datetime(2021, 12, 31, 23, 59, 59)],
        ),
        (
            ["2021-03-04T10:00:00Z", "2021-03-04T10:00:00+01:00", "2021-07-01T08:30:00-0500"],
            [datetime(2021, 3, 4, 10), datetime(2021, 3, 4, 9), datetime(2021, 7, 1, 13, 30)],
        ),
        (
            ["2021-03-04T10:00:00.250Z", "2021-03-04T10:00:01Z"],
            [datetime(2021, 3, 4, 10, 0, 0, 250000), datetime(2021, 3, 4, 10, 0, 1)],
        ),
        (
            ["2021-03-04 10:00:00.123456", "2021-03-05 11:00:00"],
            [datetime(2021, 3, 4, 10, 0, 0, 123456), datetime(2021, 3, 5, 11)],
        ),
        (
            ["  2021-03-04 10:00 ", "2021-03-05 11:15"],
            [datetime(2021, 3, 4, 10), datetime(2021, 3, 5, 11, 15)],
        ),
        (
            ["31.12.2021 23:59", "01.02.2022 00:00"],
            [datetime(2021, 12, 31, 23, 59), datetime(2022, 2, 1)],
        ),
        (
            ["12/31/21 11:59 PM", "01/02/22 1:05 AM"],
            [datetime(2021, 12, 31, 23, 59), datetime(2022, 1, 2, 1, 5)],
        ),
        (
            ["25/Feb/26 10:17 PM", "3/Mar/26 9:05 AM"],
            [datetime(2026, 2, 25, 22, 17), datetime(2026, 3, 3, 9, 5)],
        ),
        (
            ["Mar 3, 2021 10:00 AM", "Dec 13, 2021 4:00 PM"],
            [datetime(2021, 3, 3, 10), datetime(2021, 12, 13, 16)],
        ),
        (["13/01/2021", "02/03/2021"], [datetime(2021, 1, 13), datetime(2021, 3, 2)]),
        (["01/13/2021", "02/03/2021"], [datetime(2021, 1, 13), datetime(2021, 2, 3)]),
    ],
)
def test_known_formats_read_exactly(values: list[str], expected: list[datetime]) -> None:
    assert _read(values) == expected


def test_ambiguous_dates_are_refused_with_column_example_and_fix() -> None:
    values = pd.Series(["03/04/2021 10:00", "05/06/2021 11:00", "01/02/2021 09:00"])
    with pytest.raises(AmbiguousDateError) as caught:
        detect_format(values, column="Opened")
    text = str(caught.value)
    assert "'Opened'" in text
    assert "03/04/2021" in text
    assert "--dayfirst" in text
    assert "--monthfirst" in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("dayfirst", "expected"),
    [
        (True, [datetime(2021, 4, 3, 10), datetime(2021, 6, 5, 11)]),
        (False, [datetime(2021, 3, 4, 10), datetime(2021, 5, 6, 11)]),
    ],
)
def test_the_user_settles_ambiguity(dayfirst: bool, expected: list[datetime]) -> None:
    assert _read(["03/04/2021 10:00", "05/06/2021 11:00"], dayfirst=dayfirst) == expected


def test_one_telling_value_anywhere_in_a_large_column_decides() -> None:
    # thousands of ambiguous distinct values and one that can only be day-first, placed where
    # an evenly spread sample does not look: the decision must use every distinct date.
    start = datetime(2020, 1, 1)
    values = []
    for i in range(20_000):
        when = start + timedelta(minutes=7 * i)
        if when.day <= 12:
            values.append(when.strftime("%d/%m/%Y %H:%M"))
    values.insert(7, "25/12/2020 10:00")
    fmt = detect_format(pd.Series(values))
    assert fmt.format == "%d/%m/%Y %H:%M"
    assert fmt.dayfirst is True


def test_mixed_day_first_and_month_first_is_an_error() -> None:
    values = pd.Series(["13/01/2021", "02/03/2021", "01/14/2021"])
    with pytest.raises(AmbiguousDateError, match="mixes day-first and month-first"):
        detect_format(values, column="when")


def test_mixed_formats_are_an_error_not_a_partial_import() -> None:
    values = pd.Series(["2021-03-04 10:00", "2021-03-05 10:00", "04/03/2021 10:00"])
    with pytest.raises(InputError, match="mixes timestamp formats") as caught:
        detect_format(values, column="when")
    assert not isinstance(caught.value, AmbiguousDateError)


def test_offsets_and_local_times_mixed_is_an_error() -> None:
    values = pd.Series(["2021-03-04T10:00:00", "2021-03-04T11:00:00+01:00"])
    with pytest.raises(InputError, match="mixes timestamp formats"):
        detect_format(values)


def test_garbage_among_good_values_does_not_stop_detection() -> None:
    values = ["2021-03-04 10:00", "n/a", "2021-03-05 11:00", "tomorrow", "2021-03-06 12:00"]
    assert _read(values) == [
        datetime(2021, 3, 4, 10),
        None,
        datetime(2021, 3, 5, 11),
        None,
        datetime(2021, 3, 6, 12),
    ]


def test_no_dates_at_all() -> None:
    with pytest.raises(InputError, match="no format pdca knows"):
        detect_format(pd.Series(["hello", "world"]))
    with pytest.raises(InputError, match="no timestamps"):
        detect_format(pd.Series(["", "  ", None]))


def test_mostly_garbage_is_refused() -> None:
    values = pd.Series(["2021-03-04", "a", "b", "c", "d"])
    with pytest.raises(InputError, match="not timestamps"):
        detect_format(values, column="x")


def test_parse_with_keeps_missing_and_relaxes_only_seconds() -> None:
    values = pd.Series(["2021-03-04 10:00", None, "2021-03-04 10:00:05.5", "2021-03-04"])
    parsed = parse_with(values, "%Y-%m-%d %H:%M:%S.%f")
    assert parsed.iloc[0] == pd.Timestamp("2021-03-04 10:00")
    assert pd.isna(parsed.iloc[1])
    assert parsed.iloc[2] == pd.Timestamp("2021-03-04 10:00:05.5")
    assert pd.isna(parsed.iloc[3])  # a bare date is not a time of day


def test_looks_like_dates() -> None:
    assert looks_like_dates(pd.Series(["2021-03-04", "2021-03-05"]))
    assert not looks_like_dates(pd.Series(["INC001", "INC002"]))
    assert not looks_like_dates(pd.Series(["1", "2", "3"]))


def test_detection_of_a_120k_row_column() -> None:
    # (how long it takes is measured in benchmarks/, not asserted here)
    start = datetime(2016, 2, 29, tzinfo=UTC)
    rows = [(start + timedelta(minutes=3 * i)).strftime("%d/%m/%Y %H:%M") for i in range(60_000)]
    values = pd.Series(rows + rows, dtype="str")
    fmt = detect_format(values)
    assert fmt.format == "%d/%m/%Y %H:%M"
