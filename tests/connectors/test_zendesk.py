"""The Zendesk connector (``--source zendesk``) against the simulator's truth and bad input.

Formats as developer.zendesk.com documents them: "Ticket Audits" API
(https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/), "Ticket audit
events reference" (https://developer.zendesk.com/documentation/ticketing/reference-guides/
ticket-audit-events-reference), "Ticket Metric Events" API
(https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/) and the
"Ticket metric event types reference" (https://developer.zendesk.com/documentation/ticketing/
reference-guides/ticket-metric-event-types-reference). Fixtures are generated: the simulator's
desk written by ``pdca simulate --to zendesk``, and small documents built here.

What Zendesk cannot express, compared explicitly: the simulator's waiting_vendor is Zendesk's
``hold`` (read back as waiting_other), and its priority labels are Zendesk's four priorities
(read back as ``1 - Urgent`` … ``4 - Low``, the same ranks); the ticket id is a number, the
simulator's case id its ``external_id``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca import api
from pdca.errors import InputError
from pdca.ingest import zendesk
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import detect_source
from tests.connectors.roundtrip import RoundTrip, assert_same_events, assert_same_kpis, roundtrip

STATE_AS_ZENDESK = {"waiting_vendor": "waiting_other"}
"""Simulator states Zendesk records as another state (hold -> waiting_other)."""
PRIORITY_AS_ZENDESK = {
    "1 - Critical": "1 - Urgent",
    "2 - High": "2 - High",
    "3 - Moderate": "3 - Normal",
    "4 - Low": "4 - Low",
}
"""The simulator's priorities and the label of the same rank read back from Zendesk."""


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    return roundtrip(
        tmp_path_factory.mktemp("zendesk"),
        fmt="zendesk",
        source="zendesk",
        out_name="desk.json",
        tickets=600,
    )


def _bundle(trip: RoundTrip) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(trip.written[0].read_text(encoding="utf-8"))
    return data


def _as_zendesk(trip: RoundTrip) -> RoundTrip:
    """The truth as Zendesk can hold it, and the read events under the simulator's case ids."""
    case_of = {str(t["id"]): t["external_id"] for t in _bundle(trip)["tickets"]}
    read = trip.read_events.copy()
    assert set(read["case_id"]) <= set(case_of)
    read["case_id"] = read["case_id"].map(case_of)
    truth = trip.truth_events.copy()
    truth["state"] = truth["state"].replace(STATE_AS_ZENDESK)
    assert set(truth["priority"]) <= set(PRIORITY_AS_ZENDESK)
    truth["priority"] = truth["priority"].map(PRIORITY_AS_ZENDESK)
    return replace(trip, truth_events=truth, read_events=read)


def test_round_trip_gives_the_same_events(trip: RoundTrip) -> None:
    assert (trip.truth_events["state"] == "waiting_vendor").any()  # the translation is exercised
    assert_same_events(_as_zendesk(trip))


def test_round_trip_differs_only_where_zendesk_cannot_tell(trip: RoundTrip) -> None:
    """Without the explicit translation the states differ exactly at the vendor waits."""
    mapped = _as_zendesk(trip)
    truth = trip.truth_events.sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    read = mapped.read_events.sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    differs = truth["state"] != read["state"]
    assert set(truth.loc[differs, "state"]) == {"waiting_vendor"}
    assert set(read.loc[differs, "state"]) == {"waiting_other"}
    assert set(read.loc[differs, "activity"]) == {"hold"}


def test_round_trip_gives_the_same_kpis(trip: RoundTrip) -> None:
    assert_same_kpis(trip)


def _verdicts(events: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for case, attributes in zip(events["case_id"], events["attributes"], strict=True):
        value = json.loads(attributes or "{}").get("made_sla")
        if value is not None:
            out[str(case)] = value  # the last one per ticket (events come in order)
    return out


def test_made_sla_from_metric_events_is_the_simulators_verdict(trip: RoundTrip) -> None:
    case_of = {str(t["id"]): t["external_id"] for t in _bundle(trip)["tickets"]}
    truth = _verdicts(trip.truth_events.sort_values(["case_id", "timestamp", "seq"]))
    read = _verdicts(trip.read_events.sort_values(["case_id", "timestamp", "seq"]))
    read = {case_of[c]: v for c, v in read.items()}
    assert read == truth
    assert set(truth.values()) == {"true", "false"}


def test_agreement_report_shows_zendesk_clock(trip: RoundTrip) -> None:
    truth = api.sla_agreement(store=trip.truth_store, log="desk", objectives=trip.objectives)
    read = api.sla_agreement(store=trip.read_store, log="desk", objectives=trip.objectives)
    keys = ("both_met", "both_breached", "only_pdca_breached", "only_source_breached", "total")
    assert {k: read[k] for k in keys} == {k: truth[k] for k in keys}
    assert read["total"] > 0
    assert read["both_breached"] > 0


def test_breach_and_fulfil_times_are_kept(trip: RoundTrip) -> None:
    breached = [
        json.loads(a)
        for a in trip.read_events["attributes"]
        if '"made_sla":"false"' in a.replace(" ", "")
    ]
    assert breached
    first = breached[0]
    assert (
        first["zendesk_agent_work_time_breached_at"] < first["zendesk_agent_work_time_fulfilled_at"]
    )
    assert float(first["zendesk_agent_work_time_target_minutes"]) > 0


def test_detected_by_auto(trip: RoundTrip, tmp_path: Path) -> None:
    assert detect_source(trip.written[0]) == "zendesk"
    raw = tmp_path / "audits.json"
    raw.write_text(json.dumps({"audits": _bundle(trip)["audits"][:5]}), encoding="utf-8")
    assert detect_source(raw) == "zendesk"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"pdca_bundle": {"source": "glpi"}, "tickets": []}))
    assert zendesk.detect(other) is False
    assert zendesk.detect(tmp_path) is False


# -- small documents built here --------------------------------------------------------------


def _audit(aid: int, ticket: int, at: str | None, *events: dict[str, Any]) -> dict[str, Any]:
    audit: dict[str, Any] = {"id": aid, "ticket_id": ticket, "author_id": 7, "events": list(events)}
    if at is not None:
        audit["created_at"] = at
    return audit


def _create(field: str, value: Any) -> dict[str, Any]:
    return {"id": 1, "type": "Create", "field_name": field, "value": value}


def _change(field: str, value: Any, previous: Any) -> dict[str, Any]:
    return {
        "id": 2,
        "type": "Change",
        "field_name": field,
        "value": value,
        "previous_value": previous,
    }


def _load(tmp_path: Path, doc: Any, name: str = "z.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return zendesk.load(path, LoadOptions(log="z"))


def test_raw_audits_without_tickets_take_creation_values_from_create_events(
    tmp_path: Path,
) -> None:
    doc = {
        "audits": [
            _audit(
                1,
                5,
                "2024-03-01T10:00:00Z",
                _create("status", "new"),
                _create("priority", "high"),
                _create("group_id", 11),
            ),
            _audit(
                2,
                5,
                "2024-03-01T10:05:00Z",
                _change("status", "open", "new"),
                _change("assignee_id", 21, None),
            ),
            _audit(3, 5, "2024-03-01T11:00:00Z", {"id": 9, "type": "Comment", "body": "hi"}),
            _audit(4, 5, "2024-03-01T12:00:00+01:00", _change("status", "solved", "open")),
        ],
        "groups": [{"id": 11, "name": "Network"}],
    }
    batch = _load(tmp_path, doc)
    ev = batch.events.sort_values("seq")
    assert list(ev["state"]) == ["new", "in_progress", "resolved"]
    assert list(ev["assignment_group"]) == ["Network"] * 3
    assert list(ev["resource"].fillna("-")) == ["-", "21", "21"]  # no users lookup: the id
    assert list(ev["priority"]) == ["2 - High"] * 3
    assert str(ev["timestamp"].iloc[2]) == "2024-03-01 11:00:00"  # +01:00 -> UTC
    assert batch.details["zendesk"]["audit_events_ignored_by_type"] == {"Comment": 1}
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


def test_ticket_record_gives_values_that_never_changed(tmp_path: Path) -> None:
    doc = {
        "tickets": [
            {
                "id": 5,
                "created_at": "2024-03-01T10:00:00Z",
                "priority": "low",
                "status": "pending",
                "type": "question",
                "group_id": None,
            }
        ],
        "audits": [
            _audit(1, 5, "2024-03-01T10:00:00Z", _create("status", "new")),
            _audit(2, 5, "2024-03-01T10:05:00Z", _change("status", "pending", "new")),
        ],
    }
    ev = _load(tmp_path, doc).events.sort_values("seq")
    assert list(ev["priority"]) == ["4 - Low", "4 - Low"]
    assert list(ev["state"]) == ["new", "waiting_customer"]
    assert set(ev["ticket_type"]) == {"service_request"}


def test_custom_statuses_use_their_label_and_category(tmp_path: Path) -> None:
    doc = {
        "custom_statuses": [
            {"id": 80, "status_category": "hold", "agent_label": "Waiting for vendor"},
            {"id": 81, "status_category": "open", "agent_label": "Investigating"},
        ],
        "audits": [
            _audit(1, 5, "2024-03-01T10:00:00Z", _create("status", "new")),
            _audit(
                2,
                5,
                "2024-03-01T10:05:00Z",
                _change("status", "open", "new"),
                _change("custom_status_id", 81, None),
                _change("assignee_id", 3, None),
            ),
            _audit(
                3,
                5,
                "2024-03-01T11:05:00Z",
                _change("status", "hold", "open"),
                _change("custom_status_id", 80, 81),
            ),
        ],
    }
    ev = _load(tmp_path, doc).events.sort_values("seq")
    assert list(ev["activity"]) == ["new", "Investigating", "Waiting for vendor"]
    assert list(ev["state"]) == ["new", "in_progress", "waiting_vendor"]


def test_malformed_audits_are_quarantined_with_reasons(tmp_path: Path) -> None:
    doc = {
        "audits": [
            _audit(1, 5, "2024-03-01T10:00:00Z", _create("status", "new")),
            _audit(2, 5, None, _change("status", "open", "new")),  # no created_at
            _audit(
                3,
                5,
                "2024-03-01T12:00:00Z",
                {"type": "StatusThing", "field_name": "status", "value": "solved"},
            ),
            _audit(4, 5, "2024-03-01T13:00:00Z", {"type": "NewKindOfEvent", "x": 1}),
            {"id": 5, "created_at": "2024-03-01T14:00:00Z", "events": []},  # no ticket_id
            "not an audit",
        ]
    }
    batch = _load(tmp_path, doc)
    reasons = " | ".join(batch.quarantine["reason"])
    assert "missing timestamp" in reasons
    assert "'StatusThing'" in reasons
    assert "has no ticket_id" in reasons
    assert "is not a JSON object" in reasons
    assert len(batch.quarantine) == 4
    assert batch.details["zendesk"]["audit_events_ignored_by_type"] == {"NewKindOfEvent": 1}
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "not a Zendesk response"),
        ('{"issues": []}', 'no "audits" key'),
        ('{"ticket_metric_events": []}', "no ticket audits"),
        ("not json at all", "is not Zendesk JSON"),
        ('{"pdca_bundle": {"source": "glpi"}, "audits": []}', "--source glpi"),
    ],
)
def test_not_zendesk_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        zendesk.load(path, LoadOptions(log="z"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_metric_event_rules(tmp_path: Path) -> None:
    """Breach before fulfil -> false; fulfil only -> true; deleted breach ignored; no SLA ->
    absent; a reply_time SLA alone gives no resolution verdict."""

    def metric(
        ticket: int, kind: str, at: str, name: str = "agent_work_time", **kw: Any
    ) -> dict[str, Any]:
        return {"id": 1, "ticket_id": ticket, "metric": name, "instance_id": 1, "type": kind,
                "time": at, **kw}  # fmt: skip

    sla = {"target": 60, "business_hours": False, "policy": {"id": 1, "title": "Gold"}}
    audits = [
        _audit(t, t, "2024-03-01T10:00:00Z", _create("status", "new")) for t in (1, 2, 3, 4, 5)
    ]
    events = [
        metric(1, "apply_sla", "2024-03-01T10:00:00Z", sla=sla),
        metric(1, "breach", "2024-03-01T11:00:00Z", deleted=False),
        metric(1, "fulfill", "2024-03-01T12:00:00Z"),
        metric(2, "apply_sla", "2024-03-01T10:00:00Z", sla=sla),
        metric(2, "fulfill", "2024-03-01T10:30:00Z"),
        metric(3, "apply_sla", "2024-03-01T10:00:00Z", sla=sla),
        metric(3, "breach", "2024-03-01T11:00:00Z", deleted=True),
        metric(3, "fulfill", "2024-03-01T11:30:00Z"),
        metric(4, "fulfill", "2024-03-01T11:30:00Z"),  # no SLA applied
        metric(5, "apply_sla", "2024-03-01T10:00:00Z", name="reply_time", sla=sla),
        metric(5, "fulfill", "2024-03-01T10:10:00Z", name="reply_time"),
    ]
    batch = _load(tmp_path, {"audits": audits, "ticket_metric_events": events})
    extra = batch.attributes.astype(object).where(batch.attributes.notna(), None)
    attrs = {
        c: {k: v for k, v in row.items() if v is not None}
        for c, row in zip(batch.events["case_id"], extra.to_dict("records"), strict=True)
    }
    assert attrs["1"]["made_sla"] == "false"
    assert attrs["1"]["zendesk_agent_work_time_breached_at"] == "2024-03-01 11:00:00.000000"
    assert attrs["1"]["zendesk_sla_policy"] == "Gold"
    assert attrs["2"]["made_sla"] == "true"
    assert attrs["3"]["made_sla"] == "true"
    assert "made_sla" not in attrs["4"]
    assert "made_sla" not in attrs["5"]
    assert attrs["5"]["zendesk_reply_time_fulfilled_at"]
