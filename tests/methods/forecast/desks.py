"""The two desks the forecast tests backtest on: a simulated two-year desk and ServiceNow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pdca.simulate import SimulationConfig, simulate
from tests.conftest import SERVICENOW, shared_file


def simulated_desk(store: Path) -> Path:
    """Two years (2025-2026) of pdca's simulator: a known weekly profile (ServiceNow's weekday
    shares, 23 % of the week on Mondays, 2 % on Sundays), month factors (July 0.85, August
    0.82, December 0.92) and holidays (01-01, 12-24, 12-25, 12-26, 12-31 get the weekend volume)."""
    config = SimulationConfig(seed=11, start=date(2025, 1, 1), days=730, tickets=20_000)
    simulate(config, store=store)
    return store


SIMULATED_HOLIDAYS = tuple(
    date(y, m, d)
    for y in (2025, 2026, 2027)
    for m, d in ((1, 1), (12, 24), (12, 25), (12, 26), (12, 31))
)


def servicenow_opened() -> pd.Series:
    """Opening time of each ServiceNow incident (its first row's ``opened_at``, day-first)."""
    path = shared_file(SERVICENOW)
    raw = pd.read_csv(path, usecols=["number", "opened_at"], dtype=str)
    first = raw.drop_duplicates("number")
    return pd.to_datetime(first["opened_at"], format="%d/%m/%Y %H:%M")
