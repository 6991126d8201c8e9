"""Each KPI on the real logs against an independent pandas computation from the raw CSV.

The oracle reads the file with plain pandas and applies the written definitions from docs/kpis.md
with its own state table; it shares no code with the engine.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pdca
from pdca.engine.store import Store
from pdca.methods.kpi.clock import sla_clocks
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.source_sla import KEPT_VERDICTS
from tests.conftest import SERVICENOW, VOLVO, shared_file

pytestmark = pytest.mark.realdata

SN_STATES = {
    "New": "open",
    "Active": "open",
    "Awaiting User Info": "open",
    "Awaiting Vendor": "open",
    "Awaiting Problem": "open",
    "Awaiting Evidence": "open",
    "Resolved": "res",
    "Closed": "res",
}


@pytest.fixture(scope="module")
def sn_raw() -> pd.DataFrame:
    raw = pd.read_csv(shared_file(SERVICENOW), dtype=str, keep_default_na=False)
    raw["ts"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    raw["file_row"] = np.arange(len(raw))
    raw["kind"] = raw["incident_state"].map(SN_STATES)  # NaN for -100
    return raw.sort_values(["number", "ts", "mod", "file_row"], kind="stable")


@pytest.fixture(scope="module")
def sn_inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    store = tmp_path_factory.mktemp("kpi-sn")
    pdca.ingest(shared_file(SERVICENOW), store=store)
    st = Store.open(store, read_only=True)
    return Inputs(st.events(), st.tickets(), extra={"store": st})


def _one(inputs: Inputs, kpi: str, **kw: object) -> pd.DataFrame:
    return evaluate(inputs, Query(kpi, **kw))  # type: ignore[arg-type]


def _per_ticket(raw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for number, g in raw.groupby("number", sort=False):
        known = g[g["kind"].notna()]
        kinds = known["kind"].tolist()
        times = known["ts"].tolist()
        last_open = max((i for i, k in enumerate(kinds) if k == "open"), default=-1)
        final_res = next((times[i] for i in range(last_open + 1, len(kinds))), None)
        reopened = any(a == "res" and b == "open" for a, b in pairwise(kinds))
        groups = [x for x in g["assignment_group"] if x != "?"]
        hops = sum(1 for a, b in pairwise(groups) if a != b)
        made = g.loc[g["made_sla"].isin(["true", "false"]), "made_sla"]
        rows.append(
            {
                "number": number,
                "opened": g["ts"].iloc[0],
                "final_res": final_res,
                "ever_res": "res" in kinds,
                "reopened": reopened,
                "hops": hops,
                "made_sla": made.iloc[-1] if len(made) else None,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sn_tickets(sn_raw: pd.DataFrame) -> pd.DataFrame:
    return _per_ticket(sn_raw)


def test_volume_per_month(sn_inputs: Inputs, sn_tickets: pd.DataFrame) -> None:
    got = _one(sn_inputs, "volume", period="month")
    want = sn_tickets.groupby(sn_tickets["opened"].dt.to_period("M")).size()
    assert got["value"].astype(int).tolist() == want.tolist()
    assert int(got["n"].sum()) == 20_769


def test_reopen_rate(sn_inputs: Inputs, sn_tickets: pd.DataFrame) -> None:
    resolved = sn_tickets[sn_tickets["ever_res"]]
    want = 100 * resolved["reopened"].sum() / len(resolved)
    got = _one(sn_inputs, "reopen_rate")
    assert got["value"].iloc[0] == pytest.approx(want, rel=1e-12)
    assert int(got["n"].iloc[0]) == len(resolved)


def test_mean_reassignments(sn_inputs: Inputs, sn_tickets: pd.DataFrame) -> None:
    got = _one(sn_inputs, "reassignments")
    assert got["value"].iloc[0] == pytest.approx(sn_tickets["hops"].mean(), rel=1e-12)


def test_mttr_calendar_mean_and_median(sn_inputs: Inputs, sn_tickets: pd.DataFrame) -> None:
    done = sn_tickets.dropna(subset=["final_res"])
    hours = (done["final_res"] - done["opened"]).dt.total_seconds() / 3600
    assert _one(sn_inputs, "mttr")["value"].iloc[0] == pytest.approx(hours.mean(), rel=1e-9)
    median = _one(sn_inputs, "mttr", options={"statistic": "median"})
    assert median["value"].iloc[0] == pytest.approx(hours.median(), rel=1e-9)


def _working_seconds(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Monday to Friday 08:00-18:00 (UTC) between two instants, one day at a time."""
    a, b = start.to_pydatetime(), end.to_pydatetime()
    total = 0.0
    day = datetime(a.year, a.month, a.day)
    while day <= b:
        if day.weekday() < 5:
            lo = max(a, day + timedelta(hours=8))
            hi = min(b, day + timedelta(hours=18))
            total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


def test_mttr_and_mtta_in_business_hours(sn_inputs: Inputs, sn_tickets: pd.DataFrame) -> None:
    done = sn_tickets.dropna(subset=["final_res"])
    hours = [
        _working_seconds(a, b) / 3600
        for a, b in zip(done["opened"], done["final_res"], strict=True)
    ]
    got = _one(sn_inputs, "mttr", options={"time": "business"})
    assert got["value"].iloc[0] == pytest.approx(float(np.mean(hours)), rel=1e-9)
    assert int(got["n"].iloc[0]) == len(done)
    by_calendar = _one(sn_inputs, "mttr", options={"time": "business", "calendar": "24x7"})
    plain = (done["final_res"] - done["opened"]).dt.total_seconds() / 3600
    assert by_calendar["value"].iloc[0] == pytest.approx(plain.mean(), rel=1e-9)
    monthly = _one(sn_inputs, "mtta", options={"time": "business"}, period="month")
    calendar = _one(sn_inputs, "mtta", period="month")
    # working hours can only be fewer than all hours
    assert (monthly["value"].to_numpy() <= calendar["value"].to_numpy() + 1e-9).all()
    assert (monthly["value"].to_numpy() < calendar["value"].to_numpy()).any()


def test_business_time_names_an_unknown_calendar(sn_inputs: Inputs) -> None:
    with pytest.raises(pdca.PdcaError, match="no calendar 'night-shift'"):
        _one(sn_inputs, "mttr", options={"time": "business", "calendar": "night-shift"})


@pytest.mark.parametrize("kept", [False, True], ids=["from the events", "kept at import"])
def test_sla_compliance_from_made_sla(
    sn_inputs: Inputs, sn_tickets: pd.DataFrame, kept: bool
) -> None:
    done = sn_tickets.dropna(subset=["final_res"])
    done = done[done["made_sla"].notna()]
    want = 100 * (done["made_sla"] == "true").mean()
    inputs = sn_inputs
    if kept:
        st = sn_inputs.extra["store"]
        (log,) = st.logs()["log"]
        assert st.derived(KEPT_VERDICTS, log) is not None  # the import kept the verdicts
        inputs = replace(sn_inputs, kept=lambda name: st.derived(name, log))
    got = _one(inputs, "sla_source")
    assert got["value"].iloc[0] == pytest.approx(want, rel=1e-12)
    assert int(got["n"].iloc[0]) == len(done)


def test_backlog_at_month_ends(sn_inputs: Inputs, sn_raw: pd.DataFrame) -> None:
    got = _one(sn_inputs, "backlog", period="month")
    known = sn_raw[sn_raw["kind"].notna()]
    last_ts = sn_raw["ts"].max()
    want = []
    for start in got["period"]:
        end = min(pd.Timestamp(start) + pd.offsets.MonthBegin(1), last_ts)
        before = known[known["ts"] < end]
        state = before.groupby("number")["kind"].last()
        want.append(int((state == "open").sum()))
    assert got["value"].astype(int).tolist() == want


def test_median_time_in_each_state(sn_inputs: Inputs, sn_raw: pd.DataFrame) -> None:
    known = sn_raw[sn_raw["kind"].notna()].copy()
    canon = {
        "New": "new",
        "Active": "in_progress",
        "Awaiting User Info": "waiting_customer",
        "Awaiting Evidence": "waiting_customer",
        "Awaiting Vendor": "waiting_vendor",
        "Awaiting Problem": "waiting_other",
        "Resolved": "resolved",
        "Closed": "closed",
    }
    known["next"] = known.groupby("number")["ts"].shift(-1)
    known = known.dropna(subset=["next"])
    hours = (known["next"] - known["ts"]).dt.total_seconds() / 3600
    want = hours.groupby(known["incident_state"].map(canon)).median()
    got = _one(sn_inputs, "time_in_state", by=("state",)).set_index("state")["value"]
    assert got.sort_index().index.tolist() == want.sort_index().index.tolist()
    np.testing.assert_allclose(got.sort_index().to_numpy(), want.sort_index().to_numpy())


def test_escalation_rate_on_volvo(tmp_path: Path) -> None:
    pdca.ingest(shared_file(VOLVO), store=tmp_path)
    raw = pd.read_csv(shared_file(VOLVO), dtype=str, encoding="utf-8-sig")
    escalated = raw.groupby("SR Number")["ST Level"].agg(lambda s: (s != "L1").any())
    with Store.open(tmp_path, read_only=True) as st:
        got = evaluate(Inputs(st.events(), st.tickets()), Query("escalation_rate"))
    assert got["value"].iloc[0] == pytest.approx(100 * escalated.mean(), rel=1e-12)
    assert int(got["n"].iloc[0]) == 7_554


def test_sla_compliance_kpis_aggregate_the_clocks(sn_inputs: Inputs) -> None:
    clocks = sla_clocks(sn_inputs.events, sn_inputs.tickets).execute()
    for clock, kpi in [("response", "sla_response"), ("resolution", "sla_resolution")]:
        done = clocks[(clocks["clock"] == clock) & ~clocks["running"].astype(bool)]
        done = done[done["breached"].notna()]
        per_month = done.groupby(pd.to_datetime(done["stopped_at"]).dt.to_period("M"))
        want = (100 * (1 - per_month["breached"].mean())).tolist()
        got = _one(sn_inputs, kpi, period="month")
        np.testing.assert_allclose(got["value"].to_numpy(), want, rtol=1e-12)
        assert got["n"].tolist() == per_month.size().tolist()
