"""The Jira changelog connector (``--source jira``), checked against the simulator's truth and
hand-built documents in the vendor's documented shapes.

Shapes as Atlassian documents them: Jira Cloud REST v3 "Get changelogs"
(https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/
#api-rest-api-3-issue-issueidorkey-changelog-get: ``histories[{id, author, created,
items[{field, fieldtype, fieldId, from, fromString, to, toString}]}]``), "Bulk fetch
changelogs" (``POST /rest/api/3/changelog/bulkfetch``: ``issueChangeLogs[{issueId,
changeHistories}]``, same page) and the search response with ``expand=changelog``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.errors import InputError
from pdca.ingest.jira import detect
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate
from tests.connectors.roundtrip import assert_same_events, assert_same_kpis, roundtrip

runner = CliRunner()


def _desk(out: Path, fmt: str, *, tickets: int = 40, days: int = 10, seed: int = 2) -> Path:
    config = make_config(seed=seed, days=days, tickets=tickets, log="desk")
    simulate(config, out=out, fmt=fmt, hidden=False)
    return out


def test_a_simulated_desk_round_trips_through_the_jira_bundle(tmp_path: Path) -> None:
    trip = roundtrip(tmp_path, fmt="jira", source="jira", out_name="desk.json")
    assert_same_events(trip)
    assert_same_kpis(trip)
    doc = json.loads(trip.written[0].read_text(encoding="utf-8"))
    # realism: fields hold the final values, so creation values came from the first change
    issue = next(i for i in doc["issues"] if len(i["changelog"]["histories"]) >= 3)
    truth = trip.truth_events[trip.truth_events["case_id"] == issue["key"]]
    assert issue["fields"]["status"]["name"] != "Open"
    assert truth.sort_values("timestamp")["activity"].iloc[0] == "New"
    first = issue["changelog"]["histories"][0]["items"]
    assert any(i["field"] == "status" and i["fromString"] == "Open" for i in first)


def _issue(key: str, fields: dict[str, Any], histories: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": key.split("-")[1], "key": key, "fields": fields,
            "changelog": {"startAt": 0, "maxResults": 100, "total": len(histories),
                          "histories": histories}}  # fmt: skip


def _item(field: str, old: str | None, new: str | None) -> dict[str, Any]:
    return {"field": field, "fieldtype": "jira", "fieldId": field, "from": None,
            "fromString": old, "to": None, "toString": new}  # fmt: skip


def _fields(status: str, category: str, assignee: str | None) -> dict[str, Any]:
    return {
        "created": "2024-03-05T10:15:00.000+0100",
        "status": {"name": status, "statusCategory": {"key": category}},
        "priority": {"name": "High"},
        "assignee": None if assignee is None else {"accountId": "a1", "displayName": assignee},
        "issuetype": {"name": "Service request"},
    }


def _ingest(tmp_path: Path, doc: Any, name: str = "doc.json") -> tuple[Any, Any]:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    store = tmp_path / "store"
    report = api.ingest(path, source="jira", store=store, options=LoadOptions(log="t"))
    return report, api.events(store, log="t")


def test_creation_values_come_from_the_first_change_even_when_it_was_empty(
    tmp_path: Path,
) -> None:
    histories = [
        {"id": "1", "created": "2024-03-05T10:20:00.000+0100",
         "items": [_item("assignee", None, "Ann"), _item("status", "Open", "In Progress")]},
        {"id": "2", "created": "2024-03-05T11:00:00.000+0100",
         "items": [_item("assignee", "Ann", "Bob")]},
        {"id": "3", "created": "2024-03-05T12:00:00.000+0100",
         "items": [_item("description", "a", "b")]},
    ]  # fmt: skip
    doc = {"issues": [_issue("SD-1", _fields("In Progress", "indeterminate", "Bob"), histories)]}
    report, events = _ingest(tmp_path, doc)
    events = events.sort_values("timestamp")
    assert list(events["activity"]) == ["Open", "In Progress", "In Progress"]
    assert events["resource"].isna().iloc[0]
    assert list(events["resource"].iloc[1:]) == ["Ann", "Bob"]
    assert str(events["timestamp"].iloc[0]) == "2024-03-05 09:15:00"  # +0100 -> UTC
    assert set(events["ticket_type"]) == {"service_request"}
    assert report.reconciles
    assert any("change no status" in n for n in report.details["notes"])


def test_custom_statuses_fall_back_to_their_category_and_unknown_ones_are_reported(
    tmp_path: Path,
) -> None:
    histories = [{"id": "1", "created": "2024-03-05T10:20:00.000+0000",
                  "items": [_item("status", "Triage", "Fixing things")]}]  # fmt: skip
    doc = {
        "issues": [
            _issue("SD-1", _fields("Fixing things", "indeterminate", None), histories),
            _issue("SD-2", _fields("Triage", "new", None), []),
            _issue("SD-3", _fields("Parked", "", None), []),
        ]
    }
    report, events = _ingest(tmp_path, doc)
    states = dict(zip(events["activity"], events["state"], strict=False))
    assert states["Triage"] == "new"
    assert states["Fixing things"] == "in_progress"
    assert states["Parked"] == "unknown"
    assert report.details["unmapped_activities"] == {"Parked": 1}


def test_the_bulk_changelog_response_with_its_issues_gives_the_same_events(
    tmp_path: Path,
) -> None:
    out = _desk(tmp_path / "desk.json", "jira")
    doc = json.loads(out.read_text(encoding="utf-8"))
    bulk = []
    for issue in doc["issues"]:
        histories = issue.pop("changelog")["histories"]
        for history in histories:  # the bulk endpoint may give epoch milliseconds
            history["created"] = _epoch_ms(history["created"])
        bulk.append({"issueId": issue["id"], "changeHistories": histories})
    del doc["pdca_bundle"]
    doc["issueChangeLogs"] = bulk
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, read = _ingest(tmp_path / "a", doc)
    _, original = _ingest(tmp_path / "b", json.loads(out.read_text(encoding="utf-8")))
    cols = ["case_id", "timestamp", "state", "assignment_group", "resource", "priority"]
    left = read[cols].sort_values(cols[:2]).reset_index(drop=True)
    right = original[cols].sort_values(cols[:2]).reset_index(drop=True)
    assert left.equals(right)


def _epoch_ms(text: str) -> int:
    from datetime import datetime  # noqa: PLC0415

    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    histories = [
        {"id": "1", "created": "yesterday-ish",
         "items": [_item("status", "Open", "In Progress")]},
        {"id": "2", "created": "2024-03-05T12:00:00.000+0000",
         "items": [_item("status", "In Progress", "Resolved")]},
    ]  # fmt: skip
    doc = {
        "issues": [
            _issue("SD-1", _fields("Resolved", "done", None), histories),
            {"id": "99", "fields": _fields("Open", "new", None)},
        ]
    }
    report, _ = _ingest(tmp_path, doc)
    assert report.stored == 2
    assert report.quarantined == 2
    assert report.reconciles
    reasons = " | ".join(api.quarantine(tmp_path / "store")["reason"])
    assert "yesterday-ish" in reasons
    assert "has no key" in reasons


def test_not_jira_json_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "z.json"
    path.write_text('{"tickets": [{"id": 1}]}', encoding="utf-8")
    with pytest.raises(InputError, match="not a Jira issue"):
        api.ingest(path, source="jira", store=tmp_path / "s")
    other = tmp_path / "zd.json"
    other.write_text('{"pdca_bundle": {"source": "zendesk", "version": 1}, "tickets": []}')
    with pytest.raises(InputError, match="zendesk"):
        api.ingest(other, source="jira", store=tmp_path / "s")
    assert not detect(other)
    broken = tmp_path / "b.json"
    broken.write_text('{"issues": [', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(broken), "--source", "jira", "--store",
                                 str(tmp_path / "s")])  # fmt: skip
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "not Jira JSON" in result.output


def test_the_team_field_the_user_names_is_the_group(tmp_path: Path) -> None:
    fields = _fields("Open", "new", None) | {"customfield_10777": {"value": "Desk A"}}
    histories = [{"id": "1", "created": "2024-03-05T10:20:00.000+0000",
                  "items": [{"field": "Squad", "fieldtype": "custom",
                             "fieldId": "customfield_10777", "fromString": "Desk B",
                             "toString": "Desk A"}]}]  # fmt: skip
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"issues": [_issue("SD-1", fields, histories)]}))
    mapping = tmp_path / "jira.toml"
    mapping.write_text('[jira]\ngroup_field = "customfield_10777"\n', encoding="utf-8")
    store = tmp_path / "store"
    api.ingest(path, source="jira", store=store, options=LoadOptions(log="t", mapping=mapping))
    events = api.events(store, log="t").sort_values("timestamp")
    assert list(events["assignment_group"]) == ["Desk B", "Desk A"]


def test_auto_detects_the_bundle_a_search_response_and_a_single_issue(tmp_path: Path) -> None:
    bundle = _desk(tmp_path / "desk.json", "jira", tickets=20, days=5)
    search = tmp_path / "search.json"
    doc = json.loads(bundle.read_text())
    del doc["pdca_bundle"]
    for issue in doc["issues"]:
        issue["key"] = "SD-" + issue["id"]
    search.write_text(json.dumps({"expand": "schema,names", "startAt": 0, **doc}))
    single = tmp_path / "issue.json"
    single.write_text(json.dumps(doc["issues"][0]))
    for path in (bundle, search, single):
        assert detect(path)
        result = runner.invoke(app, ["ingest", str(path), "--store", str(tmp_path / path.stem)])
        assert result.exit_code == 0, result.output
        assert "(jira)" in result.output
