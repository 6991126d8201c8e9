"""`pdca ingest` as a person reads it: a summary first, warnings, details on request; refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app
from tests.conftest import SERVICENOW, shared_file

runner = CliRunner()

HEADER = "number,incident_state,sys_mod_count,sys_updated_at"
ROWS = [
    "INC1,New,0,13/1/2024 09:00",
    "INC1,Active,1,13/1/2024 09:30",
    "INC1,Resolved,2,14/1/2024 10:00",
    "INC2,New,0,2/2/2024 08:00",
    "INC2,Escalated somewhere,1,2/2/2024 09:00",
    "INC2,Active,2,not a date",
]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _status(store: str) -> str:
    result = runner.invoke(app, ["status", "--store", store, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_table_starts_with_a_summary_and_warnings(tmp_path: Path) -> None:
    src = _write(tmp_path / "sn.csv", ROWS)
    result = runner.invoke(app, ["ingest", str(src), "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Import 1: read 6 rows from sn.csv into log 'sn' (servicenow)."
    assert lines[1] == "Stored 5 events; set aside 1 rows (1 quarantined, 0 duplicates)."
    assert lines[2] == (
        "  quarantined 1: timestamp does not match the format %d/%m/%Y %H:%M "
        "(column 'sys_updated_at')"
    )
    assert lines[3] == "Tickets: 2 in this import, 2 in the log (5 events)."
    assert lines[4] == "Time span: 2024-01-13 09:00:00 to 2024-02-02 09:00:00 (UTC)."
    assert lines[5] == "Dates: %d/%m/%Y %H:%M (from the mapping), time zone UTC."
    assert lines[6].startswith(
        "Warning: 1 activity label(s) map to no state, so 1 stored events (20%) have state "
        "'unknown': 'Escalated somewhere' (1)."
    )
    assert "MTTA" in lines[6]
    assert lines[7].startswith("Warning: 17% of the rows were quarantined (1 of 6)")
    assert "details.missing_values" not in result.stdout
    assert len(lines) == 9


def test_verbose_adds_every_detail(tmp_path: Path) -> None:
    src = _write(tmp_path / "sn.csv", ROWS)
    result = runner.invoke(app, ["ingest", str(src), "--store", str(tmp_path / "s"), "-v"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Import 1: read 6 rows")
    assert "details.missing_values.sys_updated_at" in result.stdout
    assert "details.unmapped_activities.Escalated somewhere" in result.stdout


def test_json_keeps_every_detail_and_adds_the_warnings(tmp_path: Path) -> None:
    src = _write(tmp_path / "sn.csv", ROWS)
    result = runner.invoke(app, ["ingest", str(src), "--store", str(tmp_path / "s"), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["rows_read"], report["stored"], report["quarantined"]) == (6, 5, 1)
    assert report["details"]["unmapped_activities"] == {"Escalated somewhere": 1}
    assert report["details"]["missing_values"]["sys_updated_at"] == 0
    assert len(report["warnings"]) == 2


def test_monthfirst_mistake_is_one_line_exit_1_and_stores_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    first = runner.invoke(app, ["ingest", str(_write(tmp_path / "a.csv", ROWS)), "--store", store])
    assert first.exit_code == 0, first.output
    before = _status(store)
    day_first = [r.replace("INC", "B") for r in ROWS[:4]]
    src = _write(tmp_path / "b.csv", day_first)
    result = runner.invoke(app, ["ingest", str(src), "--monthfirst", "--store", store])
    assert result.exit_code == 1
    assert result.stdout == ""
    error = " ".join(result.stderr.split())
    assert error.startswith("error: column 'sys_updated_at': 3 of 4 timestamps")
    assert "'13/1/2024 09:00'" in error
    assert "pass --dayfirst instead of --monthfirst" in error
    assert _status(store) == before
    assert "b" not in runner.invoke(app, ["imports", "--store", store, "-f", "csv"]).stdout


def test_all_quarantined_import_fails_with_the_main_reason(tmp_path: Path) -> None:
    store = tmp_path / "s"
    src = _write(tmp_path / "c.csv", ["INC1,New,0,soon", "INC1,Active,1,later", "INC2,New,0,"])
    result = runner.invoke(app, ["ingest", str(src), "--store", str(store)])
    assert result.exit_code == 1
    error = " ".join(result.stderr.split())
    assert "none of the 3 rows of c.csv can be imported; nothing was stored" in error
    assert "Main reason (2 rows): timestamp 'soon' does not match" in error
    assert not store.exists()


@pytest.mark.realdata
def test_monthfirst_on_the_real_servicenow_log(tmp_path: Path) -> None:
    path = shared_file(SERVICENOW)
    store = tmp_path / "s"
    result = runner.invoke(app, ["ingest", str(path), "--monthfirst", "--store", str(store)])
    assert result.exit_code == 1
    error = " ".join(result.stderr.split())
    assert "62,741 of 119,998 timestamps" in error
    assert "pass --dayfirst instead of --monthfirst" in error
    assert not store.exists()


def test_summary_lists_the_initiatives_verified_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = api.ImportReport(
        import_id=2,
        log="sn",
        source="servicenow",
        path=str(tmp_path / "sn.csv"),
        rows_read=3,
        stored=3,
        quarantined=0,
        duplicates_in_file=0,
        duplicates_in_store=0,
        events_in_log=9,
        tickets_in_log=4,
        reverified=[
            {"initiative_id": 3, "verdict": "improved", "changed": False},
            {"initiative_id": None, "reason": "re-verification failed: no data"},
        ],
    )
    monkeypatch.setattr(api, "ingest", lambda *_a, **_k: report)
    result = runner.invoke(app, ["ingest", str(tmp_path / "sn.csv"), "--store", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2] == "Tickets: 4 in the log (9 events)."
    assert lines[3:5] == ["Re-verified initiative 3: improved", "re-verification failed: no data"]
