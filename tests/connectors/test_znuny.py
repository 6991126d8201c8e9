"""The Znuny / OTRS connector (``--source znuny``, alias ``otrs``) against the simulator's truth.

Vendor schema as znuny/Znuny documents it: ``ticket_history``, ``ticket``, ``ticket_state``,
``ticket_state_type``, ``ticket_history_type``, ``queue``, ``users``, ``ticket_priority`` in
``scripts/database/schema.xml`` (``otrs-schema.mysql.sql``); default rows in
``scripts/database/initial_insert.xml``; history ``Name`` formats in ``Kernel/System/Ticket.pm``;
the GenericInterface ``TicketGet`` / ``TicketHistoryGet`` responses
(``Kernel/GenericInterface/Operation/Ticket/TicketHistoryGet.pm``); the history keys of the real
OTRS record in ``../shared/data/export_formats/otrs_via_zammad_fixtures``. Fixtures are generated
(``pdca simulate --to znuny`` and small tables built here).

What Znuny records differently, compared explicitly: the ticket number (``INC0000042`` is
``1000042``); vendor waits are a ``pending reminder``-type state (read back as waiting_customer);
the support level is named per queue in the ``--map`` file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca.errors import InputError
from pdca.ingest import znuny
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import detect_source
from tests.connectors.roundtrip import RoundTrip, assert_same_events, assert_same_kpis, roundtrip


def _map_file(tmp: Path) -> Path:
    from pdca.simulate.config import make_config  # noqa: PLC0415
    from pdca.simulate.run import simulate  # noqa: PLC0415

    probe = tmp / "probe.csv"
    simulate(
        make_config(seed=7, days=45, tickets=300, log="desk"), out=probe, fmt="csv", hidden=False
    )
    truth = pd.read_csv(probe).dropna(subset=["assignment_group"])
    levels = truth.groupby("assignment_group")["support_level"].first()
    lines = ["[znuny]", "unowned_owner_ids = [1]", "", "[znuny.support_levels]"]
    lines += [f'"{g}" = "{lv}"' for g, lv in levels.items()]
    path = tmp / "znuny.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    tmp = tmp_path_factory.mktemp("znuny")
    options = LoadOptions(log="desk", mapping=_map_file(tmp))
    return roundtrip(tmp, fmt="znuny", source="otrs", out_name="desk", options=options)


def _as_znuny(trip: RoundTrip) -> RoundTrip:
    truth = trip.truth_events.copy()
    truth["case_id"] = truth["case_id"].map(lambda c: f"10{int(c[3:]):05d}")
    truth["state"] = truth["state"].replace({"waiting_vendor": "waiting_customer"})
    return replace(trip, truth_events=truth)


def test_round_trip_gives_the_same_events(trip: RoundTrip) -> None:
    fields = ("state", "assignment_group", "resource", "priority", "support_level")
    assert_same_events(_as_znuny(trip), fields=fields)


def test_round_trip_gives_the_same_kpis(trip: RoundTrip) -> None:
    assert_same_kpis(trip)


def test_rows_that_change_nothing_make_no_event(trip: RoundTrip) -> None:
    folder = trip.written[0].parent
    hist = pd.read_csv(folder / "ticket_history.csv")
    batch = znuny.load(folder, LoadOptions(log="x"))
    by_type = batch.details["history_rows"]["history_rows_by_type"]
    assert by_type["AddNote"] > 0
    assert by_type["SendAnswer"] > 0
    assert by_type["SendCustomerNotification"] > 0
    assert len(hist) > 2 * len(batch.events)
    assert len(batch.events) == len(trip.truth_events)
    assert batch.rows_read == len(batch.events)


def _bundle(folder: Path, out: Path) -> Path:
    """TicketGet + TicketHistoryGet responses of the same desk, built from the same tables."""
    hist = pd.read_csv(folder / "ticket_history.csv", dtype=str, keep_default_na=False)
    tickets = pd.read_csv(folder / "ticket.csv", dtype=str, keep_default_na=False)
    kinds = pd.read_csv(folder / "ticket_history_type.csv", dtype=str).set_index("id")["name"]
    states = pd.read_csv(folder / "ticket_state.csv", dtype=str).set_index("id")
    types = pd.read_csv(folder / "ticket_state_type.csv", dtype=str).set_index("id")["name"]
    queues = pd.read_csv(folder / "queue.csv", dtype=str).set_index("id")["name"]
    prios = pd.read_csv(folder / "ticket_priority.csv", dtype=str).set_index("id")["name"]
    users = pd.read_csv(folder / "users.csv", dtype=str).set_index("id")["login"]
    ticket_get = [
        {
            "TicketID": t["id"],
            "TicketNumber": t["tn"],
            "Created": t["create_time"],
            "StateID": t["ticket_state_id"],
            "State": states.loc[t["ticket_state_id"], "name"],
            "StateType": types[states.loc[t["ticket_state_id"], "type_id"]],
            "QueueID": t["queue_id"],
            "Queue": queues[t["queue_id"]],
            "OwnerID": t["user_id"],
            "Owner": users[t["user_id"]],
            "PriorityID": t["ticket_priority_id"],
            "Priority": prios[t["ticket_priority_id"]],
            "Type": "Unclassified",
        }
        for t in tickets.to_dict("records")
    ]
    history: list[dict[str, Any]] = []
    for tid, rows in hist.groupby("ticket_id", sort=False):
        items = [
            {
                "HistoryType": kinds[r["history_type_id"]],
                "HistoryTypeID": r["history_type_id"],
                "Name": r["name"],
                "CreateTime": r["create_time"],
                "CreateBy": r["create_by"],
                "QueueID": r["queue_id"],
                "OwnerID": r["owner_id"],
                "PriorityID": r["priority_id"],
                "StateID": r["state_id"],
                "TypeID": r["type_id"],
                "ArticleID": r["article_id"],
            }
            for r in rows.to_dict("records")
        ]
        history.append({"TicketID": tid, "History": items})
    doc = {
        "pdca_bundle": {"source": "znuny", "version": 1},
        "tickets": [{"Ticket": ticket_get}],
        "history": history,
    }
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def test_rest_bundle_gives_the_same_events(trip: RoundTrip, tmp_path: Path) -> None:
    path = _bundle(trip.written[0].parent, tmp_path / "znuny.json")
    assert detect_source(path) == "znuny"
    folder = znuny.load(trip.written[0].parent, LoadOptions(log="f")).events
    bundle = znuny.load(path, LoadOptions(log="b")).events
    cols = ["case_id", "timestamp", "activity", "state", "assignment_group", "resource", "priority"]
    a = folder[cols].sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    b = bundle[cols].sort_values(["case_id", "timestamp"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))


# -- small tables built here -------------------------------------------------------------------
HISTORY = "id,name,history_type_id,ticket_id,article_id,type_id,queue_id,owner_id,priority_id,"
HISTORY += "state_id,create_time,create_by"


def _folder(tmp: Path, rows: list[str], **extra: str) -> Path:
    folder = tmp / "dump"
    folder.mkdir()
    (folder / "ticket_history.csv").write_text(HISTORY + "\n" + "\n".join(rows) + "\n")
    for name, text in extra.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_default_lookups_when_the_files_are_missing(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        [
            "1,%%20240301100001%%Raw%%3 normal%%new%%5,1,5,,1,2,1,3,1,2024-03-01 10:00:00,1",
            "2,%%Note,15,5,,1,2,1,3,1,2024-03-01 10:10:00,1",
            "3,%%agent%%7,23,5,,1,2,7,3,1,2024-03-01 10:20:00,7",
            "4,%%new%%open%%,27,5,,1,2,7,3,4,2024-03-01 10:20:00,7",
            "5,%%3 normal%%3%%4 high%%4,22,5,,1,2,7,4,4,2024-03-01 10:30:00,7",
            "6,%%open%%pending auto close+%%,27,5,,1,2,7,4,7,2024-03-01 11:00:00,7",
            "7,%%pending auto close+%%closed successful%%,27,5,,1,2,7,4,2,2024-03-02 11:00:00,1",
        ],
    )
    batch = znuny.load(folder, LoadOptions(log="z"))
    ev = batch.events.sort_values("seq")
    assert list(ev["activity"]) == [
        "new",
        "open",
        "open",
        "pending auto close+",
        "closed successful",
    ]
    assert list(ev["state"]) == ["new", "in_progress", "in_progress", "resolved", "closed"]
    assert list(ev["priority"]) == ["3 normal", "3 normal", "4 high", "4 high", "4 high"]
    assert list(ev["resource"].fillna("-")) == ["-", "7", "7", "7", "7"]  # no users: the id
    assert set(ev["assignment_group"]) == {"2"}
    assert set(ev["case_id"]) == {"5"}  # no ticket table: the ticket id
    assert set(batch.details["history_rows"]["lookups_defaulted"]) >= {
        "ticket_state",
        "ticket_priority",
    }


def test_map_file_names_states_and_owners(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        ["1,x,1,5,,1,2,3,3,11,2024-03-01 10:00:00,1", "2,x,27,5,,1,2,3,3,12,2024-03-01 11:00:00,1"],
        ticket_state="id,name,type_id\n11,triage,1\n12,with supplier,4\n",
        users="id,login\n3,bot\n",
    )
    mapping = tmp_path / "z.toml"
    mapping.write_text(
        '[znuny]\nunowned_owner_ids = [3]\n[znuny.states]\n"with supplier" = "waiting_vendor"\n'
    )
    ev = znuny.load(folder, LoadOptions(log="z", mapping=mapping)).events.sort_values("seq")
    assert list(ev["state"]) == ["new", "waiting_vendor"]
    assert ev["resource"].isna().all()


def test_malformed_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        [
            "1,x,1,5,,1,2,1,3,1,2024-03-01 10:00:00,1",
            "2,x,27,5,,1,2,1,3,4,not a time,1",
            "3,x,27,6,,1,2,1,3,4,2024-03-01 10:00:00,1",
            "4,x,27,5,,1,2,1,3,,2024-03-01 11:00:00,1",
            "5,x,27,5,,1,2,1,3,4,2024-03-01 12:00:00,1,extra",
        ],
        ticket="id,tn\n5,2024030110000015\n",
    )
    batch = znuny.load(folder, LoadOptions(log="z"))
    reasons = " | ".join(batch.quarantine["reason"])
    assert "create_time not a time is not a date" in reasons
    assert "ticket 6 is not in the ticket table" in reasons
    assert "no state_id" in reasons
    assert "has 13 fields" in reasons
    assert len(batch.quarantine) == 4
    assert set(batch.events["case_id"]) == {"2024030110000015"}
    assert batch.rows_read == len(batch.events) + len(batch.quarantine)


def test_detection(trip: RoundTrip, tmp_path: Path) -> None:
    assert znuny.detect(trip.written[0].parent)
    assert detect_source(trip.written[0].parent) == "znuny"
    assert not znuny.detect(tmp_path)
    other = tmp_path / "o.json"
    other.write_text(json.dumps({"pdca_bundle": {"source": "glpi"}, "tickets": []}))
    assert not znuny.detect(other)
    otrs = tmp_path / "otrs.json"
    otrs.write_text(json.dumps({"pdca_bundle": {"source": "otrs"}, "history": []}))
    assert znuny.detect(otrs)


def test_not_znuny_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"has no ticket_history\.csv"):
        znuny.load(tmp_path, LoadOptions(log="z"))
    path = tmp_path / "x.json"
    path.write_text('{"tickets": []}')
    with pytest.raises(InputError, match="not a Znuny bundle"):
        znuny.load(path, LoadOptions(log="z"))
