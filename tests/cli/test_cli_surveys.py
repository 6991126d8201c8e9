"""`pdca ingest-surveys`: the report, explicit columns, one-line errors, and the KPIs after it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from tests.ingest.survey_files import LOG, write_csat, write_log

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_log(tmp_path / "desk.csv", tickets=30)
    where = tmp_path / "store"
    result = runner.invoke(
        app, ["ingest", str(tmp_path / "desk.csv"), "--log", LOG, "--store", str(where)]
    )
    assert result.exit_code == 0, result.output
    return where


def _one_line_error(result: object, needle: str) -> None:
    assert result.exit_code == 1  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert needle in stderr


def test_ingest_surveys_prints_a_reconciled_report(tmp_path: Path, store: Path) -> None:
    tickets = write_log(tmp_path / "again.csv", tickets=30)
    survey = write_csat(tmp_path / "csat.csv", tickets)
    result = runner.invoke(
        app, ["ingest-surveys", str(survey.path), "--store", str(store), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"] == "surveys"
    assert report["log"] == LOG
    assert report["instrument"] == "csat"
    assert report["scale"] == [1.0, 5.0]
    assert report["rows_read"] == survey.rows
    assert report["stored"] == len(survey.valid)
    assert report["quarantined"] == len(survey.quarantined)
    assert report["unmatched"] == 2
    assert report["reconciles"] is True
    again = runner.invoke(
        app, ["ingest-surveys", str(survey.path), "--store", str(store), "-f", "csv"]
    )
    fields = dict(line.split(",", 1) for line in again.stdout.strip().splitlines()[1:])
    assert fields["stored"] == "0"
    assert fields["duplicates"] == str(survey.duplicates + len(survey.valid))


def test_explicit_columns_scale_and_dates(tmp_path: Path, store: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "ref;stars;answered;note\nINC0001;7;03/04/2024;ok\nINC0002;2;05/04/2024;\n"
        "INC0003;9;06/04/2024;\n",
        encoding="utf-8",
    )
    base = ["ingest-surveys", str(path), "--store", str(store), "-f", "json"]
    named = [*base, "--ticket", "ref", "--score", "stars", "--time", "answered", "--scale", "1-7"]
    _one_line_error(runner.invoke(app, named), "--dayfirst or --monthfirst")
    result = runner.invoke(app, [*named, "--dayfirst", "--comment", "note"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["stored"], report["quarantined"]) == (2, 1)
    assert report["details"]["formats"]["dayfirst"] is True
    assert report["details"]["quarantine_reasons"] == {
        "score is outside the scale 1-7 (column 'stars')": 1
    }
    kpi = runner.invoke(
        app, ["kpi", "csat", "--store", str(store), "--period", "month", "-f", "json"]
    )
    rows = json.loads(kpi.stdout)["rows"]
    # 7 on 1-7 is satisfied (top two: 6-7), 2 is not; both answered in April (day-first)
    assert [(r["period"][:7], r["value"], r["n"]) for r in rows] == [("2024-04", 50.0, 2)]


def test_user_errors_are_one_line(tmp_path: Path, store: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("ticket,rating\nINC0001,4\n", encoding="utf-8")
    base = ["ingest-surveys", str(path), "--store", str(store)]
    _one_line_error(runner.invoke(app, [*base, "--scale", "five"]), "cannot read the scale")
    _one_line_error(
        runner.invoke(app, [*base, "--instrument", "nps", "--scale", "1-5"]), "0-10 scale"
    )
    _one_line_error(runner.invoke(app, [*base, "--score", "nope"]), "'nope' (--score)")
    _one_line_error(runner.invoke(app, [*base, "--log", "other"]), "no log 'other'")
    _one_line_error(
        runner.invoke(app, ["ingest-surveys", str(path), "--store", str(tmp_path / "none")]),
        "pdca ingest",
    )
    usage = runner.invoke(app, [*base, "--instrument", "ces"])
    assert usage.exit_code == 2


def test_nps_then_kpis_and_export(tmp_path: Path, store: Path) -> None:
    path = tmp_path / "nps.csv"
    scores = [10, 9, 8, 7, 6, 0, 10, 3]
    lines = ["number,nps,submitted"] + [
        f"INC{i + 1:04d},{s},2024-02-{10 + i:02d} 12:00" for i, s in enumerate(scores)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["ingest-surveys", str(path), "--instrument", "nps", "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    kpi = runner.invoke(app, ["kpi", "nps", "--store", str(store), "-f", "json"])
    value = json.loads(kpi.stdout)["rows"][0]["value"]
    promoters = sum(s >= 9 for s in scores) / len(scores)
    detractors = sum(s <= 6 for s in scores) / len(scores)
    assert value == pytest.approx(100 * (promoters - detractors))
    out = tmp_path / "pq"
    export = runner.invoke(
        app, ["export", "--to", "parquet", "--out", str(out), "--store", str(store)]
    )
    assert export.exit_code == 0, export.output
    assert len(pd.read_parquet(out / "surveys.parquet")) == len(scores)
