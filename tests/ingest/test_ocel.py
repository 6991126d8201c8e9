"""OCEL 2.0 JSON import and export: lossless round trips, flattening on tickets, broken files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pdca
from pdca.errors import InputError
from pdca.ingest import LoadOptions, ocel
from pdca.model.schema import Col
from tests.ingest.eventlog_frames import ANY_CHARS, event_frames, records

LOG = "ocel round trip"


def _write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _doc(objects: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Any]:
    types = sorted({o["type"] for o in objects})
    return {
        "objectTypes": [{"name": t, "attributes": []} for t in types],
        "eventTypes": [],
        "objects": objects,
        "events": events,
    }


def _ev(
    eid: str, kind: str, time: str, *objects: str, attributes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": eid,
        "type": kind,
        "time": time,
        "attributes": attributes or [],
        "relationships": [{"objectId": o, "qualifier": ""} for o in objects],
    }


# -- lossless round trip ---------------------------------------------------------------------
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=event_frames(ANY_CHARS, LOG), suffix=st.sampled_from([".json", ".json.gz"]))
def test_round_trip_gives_back_every_canonical_field(
    tmp_path: Path, frame: pd.DataFrame, suffix: str
) -> None:
    target = ocel.write(frame, tmp_path / f"log{suffix}")
    batch = ocel.load(target, LoadOptions(log=LOG))
    assert batch.quarantine.empty
    assert batch.details["events_duplicated"] == 0
    assert batch.rows_read == len(frame)
    assert records(batch.events) == records(frame)


def test_export_has_tickets_groups_and_resources_as_objects(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            Col.LOG: "l",
            Col.CASE_ID: ["INC1", "INC1", "group:Desk"],
            Col.TICKET_TYPE: ["incident", "incident", "problem"],
            Col.TIMESTAMP: pd.to_datetime(
                ["2020-01-01 10:00", "2020-01-02 00:00:00.25", "2020-01-03"], format="ISO8601"
            ),
            Col.SEQ: pd.array([1, None, 3], dtype="Int64"),
            Col.ROW: [0, 1, 2],
            Col.ACTIVITY: ["New", "Closed", "New"],
            Col.STATE: ["new", "closed", "new"],
            Col.ASSIGNMENT_GROUP: ["Desk", "Desk", None],
            Col.RESOURCE: [None, "Ann", ""],
            Col.ATTRIBUTES: ['{"x":"1"}', '{"y":null}', "{}"],
        }
    )
    doc = json.loads(ocel.write(frame, tmp_path / "o.json").read_text(encoding="utf-8"))
    objects = {o["id"]: o["type"] for o in doc["objects"]}
    assert objects == {
        "INC1": "incident",
        "group:Desk": "problem",
        "group:Desk#2": "assignment_group",
        "resource:Ann": "resource",
    }
    first, second = doc["events"][0], doc["events"][1]
    assert (first["type"], first["time"]) == ("New", "2020-01-01T10:00:00Z")
    assert second["time"] == "2020-01-02T00:00:00.250000Z"
    assert {"objectId": "INC1", "qualifier": "ticket"} in first["relationships"]
    assert {"objectId": "group:Desk#2", "qualifier": "assignment_group"} in first["relationships"]
    assert {"name": "pdca:seq", "value": 1} in first["attributes"]
    assert {"name": "attr:y", "value": None} in second["attributes"]
    assert "pdca:seq" not in {a["name"] for a in second["attributes"]}
    declared = {t["name"]: {a["name"] for a in t["attributes"]} for t in doc["eventTypes"]}
    assert {"pdca:state", "pdca:seq", "attr:x"} <= declared["New"]


# -- flattening files from other tools -------------------------------------------------------
def test_events_of_several_tickets_are_duplicated_and_counted(tmp_path: Path) -> None:
    doc = _doc(
        [
            {"id": "i1", "type": "incident"},
            {"id": "i2", "type": "incident"},
            {"id": "p1", "type": "problem", "attributes": []},
            {
                "id": "ann",
                "type": "resource",
                "attributes": [{"name": "name", "time": "1970-01-01T00:00:00Z", "value": "Ann"}],
            },
            {"id": "srv", "type": "server"},
        ],
        [
            _ev("e1", "Logged", "2020-01-01T10:00:00+01:00", "i1", "ann", "srv"),
            _ev("e2", "Linked", "2020-01-02T10:00:00Z", "i1", "i2", "p1", "i1"),
            _ev("e3", "Orphan", "2020-01-03T10:00:00Z", "srv"),
        ],
    )
    batch = ocel.load(_write_json(tmp_path / "multi.json", doc), LoadOptions())
    events = batch.events
    assert events[Col.CASE_ID].tolist() == ["i1", "i1", "i2", "p1"]
    assert events[Col.TICKET_TYPE].tolist() == ["incident", "incident", "incident", "problem"]
    assert events[Col.TIMESTAMP].iloc[0] == pd.Timestamp("2020-01-01 09:00:00")
    assert events[Col.RESOURCE].iloc[0] == "Ann"
    assert json.loads(events[Col.ATTRIBUTES].iloc[0]) == {"object:server": "srv"}
    assert batch.details["events_duplicated"] == 2
    assert batch.details["events_related_to_several_tickets"] == 1
    assert batch.details["case_object_types"] == ["incident", "problem"]
    assert batch.rows_read == len(events) + len(batch.quarantine) == 5
    assert batch.quarantine["reason"].tolist() == [
        "event is related to no object of type incident, problem"
    ]


def test_duplicated_events_reconcile_in_the_store(tmp_path: Path) -> None:
    doc = _doc(
        [{"id": "i1", "type": "incident"}, {"id": "i2", "type": "incident"}],
        [_ev("e1", "Linked", "2020-01-02T10:00:00Z", "i1", "i2")],
    )
    report = pdca.ingest(_write_json(tmp_path / "d.json", doc), store=tmp_path / "store")
    assert (report.source, report.rows_read, report.stored) == ("ocel", 2, 2)
    assert report.reconciles
    assert report.details["events_duplicated"] == 1


def test_case_notion_falls_back_to_the_most_frequent_type(tmp_path: Path) -> None:
    doc = _doc(
        [
            {"id": "o1", "type": "order"},
            {"id": "o2", "type": "order"},
            {
                "id": "c1",
                "type": "customer",
                "attributes": [
                    {"name": "tier", "time": "2020-01-01T00:00:00Z", "value": "silver"},
                    {"name": "tier", "time": "2020-06-01T00:00:00Z", "value": "gold"},
                ],
            },
        ],
        [
            _ev("e1", "Place", "2020-03-01T00:00:00Z", "o1", "c1"),
            _ev("e2", "Place", "2020-07-01T00:00:00Z", "o2", "c1"),
        ],
    )
    path = _write_json(tmp_path / "orders.json", doc)
    batch = ocel.load(path, LoadOptions())
    assert batch.details["case_object_types"] == ["order"]
    assert batch.events[Col.CASE_ID].tolist() == ["o1", "o2"]
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'case_object_types = ["customer"]\n[states]\nPlace = "new"\n', encoding="utf-8"
    )
    by_customer = ocel.load(path, LoadOptions(mapping=mapping))
    assert by_customer.events[Col.CASE_ID].tolist() == ["c1", "c1"]
    assert by_customer.events[Col.STATE].tolist() == ["new", "new"]
    tiers = [json.loads(a)["case:tier"] for a in by_customer.events[Col.ATTRIBUTES]]
    assert tiers == ["silver", "gold"]


def test_foreign_attributes_become_text(tmp_path: Path) -> None:
    attrs = [
        {"name": "cost", "value": 12.5},
        {"name": "urgent", "value": True},
        {"name": "note", "value": None},
        {"name": "pdca:priority", "value": 2},
    ]
    doc = _doc(
        [{"id": "i1", "type": "incident"}],
        [_ev("e1", "Logged", "2020-01-01T00:00:00Z", "i1", attributes=attrs)],
    )
    event = ocel.load(_write_json(tmp_path / "a.json", doc), LoadOptions()).events.iloc[0]
    assert json.loads(event[Col.ATTRIBUTES]) == {"cost": "12.5", "urgent": "true", "note": None}
    assert event[Col.PRIORITY] == "2"


def test_we_read_pm4py_ocel(tmp_path: Path) -> None:
    import pm4py  # noqa: PLC0415, TID251 - AGPL test-only oracle, slow to import

    log = pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2"],
            "concept:name": ["Logged", "Fixed & <closed>", "Logged"],
            "time:timestamp": pd.to_datetime(
                ["2020-01-01 10:00:00", "2020-01-01 11:30:00", "2021-06-01 09:00:00"], utc=True
            ),
            "org:resource": ["ann", "bob", "bob"],
        }
    )
    converted = pm4py.convert_log_to_ocel(
        log,
        activity_column="concept:name",
        timestamp_column="time:timestamp",
        object_types=["case:concept:name", "org:resource"],
    )
    target = tmp_path / "pm4py.jsonocel"
    pm4py.write_ocel2_json(converted, str(target))
    mapping = tmp_path / "m.toml"
    mapping.write_text('case_object_types = ["case:concept:name"]\n', encoding="utf-8")
    events = ocel.load(target, LoadOptions(mapping=mapping)).events
    assert events[Col.CASE_ID].tolist() == ["c1", "c1", "c2"]
    assert events[Col.ACTIVITY].tolist() == log["concept:name"].tolist()
    assert events[Col.RESOURCE].tolist() == ["ann", "bob", "bob"]
    expected = log["time:timestamp"].dt.tz_localize(None).astype("datetime64[us]")
    assert events[Col.TIMESTAMP].tolist() == expected.tolist()


def test_pm4py_reads_our_ocel(tmp_path: Path) -> None:
    import pm4py  # noqa: PLC0415, TID251 - AGPL test-only oracle, slow to import

    frame = pd.DataFrame(
        {
            Col.LOG: "l",
            Col.CASE_ID: ["INC1", "INC1", "INC2"],
            Col.TICKET_TYPE: "incident",
            Col.TIMESTAMP: pd.to_datetime(
                ["2020-01-01 10:00", "2020-01-02", "2020-01-03"], format="ISO8601"
            ),
            Col.ACTIVITY: ["New", "Closed", "New"],
            Col.STATE: ["new", "closed", "new"],
            Col.RESOURCE: ["Ann", None, "Bob"],
            Col.ATTRIBUTES: ['{"x":"1"}', '{"x":"2"}', "{}"],
        }
    )
    target = ocel.write(frame, tmp_path / "ours.jsonocel")
    theirs = pm4py.read_ocel2_json(str(target))
    assert len(theirs.events) == 3
    assert sorted(theirs.objects["ocel:oid"]) == ["INC1", "INC2", "resource:Ann", "resource:Bob"]
    assert theirs.events["ocel:activity"].tolist() == ["New", "Closed", "New"]


# -- broken files ----------------------------------------------------------------------------
def test_truncated_json_is_an_input_error_with_the_line(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            Col.LOG: "l",
            Col.CASE_ID: ["A", "B"],
            Col.TICKET_TYPE: "incident",
            Col.TIMESTAMP: pd.to_datetime(["2020-01-01", "2020-01-02"], format="ISO8601"),
            Col.ACTIVITY: "New",
            Col.STATE: "new",
        }
    )
    text = ocel.write(frame, tmp_path / "full.json").read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) - 20], encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON \(line \d+, column \d+"):
        ocel.load(path, LoadOptions())


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"ocel:events": {}, "ocel:objects": {}}, "OCEL 1.0"),
        ([1, 2, 3], "not an OCEL 2.0 JSON file"),
        ({"objects": []}, "not an OCEL 2.0 JSON file"),
        ({"objects": [], "events": [_ev("e", "A", "2020-01-01T00:00:00Z")]}, "has no objects"),
    ],
)
def test_files_that_are_not_ocel2(tmp_path: Path, doc: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ocel.load(_write_json(tmp_path / "x.json", doc), LoadOptions())


def test_an_empty_log_round_trips(tmp_path: Path) -> None:
    empty = pd.DataFrame({Col.LOG: [], Col.CASE_ID: [], Col.TIMESTAMP: [], Col.ACTIVITY: []})
    batch = ocel.load(ocel.write(empty, tmp_path / "empty.json"), LoadOptions())
    assert (len(batch.events), len(batch.quarantine), batch.rows_read) == (0, 0, 0)


def test_events_that_are_not_objects_are_quarantined(tmp_path: Path) -> None:
    doc = _doc(
        [{"id": "i1", "type": "incident"}],
        [_ev("e1", "Logged", "2020-01-01T00:00:00Z", "i1"), "junk", _ev("e3", "X", "never", "i1")],
    )
    batch = ocel.load(_write_json(tmp_path / "j.json", doc), LoadOptions())
    assert len(batch.events) == 1
    assert batch.quarantine["reason"].tolist() == [
        "event is not a JSON object",
        "timestamp 'never' is not an ISO 8601 date-time (event time)",
    ]


# -- end to end through the public API -------------------------------------------------------
def test_api_round_trip_through_ocel(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            Col.LOG: "l",
            Col.CASE_ID: ["INC1", "INC1", "INC2"],
            Col.TICKET_TYPE: "incident",
            Col.TIMESTAMP: pd.to_datetime(
                ["2020-01-01 10:00", "2020-01-02", "2020-01-03"], format="ISO8601"
            ),
            Col.ACTIVITY: ["New", "Closed", "New"],
            Col.STATE: ["new", "closed", "new"],
            Col.ASSIGNMENT_GROUP: ["Desk", "Desk", None],
            Col.ATTRIBUTES: ['{"x":"1"}', '{"x":null}', "{}"],
        }
    )
    source = ocel.write(frame, tmp_path / "seed.json")
    first, second = tmp_path / "store1", tmp_path / "store2"
    pdca.ingest(source, store=first, options=LoadOptions(log="l"))
    [out] = pdca.api.export("ocel", tmp_path / "out.json.gz", store=first, log="l")
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        assert json.load(handle)["objectTypes"][0]["name"] == "incident"
    report = pdca.ingest(out, store=second, options=LoadOptions(log="l"))
    assert (report.stored, report.quarantined) == (3, 0)

    def events(store: Path) -> pd.DataFrame:
        return pdca.events(store).drop(columns=[Col.IMPORT_ID, Col.EVENT_KEY])

    pd.testing.assert_frame_equal(events(first), events(second))
