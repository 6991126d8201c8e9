"""A simulated desk written as a ticket list (one row per ticket) imports back to the same MTTR,
MTTA and recorded SLA compliance as its event log.

Two shapes: ``pdca simulate --to ticket-list`` (English headers, ISO times) with a hand-written
mapping, and ``--to glpi-list`` — GLPI's search-screen export (Assistance > Tickets > export CSV;
labels of ``Ticket::rawSearchOptions`` in glpi-project/glpi ``src/Ticket.php``, pt_BR
translation) with ``;``, BOM, Portuguese headers, day-first minute dates and a Sim/Não
"Tempo para resolver excedido" column — read with the mapping ``pdca suggest-mapping`` drafts,
unchanged. The oracles are recomputed with pandas from the simulator's own events using the
definitions of docs/kpis.md (MTTR: opening to final resolution; MTTA: opening to the first event
in a worked state; sla_source: made_sla on the ticket's last event that has one), and compared
with ``pdca kpi`` on the simulator's store. A ticket list loses waits, reassignments and reopen
cycles: its reopen rate is 0 and its FCR counts no reassignment (tested below).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.ingest.options import LoadOptions
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate
from pdca.simulate.truth import objectives_toml

WORKED = {
    "in_progress",
    "waiting_customer",
    "waiting_vendor",
    "waiting_other",
    "resolved",
    "closed",
}
OPEN = {"new", "in_progress", "waiting_customer", "waiting_vendor", "waiting_other"}
RESOLUTION = {"resolved", "closed"}

TICKET_LIST_MAP = """
[columns]
case_id = "Ticket"
priority = "Priority"
assignment_group = "Assignment group"
resource = "Assigned to"
category = "Category"
service = "Service"

[dates]
opened = "Opened"
first_response = "First response"
resolved = "Resolved"
closed = "Closed"

[sla]
column = "Made SLA"
"""


def _truth(events: pd.DataFrame) -> pd.DataFrame:
    """Per ticket, from the simulator's events: opened, first response, final resolution,
    last made_sla (docs/kpis.md, model/facts.py definitions, recomputed here with pandas)."""
    ev = events.copy()
    ev["timestamp"] = pd.to_datetime(ev["timestamp"])
    ev["_pos"] = np.arange(len(ev))
    ev = ev.sort_values(["case_id", "timestamp", "seq", "_pos"], kind="stable")
    ev["_i"] = ev.groupby("case_id").cumcount()
    last_open = ev["_i"].where(ev["state"].isin(OPEN)).groupby(ev["case_id"]).transform("max")
    final = ev["state"].isin(RESOLUTION) & (ev["_i"] > last_open.fillna(-1))
    made = ev["attributes"].map(lambda a: json.loads(a).get("made_sla") if a else None)
    return pd.DataFrame(
        {
            "opened": ev.groupby("case_id")["timestamp"].min(),
            "first_response": ev["timestamp"]
            .where(ev["state"].isin(WORKED))
            .groupby(ev["case_id"])
            .min(),
            "resolved": ev["timestamp"].where(final).groupby(ev["case_id"]).min(),
            "made_sla": made.dropna().groupby(ev["case_id"]).last(),
        }
    )


def _kpis(store: Path, names: list[str]) -> pd.Series:
    table = api.kpi(names, store=store, log="desk")
    return table.set_index("kpi")["value"].astype(float)


def _desk(tmp_path: Path, fmt: str, name: str) -> tuple[Path, Path, pd.DataFrame]:
    config = make_config(seed=11, days=40, tickets=300, log="desk")
    truth_store = tmp_path / "truth"
    simulate(config, store=truth_store, hidden=False)
    out = tmp_path / name
    simulate(config, out=out, fmt=fmt, hidden=False)
    return truth_store, out, api.events(truth_store, log="desk")


def test_ticket_list_gives_the_event_logs_mttr_mtta_and_sla(tmp_path: Path) -> None:
    truth_store, out, events = _desk(tmp_path, "ticket-list", "desk.csv")
    mapping = tmp_path / "map.toml"
    mapping.write_text(TICKET_LIST_MAP, encoding="utf-8")
    report = api.ingest(
        out, source="csv", store=tmp_path / "read", options=LoadOptions(log="desk", mapping=mapping)
    )
    tickets = events["case_id"].nunique()
    assert report.rows_read == tickets  # rows are tickets, not events
    assert report.reconciles
    assert report.details["ticket_list"]["rows_kept"] == tickets
    assert report.details["ticket_list"]["events"] == report.stored + report.duplicates
    truth = _truth(events)
    resolved = truth.dropna(subset=["resolved"])
    responded = truth.dropna(subset=["first_response"])
    oracle = {
        "mttr": ((resolved["resolved"] - resolved["opened"]).dt.total_seconds() / 3600).mean(),
        "mtta": (
            (responded["first_response"] - responded["opened"]).dt.total_seconds() / 3600
        ).mean(),
        "sla_source": 100 * (resolved["made_sla"].dropna() == "true").mean(),
    }
    got = _kpis(tmp_path / "read", ["mttr", "mtta", "sla_source"])
    same = _kpis(truth_store, ["mttr", "mtta", "sla_source"])
    for name, value in oracle.items():
        assert got[name] == pytest.approx(value, rel=1e-9), name
        assert got[name] == pytest.approx(same[name], rel=1e-9), name


def test_ticket_list_loses_reopens_and_reassignments(tmp_path: Path) -> None:
    """The exact difference: a list keeps one group per ticket and the final resolution only."""
    truth_store, out, _events = _desk(tmp_path, "ticket-list", "desk.csv")
    mapping = tmp_path / "map.toml"
    mapping.write_text(TICKET_LIST_MAP, encoding="utf-8")
    api.ingest(
        out, source="csv", store=tmp_path / "read", options=LoadOptions(log="desk", mapping=mapping)
    )
    read = _kpis(tmp_path / "read", ["reopen_rate", "fcr"])
    truth = _kpis(truth_store, ["reopen_rate", "fcr"])
    assert read["reopen_rate"] == 0.0
    assert truth["reopen_rate"] > 0  # the simulation has reopens: the test can tell
    tickets = api.tickets(tmp_path / "read", log="desk")
    assert (tickets["reassignment_count"] == 0).all()
    assert read["fcr"] > truth["fcr"]


def test_glpi_list_with_the_suggested_mapping_gives_mttr_mtta_and_sla_source(
    tmp_path: Path,
) -> None:
    """Done-when of issue 16: a GLPI-style list (Portuguese headers, day-first dates, Sim/Não
    SLA column) with a suggested mapping the user only reviews."""
    truth_store, out, events = _desk(tmp_path, "glpi-list", "glpi.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b'"Data de abertura";' in raw
    draft = api.suggest_mapping(out, LoadOptions())
    mapping = tmp_path / "glpi.toml"
    mapping.write_text(draft, encoding="utf-8")
    assert 'means = "breached"' in draft  # "excedido": Sim = the SLA was breached
    report = api.ingest(
        out, source="csv", store=tmp_path / "read", options=LoadOptions(log="desk", mapping=mapping)
    )
    assert report.reconciles
    assert report.quarantined == 0
    assert report.details["formats"]["timestamp_format"] == "%d-%m-%Y %H:%M"  # day first
    assert not report.warnings

    # oracle: the truth at the file's resolution (GLPI dates keep minutes, its delay seconds)
    truth = _truth(events)
    minute = truth[["opened", "resolved"]].apply(lambda c: c.dt.floor("min"))
    delay = truth["first_response"] - truth["opened"]
    first = (minute["opened"] + delay).where(delay.notna())
    first = pd.concat([first, minute["resolved"]], axis=1).min(axis=1)  # resolution is a response
    resolved = minute.dropna(subset=["resolved"])
    mttr = ((resolved["resolved"] - resolved["opened"]).dt.total_seconds() / 3600).mean()
    responded = first.dropna()
    mtta = ((responded - minute.loc[responded.index, "opened"]).dt.total_seconds() / 3600).mean()
    got = _kpis(tmp_path / "read", ["mttr", "mtta", "sla_source"])
    same = _kpis(truth_store, ["mttr", "mtta", "sla_source"])
    assert got["mttr"] == pytest.approx(mttr, rel=1e-9)
    assert got["mtta"] == pytest.approx(mtta, rel=1e-9)
    assert got["mttr"] == pytest.approx(same["mttr"], abs=1 / 60)  # within a minute of the truth
    assert got["mtta"] == pytest.approx(same["mtta"], abs=1 / 60)
    assert got["sla_source"] == pytest.approx(same["sla_source"], rel=1e-9)

    # the verdicts pdca's agreement report reads are the file's, with the right sign
    read_events = api.events(tmp_path / "read", log="desk")
    verdict = read_events["attributes"].map(lambda a: json.loads(a).get("made_sla"))
    glpi_id = read_events["case_id"]
    got_verdict = verdict.groupby(glpi_id).last().sort_index()
    want = truth["made_sla"].dropna()
    want.index = want.index.str.replace(r"\D", "", regex=True).astype(int).astype(str)
    assert got_verdict.dropna().to_dict() == want.sort_index().to_dict()
    agreement = api.sla_agreement(store=tmp_path / "read", log="desk")
    truth_agreement = api.sla_agreement(store=truth_store, log="desk")
    source_met_read = agreement["both_met"] + agreement["only_pdca_breached"]
    source_met_truth = truth_agreement["both_met"] + truth_agreement["only_pdca_breached"]
    assert agreement["total"] > 0
    assert source_met_read / agreement["total"] == pytest.approx(
        source_met_truth / truth_agreement["total"], abs=0.05
    )


def test_without_waits_and_reopens_pdcas_own_sla_clocks_agree_too(tmp_path: Path) -> None:
    """pdca's clocks pause in waiting states and restart on a reopen, which a list cannot show:
    on a desk that has neither, sla_resolution and sla_response from the list equal the log's."""
    config = make_config(
        seed=7, days=45, tickets=300, log="desk", timing={"wait_share": 0.0, "reopen_share": 0.0}
    )
    simulate(config, store=tmp_path / "truth", hidden=False)
    simulate(config, out=tmp_path / "desk.csv", fmt="ticket-list", hidden=False)
    objectives = tmp_path / "objectives.toml"
    objectives.write_text(objectives_toml(config), encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(TICKET_LIST_MAP, encoding="utf-8")
    api.ingest(
        tmp_path / "desk.csv",
        source="csv",
        store=tmp_path / "read",
        options=LoadOptions(log="desk", mapping=mapping),
    )
    names = ["mttr", "mtta", "sla_source", "sla_resolution", "sla_response"]
    read = api.kpi(names, store=tmp_path / "read", log="desk", objectives=objectives)
    truth = api.kpi(names, store=tmp_path / "truth", log="desk", objectives=objectives)
    pd.testing.assert_frame_equal(
        read.set_index("kpi")[["value", "n"]], truth.set_index("kpi")[["value", "n"]]
    )
    assert truth.set_index("kpi").loc["sla_resolution", "n"] > 100
