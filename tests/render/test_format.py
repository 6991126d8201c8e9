"""Counts and durations as a chart writes them."""

from __future__ import annotations

import math

import pytest

from pdca.render.format import format_count, format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (0.3, "< 1 s"),
        (0.6, "1 s"),
        (45, "45 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),
        (725, "12 min 5 s"),
        (3599.4, "59 min 59 s"),
        (3599.6, "1 h"),
        (4 * 3600 + 10 * 60, "4 h 10 min"),
        (4 * 3600 + 10 * 60 + 29, "4 h 10 min"),
        (4 * 3600 + 10 * 60 + 31, "4 h 11 min"),
        (7200, "2 h"),
        (86369, "23 h 59 min"),
        (86399, "1.0 d"),
        (86400, "1.0 d"),
        (3.2 * 86400, "3.2 d"),
        (400 * 86400, "400.0 d"),
        (-90, "-1 min 30 s"),
        (math.nan, "\N{EN DASH}"),
        (math.inf, "\N{EN DASH}"),
    ],
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (1234, "1,234"),
        (12345678, "12,345,678"),
        (2.6, "3"),
        (math.nan, "\N{EN DASH}"),
    ],
)
def test_counts(value: float, text: str) -> None:
    assert format_count(value) == text
