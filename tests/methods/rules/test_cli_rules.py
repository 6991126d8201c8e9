"""`pdca rules replay`: the three formats, the notes a reader needs, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from tests.methods.rules.test_replay_small import store  # noqa: F401 (a fixture)

runner = CliRunner()
RULES = '[[rule]]\nname = "[bold]net[/]"\nwhen.category = "Network"\nthen.route_to = "Net"\n'


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json(store: Path, rule_file: Path) -> None:  # noqa: F811
    code, out, _ = _run("rules", "replay", str(rule_file), "--store", str(store), "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["tickets"] == 9
    assert doc["resolved"] == 8
    assert len(doc["assumptions"]) >= 5
    rows = {(r["rule"], r["metric"]): r for r in doc["rows"]}
    assert rows[("[bold]net[/]", "hops_avoided")]["value"] == 2  # test_replay_small: 1 + 2 - 1


def test_table_and_csv(store: Path, rule_file: Path) -> None:  # noqa: F811
    code, out, _ = _run("rules", "replay", str(rule_file), "--store", str(store))
    assert code == 0
    assert "[bold]net[/]" in out  # data is printed literally, not as markup
    assert "Assumptions:" in out
    assert "Tickets opened in the window: 9 (8 with a final resolution" in out
    code, out, err = _run("rules", "replay", str(rule_file), "--store", str(store), "-f", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == [
        "rule", "action", "metric", "value", "ci_low", "ci_high", "per_changed",
    ]  # fmt: skip
    assert "Assumptions:" in err


def test_errors_are_one_line(store: Path, tmp_path: Path, rule_file: Path) -> None:  # noqa: F811
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nwhen.colour = "red"\nthen.route_to = "G"\n')
    code, _, err = _run("rules", "replay", str(bad), "--store", str(store))
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "line 3" in err
    assert "colour" in err
    code, _, err = _run(
        "rules", "replay", str(rule_file), "--store", str(store), "--since", "2024-02-01",
        "--until", "2024-01-01",
    )  # fmt: skip
    assert code == 1
    assert "--until is not after --since" in err


def test_check(rule_file: Path, tmp_path: Path) -> None:
    code, out, _ = _run("rules", "check", str(rule_file), "-f", "json")
    assert code == 0
    assert json.loads(out) == [
        {"rule": "[bold]net[/]", "when": "category = 'Network'", "then": "route to Net"}
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nthen.route_to = "G"\nthen.auto_close = {}\n')
    code, _, err = _run("rules", "check", str(bad))
    assert code == 1
    assert "line 4, rule 1, then.auto_close.after_days: Field required" in err
