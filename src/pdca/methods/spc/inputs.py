"""Turn what users pass to ``fit`` into checked NumPy arrays, or say clearly what is wrong."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pdca.errors import InputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _floats(data: Any, what: str) -> FloatArray:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"{what} must be numbers", hint="pass a list, NumPy array or pandas Series of numbers"
        ) from None
    return arr


MAX_MAGNITUDE = 1e150
"""Largest absolute value a chart takes: squares and sums of values stay finite in float64."""


def values_1d(data: Any, what: str = "values") -> FloatArray:
    """A non-empty 1-D array of finite numbers."""
    arr = _floats(data, what)
    if arr.ndim != 1:
        raise InputError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"no {what} to chart", hint="pass at least two points")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(
            f"{what} contain {bad.size} missing or infinite value(s), first at position {bad[0]}",
            hint="drop or fill those points before charting",
        )
    huge = np.flatnonzero(np.abs(arr) > MAX_MAGNITUDE)
    if huge.size:
        raise InputError(
            f"{what} hold {huge.size} value(s) beyond ±{MAX_MAGNITUDE:g}, first at position "
            f"{huge[0]} ({arr[huge[0]]:g}): the limits' arithmetic (squares, sums) would overflow",
            hint="rescale the values (e.g. to thousands) or drop those points",
        )
    return arr


def counts(data: Any, what: str = "counts") -> FloatArray:
    """Non-negative finite numbers."""
    arr = values_1d(data, what)
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise InputError(
            f"{what} cannot be negative (position {bad[0]} is {arr[bad[0]]:g})",
            hint="counts of defects, events or units are 0 or more",
        )
    return arr


def sizes(data: Any, n: int, what: str = "sizes") -> FloatArray:
    """Positive finite numbers, one per point."""
    if data is None:
        raise InputError(
            f"this chart needs {what}: the subgroup size or area of opportunity of each point",
            hint="pass sizes=… with one number per point",
        )
    arr = values_1d(data, what)
    if arr.size != n:
        raise InputError(f"{arr.size} {what} for {n} points", hint="give one size per point")
    bad = np.flatnonzero(arr <= 0)
    if bad.size:
        raise InputError(
            f"{what} must be positive (position {bad[0]} is {arr[bad[0]]:g})",
            hint="drop points with nothing inspected",
        )
    return arr


def no_sizes(data: Any, chart: str, hint: str) -> None:
    """Reject ``sizes`` for a chart that has none."""
    if data is not None:
        raise InputError(f"the {chart} chart takes no sizes", hint=hint)


def subgroups(data: Any, groups: Any) -> tuple[list[FloatArray], list[Hashable]]:
    """Subgroups from values + group labels, a 2-D array (NaN = missing) or a list of lists."""
    if groups is not None:
        x = values_1d(data)
        g = pd.Series(np.asarray(groups, dtype=object))
        if g.size != x.size:
            raise InputError(f"{g.size} group labels for {x.size} values", hint="one per value")
        if g.isna().any():
            raise InputError("group labels contain missing values", hint="label every value")
        codes, uniques = pd.factorize(g, sort=False)
        return [x[codes == i] for i in range(len(uniques))], list(uniques)
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy(dtype=np.float64)
    try:
        arr = np.asarray(data, dtype=np.float64)
    except ValueError:
        rows = [values_1d(row) for row in data]
        return rows, list(range(1, len(rows) + 1))
    if arr.ndim != 2:
        raise InputError(
            "subgroup charts need subgroups",
            hint="pass groups=… (one label per value) or a 2-D array with one row per subgroup",
        )
    if np.isinf(arr).any():
        raise InputError("values contain infinite numbers", hint="drop or fix them")
    if (np.abs(arr[np.isfinite(arr)]) > MAX_MAGNITUDE).any():
        values_1d(arr[np.isfinite(arr)])  # the one-line error naming the first such value
    rows = [row[np.isfinite(row)] for row in arr]
    if not rows:
        raise InputError("no subgroups to chart", hint="pass at least two subgroups")
    return rows, list(range(1, len(rows) + 1))


def is_grouped(data: Any, groups: Any) -> bool:
    """Whether ``data`` holds subgroups (as opposed to individual values)."""
    if groups is not None or isinstance(data, pd.DataFrame):
        return True
    try:
        return bool(np.asarray(data, dtype=np.float64).ndim == 2)
    except ValueError:
        return True


def per_point(data: Any, n: int, what: str) -> npt.NDArray[Any]:
    """An array of one label per point."""
    arr = np.asarray(data, dtype=object)
    if arr.ndim != 1 or arr.size != n:
        raise InputError(f"{what} must have one entry per point ({n}), got {arr.size}")
    return arr


def phases(data: Any, n: int) -> npt.NDArray[np.int64]:
    """Phase of each point: 1 (limits estimated) or 2 (limits applied)."""
    if data is None:
        return np.ones(n, dtype=np.int64)
    arr = per_point(data, n, "phase")
    try:
        out = arr.astype(np.float64)
    except (TypeError, ValueError):
        out = np.zeros(n)
    if not np.isin(out, (1.0, 2.0)).all():
        raise InputError("phase must be 1 (phase I) or 2 (phase II) for every point")
    return out.astype(np.int64)


def exclusions(data: Any, n: int) -> BoolArray:
    """Excluded points, from a boolean mask or a list of positions (0-based)."""
    if data is None:
        return np.zeros(n, dtype=np.bool_)
    arr = np.asarray(data)
    if arr.dtype == np.bool_:
        if arr.shape != (n,):
            raise InputError(f"exclude mask has {arr.size} entries for {n} points")
        return arr.astype(np.bool_)
    if arr.size == 0:
        return np.zeros(n, dtype=np.bool_)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(
            "exclude must be a boolean mask or a list of point positions",
            hint="positions count from 0",
        )
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        raise InputError(f"exclude names point {int(bad[0])}, but positions run 0..{n - 1}")
    mask = np.zeros(n, dtype=np.bool_)
    mask[arr] = True
    return mask
