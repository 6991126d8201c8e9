"""The GLPI history connector (``--source glpi``) against the simulator's truth and bad input.

Vendor schema as glpi-project/glpi documents it: tables ``glpi_logs``, ``glpi_tickets``,
``glpi_groups``, ``glpi_users``, ``glpi_groups_tickets``, ``glpi_tickets_users`` in
``install/mysql/glpi-10.0.*-empty.sql``; ``linked_action`` constants in ``src/Log.php``
(15 ``HISTORY_ADD_RELATION``, 16 ``HISTORY_DEL_RELATION``, 20 ``HISTORY_CREATE_ITEM``); ticket
statuses in ``src/CommonITILObject.php``; actor search options in ``src/Ticket_User.php`` /
``src/Group_Ticket.php``; the REST API (``GET apirest.php/Ticket/``, ``/Ticket/{id}/Log``) in
``apirest.md``. Fixtures are generated: the simulator's desk written by ``pdca simulate --to
glpi``, and small tables built here.

What GLPI cannot express, compared explicitly: its ticket id is a number (the simulator's
``INC0000042`` is ticket 42); it has one Pending status (the simulator's vendor waits read back as
waiting_customer); its six fixed priorities are read as ``<ITIL rank> - <GLPI name>`` unless the
``--map`` file names them; it has no support level (the ``--map`` file names each group's).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pdca import api
from pdca.errors import InputError
from pdca.ingest import glpi
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import detect_source
from pdca.model.objectives import priority_key
from tests.connectors.roundtrip import RoundTrip, assert_same_events, assert_same_kpis, roundtrip

PRIORITIES = {5: "1 - Critical", 4: "2 - High", 3: "3 - Moderate", 2: "4 - Low"}


def _map_file(tmp: Path) -> Path:
    """The --map file a tiered desk writes: its priority names and each group's level."""
    from pdca.simulate.config import make_config  # noqa: PLC0415
    from pdca.simulate.run import simulate  # noqa: PLC0415

    probe = tmp / "probe.csv"
    simulate(
        make_config(seed=7, days=45, tickets=300, log="desk"), out=probe, fmt="csv", hidden=False
    )
    truth = pd.read_csv(probe)
    levels = (
        truth.dropna(subset=["assignment_group"])
        .groupby("assignment_group")["support_level"]
        .agg(set)
    )
    assert all(len(v) == 1 for v in levels), "a group has one level in the simulator"
    lines = ["[glpi]", "status_option = 12", "", "[glpi.priorities]"]
    lines += [f'{n} = "{label}"' for n, label in PRIORITIES.items()]
    lines += ["", "[glpi.support_levels]"]
    lines += [f'"{g}" = "{next(iter(v))}"' for g, v in levels.items()]
    path = tmp / "glpi.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    tmp = tmp_path_factory.mktemp("glpi")
    options = LoadOptions(log="desk", mapping=_map_file(tmp))
    return roundtrip(tmp, fmt="glpi", source="glpi", out_name="desk", options=options)


def _as_glpi(trip: RoundTrip) -> RoundTrip:
    """The truth as GLPI can hold it: numeric ticket ids, one pending status."""
    truth = trip.truth_events.copy()
    truth["case_id"] = truth["case_id"].str.replace(r"^INC0*", "", regex=True)
    truth["state"] = truth["state"].replace({"waiting_vendor": "waiting_customer"})
    return replace(trip, truth_events=truth)


def test_round_trip_gives_the_same_events(trip: RoundTrip) -> None:
    assert (trip.truth_events["state"] == "waiting_customer").any()
    assert_same_events(
        _as_glpi(trip),
        fields=("state", "assignment_group", "resource", "priority", "support_level"),
    )


def test_round_trip_gives_the_same_kpis(trip: RoundTrip) -> None:
    assert_same_kpis(trip)


def test_log_holds_deltas_and_rows_that_make_no_event(trip: RoundTrip) -> None:
    logs = pd.read_csv(trip.written[0].parent / "glpi_logs.csv", dtype=str)
    assert set(logs["linked_action"]) >= {"0", "15", "16", "17", "20"}
    assert (logs["id_search_option"] == "4").any()  # requester relations: not an assignment
    status = logs[(logs["id_search_option"] == "12") & (logs["linked_action"] == "0")]
    assert (status["old_value"] != status["new_value"]).all()
    batch = glpi.load(trip.written[0].parent, LoadOptions(log="x"))
    rows = batch.details["history_rows"]
    assert rows["log_rows"] == len(logs)
    assert rows["log_rows_without_event"] > 0
    assert rows["log_rows_quarantined"] == 0
    assert batch.rows_read == len(batch.events) == len(trip.truth_events)


def test_default_labels_keep_the_itil_rank(trip: RoundTrip, tmp_path: Path) -> None:
    """Without a --map file: priority ``1 - Very high`` has the simulator's rank 1; no levels."""
    store = tmp_path / "plain"
    api.ingest(trip.written[0].parent, source="glpi", store=store, options=LoadOptions(log="d"))
    read = api.events(store, log="d").sort_values(["case_id", "timestamp"]).reset_index()
    truth = _as_glpi(trip).truth_events.sort_values(["case_id", "timestamp"]).reset_index()
    assert set(read["priority"]) <= {"1 - Very high", "2 - High", "3 - Medium", "4 - Low"}
    assert list(read["priority"].map(priority_key)) == list(truth["priority"].map(priority_key))
    assert read["support_level"].isna().all()


def _bundle_from_dumps(folder: Path, out: Path) -> Path:
    """The REST bundle of the same desk, built from the same tables (ints as the API gives)."""

    def records(name: str) -> list[dict[str, object]]:
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        return [
            {str(k): (int(v) if v.isdigit() else (v or None)) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]

    logs = records("glpi_logs")
    for row in logs:  # the Log endpoint returns values as text
        row["old_value"] = "" if row["old_value"] is None else str(row["old_value"])
        row["new_value"] = "" if row["new_value"] is None else str(row["new_value"])
    bundle = {
        "pdca_bundle": {"source": "glpi", "version": 1},
        "tickets": records("glpi_tickets"),
        "logs": logs,
    }
    out.write_text(json.dumps(bundle), encoding="utf-8")
    return out


def test_rest_bundle_gives_the_same_events(trip: RoundTrip, tmp_path: Path) -> None:
    path = _bundle_from_dumps(trip.written[0].parent, tmp_path / "glpi.json")
    assert detect_source(path) == "glpi"
    batch = glpi.load(path, LoadOptions(log="b", mapping=trip.read_store.parent / "glpi.toml"))
    cols = ["case_id", "timestamp", "state", "assignment_group", "resource", "priority"]
    read = batch.events[cols].sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    stored = trip.read_events[cols].copy()
    stored["timestamp"] = pd.to_datetime(stored["timestamp"])
    stored = stored.sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    read["timestamp"] = pd.to_datetime(read["timestamp"])
    pd.testing.assert_frame_equal(read.astype(object), stored.astype(object))


def _verdicts(events: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    ordered = events.sort_values(["case_id", "timestamp", "seq"])
    for case, attributes in zip(ordered["case_id"], ordered["attributes"], strict=True):
        value = json.loads(attributes or "{}").get("made_sla")
        if value is not None:
            out[str(case).replace("INC", "").lstrip("0")] = value
    return out


def test_made_sla_is_solvedate_within_time_to_resolve(trip: RoundTrip) -> None:
    truth, read = _verdicts(trip.truth_events), _verdicts(trip.read_events)
    assert read == truth
    assert set(read.values()) == {"true", "false"}
    tickets = pd.read_csv(trip.written[0].parent / "glpi_tickets.csv", dtype=str)
    solved = tickets.dropna(subset=["solvedate"])
    recomputed = {
        t: str(pd.Timestamp(s) <= pd.Timestamp(d)).lower()
        for t, s, d in zip(
            solved["id"], solved["solvedate"], solved["time_to_resolve"], strict=True
        )
    }
    assert read == recomputed


# -- small tables built here -------------------------------------------------------------------
TICKET_COLUMNS = "id,name,date,solvedate,closedate,status,priority,type,time_to_resolve"
LOG_COLUMNS = (
    "id,itemtype,items_id,itemtype_link,linked_action,user_name,date_mod,id_search_option,"
    "old_value,new_value"
)


def _folder(tmp: Path, tickets: list[str], logs: list[str], **extra: str) -> Path:
    folder = tmp / "dump"
    folder.mkdir()
    (folder / "glpi_tickets.csv").write_text(TICKET_COLUMNS + "\n" + "\n".join(tickets) + "\n")
    (folder / "glpi_logs.csv").write_text(LOG_COLUMNS + "\n" + "\n".join(logs) + "\n")
    for name, text in extra.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_labels_with_ids_option_zero_relations_and_actor_tables(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        ["7,Printer,2024-03-01 10:00:00,2024-03-01 12:00:00,,5,4,2,2024-03-01 11:00:00"],
        [
            "1,Ticket,7,,20,admin,2024-03-01 10:00:00,0,,",
            '2,Ticket,7,Group,15,admin,2024-03-01 10:00:00,0,,"Service Desk (3)"',
            '3,Ticket,7,User,15,admin,2024-03-01 10:00:00,0,,"Ann Lee (8)"',
            '4,Ticket,7,,0,tech,2024-03-01 10:30:00,12,"Novo (1)","Em atendimento (atribuído) (2)"',
            '5,Ticket,7,User,15,tech,2024-03-01 10:30:00,0,,"Bob Roy (9)"',
            '6,Ticket,7,Group,16,tech,2024-03-01 11:00:00,0,"Service Desk (3)",',
            '7,Ticket,7,Group,15,tech,2024-03-01 11:00:00,8,,"Network (4)"',
            "8,Ticket,7,,0,tech,2024-03-01 12:00:00,3,3,4",
            "9,Ticket,7,,0,tech,2024-03-01 12:00:00,12,2,5",
            "10,Computer,7,,0,tech,2024-03-01 12:00:00,12,2,5",
        ],
        glpi_tickets_users="id,tickets_id,users_id,type\n1,7,8,1\n2,7,9,2\n",
    )
    batch = glpi.load(folder, LoadOptions(log="g"))
    assert batch.attributes is not None
    ev = batch.events.assign(made_sla=batch.attributes["made_sla"]).sort_values("seq")
    assert list(ev["activity"]) == [
        "New",
        "Processing (assigned)",
        "Processing (assigned)",
        "Solved",
    ]
    assert list(ev["state"]) == ["new", "in_progress", "in_progress", "resolved"]
    assert list(ev["assignment_group"]) == ["Service Desk"] * 2 + ["Network"] * 2
    # Ann Lee is the requester (glpi_tickets_users type 1): never the resource
    assert list(ev["resource"].fillna("-")) == ["-", "Bob Roy", "Bob Roy", "Bob Roy"]
    assert list(ev["priority"]) == ["3 - Medium"] * 3 + ["2 - High"]
    assert set(ev["ticket_type"]) == {"service_request"}
    assert list(ev["made_sla"].fillna("-")) == ["-", "-", "-", "false"]


def test_status_never_changed_is_the_current_status(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, ["1,x,2024-03-01 10:00:00,,,2,3,1,"], ["1,Ticket,1,,20,a,2024-03-01 10:00:00,0,,"]
    )
    ev = glpi.load(folder, LoadOptions(log="g")).events
    assert list(ev["activity"]) == ["Processing (assigned)"]


def test_map_file_overrides_search_options_and_states(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        ["1,x,2024-03-01 10:00:00,,,4,3,1,"],
        ["1,Ticket,1,,0,a,2024-03-01 11:00:00,21,1,4"],
    )
    mapping = tmp_path / "glpi.toml"
    mapping.write_text('[glpi]\nstatus_option = 21\n[glpi.statuses]\n4 = "waiting_vendor"\n')
    ev = glpi.load(folder, LoadOptions(log="g", mapping=mapping)).events.sort_values("seq")
    assert list(ev["state"]) == ["new", "waiting_vendor"]
    mapping.write_text("[other]\n")
    with pytest.raises(InputError, match=r"no \[glpi\] table"):
        glpi.load(folder, LoadOptions(log="g", mapping=mapping))


def test_malformed_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        [
            "1,ok,2024-03-01 10:00:00,,,2,3,1,",
            "2,bad date,yesterday,,,1,3,1,",
            "1,again,2024-03-02 10:00:00,,,1,3,1,",
            "3,too,many,fields,here,1,3,1,,,",
        ],
        [
            "1,Ticket,1,,0,a,2024-03-01 11:00:00,12,1,2",
            "2,Ticket,1,,0,a,not a time,12,2,5",
            "3,Ticket,99,,0,a,2024-03-01 11:00:00,12,1,2",
            "4,Ticket,1,,0,a,2024-03-01 12:00:00,12,2,Solved",
            "5,Ticket,1,,0,a,2024-03-01 12:00:00,1,old name,new name",
        ],
    )
    batch = glpi.load(folder, LoadOptions(log="g"))
    reasons = " | ".join(batch.quarantine["reason"])
    assert "date yesterday is not a date" in reasons
    assert "ticket id 1 appears again" in reasons
    assert "has 11 fields" in reasons
    assert "date_mod not a time is not a date" in reasons
    assert "ticket 99 is not in glpi_tickets" in reasons
    assert "status value Solved / 2 has no GLPI number" in reasons
    assert len(batch.quarantine) == 6
    assert len(batch.events) == 2  # ticket 1: opened, then 1 -> 2
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)
    assert batch.details["history_rows"]["log_rows_without_event"] == 1  # the name change


def test_detection(trip: RoundTrip, tmp_path: Path) -> None:
    folder = trip.written[0].parent
    assert glpi.detect(folder)
    assert detect_source(folder) == "glpi"
    assert not glpi.detect(tmp_path)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"pdca_bundle": {"source": "zendesk"}, "tickets": []}))
    assert not glpi.detect(other)
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"pdca_bundle": {"source": "glpi", "version": 1}, "tickets": []}))
    assert glpi.detect(mine)
    assert not glpi.detect(tmp_path / "missing.json")


def test_not_glpi_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"has no glpi_logs\.csv"):
        glpi.load(tmp_path, LoadOptions(log="g"))
    path = tmp_path / "x.json"
    path.write_text('{"issues": []}')
    with pytest.raises(InputError, match="not a GLPI bundle"):
        glpi.load(path, LoadOptions(log="g"))
