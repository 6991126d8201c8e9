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
    whole = round(seconds)
    if whole < _MINUTE:
        return "< 1 s" if whole == 0 and seconds > 0 else f"{whole} s"
    if whole < _HOUR:
        return _two(whole // _MINUTE, "min", whole % _MINUTE, "s")
    minutes = round(seconds / _MINUTE)
    if minutes < _DAY // _MINUTE:
        return _two(minutes // 60, "h", minutes % 60, "min")
    return f"{seconds / _DAY:.1f} d"


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big} {big_unit}" + (f" {small} {small_unit}" if small else "")
