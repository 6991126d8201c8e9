"""Scan every group of every dimension (cluster, category, configuration item) for bursts."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.methods.problems.bursts import BurstRule, Desk, scan_group

EPISODE_COLUMNS = (
    "dimension",
    "group",
    "start",
    "end",
    "tickets",
    "peak_window_tickets",
    "desk_tickets_in_window",
    "expected_in_window",
    "baseline_per_day",
    "group_tickets",
    "p_value",
    "alpha_span",
)


def scan_bursts(
    opened: pd.Series,
    groups: Mapping[str, pd.Series],
    rule: BurstRule,
    *,
    step: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Burst episodes (one row each, most significant first) and the groups scanned.

    ``opened`` holds every desk ticket's opening time; each series of ``groups`` (dimension →
    labels, aligned with ``opened``) puts a ticket in a group (missing: in none). Groups of fewer
    than ``rule.min_count`` tickets are listed as scanned but cannot raise a burst.
    """
    rule.check()
    times = pd.to_datetime(opened)
    known = times.notna().to_numpy()
    if known.sum() < 2:
        raise InputError("bursts need the opening times of at least two tickets", "")
    order = np.argsort(times[known].to_numpy(), kind="stable")
    stamps = times[known].to_numpy()[order]
    start = pd.Timestamp(stamps[0])
    hours = (stamps - stamps[0]) / np.timedelta64(1, "h")
    desk = Desk.of(hours.astype(float), rule.window_hours)
    episodes: list[dict[str, object]] = []
    scanned: list[dict[str, object]] = []
    for dimension, labels in groups.items():
        values = labels.to_numpy(dtype=object)[known][order]
        present = pd.notna(values)
        codes, uniques = pd.factorize(pd.Series(values[present], dtype=object).astype(str))
        positions = np.flatnonzero(present)
        for code, name in enumerate(uniques):
            if step is not None:
                step(f"{dimension} {name}")
            members = positions[codes == code].astype(np.int64)
            found, about = scan_group(desk, members, rule, start=start)
            scanned.append({"dimension": dimension, "group": name, **about})
            extra = {
                "baseline_per_day": about["baseline_per_day"],
                "group_tickets": about["tickets"],
                "alpha_span": about["alpha_span"],
            }
            episodes.extend(
                {"dimension": dimension, "group": name, **row, **extra} for row in found
            )
    frame = pd.DataFrame(episodes, columns=list(EPISODE_COLUMNS))
    if not frame.empty:
        frame = frame.sort_values(
            ["p_value", "tickets", "start"], ascending=[True, False, True], kind="stable"
        ).reset_index(drop=True)
    return frame, pd.DataFrame(scanned)
