"""Drill-down (``Desk.kpi_tickets``): the tickets behind one KPI value reproduce it.

Oracles: the KPI's own value and n (``Desk.kpi``, per week and per breakdown), and, from the
tickets' facts and the SLA clocks in pandas, which tickets each KPI's definition counts in a
period and what they make: durations recomputed from the timestamps, shares from the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

import pdca
from pdca.api.desk import Desk
from pdca.errors import PdcaError
from pdca.simulate import SimulationConfig, simulate

KPIS = ("mttr", "mtta", "fcr", "sla_resolution", "reopen_rate", "volume")
PLACED = {
    "mttr": "resolved_at",
    "mtta": "first_response_at",
    "fcr": "resolved_at",
    "reopen_rate": "first_resolved_at",
    "volume": "opened_at",
}
"""The ticket fact that places each KPI's tickets in a period (its definition, docs/kpis.md)."""
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    store = tmp_path_factory.mktemp("drill") / "store"
    simulate(SimulationConfig(tickets=250, days=45, seed=3, start=date(2025, 3, 3)), store=store)
    with pdca.open(store) as opened:
        yield opened


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.total_seconds() / 3600


_MEMO: dict[str, pd.DataFrame] = {}


def _clocks(desk: Desk) -> pd.DataFrame:
    if "clocks" not in _MEMO:
        _MEMO["clocks"] = desk.sla(clock="resolution")
    return _MEMO["clocks"]


def _tickets(desk: Desk) -> pd.DataFrame:
    if "tickets" not in _MEMO:
        _MEMO["tickets"] = desk.tickets()
    return _MEMO["tickets"]


def _expected_cases(desk: Desk, kpi: str, start: pd.Timestamp) -> set[str]:
    """The tickets the KPI's definition counts in the week from ``start`` (pandas)."""
    end = start + WEEK
    if kpi == "sla_resolution":
        clocks = _clocks(desk)
        done = clocks[~clocks["running"].astype(bool) & clocks["breached"].notna()]
        at = pd.to_datetime(done["stopped_at"])
        return set(done.loc[(at >= start) & (at < end), "case_id"])
    tickets = _tickets(desk)
    at = pd.to_datetime(tickets[PLACED[kpi]])
    return set(tickets.loc[(at >= start) & (at < end), "case_id"])


def _recomputed(desk: Desk, kpi: str, rows: pd.DataFrame) -> tuple[float, int]:
    """The value and n of ``rows`` by the KPI's definition, from the tickets' own facts."""
    if kpi == "volume":
        return float(len(rows)), len(rows)
    if kpi == "mttr":
        return float(_hours(rows["resolved_at"], rows["opened_at"]).mean()), len(rows)
    if kpi == "mtta":
        return float(_hours(rows["first_response_at"], rows["opened_at"]).mean()), len(rows)
    if kpi == "reopen_rate":
        return float((rows["reopen_count"] > 0).mean() * 100), len(rows)
    if kpi == "fcr":
        level = rows["support_level_reached"]
        first = (
            (rows["reassignment_count"] == 0)
            & (rows["reopen_count"] == 0)
            & (level.isna() | (level == "L1"))
        )
        return float(first.mean() * 100), len(rows)
    clocks = _clocks(desk).set_index("case_id")
    met = ~clocks.loc[rows["case_id"], "breached"].astype(bool)
    return float(met.mean() * 100), len(rows)


def _weeks(frame: pd.DataFrame) -> list[Any]:
    busy = frame[frame["n"] > 0]
    return [busy["period"].iloc[i] for i in (0, len(busy) // 2, len(busy) - 1)]


@pytest.mark.parametrize("kpi", KPIS)
def test_a_weeks_tickets_reproduce_its_value_and_n(desk: Desk, kpi: str) -> None:
    weekly = desk.kpi([kpi], period="week")
    for start in _weeks(weekly):
        point = weekly[weekly["period"] == start].iloc[0]
        rows = desk.kpi_tickets(kpi, start, "week")
        assert set(rows["case_id"]) == _expected_cases(desk, kpi, pd.Timestamp(start))
        assert rows["case_id"].is_unique
        value, n = _recomputed(desk, kpi, rows)
        assert n == int(point["n"]) == rows.attrs["n"], (kpi, start)
        assert value == pytest.approx(float(point["value"]), rel=1e-9), (kpi, start)
        assert rows.attrs["value"] == pytest.approx(float(point["value"]), rel=1e-12)
        placed = pd.to_datetime(rows["placed_at"])
        assert (placed >= start).all()
        assert (placed < pd.Timestamp(start) + WEEK).all()


@pytest.mark.parametrize("kpi", KPIS)
@pytest.mark.parametrize("by", ["assignment_group", "assignee", "priority"])
def test_a_breakdown_rows_tickets_reproduce_its_value_and_n(desk: Desk, kpi: str, by: str) -> None:
    whole = desk.kpi([kpi], by=[by]).sort_values("n", ascending=False)
    picked = pd.concat([whole.head(2), whole[whole[by].isna()], whole.tail(1)])
    for row in picked.itertuples(index=False):
        label = getattr(row, by)
        value = None if pd.isna(label) else str(label)
        rows = desk.kpi_tickets(kpi, by=by, value=value)
        got, n = _recomputed(desk, kpi, rows)
        assert n == int(row.n), (kpi, by, value)
        assert got == pytest.approx(float(row.value), rel=1e-9), (kpi, by, value)
        shown = rows[by]
        assert (shown.isna() if value is None else shown == value).all()
    # every unit is in exactly one row of the breakdown
    assert int(whole["n"].sum()) == int(desk.kpi([kpi])["n"].iloc[0])


def test_a_period_and_a_group_together(desk: Desk) -> None:
    frame = desk.kpi(["mttr"], period="month", by=["assignment_group"])
    row = frame[frame["n"] >= 3].iloc[0]
    rows = desk.kpi_tickets(
        "mttr", row["period"], "month", "assignment_group", row["assignment_group"]
    )
    assert len(rows) == int(row["n"])
    assert float(_hours(rows["resolved_at"], rows["opened_at"]).mean()) == pytest.approx(
        float(row["value"]), rel=1e-9
    )
    assert "final resolution" in str(rows.attrs["rule"])


def test_the_opening_group_is_the_first_named(desk: Desk) -> None:
    """Volume goes to the group of the opening: the first group named on the ticket's events
    (recomputed from the events in their stable order)."""
    events = desk.events()
    named = events[events["assignment_group"].notna()]
    first = named.groupby("case_id", sort=False)["assignment_group"].first()
    rows = desk.kpi_tickets("volume")
    assert (rows.set_index("case_id")["assignment_group"] == first.reindex(rows["case_id"])).all()


def test_median_and_the_options(desk: Desk) -> None:
    frame = desk.kpi(["mttr"], period="week", options={"mttr": {"statistic": "median"}})
    row = frame[frame["n"] >= 4].iloc[0]
    rows = desk.kpi_tickets("mttr", row["period"], "week", options={"statistic": "median"})
    assert rows.attrs["aggregation"] == "median"
    assert float(rows["value"].median()) == pytest.approx(float(row["value"]), rel=1e-9)


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (("backlog",), None),
        (("mttr", "2025-03-03", "week"), {"view": "cohort"}),
        (("mttr", "not a date", "week"), None),
        (("mttr", "2025-03-03", "year"), None),
        (("mttr", "2025-03-03"), None),
        (("mttr", None, None, "colour", "red"), None),
        (("no_such_kpi",), None),
    ],
)
def test_what_cannot_be_drilled_is_a_one_line_error(
    desk: Desk, args: tuple[Any, ...], options: dict[str, Any] | None
) -> None:
    with pytest.raises(PdcaError):
        desk.kpi_tickets(*args, options=options)


def test_a_scoped_desk_lists_only_visible_tickets(desk: Desk) -> None:
    events = desk.events()
    group = str(events["assignment_group"].dropna().iloc[0])
    visible = set(events.loc[events["assignment_group"] == group, "case_id"])
    scoped = desk.scoped(assignment_group=[group])
    rows = scoped.kpi_tickets("volume")
    assert set(rows["case_id"]) == visible
    assert rows.attrs["n"] == len(visible) == int(scoped.kpi(["volume"])["n"].iloc[0])
