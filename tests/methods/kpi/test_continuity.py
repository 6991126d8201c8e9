"""Availability, major and security incidents against plain pandas recomputations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.errors import ConfigError
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority,category"
START = pd.Timestamp("2024-01-08 06:00")


def _write(path: Path, *, with_p1: bool = True, seed: int = 5) -> pd.DataFrame:
    """Tickets over ten weeks; some priority 1 (a few still open), some of category Security.

    Returns one row per ticket (opened, resolved or NaT, priority, category) for the oracle.
    """
    rng = np.random.default_rng(seed)
    rows, tickets = [], []
    for i in range(220):
        opened = START + pd.Timedelta(minutes=int(rng.integers(0, 70 * 24 * 60)))
        major = with_p1 and rng.random() < 0.15
        if major and i in (3, 4):  # two that surely overlap
            opened = START + pd.Timedelta(days=20, hours=i)
        prio = "1 - Critical" if major else "3 - Moderate"
        category = "Security" if rng.random() < 0.12 else "Software"
        hours = float(rng.uniform(0.5, 60.0))
        resolved: pd.Timestamp | None = (opened + pd.Timedelta(hours=hours)).floor("min")
        if major and rng.random() < 0.1:
            resolved = None  # still open: down until the log's last event
        states = [("New", opened.floor("min")), ("Active", opened.floor("min"))]
        if resolved is not None:
            states.append(("Resolved", resolved))
        for seq, (state, at) in enumerate(states):
            rows.append(f"INC{i:04d},{state},{seq},{at:%d/%m/%Y %H:%M},G,{prio},{category}")
        tickets.append(
            {
                "opened": opened.floor("min"),
                "resolved": resolved,
                "priority": prio,
                "category": category,
                "last": states[-1][1],
            }
        )
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    frame = pd.DataFrame(tickets)
    frame["resolved"] = pd.to_datetime(frame["resolved"])
    return frame


SECTION = "[continuity]\n"
"""An objectives file that asks for the continuity KPIs with their default classes."""


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("continuity")
    tickets = _write(root / "log.csv")
    api.ingest(root / "log.csv", source="servicenow", store=root / "store")
    return root / "store", tickets


@pytest.fixture(scope="module")
def asked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("goals") / "continuity.toml"
    path.write_text(SECTION, encoding="utf-8")
    return path


def test_without_a_continuity_section_nothing_is_computed_from_defaults(
    log: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, tickets = log
    assert (tickets["priority"] == "1 - Critical").any()  # the default would find majors
    goals = tmp_path / "targets.toml"
    goals.write_text('[kpi_targets]\nfcr = ">= 70"\n', encoding="utf-8")
    for kpi in ("availability", "major_incident_count", "security_mttr", "security_in_target"):
        for objectives in (None, goals):
            with pytest.raises(ConfigError, match=r"need a \[continuity\] section") as caught:
                api.kpi([kpi], store=store, objectives=objectives)
            assert "add [continuity]" in str(caught.value)
            assert "\n" not in str(caught.value)
    # all KPIs: the continuity ones are left out, and the result says why
    every = api.kpi(store=store, objectives=goals)
    continuity = {"availability", "major_incident_count", "major_incident_duration"}
    continuity |= {"security_mttr", "security_in_target"}
    assert not continuity & set(every["kpi"])
    assert continuity <= set(every.attrs["left_out"])
    assert "[continuity]" in every.attrs["left_out"]["availability"]
    assert "mttr" in set(every["kpi"])
    card = api.scorecard(store=store, objectives=goals)
    assert not continuity & set(card["kpi"])
    assert "[continuity]" in card.attrs["left_out"]["availability"]


def _union(intervals: list[tuple[pd.Timestamp, pd.Timestamp]]) -> list[list[pd.Timestamp]]:
    merged: list[list[pd.Timestamp]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def _overlap(a: pd.Timestamp, b: pd.Timestamp, c: pd.Timestamp, d: pd.Timestamp) -> float:
    return max(0.0, (min(b, d) - max(a, c)).total_seconds())


def _availability(tickets: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, freq: str) -> Any:
    majors = tickets[tickets["priority"] == "1 - Critical"]
    pairs = zip(majors["opened"], majors["resolved"], strict=True)
    down = _union([(o, r if pd.notna(r) else hi) for o, r in pairs])
    out = {}
    for period in pd.period_range(lo, hi, freq=freq):
        a, b = period.start_time, period.end_time + pd.Timedelta(1, "ns")
        agreed = _overlap(lo, hi, a, b)
        lost = sum(_overlap(s, e, a, b) for s, e in down)
        out[a] = 100 * (agreed - lost) / agreed
    whole = 100 * (1 - sum((e - s).total_seconds() for s, e in down) / (hi - lo).total_seconds())
    return out, whole, down


def test_availability_counts_overlapping_major_incidents_once(
    log: tuple[Path, pd.DataFrame], asked: Path
) -> None:
    store, tickets = log
    lo, hi = tickets["opened"].min(), tickets["last"].max()
    for period, freq in (("month", "M"), ("week", "W-SUN")):
        want, whole, down = _availability(tickets, lo, hi, freq)
        got = api.kpi(["availability"], store=store, period=period, objectives=asked)
        got_map = dict(zip(pd.to_datetime(got["period"]), got["value"], strict=True))
        assert sorted(got_map) == sorted(want)
        for start, value in want.items():
            assert got_map[start] == pytest.approx(value, abs=1e-9), (period, start)
    total = api.kpi(["availability"], store=store, objectives=asked)
    assert total["value"].iloc[0] == pytest.approx(whole, abs=1e-9)
    # the overlap matters: adding the intervals up would count more downtime than the union
    majors = tickets[tickets["priority"] == "1 - Critical"]
    summed = ((majors["resolved"].fillna(hi) - majors["opened"]).dt.total_seconds()).sum()
    assert summed > sum((e - s).total_seconds() for s, e in down)


def test_major_incident_count_and_duration(log: tuple[Path, pd.DataFrame], asked: Path) -> None:
    store, tickets = log
    majors = tickets[tickets["priority"] == "1 - Critical"]
    count = api.kpi(["major_incident_count"], store=store, period="week", objectives=asked)
    want = majors.groupby(majors["opened"].dt.to_period("W-SUN").dt.start_time).size()
    assert dict(zip(pd.to_datetime(count["period"]), count["value"], strict=True)) == {
        k: float(v) for k, v in want.items()
    }
    done = majors.dropna(subset=["resolved"])
    hours = (done["resolved"] - done["opened"]).dt.total_seconds() / 3600
    by_month = hours.groupby(done["resolved"].dt.to_period("M").dt.start_time)
    for statistic, expected in (("mean", by_month.mean()), ("median", by_month.median())):
        got = api.kpi(
            ["major_incident_duration"],
            store=store,
            period="month",
            options={"major_incident_duration": {"statistic": statistic}},
            objectives=asked,
        )
        assert got["value"].tolist() == pytest.approx(expected.tolist(), rel=1e-12)
        assert got["n"].tolist() == by_month.size().tolist()


def test_security_resolution_time_and_share_within_target(
    log: tuple[Path, pd.DataFrame], tmp_path: Path, asked: Path
) -> None:
    store, tickets = log
    security = tickets[(tickets["category"] == "Security")].dropna(subset=["resolved"])
    hours = (security["resolved"] - security["opened"]).dt.total_seconds() / 3600
    got = api.kpi(["security_mttr"], store=store, objectives=asked)
    assert got["value"].iloc[0] == pytest.approx(hours.mean(), rel=1e-12)
    with pytest.raises(ConfigError, match="security_target"):
        api.kpi(["security_in_target"], store=store, objectives=asked)
    goals = tmp_path / "goals.toml"
    goals.write_text('[continuity]\nsecurity_target = "1d"\n', encoding="utf-8")
    share = api.kpi(["security_in_target"], store=store, objectives=goals)
    assert share["value"].iloc[0] == pytest.approx(100 * (hours <= 24).mean(), rel=1e-12)
    card = api.scorecard(store=store, objectives=goals).set_index("kpi")
    assert {"availability", "major_incident_count", "security_mttr", "security_in_target"} <= set(
        card.index
    )


def test_configured_classes_replace_the_defaults(
    log: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, tickets = log
    goals = tmp_path / "goals.toml"
    goals.write_text(
        '[continuity.major]\ncategory = ["security"]\n\n[continuity.security]\npriority = [1]\n',
        encoding="utf-8",
    )
    count = api.kpi(["major_incident_count"], store=store, objectives=goals)
    assert count["value"].iloc[0] == (tickets["category"] == "Security").sum()
    p1 = tickets[(tickets["priority"] == "1 - Critical")].dropna(subset=["resolved"])
    mttr = api.kpi(["security_mttr"], store=store, objectives=goals)
    want = ((p1["resolved"] - p1["opened"]).dt.total_seconds() / 3600).mean()
    assert mttr["value"].iloc[0] == pytest.approx(want, rel=1e-12)


def test_without_major_incidents_the_kpis_say_so(tmp_path: Path) -> None:
    _write(tmp_path / "log.csv", with_p1=False)
    store = tmp_path / "store"
    api.ingest(tmp_path / "log.csv", source="servicenow", store=store)
    asked = tmp_path / "asked.toml"
    asked.write_text(SECTION, encoding="utf-8")
    for kpi in ("availability", "major_incident_count", "major_incident_duration"):
        with pytest.raises(ConfigError, match="no ticket counts as a major incident"):
            api.kpi([kpi], store=store, objectives=asked)
    # no [continuity] section: the scorecard shows none of them
    card = api.scorecard(store=store)
    assert not {"availability", "major_incident_count", "security_mttr"} & set(card["kpi"])
    # with the section (defaults): security incidents exist, major incidents do not
    card = api.scorecard(store=store, objectives=asked)
    assert not {"availability", "major_incident_count"} & set(card["kpi"])
    assert "security_mttr" in set(card["kpi"])
    # once the file says which tickets are major, none of them means full availability
    goals = tmp_path / "goals.toml"
    goals.write_text('[continuity.major]\nimpact = ["Major"]\n', encoding="utf-8")
    full = api.kpi(["availability"], store=store, period="month", objectives=goals)
    assert (full["value"] == 100.0).all()
    assert "availability" in set(api.scorecard(store=store, objectives=goals)["kpi"])


def test_availability_by_service_on_a_simulated_desk(tmp_path: Path) -> None:
    """Major incidents marked by a source attribute; downtime per service."""
    store = tmp_path / "store"
    simulate(SimulationConfig(days=42, tickets=1500, seed=21), store=store, hidden=False)
    goals = tmp_path / "goals.toml"
    goals.write_text(
        '[continuity.major]\nattributes = { major_incident = ["true"] }\n', encoding="utf-8"
    )
    got = api.kpi(["availability"], store=store, by=["service"], objectives=goals)
    tickets = api.tickets(store=store)
    events = api.events(store=store)
    lo, hi = events["timestamp"].min(), events["timestamp"].max()
    flagged = events[events["attributes"].str.contains('"major_incident":"true"', regex=False)]
    majors = tickets[tickets["case_id"].isin(set(flagged["case_id"]))]
    assert len(majors) > 0
    span = (hi - lo).total_seconds()
    want = {}
    for service in tickets["service"].unique():
        mine = majors[majors["service"] == service]
        down = _union(
            [
                (o, r if pd.notna(r) else hi)
                for o, r in zip(mine["opened_at"], mine["resolved_at"], strict=True)
            ]
        )
        want[service] = 100 * (1 - sum((e - s).total_seconds() for s, e in down) / span)
    got_map = dict(zip(got["service"], got["value"], strict=True))
    assert got_map.keys() == want.keys()
    for service, value in want.items():
        assert got_map[service] == pytest.approx(value, abs=1e-9), service
    assert min(want.values()) < 100  # some service was down
    whole = api.kpi(["availability"], store=store, objectives=goals)["value"].iloc[0]
    assert whole == pytest.approx(np.mean(list(want.values())), abs=1e-9)
    with pytest.raises(ConfigError, match="cannot be broken down by 'priority'"):
        api.kpi(["availability"], store=store, by=["priority"], objectives=goals)
