"""The `pdca` command line: output formats, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from tests.conftest import VOLVO, shared_file

runner = CliRunner()


def _tiny_servicenow(path: Path) -> Path:
    header = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"
    rows = [
        "INC1,New,0,13/1/2024 09:00,Group 1,3 - Moderate",
        "INC1,Active,1,13/1/2024 09:30,Group 2,3 - Moderate",
        "INC1,Resolved,2,14/1/2024 10:00,Group 2,3 - Moderate",
        "INC2,New,0,2/2/2024 08:00,?,1 - Critical",
        "INC2,Active,1,not a date,Group 1,1 - Critical",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_ingest_prints_a_reconciled_report_as_json(tmp_path: Path) -> None:
    src = _tiny_servicenow(tmp_path / "sn.csv")
    result = runner.invoke(app, ["ingest", str(src), "--store", str(tmp_path / "s"), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"] == "servicenow"
    assert (report["rows_read"], report["stored"], report["quarantined"]) == (5, 4, 1)
    assert report["reconciles"] is True
    assert report["details"]["quarantine_reasons"] == {
        "timestamp does not match the format %d/%m/%Y %H:%M (column 'sys_updated_at')": 1
    }


def test_status_and_quarantine_in_csv(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv")), "--store", store])
    result = runner.invoke(app, ["status", "--store", store, "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("log,ticket_type,events,tickets")
    assert lines[1].split(",")[:4] == ["sn", "incident", "4", "2"]
    result = runner.invoke(app, ["quarantine", "--store", store, "--format", "json"])
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    assert rows[0]["row"] == 4
    assert "not a date" in rows[0]["reason"]


def test_user_errors_are_one_line_with_exit_code_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "pdca ingest" in result.stderr
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.csv"), "--store", "x"])
    assert result.exit_code == 1
    assert "file not found" in result.stderr


def test_store_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDCA_STORE", str(tmp_path / "env-store"))
    result = runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv"))])
    assert result.exit_code == 0
    assert (tmp_path / "env-store" / "pdca.duckdb").exists()


def test_export_parquet_and_csv(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv")), "--store", store])
    out = tmp_path / "pq"
    result = runner.invoke(app, ["export", "--to", "parquet", "--out", str(out), "--store", store])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "events.parquet")) == 4
    result = runner.invoke(
        app, ["export", "--to", "csv", "--out", str(tmp_path / "e.csv"), "--store", store]
    )
    assert result.exit_code == 0
    assert pd.read_csv(tmp_path / "e.csv")["case_id"].tolist() == ["INC1"] * 3 + ["INC2"]


@pytest.mark.realdata
def test_ingest_volvo_table_output(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(shared_file(VOLVO)), "--store", str(tmp_path / "s"), "-f", "csv"]
    )
    assert result.exit_code == 0
    fields = dict(line.split(",", 1) for line in result.stdout.strip().splitlines()[1:])
    assert fields["stored"] == "65533"
    assert fields["tickets_in_log"] == "7554"


def test_kpi_command_json_and_errors(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv")), "--store", store])
    result = runner.invoke(
        app, ["kpi", "volume", "mttr", "--period", "month", "--store", store, "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    volume = {r["period"][:7]: r["value"] for r in rows if r["kpi"] == "volume"}
    assert volume == {"2024-01": 1.0, "2024-02": 1.0}
    mttr = [r for r in rows if r["kpi"] == "mttr"]
    # INC1: opened 13 Jan 09:00, resolved 14 Jan 10:00 -> 25 h; INC2 is still open
    assert [(r["period"][:7], r["value"], r["n"]) for r in mttr] == [("2024-01", 25.0, 1)]
    result = runner.invoke(app, ["kpi", "mttr", "--by", "colour", "--store", store])
    assert result.exit_code == 1
    assert "cannot be broken down by 'colour'" in result.stderr
    listing = runner.invoke(app, ["kpi", "--list", "-f", "csv"])
    assert listing.exit_code == 0
    assert "fcr,First-contact resolution" in listing.stdout


def test_scorecard_and_suggest_mapping(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv")), "--store", store])
    goals = tmp_path / "objectives.toml"
    goals.write_text('[kpi_targets]\nmttr = "<= 24"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["scorecard", "--store", store, "--objectives", str(goals), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["kpi"]: r for r in json.loads(result.stdout)["rows"]}
    # latest period with openings is February 2024; INC1's 25 h resolution was in January
    assert rows["volume"]["period"] == "2024-02-01"
    assert rows["volume"]["value"] == 1.0
    assert rows["volume"]["trend"] == "→ steady"
    assert "mttr" not in rows  # nothing resolved in February
    bad = tmp_path / "bad.toml"
    bad.write_text('[kpi_targets]\ncsat_score = ">= 85"\n', encoding="utf-8")
    result = runner.invoke(app, ["scorecard", "--store", store, "--objectives", str(bad)])
    assert result.exit_code == 1
    assert "csat_score" in result.stderr
    draft = tmp_path / "export.csv"
    draft.write_text(
        "Ticket ID,Status,Updated\nT1,Open,2024-01-02 10:00\nT1,Closed,2024-01-03 11:00\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["suggest-mapping", str(draft)])
    assert result.exit_code == 0, result.output
    assert 'case_id = "Ticket ID"' in result.stdout
    assert 'timestamp = "Updated"' in result.stdout


def test_mine_dfg_and_variants_csv(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    runner.invoke(app, ["ingest", str(_tiny_servicenow(tmp_path / "sn.csv")), "--store", store])
    result = runner.invoke(app, ["mine", "dfg", "--store", store, "-f", "csv"])
    assert result.exit_code == 0, result.output
    edges = pd.read_csv(io.StringIO(result.stdout))
    # INC1: New -> Active (30 min) -> Resolved (24.5 h); INC2 has only New (its Active row was
    # quarantined), so no edge
    got = {(r.source, r.target): (r.frequency, r["mean"]) for _, r in edges.iterrows()}
    assert got == {("New", "Active"): (1, 1800.0), ("Active", "Resolved"): (1, 88200.0)}
    result = runner.invoke(app, ["mine", "variants", "--store", store, "-f", "csv"])
    variants = pd.read_csv(io.StringIO(result.stdout))
    assert sorted(variants["cases"].tolist()) == [1, 1]
    result = runner.invoke(app, ["mine", "nonsense", "--store", store])
    assert result.exit_code == 1
