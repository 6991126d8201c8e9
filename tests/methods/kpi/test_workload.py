"""Cost per ticket and tickets per user against a plain pandas recomputation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.errors import ConfigError

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"
PRIORITIES = ("1 - Critical", "3 - Moderate")


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A log of tickets opened over ten weeks, with a ticket table kept for the oracle."""
    rng = np.random.default_rng(11)
    root = tmp_path_factory.mktemp("workload")
    start = pd.Timestamp("2024-01-08 07:00")
    rows, tickets = [], []
    for i in range(140):
        opened = start + pd.Timedelta(minutes=int(rng.integers(0, 70 * 24 * 60)))
        prio = PRIORITIES[i % 2]
        done = opened + pd.Timedelta(hours=int(rng.integers(1, 90)))
        for seq, (state, at) in enumerate([("New", opened), ("Resolved", done)]):
            rows.append(f"INC{i},{state},{seq},{at:%d/%m/%Y %H:%M},Group 1,{prio}")
        tickets.append({"opened": opened.floor("min"), "priority": prio, "last": done.floor("min")})
    path = root / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = root / "store"
    api.ingest(path, source="servicenow", store=store)
    return store, pd.DataFrame(tickets)


def _objectives(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "objectives.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cost_per_ticket_per_month_week_and_whole_log(
    log: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, tickets = log
    goals = _objectives(tmp_path, '[cost]\nper_month = 12000\ncurrency = "EUR"\n')
    monthly = api.kpi(["cost_per_ticket"], store=store, period="month", objectives=goals)
    counts = tickets.groupby(tickets["opened"].dt.to_period("M")).size()
    assert monthly["value"].tolist() == pytest.approx((12000 / counts).tolist(), rel=1e-12)
    weekly = api.kpi(["cost_per_ticket"], store=store, period="week", objectives=goals)
    per_week = tickets.groupby(tickets["opened"].dt.to_period("W-SUN")).size()
    assert weekly["value"].tolist() == pytest.approx(
        (12000 * 12 / 52 / per_week).tolist(), rel=1e-12
    )
    whole = api.kpi(["cost_per_ticket"], store=store, objectives=goals)
    span = max(tickets["opened"].max(), tickets["last"].max()) - tickets["opened"].min()
    months = span.total_seconds() / 86400 / (365.25 / 12)
    assert whole["value"].iloc[0] == pytest.approx(12000 * months / len(tickets), rel=1e-12)


def test_tickets_per_user_with_a_breakdown(log: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    store, tickets = log
    goals = _objectives(tmp_path, "[organisation]\nusers = 250\n")
    got = api.kpi(
        ["tickets_per_user"], store=store, period="month", by=["priority"], objectives=goals
    )
    want = (
        tickets.groupby([tickets["opened"].dt.to_period("M"), "priority"]).size() / 250
    ).tolist()
    assert got.sort_values(["period", "priority"])["value"].tolist() == pytest.approx(want)


def test_missing_configuration_and_breakdowns_are_clear_errors(
    log: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, _ = log
    with pytest.raises(ConfigError, match=r"\[cost\] per_month"):
        api.kpi(["cost_per_ticket"], store=store)
    with pytest.raises(ConfigError, match=r"\[organisation\] users"):
        api.kpi(["tickets_per_user"], store=store)
    goals = _objectives(tmp_path, "[cost]\nper_month = 100\n")
    with pytest.raises(ConfigError, match="leave out --by"):
        api.kpi(["cost_per_ticket"], store=store, by=["priority"], objectives=goals)
    bad = _objectives(tmp_path, "[cost]\nper_month = -5\n")
    with pytest.raises(ConfigError, match=r"cost\.per_month"):
        api.kpi(["cost_per_ticket"], store=store, objectives=bad)


def test_configured_workload_kpis_join_the_scorecard(
    log: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, tickets = log
    plain = api.scorecard(store=store)
    assert "cost_per_ticket" not in set(plain["kpi"])
    goals = _objectives(tmp_path, "[cost]\nper_month = 9000\n\n[organisation]\nusers = 90\n")
    card = api.scorecard(store=store, objectives=goals).set_index("kpi")
    period = pd.Period(card.loc["cost_per_ticket", "period"], "M")
    opened = int((tickets["opened"].dt.to_period("M") == period).sum())
    assert card.loc["cost_per_ticket", "value"] == pytest.approx(9000 / opened)
    assert card.loc["tickets_per_user", "value"] == pytest.approx(opened / 90)
