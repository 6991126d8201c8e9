"""Jira Data Center's data pipeline export read by ``--source jira``.

Files and columns as Atlassian's Jira Data Center "Data pipeline export schema" documents
them (https://confluence.atlassian.com/adminjiraserver/data-pipeline-export-schema-1027142325.html):
``issue_history`` (``issue_id, changelog_id, author_id, author_key, created_date, field,
field_type, from, from_string, to, to_string``) joined on ``issue_id`` with ``issues`` (``id,
key, status, status_category, priority_name, created_date, …``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.errors import InputError
from pdca.ingest.jira import detect
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app
from tests.connectors.roundtrip import assert_same_events, assert_same_kpis, roundtrip

runner = CliRunner()
HISTORY = ("issue_id", "changelog_id", "author_id", "author_key", "created_date", "field",
           "field_type", "from", "from_string", "to", "to_string")  # fmt: skip
ISSUES = ("id", "key", "issue_type", "status", "status_category", "priority_name",
          "assignee_name", "created_date")  # fmt: skip


def test_a_simulated_desk_round_trips_through_the_data_pipeline_export(tmp_path: Path) -> None:
    trip = roundtrip(tmp_path, fmt="jira-dc", source="jira")
    assert_same_events(trip)
    assert_same_kpis(trip)
    folder = trip.written[0].parent
    history = next(folder.glob("issue_history_*.csv"))
    assert detect(folder)
    assert detect(history)
    assert not detect(next(folder.glob("issues_*.csv")))


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _export(folder: Path, history: list[tuple[object, ...]]) -> Path:
    folder.mkdir()
    _write(folder / "issues_job7_20240306.csv", ISSUES, [
        (10001, "SD-1", "Incident", "Resolved", "Done", "High", "Bob", "2024-03-05T10:15:42Z"),
        (10002, "SD-2", "Task", "Parked", "To Do", "Low", "", "2024-03-05T11:00:00Z"),
    ])  # fmt: skip
    return _write(folder / "issue_history_job7_20240306.csv", HISTORY, history)


def test_minute_history_times_and_bad_rows(tmp_path: Path) -> None:
    history = _export(tmp_path / "dp", [
        # cut to the minute: stamped 10:15:00, before the creation at 10:15:42
        (10001, 501, 1, "JIRAUSER1", "2024-03-05T10:15:00Z", "assignee", "jira", None, None,
         "JIRAUSER2", "Bob"),
        (10001, 501, 1, "JIRAUSER1", "2024-03-05T10:15:00Z", "status", "jira", 1, "Open", 3,
         "In Progress"),
        (10001, 502, 1, "JIRAUSER1", "2024-03-05T12:30:00Z", "status", "jira", 3,
         "In Progress", 5, "Resolved"),
        (10001, 503, 1, "JIRAUSER1", "not a time", "priority", "jira", 2, "Medium", 1, "High"),
        (10009, 504, 1, "JIRAUSER1", "2024-03-05T12:30:00Z", "status", "jira", 1, "Open", 3,
         "In Progress"),
        (10002, 505, 1, "JIRAUSER1", "2024-03-05T12:31:00Z", "labels", "jira", None, None,
         None, "x"),
    ])  # fmt: skip
    store = tmp_path / "store"
    report = api.ingest(history, source="auto", store=store, options=LoadOptions(log="t"))
    assert report.reconciles
    events = api.events(store, log="t").sort_values(["case_id", "timestamp", "seq"])
    one = events[events["case_id"] == "SD-1"]
    assert list(one["state"]) == ["new", "in_progress", "resolved"]
    assert str(one["timestamp"].iloc[1]) == "2024-03-05 10:15:42"  # placed at the creation
    assert list(one["priority"]) == ["Medium", "Medium", "Medium"]  # the creation value
    assert one["resource"].isna().iloc[0]
    reasons = " | ".join(api.quarantine(store)["reason"])
    assert "not a time" in reasons
    assert "10009" in reasons
    assert report.quarantined == 2
    assert any("cut to the minute" in n for n in report.details["notes"])
    two = events[events["case_id"] == "SD-2"]
    assert list(two["state"]) == ["new"]  # "Parked" falls back to its category "To Do"


def test_a_history_without_its_issues_file_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    path = _write(folder / "issue_history.csv", HISTORY, [])
    with pytest.raises(InputError, match="no issues file"):
        api.ingest(path, source="jira", store=tmp_path / "s")
    result = runner.invoke(app, ["ingest", str(folder), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
