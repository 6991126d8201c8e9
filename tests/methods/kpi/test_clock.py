"""SLA clocks in the engine against the plain reading of docs/sla.md in sla_reference.py."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pdca
from pdca.engine.store import Store
from pdca.methods.kpi import calendar as calendar_module
from pdca.methods.kpi import clock as clock_module
from pdca.methods.kpi import source_sla as source_module
from pdca.methods.kpi.clock import elapsed_seconds, sla_clocks
from pdca.methods.kpi.source_sla import compare_with_source, source_agreement
from pdca.model.calendars import Calendar
from pdca.model.facts import ticket_facts
from pdca.model.objectives import Objectives
from tests.conftest import SERVICENOW, shared_file
from tests.methods.kpi.sla_reference import (
    GRID_HI,
    GRID_LO,
    STEP,
    CalSpec,
    Ticket,
    business,
    events_table,
    expected_clocks,
    first_number,
    working_mask,
)

DOCS = Path(__file__).resolve().parents[3] / "docs"
OFFICE_DAY = [(8 * 60 + 30, 12 * 60), (13 * 60, 17 * 60 + 30)]
SPECS = {
    "24x7": CalSpec("UTC", {d: [(0, 1440)] for d in range(7)}),
    "office": CalSpec(
        "Europe/Brussels",
        {0: OFFICE_DAY, 1: OFFICE_DAY, 2: OFFICE_DAY, 3: OFFICE_DAY, 4: [(510, 960)]},
        frozenset({date(2024, 5, 1), date(2024, 12, 25), date(2025, 1, 1), date(2025, 4, 21)}),
    ),
    "ny": CalSpec(
        "America/New_York",
        {**{d: [(540, 1020)] for d in range(5)}, 5: [(600, 840)]},
        frozenset({date(2024, 11, 28), date(2025, 7, 4)}),
    ),
}
MASKS = {name: working_mask(spec) for name, spec in SPECS.items()}
H = 3600.0
OBJECTIVES = Objectives.model_validate(
    {
        "calendars": {n: s.as_objectives() for n, s in SPECS.items() if n != "24x7"},
        "sla": [
            {"priority": 1, "response": "15m", "resolution": "4h", "calendar": "24x7"},
            {"priority": "2", "response": "1h", "resolution": "8h", "calendar": "office"},
            {"service": "Payroll", "response": "30m", "resolution": "1d", "calendar": "ny"},
            {"service": "Payroll", "priority": "P1", "resolution": "2h", "calendar": "office"},
        ],
    }
)


def target(t: Ticket, clock: str) -> tuple[float, str] | None:
    """The SLA rows above, read by hand: most specific row that sets the clock."""
    number = first_number(t.priority)
    if t.service == "Payroll":
        if clock == "resolution" and number == "1":
            return 2 * H, "office"
        return (0.5 * H, "ny") if clock == "response" else (24 * H, "ny")
    if number == "1":
        return (0.25 * H, "24x7") if clock == "response" else (4 * H, "24x7")
    if number == "2":
        return (1 * H, "office") if clock == "response" else (8 * H, "office")
    return None


CON = ibis.duckdb.connect()
# the store keeps ticket facts in a table; so do these tests (compiled once, as the store does)
FACTS_SQL = ibis.to_sql(
    ticket_facts(ibis.table(events_table([]).schema, name="events")), dialect="duckdb"
)


def run(tickets: list[Ticket], as_of: datetime, objectives: Objectives = OBJECTIVES, **kw: Any):
    events = CON.create_table("events", events_table(tickets), overwrite=True)
    CON.raw_sql(f"CREATE OR REPLACE TABLE tickets AS {FACTS_SQL}")
    clocks = sla_clocks(events, CON.table("tickets"), objectives, as_of=as_of, **kw)
    return CON.execute(clocks), events, clocks


def _same(got: Any, want: Any) -> bool:
    if want is None:
        return got is None or (not isinstance(got, str) and pd.isna(got))
    if isinstance(want, float):
        return math.isclose(float(got), want, abs_tol=1e-6)
    return got == want


def check(frame: pd.DataFrame, tickets: list[Ticket], as_of: datetime, **kw: Any) -> None:
    assert len(frame) == 2 * len(tickets)
    for t in tickets:
        want = expected_clocks(t, MASKS, target, as_of, **kw)
        for clock, expected in want.items():
            row = frame[(frame["case_id"] == t.case_id) & (frame["clock"] == clock)].iloc[0]
            for key, value in expected.items():
                assert _same(row[key], value), (t, clock, key, row[key], value)


# -- hand-made tickets -----------------------------------------------------------------------------
def test_a_ticket_paused_over_a_weekend_in_brussels() -> None:
    # P2 on the office calendar. Friday 6 June 2025 (CEST, UTC+2): opened 15:00 local = 13:00 UTC
    t = Ticket(
        "T1",
        None,
        "2 - High",
        [
            (datetime(2025, 6, 6, 13), "new"),
            (datetime(2025, 6, 6, 13, 30), "in_progress"),  # response after 30 working minutes
            (datetime(2025, 6, 6, 13, 45), "waiting_customer"),  # pauses 13:45 UTC Friday ...
            (datetime(2025, 6, 9, 8), "in_progress"),  # ... to Monday 10:00 local
            (datetime(2025, 6, 9, 10), "resolved"),  # Monday 12:00 local
        ],
    )
    frame, *_ = run([t], as_of=datetime(2025, 6, 10))
    res = frame[frame["clock"] == "resolution"].iloc[0]
    # working time: Fri 15:00-16:00 (1 h) + Mon 08:30-12:00 (3.5 h) = 4.5 h;
    # paused: Fri 15:45-16:00 (0.25 h) + Mon 08:30-10:00 (1.5 h) = 1.75 h
    assert res["business_s"] == 4.5 * H
    assert res["paused_s"] == 1.75 * H
    assert res["elapsed_s"] == 2.75 * H
    assert res["calendar_s"] == (69 * H)
    assert not res["breached"]
    assert res["target_s"] == 8 * H
    resp = frame[frame["clock"] == "response"].iloc[0]
    assert resp["elapsed_s"] == 0.5 * H
    assert resp["paused_s"] == 0
    assert not resp["breached"]
    assert pd.isna(resp["time_to_breach_s"])


def test_an_open_ticket_has_a_time_to_breach_and_a_breach_when_late() -> None:
    t = Ticket("T2", None, "1 - Critical", [(datetime(2025, 3, 9, 10), "new")])
    frame, *_ = run([t], as_of=datetime(2025, 3, 9, 10, 10))
    resp = frame[frame["clock"] == "response"].iloc[0]
    assert resp["running"]
    assert resp["time_to_breach_s"] == 5 * 60  # 15 minutes target, 10 used
    assert not resp["breached"]
    frame, *_ = run([t], as_of=datetime(2025, 3, 9, 15))
    res = frame[frame["clock"] == "resolution"].iloc[0]
    assert res["breached"]
    assert res["time_to_breach_s"] == -1 * H  # 4 h target, 5 h used


def test_a_ticket_opened_after_the_as_of_instant_has_used_no_time() -> None:
    early = Ticket("E", None, "1", [(datetime(2025, 1, 6, 9), "new")])
    late = Ticket("L", None, "1", [(datetime(2025, 1, 6, 12), "new")])
    frame, *_ = run([early, late], as_of=datetime(2025, 1, 6, 10))
    row = frame[(frame["case_id"] == "L") & (frame["clock"] == "resolution")].iloc[0]
    assert row["running"]
    assert row["elapsed_s"] == 0
    assert row["time_to_breach_s"] == 4 * H


def test_a_clock_ending_exactly_on_target_is_met() -> None:
    t = Ticket(
        "T3",
        None,
        "1",
        [(datetime(2025, 1, 1), "new"), (datetime(2025, 1, 1, 0, 15), "in_progress")],
    )
    frame, *_ = run([t], as_of=datetime(2025, 1, 2))
    resp = frame[frame["clock"] == "response"].iloc[0]
    assert resp["elapsed_s"] == resp["target_s"] == 900
    assert not resp["breached"]


def test_most_specific_row_wins_per_clock() -> None:
    opened = datetime(2025, 6, 2, 12)
    tickets = [
        Ticket("A", "Payroll", "1 - Critical", [(opened, "new")]),
        Ticket("B", "Payroll", "3 - Moderate", [(opened, "new")]),
        Ticket("C", "Email", "P1", [(opened, "new")]),
        Ticket("D", None, "4 - Low", [(opened, "new")]),
        Ticket("E", "Email", None, [(opened, "new")]),
    ]
    frame, *_ = run(tickets, as_of=opened)
    got = {
        (r.case_id, r.clock): (
            None if pd.isna(r.target_s) else r.target_s,
            None if pd.isna(r.calendar) else r.calendar,
        )
        for r in frame.itertuples()
    }
    assert got[("A", "resolution")] == (2 * H, "office")
    assert got[("A", "response")] == (0.5 * H, "ny")
    assert got[("B", "resolution")] == (24 * H, "ny")
    assert got[("C", "response")] == (0.25 * H, "24x7")
    assert got[("D", "response")] == (None, None)
    assert got[("E", "resolution")] == (None, None)


def test_first_resolution_option_stops_at_the_first_resolution() -> None:
    t = Ticket(
        "T4",
        None,
        "1",
        [
            (datetime(2025, 1, 6, 9), "new"),
            (datetime(2025, 1, 6, 10), "resolved"),
            (datetime(2025, 1, 6, 12), "in_progress"),
            (datetime(2025, 1, 6, 14), "resolved"),
        ],
    )
    final, *_ = run([t], as_of=datetime(2025, 1, 7))
    first, *_ = run([t], as_of=datetime(2025, 1, 7), resolution="first")
    assert final[final["clock"] == "resolution"]["elapsed_s"].iloc[0] == 5 * H
    assert first[first["clock"] == "resolution"]["elapsed_s"].iloc[0] == 1 * H


def test_cancelled_ticket_has_no_measurement() -> None:
    t = Ticket(
        "T5", None, "1", [(datetime(2025, 1, 6, 9), "new"), (datetime(2025, 1, 6, 10), "cancelled")]
    )
    frame, *_ = run([t], as_of=datetime(2025, 1, 7))
    assert frame["breached"].isna().all()
    assert frame["calendar_s"].isna().all()
    assert not frame["running"].any()


def test_no_pause_states_means_no_pauses() -> None:
    t = Ticket(
        "T6",
        None,
        "1",
        [(datetime(2025, 1, 6, 9), "waiting_vendor"), (datetime(2025, 1, 6, 10), "resolved")],
    )
    plain = Objectives.model_validate({**OBJECTIVES.model_dump(), "clock": {"pause_states": []}})
    frame, *_ = run([t], as_of=datetime(2025, 1, 7), objectives=plain)
    res = frame[frame["clock"] == "resolution"].iloc[0]
    assert res["paused_s"] == 0
    assert res["elapsed_s"] == 1 * H
    frame, *_ = run([t], as_of=datetime(2025, 1, 7))
    assert frame[frame["clock"] == "resolution"]["elapsed_s"].iloc[0] == 0


# -- properties against the reference --------------------------------------------------------------
ANCHORS = [
    datetime(2024, 3, 29, 12),  # Brussels spring forward on Sunday 31 March 2024
    datetime(2024, 10, 25, 15),  # Brussels fall back on Sunday 27 October 2024
    datetime(2025, 3, 28, 9),
    datetime(2025, 10, 24, 16),
    datetime(2024, 3, 8, 20),  # New York spring forward on Sunday 10 March 2024
    datetime(2024, 11, 1, 21),  # New York fall back on Sunday 3 November 2024
    datetime(2025, 3, 7, 18),
    datetime(2025, 10, 31, 22),
    datetime(2024, 4, 30, 14),  # office holiday 1 May 2024
    datetime(2024, 11, 27, 16),  # Thanksgiving 2024
    datetime(2024, 12, 24, 10),  # Christmas
    datetime(2025, 7, 3, 13),  # Independence Day 2025
    datetime(2025, 6, 4, 7, 5),
]
STATES = [
    "new",
    "in_progress",
    "waiting_customer",
    "waiting_vendor",
    "waiting_other",
    "resolved",
    "closed",
    "cancelled",
    "unknown",
]
gap = st.one_of(st.integers(0, 24), st.integers(0, 600))  # 5-minute steps, up to 50 hours


@st.composite
def tickets(draw: st.DrawFn, starts: Any = None, gaps: st.SearchStrategy[int] = gap) -> Ticket:
    if starts is None:
        anchor = draw(st.sampled_from(ANCHORS))
        start = anchor + timedelta(seconds=STEP * draw(st.integers(-288, 288)))
    else:
        start = draw(starts)
    n = draw(st.integers(1, 7))
    events, ts = [], start
    for i in range(n):
        if i:
            ts += timedelta(seconds=STEP * draw(gaps))
        events.append((ts, draw(st.sampled_from(STATES))))
    return Ticket(
        "",
        draw(st.sampled_from([None, "Payroll", "Email"])),
        draw(st.sampled_from([None, "1 - Critical", "2 - High", "P2", "3 - Moderate", "High"])),
        events,
    )


def _name(ts: list[Ticket]) -> list[Ticket]:
    for i, t in enumerate(ts):
        t.case_id = f"T{i}"
    return ts


@settings(max_examples=20, deadline=None)
@given(
    st.lists(tickets(), min_size=1, max_size=12).map(_name),
    st.integers(0, 600),
    st.sampled_from(["final", "first"]),
)
def test_clocks_match_the_reference(ts: list[Ticket], extra: int, which: str) -> None:
    as_of = max(t.events[-1][0] for t in ts) + timedelta(seconds=STEP * extra)
    frame, *_ = run(ts, as_of, resolution=which)
    check(frame, ts, as_of, resolution=which)
    measured = frame[frame["business_s"].notna()]
    assert (measured["business_s"] <= measured["calendar_s"]).all()
    assert (measured["paused_s"] <= measured["paused_calendar_s"]).all()


first_year = st.integers(0, 365 * 288).map(
    lambda i: datetime(2023, 1, 1) + timedelta(seconds=i * STEP)
)
months = st.integers(0, 120 * 288)  # gaps of up to 120 days: tickets of up to two years and more


@settings(max_examples=8, deadline=None)
@given(
    st.lists(tickets(first_year, months), min_size=1, max_size=4).map(_name),
    st.sampled_from(["final", "first"]),
)
def test_clocks_over_years_match_the_reference(ts: list[Ticket], which: str) -> None:
    as_of = max(t.events[-1][0] for t in ts)
    frame, *_ = run(ts, as_of, resolution=which)
    check(frame, ts, as_of, resolution=which)


# -- elapsed time between two instants -------------------------------------------------------------
def _spans(con: Any, spans: list[tuple[datetime, datetime | None]]) -> Any:
    frame = pd.DataFrame(spans, columns=["a", "b"]).astype("datetime64[us]")
    frame["id"] = range(len(frame))
    return con.create_table("spans", pa.Table.from_pandas(frame), overwrite=True)


instants = st.integers(0, (GRID_HI - GRID_LO).days * 288 - 1).map(
    lambda i: GRID_LO + timedelta(seconds=i * STEP)
)


def _calendar(name: str) -> Calendar:
    return OBJECTIVES.calendars[name]


@settings(max_examples=25, deadline=None)
@given(st.lists(instants, min_size=3, max_size=3).map(sorted), st.sampled_from(list(SPECS)))
def test_elapsed_is_additive_and_matches_the_reference(abc: list[datetime], name: str) -> None:
    a, b, c = abc
    table = _spans(CON, [(a, b), (b, c), (a, c)])
    got = CON.execute(
        elapsed_seconds(table, _calendar(name), start="a", end="b", window=(GRID_LO, GRID_HI))
    )
    ab, bc, ac = (got.set_index("id").loc[i] for i in range(3))
    assert ac["business_s"] == ab["business_s"] + bc["business_s"]
    assert ac["calendar_s"] == (c - a).total_seconds()
    for (x, y), row in [((a, b), ab), ((b, c), bc), ((a, c), ac)]:
        assert row["business_s"] == business(MASKS[name], x, y)
        assert row["business_s"] <= row["calendar_s"]
        if name == "24x7":
            assert row["business_s"] == row["calendar_s"]


def test_elapsed_leaves_open_spans_empty() -> None:
    table = _spans(CON, [(datetime(2025, 1, 1), None)])
    got = CON.execute(
        elapsed_seconds(table, _calendar("24x7"), start="a", end="b", window=(GRID_LO, GRID_HI))
    )
    assert got["business_s"].isna().all()
    assert got["calendar_s"].isna().all()


# -- the source's verdict --------------------------------------------------------------------------
def test_agreement_with_the_source_counts_each_case() -> None:
    day = datetime(2025, 6, 2, 10)

    def resolved_after(case: str, hours: float, made: str) -> Ticket:
        return Ticket(
            case, None, "1", [(day, "new"), (day + timedelta(hours=hours), "resolved")], made
        )

    ts = [
        resolved_after("met-met", 1, "true"),
        resolved_after("met-met2", 4, "TRUE"),
        resolved_after("late-late", 5, "false"),
        resolved_after("late-met", 6, "true"),
        resolved_after("met-late", 2, "false"),
        resolved_after("no-flag", 2, "maybe"),
        Ticket("open", None, "1", [(day, "new")], "false"),
    ]
    _, events, clocks = run(ts, as_of=day + timedelta(days=1))
    agreement = source_agreement(clocks, events)
    assert (agreement.both_met, agreement.both_breached) == (2, 1)
    assert (agreement.only_pdca_breached, agreement.only_source_breached) == (1, 1)
    assert agreement.total == 5
    assert agreement.agreement == 3 / 5
    per_ticket = CON.execute(compare_with_source(clocks, events)).set_index("case_id")
    assert bool(per_ticket.loc["late-met", "breached"])
    assert bool(per_ticket.loc["late-met", "source_met"])
    assert not bool(per_ticket.loc["late-met", "agree"])


# -- the definitions in docs/sla.md are the code's -------------------------------------------------
@pytest.mark.parametrize("module", [clock_module, calendar_module, source_module])
def test_definitions_in_docs_match_the_code(module: Any) -> None:
    doc = " ".join((DOCS / "sla.md").read_text(encoding="utf-8").split())
    blocks = re.findall(r"^(\w[\w -]*)\n((?:    .*\n?)+)", module.__doc__ or "", re.MULTILINE)
    assert blocks
    for name, body in blocks:
        sentence = " ".join(body.split()).replace("``", "`")
        assert sentence in doc, f"definition of {name} differs from docs/sla.md"
        assert f"**{name}**" in doc, f"{name} is not a defined term in docs/sla.md"


def test_mask_reference_agrees_with_a_few_hand_checks() -> None:
    """The reference itself: Monday 2 June 2025 08:30 Brussels (06:30 UTC) opens the office."""
    office = MASKS["office"]
    at = lambda t: bool(office[int((t - GRID_LO).total_seconds()) // STEP])  # noqa: E731
    assert not at(datetime(2025, 6, 2, 6, 25))
    assert at(datetime(2025, 6, 2, 6, 30))
    assert not at(datetime(2025, 6, 2, 10))  # 12:00 local, lunch
    assert not at(datetime(2025, 4, 21, 9))  # Easter Monday holiday
    assert np.count_nonzero(office) > 0


# -- the ServiceNow log: our verdicts and the source's, against plain pandas -----------------------
SN_KIND = {
    "New": "open",
    "Active": "open",
    "Awaiting User Info": "pause",
    "Awaiting Evidence": "pause",
    "Awaiting Vendor": "pause",
    "Awaiting Problem": "pause",
    "Resolved": "res",
    "Closed": "res",
}  # "-100" has no mapping: unknown, skipped
SN_TARGET_H = {"1": 4, "2": 24, "3": 72, "4": 120}  # the default table of docs/sla.md


def _servicenow_counts(path: Path) -> dict[str, int]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["ts"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    raw["file_row"] = np.arange(len(raw))
    raw["kind"] = raw["incident_state"].map(SN_KIND)
    source = raw.sort_values(["number", "mod", "file_row"]).groupby("number")["made_sla"].last()
    raw = raw.sort_values(["number", "ts", "mod", "file_row"], kind="stable")
    rows = zip(
        raw["number"], raw["ts"].dt.to_pydatetime(), raw["kind"], raw["priority"], strict=True
    )
    counts = {"both_met": 0, "both_breached": 0, "only_pdca": 0, "only_source": 0}
    for number, group in groupby(rows, key=lambda r: r[0]):
        g = list(group)
        opened = g[0][1]
        prios = [p for *_, p in g if p != "?"]
        target = SN_TARGET_H.get(first_number(prios[-1]) or "") if prios else None
        known = [(ts, kind) for _, ts, kind, _ in g if isinstance(kind, str)]
        last_open = max((i for i, (_, k) in enumerate(known) if k in ("open", "pause")), default=-1)
        resolved = next((ts for ts, _ in known[last_open + 1 :]), None)
        if resolved is None or target is None or source[number] not in ("true", "false"):
            continue
        paused = timedelta(0)
        for (ts, kind), (next_ts, _) in pairwise(known):
            if kind == "pause":
                paused += max(min(next_ts, resolved) - max(ts, opened), timedelta(0))
        ours = (resolved - opened - paused) > timedelta(hours=target)
        theirs = source[number] == "false"
        key = {
            (False, False): "both_met",
            (True, True): "both_breached",
            (True, False): "only_pdca",
            (False, True): "only_source",
        }[(ours, theirs)]
        counts[key] += 1
    return counts


@pytest.mark.realdata
def test_servicenow_agreement_counts_match_pandas(tmp_path: Path) -> None:
    path = shared_file(SERVICENOW)
    pdca.ingest(path, store=tmp_path)
    with Store.open(tmp_path, read_only=True) as store:
        events, tickets = store.events(), store.tickets()
        clocks = sla_clocks(events, tickets)
        frame = clocks.to_pandas()
        agreement = source_agreement(clocks, events)
    assert len(frame) == 2 * frame["case_id"].nunique()
    want = _servicenow_counts(path)
    got = {
        "both_met": agreement.both_met,
        "both_breached": agreement.both_breached,
        "only_pdca": agreement.only_pdca_breached,
        "only_source": agreement.only_source_breached,
    }
    assert got == want
