"""Filters written as text become the filter objects a reader would expect."""

from __future__ import annotations

from datetime import datetime

import pytest

from pdca.errors import ConfigError
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.filter_spec import parse_filter, parse_filters
from pdca.methods.mining.filters import (
    AttributeValues,
    EndActivities,
    PassesThrough,
    StartActivities,
    TimeFrame,
    Variants,
)

KEY = ActivityKey(("state",))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("from=2016-03-01", TimeFrame(start=datetime(2016, 3, 1))),
        ("to=2016-04-01T08:30", TimeFrame(end=datetime(2016, 4, 1, 8, 30))),
        ("starts=new", StartActivities(("new",), activity=KEY)),
        (
            "ends!=cancelled,closed",
            EndActivities(("cancelled", "closed"), activity=KEY, keep=False),
        ),
        ("through = waiting_vendor ", PassesThrough(("waiting_vendor",), activity=KEY)),
        ("top-variants=5", Variants(top=5, activity=KEY)),
        (
            "priority=1 - Critical, 2 - High",
            AttributeValues("priority", ("1 - Critical", "2 - High")),
        ),
        (
            "assignment_group!=Group 7",
            AttributeValues("assignment_group", ("Group 7",), keep=False),
        ),
        ("category=a=b", AttributeValues("category", ("a=b",))),
    ],
)
def test_texts_become_filters(text: str, want: object) -> None:
    assert parse_filter(text, KEY) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("priority", "is not NAME=VALUES"),
        ("=x", "is not NAME=VALUES"),
        ("priority=", "names no value"),
        ("from=2016-13-01", "is not a date"),
        ("from=2016-01-01,2016-02-01", "give one date"),
        ("from!=2016-01-01", "give one date"),
        ("top-variants=0", "whole number above 0"),
        ("top-variants=many", "whole number above 0"),
        ("colour=red", "unknown filter 'colour'"),
    ],
)
def test_bad_texts_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_filter(text, KEY)


def test_order_is_kept() -> None:
    got = parse_filters(["from=2016-01-01", "priority=1"], KEY)
    assert [type(f) for f in got] == [TimeFrame, AttributeValues]
