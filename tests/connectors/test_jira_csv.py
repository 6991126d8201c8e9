"""The Jira Service Management CSV export (``--source jira-csv``): a ticket list.

Column names as in a real JSM "Export CSV (all fields)" header (kept in
``../shared/data/export_formats/jira_cloud_jsm``; Atlassian support "Export issues to CSV"):
``Issue key``, ``Issue id``, ``Created``, ``Resolved``, ``Status Category Changed``, ``Custom
field (Time to resolution)`` (h:mm, negative = breached), ``Custom field ([CHART] Date of First
Response)``, ``Custom field ([CHART] Time in Status)`` (``statusId_*:*_visits_*:*_ms`` joined
by ``_*|*_``). The oracle is an independent pandas computation from the simulator's events
under the documented rule: opened = the first event, first response = the first event in a
worked state, resolved = the start of the final run of resolved/closed events, all cut to the
minute (the export's precision); SLA verdict = the ticket's last ``made_sla``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.errors import AmbiguousDateError
from pdca.ingest.jira_csv import detect, parse_dates, time_in_status
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate

runner = CliRunner()
WORKED = {"in_progress", "waiting_customer", "waiting_vendor", "waiting_other", "resolved",
          "closed"}  # fmt: skip
DONE = {"resolved", "closed"}


def _oracle(truth: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for case, t in truth.sort_values(["case_id", "timestamp", "seq"]).groupby("case_id"):
        times = pd.to_datetime(t["timestamp"]).dt.floor("min").tolist()
        states = t["state"].tolist()
        worked = [w for w, s in zip(times, states, strict=True) if s in WORKED]
        resolved = None
        if states[-1] in DONE:
            i = len(states) - 1
            while i > 0 and states[i - 1] in DONE:
                i -= 1
            resolved = times[i]
        verdicts = t["attributes"].map(lambda a: json.loads(a).get("made_sla")).dropna()
        rows.append({"case_id": case, "opened": times[0],
                     "first": worked[0] if worked else None, "resolved": resolved,
                     "made_sla": verdicts.iloc[-1] if len(verdicts) else None})  # fmt: skip
    return pd.DataFrame(rows)


def test_mttr_mtta_and_sla_verdicts_match_an_independent_computation(tmp_path: Path) -> None:
    config = make_config(seed=5, days=45, tickets=300, log="desk")
    simulate(config, out=tmp_path / "truth.csv", fmt="csv", hidden=False)
    out = tmp_path / "desk.csv"
    simulate(config, out=out, fmt="jira-csv", hidden=False)
    assert detect(out)
    store = tmp_path / "store"
    report = api.ingest(out, source="auto", store=store, options=LoadOptions(log="desk"))
    assert report.reconciles
    assert report.quarantined == 0
    truth = _oracle(pd.read_csv(tmp_path / "truth.csv"))
    hours = pd.Timedelta(hours=1)
    mttr = ((truth["resolved"] - truth["opened"]) / hours).dropna().mean()
    mtta = ((pd.to_datetime(truth["first"]) - truth["opened"]) / hours).dropna().mean()
    kpis = api.kpi(["mttr", "mtta"], store=store, log="desk").set_index("kpi")["value"]
    assert kpis["mttr"] == pytest.approx(mttr, rel=1e-9)
    assert kpis["mtta"] == pytest.approx(mtta, rel=1e-9)
    events = api.events(store, log="desk")
    verdicts = (
        events.assign(v=events["attributes"].map(lambda a: json.loads(a or "{}").get("made_sla")))
        .dropna(subset=["v"])
        .sort_values(["case_id", "timestamp"])
        .groupby("case_id")["v"]
        .last()
    )
    expected = truth.dropna(subset=["resolved", "made_sla"]).set_index("case_id")["made_sla"]
    assert verdicts.sort_index().to_dict() == expected.sort_index().to_dict()
    assert (expected == "false").any()


def test_time_in_status_totals_cover_the_ticket_until_the_export(tmp_path: Path) -> None:
    out = tmp_path / "desk.csv"
    simulate(make_config(seed=1, days=10, tickets=40, log="d"), out=out, fmt="jira-csv",
             hidden=False)  # fmt: skip
    frame = pd.read_csv(out, dtype=str)
    created = pd.to_datetime(frame["Created"], format="%d/%b/%y %I:%M %p")
    totals = frame["Custom field ([CHART] Time in Status)"].map(
        lambda text: sum(float(v) for k, v in time_in_status(text).items() if k.endswith("hours"))
    )
    export = pd.to_datetime(frame["Updated"], format="%d/%b/%y %I:%M %p").max()
    span = (export - created) / pd.Timedelta(hours=1)
    # the export's last update and Created are cut to the minute: at most 2 minutes apart
    assert ((totals - span).abs() <= 2 / 60 + 1e-6).all()
    assert time_in_status("3_*:*_2_*:*_5400000") == {
        "visits_in_status_3": "2",
        "time_in_status_3_hours": "1.500000",
    }


def test_jira_dates_are_read_without_guessing() -> None:
    values = pd.Series(["05/Mar/24 10:15 AM", "5/Mar/24 9:05 PM", "2024-03-05 10:15", None])
    out = parse_dates(values, LoadOptions())
    assert list(out[:3]) == [
        "2024-03-05 10:15:00.000000",
        "2024-03-05 21:05:00.000000",
        "2024-03-05 10:15:00.000000",
    ]
    assert out[3] is None
    with pytest.raises(AmbiguousDateError, match="05/03/24"):
        parse_dates(pd.Series(["05/03/24 10:15 AM"]), LoadOptions())
    day_first = parse_dates(pd.Series(["05/03/24 10:15 AM"]), LoadOptions(dayfirst=True))
    assert day_first[0] == "2024-03-05 10:15:00.000000"
    assert parse_dates(pd.Series(["05/mars/24 10:15"]), LoadOptions())[0] == "05/mars/24 10:15"


HEADER = ("Summary,Issue key,Issue id,Issue Type,Status,Priority,Assignee,Created,Resolved,"
          "Labels,Labels,Custom field (Time to resolution),"
          "Custom field ([CHART] Date of First Response),Status Category,"
          "Status Category Changed\n")  # fmt: skip


def test_quirks_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER + "a,SD-1,1,Incident,Closed,High,Ann,05/Mar/24 10:15 AM,05/Mar/24 2:15 PM,x,y,-0:30,"
        "05/Mar/24 10:45 AM,Done,05/Mar/24 2:15 PM\n"
        + "b,SD-2,2,Service request,Waiting for customer,Low,,05/Mar/24 11:00 AM,,,,,"
        "05/Mar/24 11:30 AM,In Progress,06/Mar/24 9:00 AM\n"
        + "c,SD-3,3,Incident,Resolved,Low,,05/Mar/24 11:00 AM,04/Mar/24 11:00 AM,,,1:00,,"
        "Done,05/Mar/24 11:00 AM\n"
        + "d,,4,Incident,Open,Low,,05/Mar/24 11:00 AM,,,,,,To Do,05/Mar/24 11:00 AM\n"
        + "e,SD-5,5,Incident,Open,Low,,someday,,,,,,To Do,05/Mar/24 11:00 AM\n"
        + "f,SD-6,6,Incident,Open,Low,,05/Mar/24 11:00 AM,,,,,,To Do,05/Mar/24 11:00 AM,extra\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = runner.invoke(app, ["ingest", str(path), "--store", str(store), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows_read"] == 6
    assert report["quarantined"] == 4
    assert report["reconciles"]
    reasons = " | ".join(api.quarantine(store)["reason"])
    for expected in ("before Created", "missing Issue key", "someday", "fields"):
        assert expected in reasons
    events = api.events(store).sort_values(["case_id", "timestamp", "seq"])
    one = events[events["case_id"] == "SD-1"]
    assert list(one["state"]) == ["new", "in_progress", "resolved", "closed"]
    assert json.loads(one["attributes"].iloc[-1])["made_sla"] == "false"
    two = events[events["case_id"] == "SD-2"]
    assert list(two["state"]) == ["new", "in_progress", "waiting_customer"]
    assert set(two["ticket_type"]) == {"service_request"}
