"""Filters written as text (``pdca mine --filter …``), turned into filter objects.

One filter per text, ``NAME=VALUES`` to keep or ``NAME!=VALUES`` to drop; several values are
separated by commas:

* ``from=DATE`` / ``to=DATE`` — tickets whose life overlaps the time frame (start included, end
  excluded; ``DATE`` as ``2016-03-01`` or ``2016-03-01T08:00``, UTC);
* ``starts=A,B`` / ``ends=A,B`` — tickets whose first / last step is one of the steps;
* ``through=A,B`` — tickets that pass through one of the steps;
* ``top-variants=N`` — tickets of the N most frequent variants;
* ``COLUMN=V1,V2`` for a canonical column (``priority``, ``assignment_group``, ``service`` …) —
  tickets with one of those values in at least one event.

Steps are named by the same activity key as the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pdca.errors import ConfigError
from pdca.methods.mining.activity import KEY_COLUMNS, ActivityKey
from pdca.methods.mining.filters import (
    AttributeValues,
    EndActivities,
    PassesThrough,
    StartActivities,
    TimeFrame,
    Variants,
)
from pdca.methods.mining.traces import EventFilter

FILTER_NAMES = ("from", "to", "starts", "ends", "through", "top-variants")
"""Filter names besides the canonical columns."""

_HINT = (
    "write NAME=VALUES or NAME!=VALUES with NAME one of "
    f"{', '.join(FILTER_NAMES)} or a column ({', '.join(KEY_COLUMNS)})"
)


def _date(name: str, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--filter {name}: {text!r} is not a date", "write it as 2016-03-01 or 2016-03-01T08:00"
        ) from None


def parse_filter(text: str, activity: ActivityKey) -> EventFilter:
    """One filter from its text (see the module docstring)."""
    name, op, raw = _split(text)
    keep = op == "="
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not values:
        raise ConfigError(f"--filter {text!r} names no value", _HINT)
    if name in ("from", "to"):
        if not keep or len(values) != 1:
            raise ConfigError(f"--filter {text!r}: give one date with =", _HINT)
        when = _date(name, values[0])
        return TimeFrame(start=when) if name == "from" else TimeFrame(end=when)
    if name == "starts":
        return StartActivities(values, activity=activity, keep=keep)
    if name == "ends":
        return EndActivities(values, activity=activity, keep=keep)
    if name == "through":
        return PassesThrough(values, activity=activity, keep=keep)
    if name == "top-variants":
        if len(values) != 1 or not values[0].isdigit() or int(values[0]) < 1:
            raise ConfigError(f"--filter {text!r}: give one whole number above 0", _HINT)
        return Variants(top=int(values[0]), activity=activity, keep=keep)
    if name in KEY_COLUMNS:
        return AttributeValues(name, values, keep=keep)
    raise ConfigError(f"--filter {text!r}: unknown filter {name!r}", _HINT)


def _split(text: str) -> tuple[str, str, str]:
    for op in ("!=", "="):
        name, sep, raw = text.partition(op)
        if sep and name.strip() and "=" not in name:
            return name.strip(), op, raw
    raise ConfigError(f"--filter {text!r} is not NAME=VALUES", _HINT)


def parse_filters(texts: Sequence[str], activity: ActivityKey) -> list[EventFilter]:
    """Every filter, in the order given (they apply one after another)."""
    return [parse_filter(t, activity) for t in texts]


__all__ = ["FILTER_NAMES", "parse_filter", "parse_filters"]
