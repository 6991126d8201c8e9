"""The Freshservice connector (``--source freshservice``) against the simulator's truth.

Formats as Freshservice API v2 documents them (https://api.freshservice.com/): "View a Ticket"
(``GET /api/v2/tickets/{id}``) and "View a Ticket's Activities"
(``GET /api/v2/tickets/{id}/activities``: ``actor{id, name}, content, sub_contents,
created_at``). Fixtures are generated: the simulator's desk written by ``pdca simulate --to
freshservice``, and small documents built here.

What Freshservice cannot express, compared explicitly: it has one waiting status (``Pending``),
so the simulator's waiting_vendor is read back as waiting_customer; its priorities are
Low/Medium/High/Urgent (read back as ``4 - Low`` … ``1 - Urgent``, the same ranks); the ticket
id is a number, the simulator's case id the custom field ``external_ref``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pdca.errors import InputError
from pdca.ingest import freshservice
from pdca.ingest.freshservice_text import read_line
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import detect_source
from tests.connectors.roundtrip import RoundTrip, assert_same_events, assert_same_kpis, roundtrip

STATE_AS_FRESHSERVICE = {"waiting_vendor": "waiting_customer"}
PRIORITY_AS_FRESHSERVICE = {
    "1 - Critical": "1 - Urgent",
    "2 - High": "2 - High",
    "3 - Moderate": "3 - Medium",
    "4 - Low": "4 - Low",
}


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    return roundtrip(
        tmp_path_factory.mktemp("freshservice"),
        fmt="freshservice",
        source="freshservice",
        out_name="desk.json",
        tickets=600,
    )


def _bundle(trip: RoundTrip) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(trip.written[0].read_text(encoding="utf-8"))
    return data


def _as_freshservice(trip: RoundTrip) -> RoundTrip:
    case_of = {str(t["id"]): t["custom_fields"]["external_ref"] for t in _bundle(trip)["tickets"]}
    read = trip.read_events.copy()
    assert set(read["case_id"]) <= set(case_of)
    read["case_id"] = read["case_id"].map(case_of)
    truth = trip.truth_events.copy()
    truth["state"] = truth["state"].replace(STATE_AS_FRESHSERVICE)
    assert set(truth["priority"]) <= set(PRIORITY_AS_FRESHSERVICE)
    truth["priority"] = truth["priority"].map(PRIORITY_AS_FRESHSERVICE)
    return replace(trip, truth_events=truth, read_events=read)


def test_round_trip_gives_the_same_events(trip: RoundTrip) -> None:
    assert (trip.truth_events["state"] == "waiting_vendor").any()  # the translation is exercised
    assert_same_events(_as_freshservice(trip), fields=("state", "assignment_group", "resource",
                                                       "priority", "support_level"))  # fmt: skip


def test_round_trip_differs_only_at_vendor_waits(trip: RoundTrip) -> None:
    mapped = _as_freshservice(trip)
    truth = trip.truth_events.sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    read = mapped.read_events.sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    differs = truth["state"] != read["state"]
    assert set(truth.loc[differs, "state"]) == {"waiting_vendor"}
    assert set(read.loc[differs, "activity"]) == {"Pending"}


def test_round_trip_gives_the_same_kpis(trip: RoundTrip) -> None:
    assert_same_kpis(trip)


def test_every_simulated_activity_is_understood(trip: RoundTrip) -> None:
    details = trip.read_events  # the store keeps events; the counts come from a fresh load
    assert len(details)
    batch = freshservice.load(trip.written[0], LoadOptions(log="desk"))
    assert batch.details["freshservice"]["not_understood"] == 0
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


def test_detected_by_auto(trip: RoundTrip, tmp_path: Path) -> None:
    assert detect_source(trip.written[0]) == "freshservice"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"tickets": [], "activities": {}}), encoding="utf-8")
    assert freshservice.detect(other) is False
    assert freshservice.detect(tmp_path) is False


@pytest.mark.parametrize(
    ("text", "kind", "field", "value"),
    [
        (" set Status as Pending", "change", "activity", "Pending"),
        ("Rachel set Priority as High.", "change", "priority", "High"),
        ("set Group as Network Team", "change", "assignment_group", "Network Team"),
        ("assigned to Agent Smith", "change", "resource", "Agent Smith"),
        ("set Agent as None", "change", "resource", None),
        ("changed the status from Open to Resolved", "change", "activity", "Resolved"),
        (" created a new ticket", "created", None, None),
        (" added a private note", "info", None, None),
        ("set Urgency as Low", "ignored_field", None, None),
        ("did something new", "unknown", None, None),
    ],
)
def test_activity_text_patterns(text: str, kind: str, field: str | None, value: str | None) -> None:
    line = read_line(text, actor="Rachel")
    assert (line.kind, line.field, line.value) == (kind, field, value)


def _doc(*activities: dict[str, Any], ticket: dict[str, Any] | None = None) -> dict[str, Any]:
    record = ticket or {
        "id": 7,
        "created_at": "2024-05-01T08:00:00Z",
        "status": 4,
        "priority": 3,
        "group_id": 1,
        "responder_id": 2,
        "type": "Incident",
    }
    return {"tickets": [record], "activities": {"7": list(activities)},
            "groups": [{"id": 1, "name": "Network Team"}],
            "agents": [{"id": 2, "first_name": "Agent", "last_name": "Smith"}]}  # fmt: skip


def _act(content: str, at: str | None, *subs: str) -> dict[str, Any]:
    out: dict[str, Any] = {"actor": {"id": 2, "name": "Agent Smith"}, "content": content,
                           "sub_contents": list(subs)}  # fmt: skip
    if at is not None:
        out["created_at"] = at
    return out


def _load(tmp_path: Path, doc: Any) -> Any:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return freshservice.load(path, LoadOptions(log="f"))


def test_unknown_texts_are_counted_not_stored(tmp_path: Path) -> None:
    doc = _doc(
        _act(" created a new ticket", "2024-05-01T08:00:00Z", "set Group as Network Team"),
        _act(" assigned to Agent Smith", "2024-05-01T08:10:00Z"),
        _act(" did a brand new thing", "2024-05-01T08:20:00Z"),
        _act(" set Status as Resolved", "2024-05-01T11:00:00+02:00"),
    )
    batch = _load(tmp_path, doc)
    ev = batch.events.sort_values("seq")
    assert list(ev["state"]) == ["new", "in_progress", "resolved"]
    assert list(ev["resource"].fillna("-")) == ["-", "Agent Smith", "Agent Smith"]
    assert list(ev["priority"]) == ["2 - High"] * 3  # from the record: it never changed
    assert str(ev["timestamp"].iloc[2]) == "2024-05-01 09:00:00"
    details = batch.details["freshservice"]
    assert details["not_understood"] == 1
    assert details["not_understood_examples"] == ["did a brand new thing"]
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


def test_activity_without_time_is_quarantined(tmp_path: Path) -> None:
    doc = _doc(
        _act(" created a new ticket", "2024-05-01T08:00:00Z"),
        _act(" set Status as Pending", None),
        "not an activity",  # type: ignore[arg-type]
    )
    batch = _load(tmp_path, doc)
    reasons = " | ".join(batch.quarantine["reason"])
    assert "missing timestamp" in reasons
    assert "not an object" in reasons
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "not a Freshservice bundle"),
        ('{"tickets": []}', 'needs "tickets" and "activities"'),
        ("{oops", "is not Freshservice JSON"),
        ('{"pdca_bundle": {"source": "zendesk"}, "tickets": [], "activities": {}}', "zendesk"),
    ],
)
def test_not_freshservice_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        freshservice.load(path, LoadOptions(log="f"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
