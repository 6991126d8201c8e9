"""pdca forecast / pdca staff: formats and one-line errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from pdca.simulate import SimulationConfig, simulate

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("cliplan") / "store"
    simulate(SimulationConfig(seed=6, start=date(2025, 1, 1), days=90, tickets=2000), store=where)
    return where


def test_forecast_json(store: Path) -> None:
    got = runner.invoke(
        app, ["forecast", "--store", str(store), "--horizon", "7", "--folds", "1", "-f", "json"]
    )
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert doc["n"] == 2000
    assert len(doc["rows"]) == 14
    assert doc["backtest"][0]["model"] == "ets"


def test_forecast_svg_and_table(store: Path) -> None:
    svg = runner.invoke(app, ["forecast", "--store", str(store), "--folds", "1", "-f", "svg"])
    assert svg.exit_code == 0, svg.output
    assert svg.stdout.startswith("<svg")
    table = runner.invoke(app, ["forecast", "--store", str(store), "--folds", "1"])
    assert "MASE" in table.stdout
    assert "assumption:" in table.stdout


@pytest.mark.slow
def test_staff_heat_map(store: Path) -> None:
    got = runner.invoke(
        app, ["staff", "--store", str(store), "--service-level", "80/1h", "-f", "svg"]
    )
    assert got.exit_code == 0, got.output
    assert "Agents needed per hour of the week" in got.stdout


def test_bad_service_level_is_one_line(store: Path) -> None:
    got = runner.invoke(app, ["staff", "--store", str(store), "--service-level", "eighty"])
    assert got.exit_code == 1
    assert "PERCENT/TIME" in got.output
    assert "Traceback" not in got.output
