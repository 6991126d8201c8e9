"""Suggestions from SPC signals and SLA capability, accepted into the register, and the
re-verification of live initiatives after an import; oracles recomputed with pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.api.improve import reverify_all
from tests.improve.logs import week_start, write_log

MONTH_DAYS = 30.4375


def _tickets(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    opened = raw[raw["incident_state"] == "New"].set_index("number")["at"]
    resolved = raw[raw["incident_state"] == "Resolved"].set_index("number")["at"]
    priority = raw.drop_duplicates("number").set_index("number")["priority"]
    return pd.DataFrame({"opened": opened, "resolved": resolved, "priority": priority}).assign(
        hours=lambda f: (f["resolved"] - f["opened"]).dt.total_seconds() / 3600
    )


def _iso(start: pd.Timestamp) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """P3 tickets whose resolution takes 3x as long from week 15 on; P1 tickets that often miss
    their 4 h target."""
    root = tmp_path_factory.mktemp("spc")
    p3 = write_log(
        root / "p3.csv", weeks=20, per_week=30, factor=3.0, change_week=15, seed=31,
        median_hours=4.0,
    )  # fmt: skip
    p1 = write_log(
        root / "p1.csv", weeks=20, per_week=6, factor=1.0, change_week=99, seed=32,
        median_hours=3.0, prefix="CRIT", priority="1 - Critical",
    )  # fmt: skip
    lines = p3.read_text(encoding="utf-8").splitlines()
    lines += p1.read_text(encoding="utf-8").splitlines()[1:]
    both = root / "log.csv"
    both.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = root / "store"
    api.ingest(both, source="servicenow", store=store)
    return store, _tickets(both)


def test_a_worse_mttr_signal_becomes_a_suggestion(shifted: tuple[Path, pd.DataFrame]) -> None:
    store, tickets = shifted
    table = api.suggest_initiatives(store=store).set_index("key")
    key = "signal/mttr/3 - Moderate"
    assert key in table.index, table.index.tolist()
    row = table.loc[key]
    assert row["finding"] == "spc-signal"
    assert row["title"].startswith("signal: Mean time to resolve of 3 - Moderate rose since ")
    first = row["title"].rsplit(" ", 1)[-1]
    assert first >= _iso(pd.Timestamp(week_start(15)))  # the signal lies in the slower weeks
    # oracle: weekly mean resolution time of P3 by week of resolution; the monitor's I chart is
    # of log hours, so its centre is the geometric mean of the weekly values it counts: the weeks
    # up to the last opening (week 19; later weeks hold only old tickets), with n >= 5
    p3 = tickets[tickets["priority"] == "3 - Moderate"]
    week = p3["resolved"].dt.to_period("W-SUN").dt.start_time
    weekly = p3.groupby(week)["hours"].agg(["mean", "size"])
    counted = weekly[(weekly.index < pd.Timestamp(week_start(20))) & (weekly["size"] >= 5)]
    centre = float(np.exp(np.log(counted["mean"]).mean()))
    labels = [_iso(w) for w in weekly.index]
    since = weekly[[label >= first for label in labels]]
    level = (since["mean"] * since["size"]).sum() / since["size"].sum()
    per_month = since["size"].sum() / (len(since) * 7 / MONTH_DAYS)
    assert row["gain_hours_per_month"] == pytest.approx(abs(level - centre) * per_month)
    assert f"centre={centre:.6g}" in row["evidence"]
    # ranked with the others by expected gain
    gains = table["gain_hours_per_month"].tolist()
    assert gains == sorted(gains, reverse=True)


def test_low_sla_capability_becomes_a_suggestion(shifted: tuple[Path, pd.DataFrame]) -> None:
    store, tickets = shifted
    table = api.suggest_initiatives(store=store).set_index("key")
    key = "capability/1 - Critical"
    assert key in table.index
    p1 = tickets[tickets["priority"] == "1 - Critical"]
    seconds = (p1["resolved"] - p1["opened"]).dt.total_seconds().to_numpy()
    target = 4 * 3600.0  # the default resolution target of priority 1 (24x7)
    _lo, mid, hi = np.quantile(seconds, [0.00135, 0.5, 0.99865])
    ppk = (target - mid) / (hi - mid)
    assert ppk < 1
    assert table.loc[key, "title"] == f"SLA capability of 1 - Critical is Ppk {ppk:.2f}"
    # months of openings: first to last opening date (not to the last event)
    months = (tickets["opened"].max() - tickets["opened"].min()).total_seconds() / 86400
    months /= MONTH_DAYS
    overrun = np.clip(seconds - target, 0, None).sum() / 3600
    assert table.loc[key, "gain_hours_per_month"] == pytest.approx(overrun / months)
    assert table.loc[key, "kpi"] == "sla_resolution"
    # the P3 tickets mostly meet their 3-day target
    assert "capability/3 - Moderate" not in table.index or (
        table.loc["capability/3 - Moderate", "gain_hours_per_month"] > 0
    )


def test_accepting_spc_suggestions_prefills_scope_kpi_and_target(
    shifted: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    store, tickets = shifted
    suggestions = api.suggest_initiatives(store=store).set_index("key")
    signal = api.accept_suggestion("signal/mttr/3 - Moderate", store=store, owner="qm")
    assert signal["kpi"] == "mttr"
    assert signal["scope"] == {"priority": ["3 - Moderate"]}
    assert signal["title"] == suggestions.loc["signal/mttr/3 - Moderate", "title"]
    p3 = tickets[tickets["priority"] == "3 - Moderate"]
    end = tickets[["opened", "resolved"]].max().max()
    window = p3[(p3["resolved"] >= end - pd.Timedelta(days=90)) & (p3["resolved"] < end)]
    assert signal["baseline"]["value"] == pytest.approx(window["hours"].mean())
    week = p3["resolved"].dt.to_period("W-SUN").dt.start_time
    weekly = p3.groupby(week)["hours"].agg(["mean", "size"])
    # the I chart's centre: geometric mean of the weeks it counts (see the test above)
    counted = weekly[(weekly.index < pd.Timestamp(week_start(20))) & (weekly["size"] >= 5)]
    centre = float(np.exp(np.log(counted["mean"]).mean()))
    assert signal["target"] == pytest.approx(centre, abs=1e-4)
    capability = api.accept_suggestion("capability/1 - Critical", store=store)
    assert capability["kpi"] == "sla_resolution"
    assert capability["scope"] == {"priority": ["1 - Critical"]}
    assert capability["target"] == pytest.approx(99.865)
    p1 = tickets[tickets["priority"] == "1 - Critical"]
    recent = p1[(p1["resolved"] >= end - pd.Timedelta(days=90)) & (p1["resolved"] < end)]
    assert capability["baseline"]["value"] == pytest.approx(100 * (recent["hours"] <= 4).mean())


def test_without_spc_only_the_mining_suggestions_remain(
    shifted: tuple[Path, pd.DataFrame],
) -> None:
    store, _ = shifted
    plain = api.suggest_initiatives(store=store, spc=False)
    assert not plain["key"].str.startswith(("signal/", "capability/")).any()


def test_reverify_all_after_each_import(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = write_log(
        tmp_path / "log.csv", weeks=20, per_week=30, factor=0.5, change_week=10, seed=41
    )
    api.ingest(first, source="servicenow", store=store)
    assert reverify_all(store=tmp_path / "nowhere") == []
    live = api.new_initiative("Faster", kpi="mttr", store=store, go_live=week_start(10))
    api.new_initiative("Not live", kpi="mttr", store=store)
    future = api.new_initiative("Later", kpi="mttr", store=store, go_live=week_start(60))
    rows = {r["initiative_id"]: r for r in reverify_all(store=store, who="ingest")}
    assert set(rows) == {live["initiative_id"], future["initiative_id"]}
    now = rows[live["initiative_id"]]
    assert (now["previous"], now["verdict"], now["changed"]) == (None, "improved", True)
    assert rows[future["initiative_id"]]["verdict"] is None
    assert "not before the last event" in rows[future["initiative_id"]]["reason"]
    # an improved verdict proposes a standard; the owner adopts it
    assert api.initiative(live["initiative_id"], store=store)["standard"] is None
    assert api.adopt_standard(live["initiative_id"], store=store)["standard"] is not None
    again = {r["initiative_id"]: r for r in reverify_all(store=store)}
    assert again[live["initiative_id"]]["changed"] is False
    # later weeks three times slower than before the change: the standard signals
    (tmp_path / "later").mkdir()
    later = write_log(
        tmp_path / "later" / "log.csv", weeks=5, per_week=30, factor=3.0, change_week=0,
        seed=42, first_week=21, prefix="LATE",
    )  # fmt: skip
    report = api.ingest(later, source="servicenow", store=store)  # re-verifies on its own
    after = {r["initiative_id"]: r for r in report.reverified}
    assert set(after) == {live["initiative_id"], future["initiative_id"]}
    assert after[live["initiative_id"]]["alerts"]
    assert after[live["initiative_id"]]["status"] == "act"
    log = api.initiative_log(live["initiative_id"], store=store)
    # the second look found the same verdict on the same data: the log records no change
    # (the third entry: after the adoption the verdict no longer proposes a standard)
    assert ((log["what"] == "verified") & (log["field"] == "verdict")).sum() == 3
