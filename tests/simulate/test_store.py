"""A simulated log imports cleanly, and pdca's KPIs, SLA clocks and mining run on it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pdca import api
from pdca.engine.store import Store
from pdca.errors import StoreError
from pdca.methods.mining.escalation import escalation
from pdca.methods.mining.pingpong import ping_pong
from pdca.methods.mining.rework import rework
from pdca.model.objectives import load_objectives
from pdca.simulate import SimulationConfig, SimulationReport, Simulator, simulate
from pdca.simulate.truth import HIDDEN_FILE, OBJECTIVES_FILE, TRUTH_FILE
from tests.simulate.helpers import tickets

CONFIG = SimulationConfig(seed=4, start=date(2025, 1, 1), days=120, tickets=12_000)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationReport]:
    root = tmp_path_factory.mktemp("sim") / "store"
    return root, simulate(CONFIG, store=root)


@pytest.fixture(scope="module")
def events(stored: tuple[Path, SimulationReport]) -> pd.DataFrame:
    return api.events(stored[0])


def test_everything_is_stored_and_reconciles(stored: tuple[Path, SimulationReport]) -> None:
    root, report = stored
    assert report.tickets == 12_000
    with Store.open(root, read_only=True) as st:
        imports = st.imports()
        assert st.quarantined().empty
        event_report = st.import_report(int(imports["import_id"].iloc[0]))
        logs = st.logs().set_index("log")
    assert event_report["stored"] == report.events
    assert event_report["duplicates_in_file"] == event_report["duplicates_in_store"] == 0
    assert (imports["rows_read"] == imports["stored"]).all()
    assert imports["rows_read"].sum() == report.events + report.survey_responses
    assert (imports["quarantined"] == 0).all()
    assert (imports["duplicates"] == 0).all()
    row = logs.loc[CONFIG.log]
    assert (row["tickets"], row["events"]) == (12_000, report.events)
    assert row["survey_responses"] == report.survey_responses > 0
    assert row["quarantined"] == 0


def test_volume_kpi_counts_every_ticket(stored: tuple[Path, SimulationReport]) -> None:
    root, report = stored
    volume = api.kpi(["volume"], store=root, period="month")
    assert volume["value"].sum() == report.tickets
    assert len(volume) == 4  # January to April


def test_kpis_have_plausible_values(stored: tuple[Path, SimulationReport]) -> None:
    root, _ = stored
    kpis = api.kpi(["mttr", "reopen_rate", "escalation_rate", "csat", "fcr"], store=root)
    value = kpis.groupby("kpi")["value"].mean()
    assert 30 < value["escalation_rate"] < 50  # Volvo: 39.8 %
    assert 0.3 < value["reopen_rate"] < 3  # ServiceNow: 1.1 %
    assert 60 < value["csat"] <= 100
    assert value["mttr"] > 24


def test_pdca_sla_clocks_agree_with_the_simulated_verdicts(
    stored: tuple[Path, SimulationReport],
) -> None:
    root, _ = stored
    objectives = root / OBJECTIVES_FILE
    load_objectives(objectives)  # a valid objectives file
    agreement = api.sla_agreement(store=root, objectives=objectives)
    assert agreement["total"] > 10_000
    assert agreement["both_breached"] > 1_000
    assert agreement["agreement"] >= 0.999, agreement  # the same rule, computed twice


def test_pdca_ping_pong_matches_a_plain_count(
    stored: tuple[Path, SimulationReport], events: pd.DataFrame
) -> None:
    root, _ = stored
    facts = tickets(events)
    with Store.open(root, read_only=True) as st:
        pp = ping_pong(st.events(CONFIG.log))
        esc = escalation(st.events(CONFIG.log))
        loops = rework(st.events(CONFIG.log))
    per_ticket = pp.tickets.set_index("case_id")["ping_pong"]
    assert per_ticket.sort_index().equals(facts["team_returns"].sort_index().rename("ping_pong"))
    share = float(pp.summary["share"].iloc[0])
    assert 0.08 < share < 0.2  # Volvo: 16.7 % of tickets bounce between teams
    assert 0.5 < float(esc.summary["push_to_front_share"].iloc[0]) < 0.7  # Volvo: 60.2 %
    assert int(loops.summary["rework_tickets"].iloc[0]) == int(facts["reopened"].sum())


def test_surveys_belong_to_stored_tickets(stored: tuple[Path, SimulationReport]) -> None:
    root, report = stored
    with Store.open(root, read_only=True) as st:
        unmatched = st.query(
            "SELECT count(*) AS n FROM surveys s WHERE NOT EXISTS (SELECT 1 FROM tickets t"
            " WHERE t.log = s.log AND t.case_id = s.case_id)"
        )
        responded = st.query("SELECT count(*) AS n FROM surveys")
    assert int(unmatched["n"].iloc[0]) == 0
    assert int(responded["n"].iloc[0]) == report.survey_responses


def test_truth_and_hidden_values_sit_next_to_the_store(
    stored: tuple[Path, SimulationReport],
) -> None:
    root, report = stored
    truth = json.loads((root / TRUTH_FILE).read_text(encoding="utf-8"))
    assert truth["config"]["seed"] == 4
    assert len(truth["major_incidents"]) == len(report.truth.major_incidents)
    hidden = pq.read_table(root / HIDDEN_FILE)
    assert hidden.num_rows == report.tickets


def test_a_second_simulation_into_the_same_log_is_refused(
    stored: tuple[Path, SimulationReport],
) -> None:
    root, _ = stored
    with pytest.raises(StoreError, match="already holds a log"):
        simulate(SimulationConfig(days=7, tickets=100), store=root)


def test_several_imports_give_the_same_log(tmp_path: Path) -> None:
    from pdca.simulate.sinks import StoreSink  # noqa: PLC0415

    config = SimulationConfig(seed=9, days=21, tickets=1_500)
    sim = Simulator(config)
    sink = StoreSink(tmp_path / "s", config, hidden=False, batch_events=1_000)
    for chunk in sim.chunks():
        sink.write(chunk)
    sink.close(sim.truth)
    assert len(sink.import_ids) >= 4  # events and surveys, in several batches
    simulate(config, store=tmp_path / "one", hidden=False)
    many = api.events(tmp_path / "s").drop(columns=["import_id"])
    one = api.events(tmp_path / "one").drop(columns=["import_id"])
    assert many.equals(one)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_hold_the_same_events_and_csv_reimports(tmp_path: Path, fmt: str) -> None:
    config = SimulationConfig(seed=8, days=30, tickets=1_000)
    out = tmp_path / f"sim.{fmt}"
    report = simulate(config, out=out, fmt=fmt)
    expected = pa.concat_tables([c.events for c in Simulator(config).chunks()])
    assert report.events == expected.num_rows
    surveys = tmp_path / f"sim.surveys.{fmt}"
    assert set(report.written) >= {out, surveys, tmp_path / "sim.simulation.json"}
    if fmt == "parquet":
        assert pq.read_table(out).equals(expected)
        return
    imported = api.ingest(out, source="csv", store=tmp_path / "store")
    assert (imported.stored, imported.quarantined) == (report.events, 0)
    assert imported.tickets_in_log == 1_000
    back = api.events(tmp_path / "store").sort_values("row", ignore_index=True)
    assert back["state"].tolist() == expected.column("state").to_pylist()
