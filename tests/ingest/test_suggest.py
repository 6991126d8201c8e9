"""Drafting mappings for unknown exports, and writing them as TOML that reads back."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdca import api
from pdca.errors import MappingError
from pdca.ingest.mapping import ColumnMap, Mapping, parse_mapping
from pdca.ingest.options import LoadOptions
from pdca.ingest.states import guess_state
from pdca.ingest.suggest import mapping_to_toml, suggest_mapping, suggest_mapping_text
from pdca.model.vocab import State
from tests.conftest import SHARED_DATA, shared_file

EXPORTS = SHARED_DATA / "export_formats"
JIRA_HEADER = EXPORTS / "jira_cloud_jsm" / "jira_cloud_export_header_builderio_insureco.txt"
FRESHDESK = EXPORTS / "freshdesk" / "freshdesk_tickets.csv"


def _write(path: Path, header: list[str], rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _jira_rows() -> list[dict[str, str]]:
    statuses = ["Open", "In Progress", "Waiting for customer", "Resolved", "Closed"]
    return [
        {
            "Issue key": f"IC-{i % 8 + 1}",
            "Issue id": str(10000 + i % 8),
            "Summary": f"Printer {i % 8} broken",
            "Status": statuses[i % 5],
            "Created": "25/Feb/26 10:17 PM",
            "Updated": f"{i % 28 + 1}/Mar/26 {i % 12 + 1}:05 PM",
            "Assignee": "Ana Silva",
            "Reporter": "Bob Stone",
            "Priority": "High",
            "Status Category": "Done",
        }
        for i in range(30)
    ]


def test_jira_export_header(tmp_path: Path) -> None:
    header_line = shared_file(JIRA_HEADER).read_text(encoding="utf-8").splitlines()[0]
    header = next(csv.reader([header_line]))
    path = _write(tmp_path / "jira.csv", header, _jira_rows())
    mapping = suggest_mapping(path, LoadOptions())
    cols = mapping.columns
    assert (cols.case_id, cols.timestamp, cols.activity) == ("Issue key", "Updated", "Status")
    assert (cols.resource, cols.priority, cols.caller) == ("Assignee", "Priority", "Reporter")
    assert mapping.timestamp.format == "%d/%b/%y %I:%M %p"
    assert mapping.states == {
        "Open": State.NEW,
        "In Progress": State.IN_PROGRESS,
        "Waiting for customer": State.WAITING_CUSTOMER,
        "Resolved": State.RESOLVED,
        "Closed": State.CLOSED,
    }
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.stored == 30
    assert report.details["mapping"]["origin"] == "suggested"


def test_freshdesk_real_export(tmp_path: Path) -> None:
    path = shared_file(FRESHDESK)
    mapping = suggest_mapping(path, LoadOptions())
    cols = mapping.columns
    assert (cols.case_id, cols.timestamp, cols.activity) == ("Ticket ID", "Created time", "Status")
    assert cols.priority == "Priority"
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    statuses = {row["Status"] for row in records}
    assert set(mapping.states) <= statuses
    assert mapping.states["Waiting on Third Party"] is State.WAITING_VENDOR
    assert mapping.states["Open"] is State.NEW
    report = api.ingest(path, source="csv", store=tmp_path / "s")
    assert report.reconciles
    assert report.stored == len(records)


def test_zendesk_like_export(tmp_path: Path) -> None:
    header = [
        "Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Status",
        "Priority", "Created at", "Updated at", "Ticket type", "Via",
    ]  # fmt: skip
    rows = [
        {
            "Id": str(100 + i),
            "Requester": "Carla",
            "Requester id": str(9000 + i),
            "Assignee": "Dan",
            "Group": "Support L1",
            "Subject": "VPN down",
            "Status": ["new", "open", "pending", "solved", "closed"][i % 5],
            "Priority": "normal",
            "Created at": "2024-05-01T09:00:00Z",
            "Updated at": f"2024-05-{i % 28 + 1:02d}T10:00:00Z",
            "Ticket type": "incident",
            "Via": "Mail",
        }
        for i in range(10)
    ]
    mapping = suggest_mapping(_write(tmp_path / "zendesk.csv", header, rows), LoadOptions())
    cols = mapping.columns
    assert (cols.case_id, cols.timestamp, cols.activity) == ("Id", "Updated at", "Status")
    assert (cols.resource, cols.assignment_group, cols.caller) == ("Assignee", "Group", "Requester")
    assert cols.channel == "Via"
    assert mapping.timestamp.format == "%Y-%m-%dT%H:%M:%S%z"
    assert mapping.states["pending"] is State.WAITING_OTHER
    assert mapping.states["solved"] is State.RESOLVED


def test_otrs_history_export(tmp_path: Path) -> None:
    header = ["HistoryID", "TicketID", "HistoryType", "CreateTime", "Name", "QueueID"]
    rows = [
        {
            "HistoryID": str(11300 + i),
            "TicketID": str(730 + i // 3),
            "HistoryType": ["NewTicket", "StateUpdate", "Close"][i % 3],
            "CreateTime": f"2014-11-21 00:{i:02d}:08",
            "Name": "%%new%%open%%",
            "QueueID": "1",
        }
        for i in range(9)
    ]
    mapping = suggest_mapping(_write(tmp_path / "otrs.csv", header, rows, ";"), LoadOptions())
    cols = mapping.columns
    assert (cols.case_id, cols.timestamp, cols.activity) == (
        "TicketID",
        "CreateTime",
        "HistoryType",
    )
    assert cols.seq == "HistoryID"
    assert mapping.read.delimiter == ";"


def test_columns_found_by_their_values_when_names_say_nothing(tmp_path: Path) -> None:
    header = ["c1", "c2", "c3", "c4"]
    states = ["Opened", "Assigned", "Awaiting customer reply", "Solved", "Closed"]
    rows = [
        {
            "c1": f"REQ{i // 5:04d}",
            "c2": states[i % 5],
            "c3": f"2023-01-{i // 5 + 1:02d} 1{i % 5}:00",
            "c4": f"free text number {i}",
        }
        for i in range(50)
    ]
    mapping = suggest_mapping(_write(tmp_path / "odd.csv", header, rows), LoadOptions())
    assert (mapping.columns.case_id, mapping.columns.timestamp, mapping.columns.activity) == (
        "c1",
        "c3",
        "c2",
    )
    assert mapping.states["Awaiting customer reply"] is State.WAITING_CUSTOMER


def test_missing_required_column_lists_columns_and_explains(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", ["Name", "Colour"], [{"Name": "a", "Colour": "red"}])
    with pytest.raises(MappingError) as caught:
        suggest_mapping(path, LoadOptions())
    text = str(caught.value)
    assert "'Name', 'Colour'" in text
    assert "pdca suggest-mapping x.csv > map.toml" in text
    draft = suggest_mapping_text(path, LoadOptions())
    data = tomllib.loads(draft)  # still valid TOML, with the required keys left as comments
    assert "case_id" not in data.get("columns", {})
    assert '# case_id = "?"' in draft


def test_text_draft_reads_back_as_the_same_mapping(tmp_path: Path) -> None:
    header_rows = _jira_rows()
    path = _write(tmp_path / "j.csv", list(header_rows[0]), header_rows)
    text = suggest_mapping_text(path, LoadOptions())
    assert parse_mapping(tomllib.loads(text)) == suggest_mapping(path, LoadOptions())
    assert "# " in text  # commented for the user
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(text, encoding="utf-8")
    report = api.ingest(
        path, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping_file)
    )
    assert report.stored == len(header_rows)
    assert report.details["mapping"]["origin"] == str(mapping_file)


def test_ambiguous_dates_leave_the_choice_to_the_user(tmp_path: Path) -> None:
    rows = [
        {"case": "A", "timestamp": "03/04/2021 10:00", "status": "New"},
        {"case": "A", "timestamp": "05/04/2021 10:00", "status": "Closed"},
    ]
    path = _write(tmp_path / "amb.csv", ["case", "timestamp", "status"], rows)
    text = suggest_mapping_text(path, LoadOptions())
    assert "dayfirst = true" in text  # in the comment that explains what to set
    mapping = parse_mapping(tomllib.loads(text))
    assert mapping.timestamp.format is None
    assert mapping.timestamp.dayfirst is None
    chosen = suggest_mapping(path, LoadOptions(dayfirst=True))
    assert chosen.timestamp.format == "%d/%m/%Y %H:%M"
    assert chosen.timestamp.dayfirst is True


@pytest.mark.parametrize(
    ("label", "state"),
    [
        ("New", State.NEW),
        ("Open", State.NEW),
        ("Queued-Awaiting Assignment", State.NEW),
        ("Waiting for support", State.NEW),
        ("In Progress", State.IN_PROGRESS),
        ("Assigned", State.IN_PROGRESS),
        ("Active", State.IN_PROGRESS),
        ("Work in progress", State.IN_PROGRESS),
        ("Pending - customer", State.WAITING_CUSTOMER),
        ("Awaiting User Info", State.WAITING_CUSTOMER),
        ("Waiting on Requester", State.WAITING_CUSTOMER),
        ("Awaiting Vendor", State.WAITING_VENDOR),
        ("Waiting on Third Party", State.WAITING_VENDOR),
        ("Pending supplier", State.WAITING_VENDOR),
        ("Pending", State.WAITING_OTHER),
        ("On Hold", State.WAITING_OTHER),
        ("Resolved", State.RESOLVED),
        ("Solved", State.RESOLVED),
        ("Fixed", State.RESOLVED),
        ("Closed", State.CLOSED),
        ("Done", State.CLOSED),
        ("Completed", State.CLOSED),
        ("Cancelled", State.CANCELLED),
        ("Canceled", State.CANCELLED),
        ("Rejected", State.CANCELLED),
        ("Withdrawn", State.CANCELLED),
        ("Closed - Duplicate", State.CANCELLED),
        ("-100", None),
        ("Unmatched", None),
    ],
)
def test_state_keywords(label: str, state: State | None) -> None:
    assert guess_state(label) is state


_TEXT = st.text(min_size=1, max_size=30).filter(lambda t: t.strip() == t and t != "")


@given(
    columns=st.lists(_TEXT, min_size=3, max_size=3, unique=True),
    labels=st.dictionaries(_TEXT, st.sampled_from(list(State)), max_size=8),
    missing=st.lists(st.text(max_size=5), max_size=3),
    dayfirst=st.sampled_from([None, True, False]),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mapping_to_toml_round_trips(
    columns: list[str], labels: dict[str, State], missing: list[str], dayfirst: bool | None
) -> None:
    mapping = Mapping(
        columns=ColumnMap(case_id=columns[0], timestamp=columns[1], activity=columns[2]),
        states=labels,
        read={"missing_values": missing, "delimiter": "\t"},  # type: ignore[arg-type]
        timestamp={"dayfirst": dayfirst, "format": '%d/%m/%Y "at" %H:%M'},  # type: ignore[arg-type]
    )
    assert parse_mapping(tomllib.loads(mapping_to_toml(mapping))) == mapping
