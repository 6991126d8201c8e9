"""A simulated log, run through pdca's KPI and mining engines, resembles the real ServiceNow log.

Both logs go into a store the usual way — the real one by ``pdca.ingest``, the simulated one by
``pdca.simulate.simulate`` — and :mod:`tests.simulate.resemblance` measures both with the same
public API calls. The simulation is shaped like the real extract: tickets open over three
months (March to May) and are followed for seven more, so almost every ticket is closed when
the log ends, as in ServiceNow's export; every other setting is the simulator's default (the
major incidents at their default rate per ticket).

The tolerances are stated in :data:`resemblance.STATISTICS` and documented in docs/simulator.md
("How close the simulated log is to the real one"); statistics the simulator does not reproduce
are reported, not checked. The second test shows the tolerances can fail: a desk configured
differently falls outside them on the statistics it changes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pdca
from pdca.simulate import SimulationConfig, simulate
from pdca.simulate import calibrated as cal
from pdca.simulate.config import Arrivals, Bursts, Routing, Timing
from tests.conftest import SERVICENOW, shared_file
from tests.simulate import resemblance
from tests.simulate.resemblance import compare, measure, render

START = date(2024, 3, 1)
DAYS = 306
"""Until 2025-01-01: three months of arrivals, then seven months for the tickets to close."""
ARRIVAL_MONTHS = (3, 4, 5)
ARRIVAL_DAYS = 31 + 30 + 31
TICKETS = 20_000
"""About as many as the real log (20,769)."""
SEED = 2016

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def like_the_extract(**changes: Any) -> SimulationConfig:
    """The default desk, with arrivals only in March-May (like ServiceNow's extract)."""
    months = tuple(1.0 if month in ARRIVAL_MONTHS else 0.0 for month in range(1, 13))
    # the default rate of major incidents per ticket: per_month applies to every simulated day
    bursts = Bursts(per_month=Bursts().per_month * ARRIVAL_DAYS / DAYS)
    return SimulationConfig(
        seed=SEED,
        start=START,
        days=DAYS,
        tickets=TICKETS,
        arrivals=Arrivals(month_factor=months),
        bursts=bursts,
        **changes,
    )


def _simulated(config: SimulationConfig, where: Path) -> dict[str, float]:
    store = where / "store"
    report = simulate(config, store=store, hidden=False)
    assert report.tickets == TICKETS
    return measure(store)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    path = shared_file(SERVICENOW)
    store = tmp_path_factory.mktemp("servicenow") / "store"
    report = pdca.ingest(path, store=store)
    assert report.tickets_in_log == 20_769
    return measure(store)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    return _simulated(like_the_extract(), tmp_path_factory.mktemp("simulated"))


def _outside(table: pd.DataFrame) -> set[str]:
    failed = [w is not None and not w for w in table["within"]]
    return set(table.loc[failed, "statistic"])


@pytest.mark.realdata
@pytest.mark.slow
def test_the_simulated_log_resembles_the_real_one(
    real: dict[str, float], simulated: dict[str, float]
) -> None:
    table = compare(real, simulated)
    print("\n" + render(table))
    checked = table[table["within"].notna()]
    assert len(checked) >= 20  # most of the table is checked, not only reported
    assert not _outside(table), "\n" + render(table)


_TWICE_AS_SLOW = Timing(
    resolution_hours={p: tuple(2 * h for h in t) for p, t in cal.RESOLUTION_HOURS.items()}
)
_DIFFERENT = {
    "twice as slow": (
        {"timing": _TWICE_AS_SLOW},
        {
            "p25 hours to first resolution",
            "p50 hours to first resolution",
            "p75 hours to first resolution",
            "p90 hours to first resolution",
            "resolved within 2 h (%)",
            "resolved within 1 week (%)",
            "median hours to first resolution, 3 - Moderate",
            "mean hours to final resolution (MTTR)",
            "median case duration, first to last event (h)",
        },
    ),
    "three times the reopens, more waits, fewer auto-closes": (
        {
            "timing": Timing(
                reopen_share=0.034, wait_share=0.4, vendor_share=0.2, auto_close_share=0.5
            )
        },
        {
            "reopen rate (%)",
            "tickets through waiting_customer (%)",
            "tickets through waiting_vendor (%)",
            "closed 120-122 h after the resolution (%)",
        },
    ),
    "more escalation and ping-pong": (
        {"routing": Routing(l1_escalation=0.8, ping_pong=0.8, lateral_l2=0.5)},
        {
            "events in new (%)",
            "events in in_progress (%)",
            "events in resolved (%)",
            "events in closed (%)",
        },
    ),
    "every impact and urgency alike": (
        {"impact_urgency": ((1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0))},
        {f"tickets of priority {p} (%)" for p in resemblance.PRIORITIES},
    ),
}


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("case", list(_DIFFERENT))
def test_a_differently_configured_desk_falls_outside_the_tolerances(
    real: dict[str, float], tmp_path: Path, case: str
) -> None:
    changes, expected = _DIFFERENT[case]
    table = compare(real, _simulated(like_the_extract(**changes), tmp_path))
    print(f"\n{case}:\n" + render(table))
    missed = expected - _outside(table)
    assert not missed, f"{case}: still within tolerance: {sorted(missed)}\n" + render(table)


def test_every_checked_tolerance_is_shown_to_fail_by_some_desk() -> None:
    checked = {s.name for s in resemblance.STATISTICS if s.kind != "report"}
    shown = set().union(*(expected for _, expected in _DIFFERENT.values()))
    assert shown == checked


def test_every_statistic_is_documented_with_its_tolerance() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## How close the simulated log is to the real one")
    section = text[start : text.index("\n## ", start)]
    for stat in resemblance.STATISTICS:
        rows = [line for line in section.splitlines() if line.startswith(f"| {stat.name} |")]
        assert len(rows) == 1, stat.name
        tolerance = resemblance.tolerance_text(stat)
        assert f"| {tolerance} |" in rows[0], (stat.name, tolerance)
    table_rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 1 + len(resemblance.STATISTICS)  # the header and one per statistic
