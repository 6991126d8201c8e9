"""Every KPI, scorecard, SLA and review output says which objectives it used — the built-in
defaults or a file, found in the documented order — and continuity KPIs need [continuity].

The oracle for the built-in targets is docs/sla.md's table (P1 4h, P2 1d, P3 3d, P4 5d), written
out here by hand, not read from pdca."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from tests.cli.test_cli import _tiny_servicenow

runner = CliRunner()
BUILT_IN_NOTE = "Targets: built-in defaults (P1 4 h, P2 24 h, P3 72 h, P4 120 h resolution"
BUILT_IN_HOURS = {"1": 4.0, "2": 24.0, "3": 72.0, "4": 120.0}
MINE = '[[sla]]\npriority = 3\nresolution = "30h"\n\n[[sla]]\npriority = 4\nresolution = "50h"\n'
COMMANDS = {
    "kpi": ["kpi", "volume", "sla_resolution"],
    "kpi-all": ["kpi"],
    "scorecard": ["scorecard"],
    "sla": ["sla"],
    "sla-agreement": ["sla", "--agreement"],
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PDCA_OBJECTIVES", raising=False)
    monkeypatch.delenv("PDCA_STORE", raising=False)
    path = tmp_path / "s"
    log = _tiny_servicenow(tmp_path / "sn.csv")
    done = runner.invoke(app, ["ingest", str(log), "--store", str(path)])
    assert done.exit_code == 0, done.output
    return str(path)


def _run(args: list[str]) -> tuple[str, str]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_built_in_defaults_are_declared_in_table_json_and_csv(store: str, command: str) -> None:
    args = [*COMMANDS[command], "--store", store]
    out, _ = _run(args)
    assert BUILT_IN_NOTE in out
    assert "give --objectives FILE to use yours" in out
    out, _ = _run([*args, "-f", "json"])
    meta = json.loads(out)["objectives"]
    assert meta["source"] == "built-in defaults"
    assert set(meta["parts"].values()) == {"built-in"}
    hours = {r["priority"]: r["resolution_h"] for r in meta["sla"] if r["service"] == "*"}
    assert hours == BUILT_IN_HOURS
    out, err = _run([*args, "-f", "csv"])
    assert BUILT_IN_NOTE in err
    assert "built-in" not in out  # stdout stays one CSV table
    assert len(pd.read_csv(io.StringIO(out))) > 0


@pytest.mark.parametrize("command", ["kpi", "scorecard", "sla", "sla-agreement"])
def test_a_file_is_declared_with_the_parts_it_leaves_to_the_defaults(
    store: str, tmp_path: Path, command: str
) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(MINE, encoding="utf-8")
    args = [*COMMANDS[command], "--store", store, "--objectives", str(goals)]
    out, _ = _run(args)
    assert f"Targets: {goals} (P3 30 h, P4 50 h resolution" in out
    assert "built-in defaults for: calendars, clock, KPI targets" in out
    doc = json.loads(_run([*args, "-f", "json"])[0])
    meta = doc["objectives"]
    assert meta["source"] == str(goals)
    assert meta["found_by"] == "--objectives"
    assert meta["parts"]["sla"] == "file"
    assert meta["parts"]["calendars"] == "built-in"
    assert {r["priority"]: r["resolution_h"] for r in meta["sla"]} == {"3": 30.0, "4": 50.0}


def test_the_sla_clocks_follow_the_file_that_is_declared(store: str, tmp_path: Path) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(MINE, encoding="utf-8")
    rows = json.loads(_run(["sla", "--store", store, "-f", "json", "--objectives", str(goals)])[0])
    # INC1 is priority 3: its resolution target is the file's 30 h, not the built-in 72 h
    inc1 = [r for r in rows["rows"] if r["case_id"] == "INC1" and r["clock"] == "resolution"]
    assert [r["target_s"] for r in inc1] == [30 * 3600]


def test_the_lookup_order(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def source() -> tuple[str, str]:
        meta = json.loads(_run(["scorecard", "--store", store, "-f", "json"])[0])["objectives"]
        return meta["source"], meta["found_by"]

    assert source() == ("built-in defaults", "built-in")
    kept = Path(store) / "objectives.toml"
    kept.write_text(MINE, encoding="utf-8")
    assert source() == (str(kept), "store")
    named = tmp_path / "env.toml"
    named.write_text('[[sla]]\npriority = 3\nresolution = "10h"\n', encoding="utf-8")
    monkeypatch.setenv("PDCA_OBJECTIVES", str(named))
    assert source() == (str(named), "PDCA_OBJECTIVES")
    given = tmp_path / "given.toml"
    given.write_text(MINE, encoding="utf-8")
    args = ["scorecard", "--store", store, "-f", "json", "--objectives", str(given)]
    assert json.loads(_run(args)[0])["objectives"]["source"] == str(given)
    monkeypatch.setenv("PDCA_OBJECTIVES", str(tmp_path / "missing.toml"))
    result = runner.invoke(app, ["scorecard", "--store", store])
    assert result.exit_code == 1
    assert "missing.toml" in result.stderr
    assert "Traceback" not in result.output


def test_continuity_kpis_need_the_section_and_brackets_print_literally(store: str) -> None:
    out, _ = _run(["kpi", "--store", store])
    assert "Left out availability, major_incident_count" in out
    assert "no [continuity] section" in out  # rich markup must not eat the brackets
    assert not re.search(r"\u2502 availability\s", out)  # no table row of it
    assert "\u2502 mttr " in out  # while the table has rows
    doc = json.loads(_run(["kpi", "--store", store, "-f", "json"])[0])
    assert "availability" not in {r["kpi"] for r in doc["rows"]}
    assert "[continuity]" in doc["left_out"]["availability"]
    result = runner.invoke(app, ["kpi", "availability", "--store", store])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "need a [continuity] section" in result.stderr
    assert "add [continuity]" in result.stderr
    out, _ = _run(["scorecard", "--store", store])
    assert "no [continuity] section" in out


def test_the_review_says_which_objectives(store: str, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    printed, _ = _run(["report", "--store", store, "--out", str(out)])
    assert BUILT_IN_NOTE in printed
    html = out.read_text(encoding="utf-8")
    assert '<p class="note objectives">Objectives \u2014 ' + BUILT_IN_NOTE in html
    assert "Objectives: built-in defaults." in html  # the header
    goals = tmp_path / "goals.toml"
    goals.write_text(MINE, encoding="utf-8")
    _run(["report", "--store", store, "--out", str(out), "--objectives", str(goals)])
    html = out.read_text(encoding="utf-8")
    assert f"Objectives \u2014 Targets: {goals} (P3 30 h, P4 50 h resolution" in html
    assert BUILT_IN_NOTE not in html
