"""Plain-Python oracles for the ITSM mining analyses, written from the definitions in
docs/mining-itsm.md without any pdca code, and the raw Volvo log read with plain pandas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

VOLVO_CASE = "SR Number"
VOLVO_TIME = "Change Date+Time"
VOLVO_GROUP = "Involved ST"
VOLVO_LEVEL = "ST Level"


def volvo_raw(path: Path) -> pd.DataFrame:
    """The Volvo incident log in its stable order: case, time (UTC), file row.

    Adds ``ts`` (naive UTC) and ``kind``: ``open`` (Queued, Accepted), ``res`` (Completed, except
    Cancelled), ``other`` (Completed-Cancelled) or missing (Unmatched: no known state).
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    stamps = pd.to_datetime(raw[VOLVO_TIME], format="%Y-%m-%dT%H:%M:%S%z", utc=True)
    raw["ts"] = stamps.dt.tz_localize(None)
    raw["file_row"] = np.arange(len(raw))
    kinds = [_kind(s, sub) for s, sub in zip(raw["Status"], raw["Sub Status"], strict=True)]
    raw["kind"] = pd.Series(kinds, index=raw.index, dtype=object)  # None stays None
    return raw.sort_values([VOLVO_CASE, "ts", "file_row"], kind="stable", ignore_index=True)


def _kind(status: str, sub_status: str) -> str | None:
    if status in ("Queued", "Accepted"):
        return "open"
    if status == "Completed":
        return "other" if sub_status == "Cancelled" else "res"
    return None


def by_case(raw: pd.DataFrame, columns: Sequence[str]) -> dict[str, dict[str, list[Any]]]:
    """The rows of each case (in the frame's order) as lists, one per column."""
    cases = raw[VOLVO_CASE].tolist()
    values = {c: raw[c].tolist() for c in columns}
    out: dict[str, dict[str, list[Any]]] = {}
    for i, case in enumerate(cases):
        lists = out.setdefault(case, {c: [] for c in columns})
        for c in columns:
            lists[c].append(values[c][i])
    return out


def collapse(
    holders: Sequence[str | None], times: Sequence[datetime]
) -> list[tuple[str, datetime]]:
    """(holder, start) of each stint: holders in order, empty ones skipped, repeats merged."""
    out: list[tuple[str, datetime]] = []
    for h, t in zip(holders, times, strict=True):
        if h is None or h == "":
            continue
        if not out or out[-1][0] != h:
            out.append((h, t))
    return out


def seconds(a: datetime, b: datetime) -> float:
    return float((b - a).total_seconds())


def ping_pong_cost(stints: list[tuple[str, datetime]]) -> float:
    """Union of the stretches [left holder, came back) over all returns, in seconds."""
    intervals = []
    for j, (h, back) in enumerate(stints):
        earlier = [i for i in range(j) if stints[i][0] == h]
        if earlier:
            left = stints[earlier[-1] + 1][1]
            intervals.append((left, back))
    intervals.sort()
    total = 0.0
    cur: tuple[datetime, datetime] | None = None
    for a, b in intervals:
        if cur is None or a > cur[1]:
            if cur is not None:
                total += seconds(*cur)
            cur = (a, b)
        else:
            cur = (cur[0], max(cur[1], b))
    if cur is not None:
        total += seconds(*cur)
    return total


def bounces(stints: list[tuple[str, datetime]]) -> list[tuple[str, str, float]]:
    """(X, Y, seconds at Y) for each X → Y → X of consecutive stints."""
    return [
        (x, y, seconds(ty, tz))
        for (x, _), (y, ty), (z, tz) in zip(stints, stints[1:], stints[2:], strict=False)
        if x == z
    ]


def finally_resolved(kinds: Sequence[str | None]) -> bool:
    """The last of the open / resolution events is a resolution."""
    relevant = [k for k in kinds if k in ("open", "res")]
    return bool(relevant) and relevant[-1] == "res"


def rework_loops(
    kinds: Sequence[str | None], times: Sequence[datetime]
) -> list[tuple[datetime, datetime, datetime | None]]:
    """(resolved at, reopened at, resolved again at) of each reopen; unknown states skipped."""
    known = [(k, t) for k, t in zip(kinds, times, strict=True) if k is not None]
    loops = []
    for i in range(1, len(known)):
        if known[i][0] == "open" and known[i - 1][0] == "res":
            j = i - 1
            while j > 0 and known[j - 1][0] == "res":
                j -= 1
            again = next((t for k, t in known[i + 1 :] if k == "res"), None)
            loops.append((known[j][1], known[i][1], again))
    return loops


def changes(holders: Sequence[str]) -> int:
    return sum(1 for a, b in pairwise(holders) if a != b)
