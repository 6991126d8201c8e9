"""The ServiceNow Table API bundle gives the same events as the audit CSV of the same desk.

Shapes as ServiceNow documents them (REST API reference, "Table API": ``incident`` with
``sysparm_display_value=all``, ``sys_audit`` rows ``documentkey, tablename, fieldname,
oldvalue, newvalue, sys_created_on, user, record_checkpoint``, ``sys_choice``); the CSV has the
columns of the UCI "Incident management process enriched event log" export the servicenow
connector reads (one row per update, day-first minute times).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca.errors import InputError
from pdca.ingest import servicenow, servicenow_api
from pdca.ingest.options import LoadOptions
from tests.pull import api_servicenow as sn
from tests.pull.desk import AGENTS, GROUPS, Desk

COLUMNS = [
    "case_id",
    "timestamp",
    "seq",
    "activity",
    "state",
    "assignment_group",
    "resource",
    "priority",
]


def _bundle(desk: Desk) -> dict[str, Any]:
    tables = sn.ServiceNow(desk, "x").tables()
    return {
        "pdca_bundle": {"source": "servicenow", "version": 1},
        "incidents": tables["incident"],
        "audit": tables["sys_audit"],
        "choices": tables["sys_choice"],
        "groups": tables["sys_user_group"],
        "users": tables["sys_user"],
    }


def _audit_csv(desk: Desk, path: Path) -> None:
    """The desk as the UCI audit export: one row per update with every field's value."""
    header = [
        "number",
        "incident_state",
        "active",
        "sys_mod_count",
        "made_sla",
        "sys_updated_by",
        "sys_updated_at",
        "assignment_group",
        "assigned_to",
        "priority",
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for t in desk.tickets.values():
            values = {n: t.at_creation(n) for n in ("status", "group", "agent")}
            steps = [(t.created, dict(values))]
            for update in t.updates():
                values.update({c.field: c.new for c in update})
                steps.append((update[0].at, dict(values)))
            for count, (at, v) in enumerate(steps):
                state = sn.STATE[str(v["status"])]
                writer.writerow([
                    f"INC{t.id:07d}", sn.LABEL[state], "true", count, "true", "admin",
                    at.strftime("%d/%m/%Y %H:%M"), GROUPS[int(v["group"])],  # type: ignore[call-overload]
                    "?" if v["agent"] is None else AGENTS[int(v["agent"])],  # type: ignore[call-overload]
                    sn.PRIORITY[t.priority],
                ])  # fmt: skip


def _frame(batch: Any) -> pd.DataFrame:
    events = batch.events[COLUMNS].copy()
    events["seq"] = events["seq"].astype("Int64")
    events = events.astype(object).where(events.notna(), None)
    return events.sort_values(["case_id", "timestamp", "seq"]).reset_index(drop=True)


def test_the_bundle_gives_the_events_of_the_audit_csv(tmp_path: Path) -> None:
    desk = Desk.seeded(6)
    desk.move_on()
    bundle, table = tmp_path / "pull.json", tmp_path / "incident_audit.csv"
    bundle.write_text(json.dumps(_bundle(desk)), encoding="utf-8")
    _audit_csv(desk, table)
    options = LoadOptions(log="sn")
    from_api = servicenow.load(bundle, options)
    from_csv = servicenow.load(table, options)
    expected = sum(1 + len(t.updates()) for t in desk.tickets.values())
    assert len(from_api.events) == len(from_csv.events) == expected
    pd.testing.assert_frame_equal(_frame(from_api), _frame(from_csv))
    assert from_api.quarantine.empty
    assert from_api.rows_read == len(from_api.events)


def test_plain_display_values_and_audited_inserts(tmp_path: Path) -> None:
    """A bundle saved with ``sysparm_display_value=true`` (plain strings) whose instance also
    audits inserts (``record_checkpoint`` 0 rows set the values at the opening)."""
    desk = Desk.seeded(2)
    data = _bundle(desk)
    for record in data["incidents"]:
        for name, value in list(record.items()):
            keep = name in ("sys_id", "opened_at", "sys_updated_on", "sys_created_on")
            record[name] = value["value"] if keep else value["display_value"]
    first = data["incidents"][0]
    data["audit"].insert(0, {
        "documentkey": first["sys_id"], "tablename": "incident", "fieldname": "priority",
        "oldvalue": "", "newvalue": "1", "sys_created_on": first["opened_at"], "user": "admin",
        "record_checkpoint": "0",
    })  # fmt: skip
    path = tmp_path / "saved.json"
    path.write_text(json.dumps({"incidents": data["incidents"], "audit": data["audit"]}))
    assert servicenow_api.detect(path)
    events = _frame(servicenow.load(path, LoadOptions(log="sn")))
    opening = events[events["case_id"] == first["number"]].iloc[0]
    assert opening["priority"] == "1"  # the audited insert, not the record's current value
    assert opening["state"] == "new"
    assert set(events["activity"]) == {"New", "Active", "Resolved"}


def test_detection_and_refusals(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"issues": []}')
    assert not servicenow_api.detect(other)
    assert not servicenow_api.detect(tmp_path)
    assert not servicenow_api.detect(tmp_path / "missing.json")
    with pytest.raises(InputError, match="not a ServiceNow Table API bundle"):
        servicenow.load(other, LoadOptions())
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="not a readable JSON file"):
        servicenow.load(broken, LoadOptions())
