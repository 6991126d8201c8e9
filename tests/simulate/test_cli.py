"""`pdca simulate`: options, outputs, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import pdca.interfaces.cli.simulate  # noqa: F401 (registers the command until app.py lists it)
from pdca.interfaces.cli.app import app

runner = CliRunner()


def test_simulate_into_a_store_prints_a_report(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ["simulate", "--tickets", "800", "--days", "30", "--seed", "3", "--start", "2024-03-01"]
    inject = ["--inject", "mttr:VPN:1.5:2024-03-15", "--inject", "pingpong:remove:2024-03-20"]
    result = runner.invoke(app, [*args, *inject, "--store", str(store), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["tickets"], report["format"], report["seed"]) == (800, "store", 3)
    assert report["start"] == "2024-03-01T00:00:00"
    assert len(report["injected_changes"]) == 2
    assert "VPN" in report["injected_changes"][0]
    assert (store / "simulation.json").exists()
    status = runner.invoke(app, ["status", "--store", str(store), "-f", "json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)[0]["tickets"] == 800


def test_simulate_to_csv_by_extension(tmp_path: Path) -> None:
    out = tmp_path / "desk.csv"
    result = runner.invoke(
        app, ["simulate", "--days", "14", "--out", str(out), "--no-hidden", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["tickets"] == 14 * 137
    frame = pd.read_csv(out)
    assert len(frame) == report["events"]
    assert not (tmp_path / "desk.tickets.parquet").exists()
    assert (tmp_path / "desk.surveys.csv").exists()


def test_simulate_to_parquet_with_to(tmp_path: Path) -> None:
    out = tmp_path / "desk.data"
    result = runner.invoke(
        app, ["simulate", "--tickets", "300", "--days", "10", "-o", str(out), "--to", "parquet"]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(out)["case_id"].nunique() == 300


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "csv"], "--to needs --out"),
        (["--out", "x.txt"], "cannot tell the format"),
        (["--start", "01/02/2024"], "is not a date"),
        (["--inject", "mttr:Nope:1.2:2024-02-01"], "unknown service 'Nope'"),
        (["--inject", "faster"], "cannot read the change"),
        (["--days", "0"], "invalid simulation setting days"),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["simulate", "--store", str(tmp_path / "s"), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "s").exists()
