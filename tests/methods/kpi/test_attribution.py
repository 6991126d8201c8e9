"""Breakdowns by team and agent (docs/kpis.md, "Breakdowns by team and agent").

Two oracles: small logs written by hand, whose resolving and first groups are read off the events;
and the public ServiceNow log, recomputed with plain pandas from the raw CSV by the written rule
(it shares no code with the engine).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

import pdca
from pdca.api.measure import kpi_attribution
from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.methods.kpi.attribution import ASSIGNEE, RULES
from pdca.methods.kpi.catalogue import ATTRIBUTION, ATTRIBUTION_SUMMARY
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.model.facts import ticket_facts
from pdca.model.objectives import ClockOptions, Objectives
from pdca.model.schema import EVENT_COLUMNS, Col
from tests.conftest import SERVICENOW, shared_file

DOCS = Path(__file__).resolve().parents[3] / "docs" / "kpis.md"
T0 = datetime(2024, 3, 4, 9, 0)
GROUP = Col.ASSIGNMENT_GROUP


Event = tuple[str, str | None, str | None]


def _log(tickets: dict[str, list[Event]]) -> Inputs:
    """Events (state, group, agent) one hour apart per ticket, as Ibis tables on DuckDB."""
    rows: list[dict[str, Any]] = []
    for case, events in tickets.items():
        for i, (state, group, agent) in enumerate(events):
            row: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
            row |= {
                Col.LOG: "log",
                Col.CASE_ID: case,
                Col.TICKET_TYPE: "incident",
                Col.TIMESTAMP: T0 + timedelta(hours=i),
                Col.SEQ: i,
                Col.ROW: len(rows),
                Col.IMPORT_ID: 1,
                Col.ACTIVITY: state,
                Col.STATE: state,
                GROUP: group,
                Col.RESOURCE: agent,
            }
            rows.append(row)
    events = ibis.memtable(pd.DataFrame(rows), schema=ibis.schema(EVENT_COLUMNS))
    return Inputs(events, ticket_facts(events))


SMALL: dict[str, list[Event]] = {
    # resolved by B (the resolving event names no group: the last one before it), agent b1
    "T1": [("new", "A", None), ("in_progress", "B", "b1"), ("resolved", None, None)],
    # resolved by A, reopened and finally resolved by C whose resolving event names C and c1
    "T2": [
        ("new", "A", "a1"),
        ("resolved", "A", "a1"),
        ("in_progress", "B", "b2"),
        ("resolved", "C", "c1"),
    ],
    # never resolved: counts for volume (first group A) only
    "T3": [("new", "A", "a2"), ("in_progress", "C", "c1")],
    # names no group at all
    "T4": [("new", None, None), ("resolved", None, None)],
}


def _by(frame: pd.DataFrame, column: str) -> dict[Any, tuple[float, int]]:
    return {
        (None if pd.isna(k) else k): (float(v), int(n))
        for k, v, n in zip(frame[column], frame["value"], frame["n"], strict=True)
    }


def test_mttr_goes_to_the_group_and_agent_that_resolved() -> None:
    inputs = _log(SMALL)
    groups = _by(evaluate(inputs, Query("mttr", by=(GROUP,))), GROUP)
    assert groups == {"B": (2.0, 1), "C": (3.0, 1), None: (1.0, 1)}
    agents = _by(evaluate(inputs, Query("mttr", by=(ASSIGNEE,))), ASSIGNEE)
    assert agents == {"b1": (2.0, 1), "c1": (3.0, 1), None: (1.0, 1)}


def test_first_resolution_and_opening_take_their_own_event() -> None:
    inputs = _log(SMALL)
    first = _by(evaluate(inputs, Query("mttr", {"resolution": "first"}, by=(GROUP,))), GROUP)
    assert first == {"B": (2.0, 1), "A": (1.0, 1), None: (1.0, 1)}
    reopen = _by(evaluate(inputs, Query("reopen_rate", by=(GROUP,))), GROUP)
    assert reopen == {"B": (0.0, 1), "A": (100.0, 1), None: (0.0, 1)}
    volume = _by(evaluate(inputs, Query("volume", by=(GROUP,))), GROUP)
    assert volume == {"A": (3.0, 3), None: (1.0, 1)}
    agents = _by(evaluate(inputs, Query("volume", by=(ASSIGNEE,))), ASSIGNEE)
    assert agents == {"b1": (1.0, 1), "a1": (1.0, 1), "a2": (1.0, 1), None: (1.0, 1)}


def test_fcr_by_resolving_group() -> None:
    inputs = _log(SMALL)
    fcr = _by(evaluate(inputs, Query("fcr", by=(GROUP,))), GROUP)
    # T1 changed group A -> B (not first contact); T2 was reopened; T4 is first contact
    assert fcr == {"B": (0.0, 1), "C": (0.0, 1), None: (100.0, 1)}


def test_a_breakdown_the_log_never_records_is_refused_naming_those_it_has() -> None:
    inputs = _log(SMALL)
    with pytest.raises(ConfigError) as err:
        evaluate(inputs, Query("mttr", by=(Col.SERVICE,)))
    text = str(err.value)
    assert "no service" in text
    assert "\n" not in text
    named = re.findall(r"[a-z_]+", text.split("records:")[1])
    assert named == [ASSIGNEE, GROUP, Col.TICKET_TYPE]
    # the internal callers that ask for it get the empty label
    quiet = evaluate(inputs, Query("mttr", by=(Col.SERVICE,), refuse_empty_breakdowns=False))
    assert quiet[Col.SERVICE].isna().all()


def test_kpis_without_attribution_still_refuse_the_agent() -> None:
    with pytest.raises(ConfigError, match="cannot be broken down by 'assignee'"):
        evaluate(_log(SMALL), Query("backlog", by=(ASSIGNEE,)))


def test_the_rules_are_documented_word_for_word() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Breakdowns by team and agent", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(section.split())
    for anchor, rule in RULES.items():
        assert f"**{anchor.value}** — {rule}" in flat
    for kpi in ATTRIBUTION:
        assert f"`{kpi}`" in section


# the public ServiceNow log, recomputed from the raw CSV

SN_STATES = {
    "New": "open",
    "Active": "open",
    "Awaiting User Info": "open",
    "Awaiting Evidence": "open",
    "Awaiting Vendor": "open",
    "Awaiting Problem": "open",
    "Awaiting Change": "open",
    "On Hold": "open",
    "In Progress": "open",
    "Resolved": "res",
    "Closed": "res",
}
SN_PAUSES = {
    # the waiting labels of the ServiceNow log (docs/connectors.md); the default pause states
    "Awaiting User Info",
    "Awaiting Evidence",
    "Awaiting Vendor",
    "Awaiting Problem",
    "Awaiting Change",
    "On Hold",
}
DEFAULT_RESOLUTION_H = {"1": 4.0, "2": 24.0, "3": 72.0, "4": 120.0}  # docs/sla.md, "Defaults"


@pytest.fixture(scope="module")
def sn_inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    store = tmp_path_factory.mktemp("attr-sn")
    pdca.ingest(shared_file(SERVICENOW), store=store)
    st = Store.open(store, read_only=True)
    return Inputs(st.events(), st.tickets(), extra={"store": st})


def _last_named(values: list[str]) -> str | None:
    named = [v for v in values if v != "?"]
    return named[-1] if named else None


@pytest.fixture(scope="module")
def sn_oracle() -> pd.DataFrame:
    """Per ticket: opening, final resolution, FCR, and the resolving group and agent."""
    raw = pd.read_csv(shared_file(SERVICENOW), dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates()  # a row repeated with the same content is stored once
    raw["ts"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    raw["file_row"] = np.arange(len(raw))
    raw["kind"] = raw["incident_state"].map(SN_STATES)
    raw = raw.sort_values(["number", "ts", "mod", "file_row"], kind="stable")
    rows: list[dict[str, Any]] = []
    for number, g in raw.groupby("number", sort=False):
        kinds, groups, agents = list(g["kind"]), list(g["assignment_group"]), list(g["assigned_to"])
        first_res = next((i for i, k in enumerate(kinds) if k == "res"), None)
        last_open = max((i for i, k in enumerate(kinds) if k == "open"), default=-1)
        final = next((i for i in range(last_open + 1, len(kinds)) if kinds[i] == "res"), None)
        known = [k for k in kinds if isinstance(k, str)]
        named = [x for x in groups if x != "?"]
        labels, times = list(g["incident_state"]), list(g["ts"])
        paused = 0.0
        if final is not None:
            # a state holds until the next event; waiting time before the final resolution
            for i in range(final):
                if labels[i] in SN_PAUSES:
                    paused += (times[i + 1] - times[i]).total_seconds() / 3600
        rows.append(
            {
                "opened": g["ts"].iloc[0],
                "final": None if final is None else g["ts"].iloc[final],
                "group": None if final is None else _last_named(groups[: final + 1]),
                "agent": None if final is None else _last_named(agents[: final + 1]),
                "first_group": None if first_res is None else _last_named(groups[: first_res + 1]),
                "ever_res": first_res is not None,
                "reopened": any(a == "res" and b == "open" for a, b in pairwise(known)),
                "first_contact": not any(a != b for a, b in pairwise(named)),
                "number": number,
                "priority": _last_named(list(g["priority"])),
                "paused_h": paused,
            }
        )
    return pd.DataFrame(rows)


def _want(frame: pd.DataFrame, by: str, values: pd.Series) -> dict[Any, tuple[float, int]]:
    grouped = values.groupby(frame[by].fillna("<none>"))
    return {
        (None if k == "<none>" else k): (float(v), int(n))
        for k, v, n in zip(grouped.mean().index, grouped.mean(), grouped.size(), strict=True)
    }


def _close(got: dict[Any, tuple[float, int]], want: dict[Any, tuple[float, int]]) -> None:
    assert got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n, key
        assert got[key][0] == pytest.approx(value, rel=1e-9), key


@pytest.mark.realdata
@pytest.mark.parametrize(("by", "column"), [(GROUP, "group"), (ASSIGNEE, "agent")])
def test_servicenow_mttr_and_fcr_by_resolver(
    sn_inputs: Inputs, sn_oracle: pd.DataFrame, by: str, column: str
) -> None:
    done = sn_oracle[sn_oracle["final"].notna()]
    hours = (pd.to_datetime(done["final"]) - done["opened"]).dt.total_seconds() / 3600
    _close(_by(evaluate(sn_inputs, Query("mttr", by=(by,))), by), _want(done, column, hours))
    fcr = 100.0 * (done["first_contact"] & ~done["reopened"]).astype(float)
    _close(_by(evaluate(sn_inputs, Query("fcr", by=(by,))), by), _want(done, column, fcr))
    assert len(done[column].dropna().unique()) > 10  # a real breakdown, not one row


@pytest.mark.realdata
def test_servicenow_reopen_rate_by_first_resolver(
    sn_inputs: Inputs, sn_oracle: pd.DataFrame
) -> None:
    resolved = sn_oracle[sn_oracle["ever_res"]]
    share = 100.0 * resolved["reopened"].astype(float)
    got = _by(evaluate(sn_inputs, Query("reopen_rate", by=(GROUP,))), GROUP)
    _close(got, _want(resolved, "first_group", share))


@pytest.mark.realdata
@pytest.mark.parametrize("by", [GROUP, ASSIGNEE])
def test_servicenow_sla_resolution_breaks_down_the_whole(sn_inputs: Inputs, by: str) -> None:
    whole = evaluate(sn_inputs, Query("sla_resolution"))
    parts = evaluate(sn_inputs, Query("sla_resolution", by=(by,)))
    assert len(parts) > 10
    assert int(parts["n"].sum()) == int(whole["n"].iloc[0])
    met = (parts["value"] * parts["n"]).sum() / parts["n"].sum()
    assert met == pytest.approx(whole["value"].iloc[0], rel=1e-9)


@pytest.mark.realdata
@pytest.mark.parametrize(("by", "column"), [(GROUP, "group"), (ASSIGNEE, "agent")])
def test_servicenow_sla_resolution_by_resolver_matches_a_plain_clock(
    sn_inputs: Inputs, sn_oracle: pd.DataFrame, by: str, column: str
) -> None:
    """The built-in targets on the 24x7 calendar (docs/sla.md "Defaults"): a ticket's resolution
    clock runs from opening to final resolution less its waiting time, and is met when it stays
    within the target of its priority's first number; it counts for the group (agent) that
    resolved it."""
    done = sn_oracle[sn_oracle["final"].notna()].copy()
    rank = done["priority"].str.extract(r"([0-9]+)", expand=False)
    done["target_h"] = rank.map(DEFAULT_RESOLUTION_H)
    done = done[done["target_h"].notna()]
    elapsed = (pd.to_datetime(done["final"]) - done["opened"]).dt.total_seconds() / 3600
    met = 100.0 * ((elapsed - done["paused_h"]) <= done["target_h"]).astype(float)
    assert 0 < met.mean() < 100  # both outcomes occur: the check can tell them apart
    got = _by(evaluate(sn_inputs, Query("sla_resolution", by=(by,))), by)
    _close(got, _want(done, column, met))


@pytest.mark.realdata
def test_servicenow_has_no_service_to_break_down_by(sn_inputs: Inputs) -> None:
    with pytest.raises(ConfigError, match=r"records no service: .* assignment_group, .*category"):
        evaluate(sn_inputs, Query("fcr", by=(Col.SERVICE,)))


def test_each_attribution_is_said_in_words_naming_every_rule_it_can_use() -> None:
    """The words the web page and the API show (ATTRIBUTION_SUMMARY) cover every KPI that
    breaks down by team, and name every rule its attribution can pick under any option."""
    assert set(ATTRIBUTION_SUMMARY) == {*ATTRIBUTION, "time_in_state"}
    for kpi, pick in ATTRIBUTION.items():
        used = set()
        for clock in ("final", "first"):
            goals = Objectives(clock=ClockOptions(resolution=clock))
            inputs = Inputs(None, None, extra={"objectives": goals})
            for view in (None, "cohort"):
                for resolution in ("final", "first"):
                    used.add(pick(inputs, SimpleNamespace(view=view, resolution=resolution)))
        said = kpi_attribution(kpi, "assignee")
        assert said is not None
        for anchor in used:
            assert anchor.value in said["summary"], (kpi, anchor)
            assert anchor.value in dict(said["rules"]), (kpi, anchor)
    assert kpi_attribution("mttr", "priority") is None
    assert kpi_attribution("backlog", "assignment_group") is None
