"""Small ServiceNow-like logs with a known change at go-live, for the improvement tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"
START = datetime(2024, 1, 1)  # a Monday
FORMAT = "%d/%m/%Y %H:%M"


def write_log(
    path: Path,
    *,
    weeks: int,
    per_week: int,
    factor: float,
    change_week: int,
    seed: int,
    first_week: int = 0,
    median_hours: float = 8.0,
    prefix: str = "INC",
    priority: str = "3 - Moderate",
) -> Path:
    """Tickets opened over ``weeks`` weeks from ``first_week``; resolution times are lognormal
    (median ``median_hours``, log standard deviation 0.8) and multiplied by ``factor`` for
    tickets opened from ``change_week`` on. Each ticket: New, Active 10 minutes later, and
    Resolved at the end."""
    rng = np.random.default_rng(seed)
    rows = []
    for week in range(first_week, first_week + weeks):
        for i in range(per_week):
            opened = START + timedelta(weeks=week, minutes=int(rng.integers(0, 7 * 24 * 60 - 60)))
            hours = median_hours * float(np.exp(rng.normal(0.0, 0.8)))
            if week >= change_week:
                hours *= factor
            active = opened + timedelta(minutes=10)
            resolved = active + timedelta(minutes=max(1, round(hours * 60)))
            number = f"{prefix}{week:03d}{i:04d}"
            rows += [
                f"{number},New,0,{opened:{FORMAT}},Group A,{priority}",
                f"{number},Active,1,{active:{FORMAT}},Group A,{priority}",
                f"{number},Resolved,2,{resolved:{FORMAT}},Group A,{priority}",
            ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def week_start(week: int) -> datetime:
    """Monday 00:00 of week ``week`` of the generated logs."""
    return START + timedelta(weeks=week)
