"""`pdca improve` measures with the objectives every command uses, and takes --objectives."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app
from tests.improve.logs import week_start, write_log

TIGHT = """
[[sla]]
priority = "3 - Moderate"
resolution = "4h"
calendar = "24x7"
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    log = write_log(tmp_path / "log.csv", weeks=20, per_week=30, factor=1.0, change_week=99, seed=5)
    root = tmp_path / "store"
    api.ingest(log, source="servicenow", store=root)
    return root


def test_the_baseline_uses_the_objectives_file(store: Path, tmp_path: Path) -> None:
    goals = tmp_path / "objectives.toml"
    goals.write_text(TIGHT, encoding="utf-8")
    go_live = week_start(10)
    built_in = api.new_initiative("SLA", kpi="sla_resolution", store=store, go_live=go_live)
    mine = api.new_initiative(
        "SLA", kpi="sla_resolution", store=store, go_live=go_live, objectives=goals
    )
    # the same KPI over the same window, as `pdca kpi --objectives` computes it
    start = go_live - timedelta(days=90)
    for record, file in ((built_in, None), (mine, goals)):
        kpi = api.kpi(["sla_resolution"], store=store, start=start, end=go_live, objectives=file)
        assert record["baseline"]["value"] == pytest.approx(float(kpi["value"].iloc[0]))
    # 4 h against a median of 8 h: far fewer tickets in target than with the built-in 72 h
    assert mine["baseline"]["value"] < built_in["baseline"]["value"] - 20
    # verification honours the file too
    checked = api.verify_initiative(mine["initiative_id"], store=store, objectives=goals)
    default = api.verify_initiative(mine["initiative_id"], store=store, save=False)
    assert checked.evidence.before < default.evidence.before - 20


def test_the_cli_takes_objectives_and_the_suggestions_declare_theirs(
    store: Path, tmp_path: Path
) -> None:
    goals = tmp_path / "objectives.toml"
    goals.write_text(TIGHT, encoding="utf-8")
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["improve", "new", "SLA", "--kpi", "sla_resolution", "--go-live", "2024-03-11",
         "--objectives", str(goals), "--store", str(store), "-f", "json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    baseline = api.initiative(1, store=store)["baseline"]["value"]
    kpi = api.kpi(
        ["sla_resolution"], store=store, start=week_start(10) - timedelta(days=90),
        end=week_start(10), objectives=goals,
    )  # fmt: skip
    assert baseline == pytest.approx(float(kpi["value"].iloc[0]))
    shown = runner.invoke(app, ["improve", "suggest", "--no-spc", "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    assert "Targets: built-in defaults" in shown.output
    frame = api.suggest_initiatives(store=store, spc=False, objectives=goals)
    assert frame.attrs["objectives"]["source"] == str(goals)
