"""`pdca monitor` on the public ServiceNow log: weekly SLA compliance and MTTR per priority."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pdca
from pdca import api
from tests.conftest import SERVICENOW, shared_file

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def signals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    store = tmp_path_factory.mktemp("monitor-sn") / "store"
    pdca.ingest(shared_file(SERVICENOW), store=store)
    found = api.monitor(store=store, kpis=["sla_resolution", "mttr"], by="priority")
    return store, found


def test_both_kpis_are_flagged_per_priority_in_one_sentence_each(
    signals: tuple[Path, pd.DataFrame],
) -> None:
    _, found = signals
    assert set(found["kpi"]) == {"sla_resolution", "mttr"}
    assert set(found["group"]) <= {"1 - Critical", "2 - High", "3 - Moderate", "4 - Low"}
    names = {"sla_resolution": "Resolution SLA compliance", "mttr": "Mean time to resolve"}
    for row in found.itertuples(index=False):
        message = str(row.message)
        assert message.startswith(f"{names[str(row.kpi)]} of priority {row.group}")
        assert message.count(". ") == 0  # one sentence
        assert message.endswith(".")
        assert str(row.period) in message or "in a row" in message or "weeks up to" in message


def test_the_flagged_values_are_the_kpi_engines(signals: tuple[Path, pd.DataFrame]) -> None:
    store, found = signals
    weekly = api.kpi(["mttr"], store=store, by=["priority"], period="week")
    weekly["week"] = pd.to_datetime(weekly["period"]).dt.strftime("%G-W%V")
    one = found[(found["kpi"] == "mttr") & (found["rule"] == "WE1")].iloc[0]
    want = weekly[(weekly["priority"] == one["group"]) & (weekly["week"] == one["period"])]
    assert float(one["value"]) == pytest.approx(float(want["value"].iloc[0]))
    assert float(one["value"]) > float(one["ucl"])  # WE1: beyond the upper limit
