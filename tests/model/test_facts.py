"""Ticket facts: the engine's Ibis definitions against a plain-Python reading of the docs."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pdca.engine.store import Store
from pdca.model.batch import ImportBatch
from pdca.model.facts import ticket_facts
from pdca.model.schema import EVENT_COLUMNS, Col

OPEN = {"new", "in_progress", "waiting_customer", "waiting_vendor", "waiting_other"}
RES = {"resolved", "closed"}
WORKED = {
    "in_progress",
    "waiting_customer",
    "waiting_vendor",
    "waiting_other",
    "resolved",
    "closed",
}


def oracle(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The facts of one ticket, written straight from docs/model.md with loops."""
    evs = sorted(events, key=lambda e: (e["timestamp"], e["seq"], e["row"]))
    known = [e for e in evs if e["state"] != "unknown"]
    out: dict[str, Any] = {
        "opened_at": evs[0]["timestamp"],
        "first_response_at": next((e["timestamp"] for e in evs if e["state"] in WORKED), None),
        "first_resolved_at": next((e["timestamp"] for e in evs if e["state"] in RES), None),
        "event_count": len(evs),
        "last_state": known[-1]["state"] if known else None,
    }
    last_open = max((i for i, e in enumerate(known) if e["state"] in OPEN), default=-1)
    out["resolved_at"] = next(
        (e["timestamp"] for e in known[last_open + 1 :] if e["state"] in RES), None
    )
    last_other = max((i for i, e in enumerate(known) if e["state"] != "closed"), default=-1)
    out["closed_at"] = next(
        (e["timestamp"] for e in known[last_other + 1 :] if e["state"] == "closed"), None
    )
    out["reopen_count"] = sum(
        1 for a, b in pairwise(known) if a["state"] in RES and b["state"] in OPEN
    )
    groups = [e["assignment_group"] for e in evs if e["assignment_group"] is not None]
    out["reassignment_count"] = sum(1 for a, b in pairwise(groups) if a != b)
    levels = [e["support_level"] for e in evs if e["support_level"] is not None]
    out["support_level_reached"] = max(levels) if levels else None
    out["is_open"] = out["last_state"] in OPEN
    prios = [e["priority"] for e in evs if e["priority"] is not None]
    out["priority"] = prios[-1] if prios else None
    return out


STATES = sorted(OPEN | RES | {"cancelled", "unknown"})
T0 = datetime(2024, 3, 1, 8, 0)

event_st = st.fixed_dictionaries(
    {
        "minute": st.integers(0, 30),
        "state": st.sampled_from(STATES),
        "assignment_group": st.one_of(st.none(), st.sampled_from(["G1", "G2", "G3"])),
        "support_level": st.one_of(st.none(), st.sampled_from(["L1", "L2", "L3"])),
        "priority": st.one_of(st.none(), st.sampled_from(["1", "2", "3"])),
    }
)
tickets_st = st.lists(st.lists(event_st, min_size=1, max_size=12), min_size=1, max_size=8)


def _frame(tickets: list[list[dict[str, Any]]]) -> pd.DataFrame:
    rows = []
    for t, evs in enumerate(tickets):
        for i, e in enumerate(evs):
            rows.append(
                {
                    Col.LOG: "log",
                    Col.CASE_ID: f"T{t}",
                    Col.TICKET_TYPE: "incident",
                    Col.TIMESTAMP: T0 + timedelta(minutes=e["minute"]),
                    Col.SEQ: i,
                    Col.ROW: len(rows),
                    Col.ACTIVITY: e["state"],
                    Col.STATE: e["state"],
                    Col.ASSIGNMENT_GROUP: e["assignment_group"],
                    Col.SUPPORT_LEVEL: e["support_level"],
                    Col.PRIORITY: e["priority"],
                    Col.EVENT_KEY: f"{t}-{i}",
                    Col.ATTRIBUTES: "{}",
                }
            )
    frame = pd.DataFrame(rows)
    for name in EVENT_COLUMNS:
        if name not in frame.columns and name != Col.IMPORT_ID:
            frame[name] = None
    frame[Col.TIMESTAMP] = frame[Col.TIMESTAMP].astype("datetime64[us]")
    return frame


def _facts_via_store(tmp: Path, frame: pd.DataFrame) -> pd.DataFrame:
    batch = ImportBatch(
        log="log",
        source="test",
        path="-",
        sha256="-",
        rows_read=len(frame),
        events=frame,
        quarantine=pd.DataFrame(columns=["row", "reason", "raw"]),
    )
    with Store.open(tmp) as store:
        store.append(batch)
        return store.query("SELECT * FROM tickets ORDER BY case_id")


def _norm(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _facts_in_memory(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.assign(**{Col.IMPORT_ID: 1})
    for col in typed.columns:
        if typed[col].isna().all():
            typed[col] = typed[col].astype("string")
    con = ibis.duckdb.connect()
    table = con.create_table("events", pa.Table.from_pandas(typed, preserve_index=False))
    result: pd.DataFrame = con.execute(ticket_facts(table))
    return result


@settings(max_examples=60, deadline=None)
@given(tickets=tickets_st)
def test_facts_match_plain_python_definitions(tickets: list[list[dict[str, Any]]]) -> None:
    frame = _frame(tickets)
    got = _facts_in_memory(frame)
    assert len(got) == len(tickets)
    for t, evs in enumerate(tickets):
        records = frame[frame[Col.CASE_ID] == f"T{t}"].to_dict("records")
        records = [{k: _norm(v) for k, v in r.items()} for r in records]
        want = oracle(records)
        row = got[got[Col.CASE_ID] == f"T{t}"].iloc[0]
        for key, value in want.items():
            assert _norm(row[key]) == value, (key, evs)


def test_reopen_and_final_resolution_on_a_hand_made_ticket(tmp_path: Path) -> None:
    # new -> in progress -> resolved -> in progress (reopen) -> resolved -> closed
    ticket = [
        {"minute": m, "state": s, "assignment_group": g, "support_level": lv, "priority": "2"}
        for m, s, g, lv in [
            (0, "new", "G1", "L1"),
            (1, "in_progress", "G1", "L1"),
            (2, "resolved", "G1", "L1"),
            (3, "in_progress", "G2", "L2"),
            (4, "resolved", "G2", "L2"),
            (5, "closed", None, None),
        ]
    ]
    got = _facts_via_store(tmp_path, _frame([ticket])).iloc[0]
    assert got[Col.REOPEN_COUNT] == 1
    assert got[Col.REASSIGNMENT_COUNT] == 1
    assert got[Col.FIRST_RESPONSE_AT] == T0 + timedelta(minutes=1)
    assert got[Col.FIRST_RESOLVED_AT] == T0 + timedelta(minutes=2)
    assert got[Col.RESOLVED_AT] == T0 + timedelta(minutes=4)
    assert got[Col.CLOSED_AT] == T0 + timedelta(minutes=5)
    assert got[Col.SUPPORT_LEVEL_REACHED] == "L2"
    assert not got[Col.IS_OPEN]
