"""Numbers as people read them on a chart: counts with thousands separators, rounded durations."""

from __future__ import annotations

import math

_MINUTE = 60
_HOUR = 3600
_DAY = 86400


def format_count(value: float) -> str:
    """A count with thousands separators: ``12345`` → ``12,345``."""
    if not math.isfinite(value):
        return "\N{EN DASH}"
    return f"{round(value):,}"


def _under_a_day(seconds: float) -> str | None:
    """A non-negative duration under a day in two units at most (``45 s``, ``12 min 5 s``,
    ``4 h 10 min``), or None from a day on (the two formats differ only there)."""
    whole = round(seconds)
    if whole < _MINUTE:
        return "< 1 s" if whole == 0 and seconds > 0 else f"{whole} s"
    if whole < _HOUR:
        return _two(whole // _MINUTE, "min", whole % _MINUTE, "s")
    minutes = round(seconds / _MINUTE)
    if minutes < _DAY // _MINUTE:
        return _two(minutes // 60, "h", minutes % 60, "min")
    return None


def format_duration(seconds: float) -> str:
    """A duration in seconds, rounded to two units at most.

    Under a minute: whole seconds (``45 s``; ``< 1 s`` for a positive value that rounds to 0).
    Under an hour: minutes and seconds (``12 min 5 s``). Under a day: hours and minutes, rounded to
    the minute (``4 h 10 min``). From a day on: days with one decimal (``3.2 d``). A zero part is
    left out (``2 h``); a missing value is an en dash.
    """
    if not math.isfinite(seconds):
        return "\N{EN DASH}"
    if seconds < 0:
        return "-" + format_duration(-seconds)
    short = _under_a_day(seconds)
    return short if short is not None else f"{seconds / _DAY:.1f} d"


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big} {big_unit}" + (f" {small} {small_unit}" if small else "")


def format_span(seconds: float) -> str:
    """A duration in seconds for a table cell: two whole units at most, from the largest.

    ``45 s``, ``12 min 5 s``, ``4 h 10 min``, ``3 d 4 h`` (rounded to the smallest unit shown; a
    zero part is left out, ``2 d``); days carry thousands separators (``1,204 d 3 h``). Negative
    values keep their sign (``-2 h 5 min``; ``0 s`` when they round to 0); a missing value is an
    empty string.
    """
    if not math.isfinite(seconds):
        return ""
    if seconds < 0:
        return "0 s" if round(seconds) == 0 else "-" + format_span(-seconds)
    short = _under_a_day(seconds)
    if short is not None:
        return short
    hours = round(seconds / _HOUR)
    days, rest = divmod(hours, 24)
    return f"{days:,} d" + (f" {rest} h" if rest else "")


def format_share(share: float) -> str:
    """A share (0-1) as a percentage with one decimal: ``0.2315`` → ``23.2``; a positive share
    below 0.05 % is ``< 0.1`` (never ``0.0`` for something that happened); missing: empty."""
    if not math.isfinite(share):
        return ""
    pct = share * 100
    if 0 < abs(pct) < 0.05:  # what rounds to 0.0 at one decimal
        return "< 0.1" if pct > 0 else "> -0.1"
    return f"{pct:,.1f}"
