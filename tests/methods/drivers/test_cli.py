"""`pdca drivers`: formats, the assumptions under the table, one-line errors."""

from __future__ import annotations

import csv
import io
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
    where = tmp_path_factory.mktemp("clidrivers") / "store"
    simulate(SimulationConfig(seed=8, start=date(2025, 1, 1), days=90, tickets=2000), store=where)
    return where


def test_json_has_rows_and_what_they_rest_on(store: Path) -> None:
    got = runner.invoke(
        app, ["drivers", "breach", "--store", str(store), "--by", "channel", "--by", "hops",
              "--adjust", "priority", "-f", "json"],
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert doc["outcome"] == "breach"
    assert doc["attributes"] == ["priority", "channel", "hops"]
    assert doc["adjusted_only"] == ["priority"]
    assert {r["attribute"] for r in doc["rows"]} == {"channel", "hops"}
    assert sum(r["n"] for r in doc["rows"] if r["attribute"] == "hops") == doc["n"]
    assert any(line.startswith("censoring:") for line in doc["assumptions"])
    assert doc["objectives"]["source"]


def test_table_names_the_assumptions_and_csv_keeps_stdout_one_table(store: Path) -> None:
    table = runner.invoke(app, ["drivers", "mttr", "--store", str(store), "--top", "5"])
    assert table.exit_code == 0, table.output
    for words in ("Drivers of hours", "n = ", "model: linear regression of log hours",
                  "references (largest level)", "censoring:", "Benjamini-Hochberg"):  # fmt: skip
        assert words in table.stdout
    got = runner.invoke(app, ["drivers", "reopen", "--store", str(store), "-f", "csv"])
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(got.stdout)))
    assert rows
    assert {"attribute", "level", "effect", "effect_low", "effect_high", "q_value"} <= set(rows[0])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["drivers", "happiness"], "no driver analysis for 'happiness'"),
        (["drivers", "hours", "--by", "colour"], "unknown attribute 'colour'"),
        (["drivers", "hours", "--by", "wait:sleeping"], "unknown state 'sleeping'"),
        (["drivers", "hours", "--since", "2030-01-01"], "no tickets"),
    ],
)
def test_bad_input_is_one_line(store: Path, args: list[str], words: str) -> None:
    got = runner.invoke(app, [*args, "--store", str(store)])
    assert got.exit_code == 1
    assert words in got.output
    assert "Traceback" not in got.output
