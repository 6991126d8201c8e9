"""Axis ticks people can read: round steps of 1, 2 or 5 times a power of ten.

:func:`nice_ticks` covers a data range with a few round values (Heckbert's "nice numbers"):
the step is the round number nearest to range / (count - 1), and the ticks run from the
largest multiple of the step at or below the minimum to the smallest at or above the maximum,
so the axis always encloses the data. :func:`tick_labels` writes them with just as many
decimals as the step needs, so ``0.1, 0.2, 0.3`` never prints as ``0.30000000000000004``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

_STEPS = (1.0, 2.0, 5.0, 10.0)


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) splitting ``span`` in about ``count - 1``."""
    if not math.isfinite(span) or span <= 0:
        raise ValueError(f"span must be a positive number, got {span!r}")
    rough = span / max(1, count - 1)
    power = 10.0 ** math.floor(math.log10(rough))
    fraction = rough / power
    # the round number nearest to the rough step, on a log scale (1.41, 3.16 and 7.07 split)
    best = min(_STEPS, key=lambda s: abs(math.log(fraction / s)))
    return best * power


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at or below ``low`` to at or above ``high`` (about ``count``).

    A range of zero width (one value) is widened to a unit around it (or 10 % of the value).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"cannot place ticks on [{low!r}, {high!r}]")
    if low > high:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, count)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [_clean(i * step, step) for i in range(first, last + 1)]


def decimals(step: float) -> int:
    """How many decimals a tick step needs (0 for whole steps)."""
    if step <= 0 or not math.isfinite(step):
        return 0
    return max(0, -math.floor(math.log10(step) + 1e-9))


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """The ticks as text with the decimals their step needs and thousands separators."""
    if not ticks:
        return []
    step = min((b - a for a, b in itertools.pairwise(ticks)), default=1.0)
    places = decimals(step)
    return [f"{round(value, places) + 0.0:,.{places}f}" for value in ticks]


def _clean(value: float, step: float) -> float:
    """``value`` rounded to the decimals of ``step`` (no 0.30000000000000004)."""
    return round(value, decimals(step) + 1) + 0.0
