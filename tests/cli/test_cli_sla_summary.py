"""`pdca sla` leads with a summary and lists only the most urgent clocks (issue 15)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.api.measure import ABOUT_TO_BREACH, sla_summary
from pdca.interfaces.cli.app import app

runner = CliRunner()
HEADER = "number,incident_state,sys_mod_count,sys_updated_at,priority,made_sla"
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")


def _ingest(tmp_path: Path, rows: list[str]) -> str:
    path = tmp_path / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = str(tmp_path / "store")
    result = runner.invoke(app, ["ingest", str(path), "--source", "servicenow", "--store", store])
    assert result.exit_code == 0, result.output
    return store


def _at(moment: pd.Timestamp) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """120 tickets: 90 resolved over ten days (some late), then 30 still open at the as-of
    instant (the log's last event), opened in its last 80 hours."""
    rng = np.random.default_rng(15)
    start = pd.Timestamp("2024-03-04 08:00")
    rows, last = [], start
    for i in range(120):
        prio = PRIORITIES[int(rng.integers(0, 4))]
        if i < 90:
            opened = start + pd.Timedelta(minutes=int(rng.integers(0, 10 * 24 * 60)))
        else:  # open: the as-of instant is known once the resolved tickets are made
            if i == 90:
                rows.append(f"C999,New,0,{_at(last + pd.Timedelta(hours=80))},3 - Moderate,true")
            opened = last + pd.Timedelta(minutes=int(rng.integers(0, 78 * 60)))
        answered = opened + pd.Timedelta(minutes=int(rng.lognormal(3.5, 1.2)) + 1)
        rows.append(f"C{i:03d},New,0,{_at(opened)},{prio},true")
        rows.append(f"C{i:03d},Active,1,{_at(answered)},{prio},true")
        if i < 90:
            done = answered + pd.Timedelta(minutes=int(rng.lognormal(7.0, 1.3)) + 1)
            rows.append(f"C{i:03d},Resolved,2,{_at(done)},{prio},true")
            last = max(last, done)
    return _ingest(tmp_path_factory.mktemp("sla-summary"), rows)


def _expected(clocks: pd.DataFrame) -> pd.DataFrame:
    """The summary recomputed from the clock rows, without pdca's code."""
    c = clocks.copy()
    c["has_verdict"] = c["breached"].notna()
    c["is_breached"] = c["breached"].map(lambda v: v is True or v is np.True_)
    c["is_running"] = c["running"].astype(bool)
    c["met_"] = c["has_verdict"] & ~c["is_running"] & ~c["is_breached"]
    c["in_time"] = c["has_verdict"] & c["is_running"] & ~c["is_breached"]
    c["near"] = c["in_time"] & (c["time_to_breach_s"] < 0.2 * c["target_s"])
    out = c.groupby(["clock", "priority"]).agg(
        clocks=("has_verdict", "sum"),
        met=("met_", "sum"),
        breached=("is_breached", "sum"),
        running=("in_time", "sum"),
        about_to_breach=("near", "sum"),
    )
    out["compliance"] = out["met"] / (out["met"] + out["breached"])
    return out


def test_summary_counts_recomputed_from_the_clocks(generated: str) -> None:
    clocks = api.sla(store=generated)
    result = runner.invoke(app, ["sla", "--store", generated, "--summary", "-f", "csv"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(io.StringIO(result.stdout))
    by_priority = got[got["by"] == "priority"].set_index(["clock", "group"])
    want = _expected(clocks)
    assert len(by_priority) == len(want) == 8
    for key, row in want.iterrows():
        clock, prio = cast("tuple[str, str]", key)
        mine = by_priority.loc[[(clock, prio)]].iloc[0]
        for col in ("clocks", "met", "breached", "running", "about_to_breach"):
            assert mine[col] == row[col], (clock, prio, col)
        assert mine["compliance"] == pytest.approx(row["compliance"])
    total = got[got["by"] == "all"].set_index("clock")
    for clock in ("response", "resolution"):
        part = want[want.index.get_level_values("clock") == clock]
        for col in ("clocks", "running"):
            assert total.loc[[clock], col].iloc[0] == part[col].sum()
    # the log has some of each, so the counts above are not trivially zero
    assert want["breached"].sum() > 0
    assert want["running"].sum() > 0
    assert want["about_to_breach"].sum() > 0


def test_summary_on_a_hand_counted_log(tmp_path: Path) -> None:
    store = _ingest(
        tmp_path,
        [
            # P3 (4 h / 3 d): answered in 30 min, resolved after 25 h: both met
            "INC1,New,0,13/1/2024 09:00,3 - Moderate,true",
            "INC1,Active,1,13/1/2024 09:30,3 - Moderate,true",
            "INC1,Resolved,2,14/1/2024 10:00,3 - Moderate,true",
            # P1 (15 min / 4 h): answered after 1 h, resolved after 6 h: both breached
            "INC2,New,0,15/1/2024 08:00,1 - Critical,true",
            "INC2,Active,1,15/1/2024 09:00,1 - Critical,true",
            "INC2,Resolved,2,15/1/2024 14:00,1 - Critical,true",
            # P2 (1 h / 1 d): answered in 10 min; open 21.5 h at the as-of instant (16/1 11:30):
            # 2.5 h left, less than 20 % of 24 h: about to breach
            "INC3,New,0,15/1/2024 14:00,2 - High,false",
            "INC3,Active,1,15/1/2024 14:10,2 - High,false",
            # P2: answered in 30 min, open 30 min: running, far from its target
            "INC4,New,0,16/1/2024 11:00,2 - High,false",
            "INC4,Active,1,16/1/2024 11:30,2 - High,false",
        ],
    )
    got = sla_summary(api.sla(store=store))
    total = got[got["by"] == "all"].set_index("clock")
    counts = ["clocks", "met", "breached", "running", "about_to_breach"]
    assert total.loc[["response"], counts].iloc[0].tolist() == [4, 3, 1, 0, 0]
    assert total.loc[["resolution"], counts].iloc[0].tolist() == [4, 1, 1, 2, 1]
    assert total.loc[["resolution"], "compliance"].iloc[0] == 0.5
    p2 = got[(got["by"] == "priority") & (got["group"] == "2 - High")].set_index("clock")
    assert p2.loc[["resolution"], ["running", "about_to_breach"]].iloc[0].tolist() == [2, 1]
    assert ABOUT_TO_BREACH == 0.2
    assert "service" not in set(got["by"])  # this log has no services


def test_summary_by_service_when_the_log_has_services() -> None:
    clocks = pd.DataFrame(
        {
            "case_id": ["A", "B", "C", "D"],
            "service": ["Mail", "Mail", "VPN", None],
            "priority": ["1", "2", "1", "1"],
            "clock": ["resolution"] * 4,
            "target_s": [100.0, 100.0, 100.0, None],
            "running": [False, True, False, False],
            "elapsed_s": [50.0, 90.0, 150.0, 10.0],
            "breached": [False, False, True, None],
            "time_to_breach_s": [None, 10.0, None, None],
        }
    )
    got = sla_summary(clocks).set_index(["by", "group"])
    counts = ["clocks", "met", "breached", "running", "about_to_breach"]
    assert got.loc[[("service", "Mail")], counts].iloc[0].tolist() == [2, 1, 0, 1, 1]
    assert got.loc[[("service", "VPN")], counts].iloc[0].tolist() == [1, 0, 1, 0, 0]
    assert got.loc[[("service", "(none)")], "clocks"].iloc[0] == 0  # no target: not measured
    assert got.loc[("priority", "1"), "compliance"] == 0.5


def test_table_leads_with_the_summary_and_lists_no_clock(generated: str) -> None:
    result = runner.invoke(app, ["sla", "--store", generated])
    assert result.exit_code == 0, result.output
    assert "SLA summary" in result.stdout
    assert "about_to_breach" in result.stdout
    assert not re.search(r"\bC\d{3}\b", result.stdout)  # no ticket listed
    every = runner.invoke(app, ["sla", "--store", generated, "-f", "csv"])
    total = len(pd.read_csv(io.StringIO(every.stdout)))
    assert total == len(api.sla(store=generated)) == 242
    assert f"{total:,} clocks" in result.stdout


def _urgent_order(clocks: pd.DataFrame) -> list[tuple[str, str]]:
    """Running clocks within target by time to breach, then breached ones by overrun."""
    breached = clocks["breached"].map(lambda v: v is True or v is np.True_)
    running = clocks["running"].astype(bool) & clocks["breached"].notna() & ~breached
    first = clocks[running].assign(k=lambda f: f["time_to_breach_s"])
    then = clocks[breached].assign(k=lambda f: f["target_s"] - f["elapsed_s"])
    order = pd.concat([first.sort_values("k", kind="stable"), then.sort_values("k", kind="stable")])
    return list(zip(order["case_id"], order["clock"], strict=True))


def test_top_shows_the_most_urgent_and_says_how_many(generated: str) -> None:
    clocks = api.sla(store=generated)
    want = _urgent_order(clocks)
    result = runner.invoke(app, ["sla", "--store", generated, "--top", "5"])
    assert result.exit_code == 0, result.output
    listed = re.findall(r"\b(C\d{3})\b", result.stdout)
    assert listed == [case for case, _ in want[:5]]
    assert f"the 5 most urgent of {len(want):,}" in result.stdout
    assert f"{len(want) - 5:,} more" in result.stdout
    machine = runner.invoke(app, ["sla", "--store", generated, "--top", "5", "-f", "json"])
    rows = json.loads(machine.stdout)["rows"]
    assert [(r["case_id"], r["clock"]) for r in rows] == want[:5]


def test_breached_table_is_limited_and_csv_keeps_every_row(generated: str) -> None:
    clocks = api.sla(store=generated)
    n_breached = int(clocks["breached"].map(lambda v: v is True or v is np.True_).sum())
    assert n_breached > 20
    table = runner.invoke(app, ["sla", "--store", generated, "--breached"])
    assert table.exit_code == 0, table.output
    assert len(set(re.findall(r"\b(C\d{3})\b", table.stdout))) <= 20
    assert f"the 20 most urgent of {n_breached:,} breached" in table.stdout
    csv = runner.invoke(app, ["sla", "--store", generated, "--breached", "-f", "csv"])
    assert len(pd.read_csv(io.StringIO(csv.stdout))) == n_breached
