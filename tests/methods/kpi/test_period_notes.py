"""`pdca kpi` marks the periods the log's window makes incomplete and the ones with few tickets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pdca import api
from tests.improve.logs import START, write_log


def test_partial_and_sparse_periods_are_noted(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv", weeks=12, per_week=20, factor=1.0, change_week=99, seed=3)
    # a few extra tickets in a priority of their own: 3 tickets in all, every week sparse
    extra = write_log(
        tmp_path / "extra.csv", weeks=3, per_week=1, factor=1.0, change_week=99, seed=4,
        first_week=4, prefix="RARE", priority="1 - Critical",
    )  # fmt: skip
    rows = extra.read_text(encoding="utf-8").splitlines()[1:]
    with log.open("a", encoding="utf-8") as out:
        out.write("\n".join(rows) + "\n")
    store = tmp_path / "store"
    api.ingest(log, source="servicenow", store=store)
    frame = api.kpi(["volume"], store=store, period="month", by=["priority"])
    raw = pd.read_csv(log)
    last = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M").max()
    assert last < pd.Timestamp("2024-03-30")  # the log ends before March does: March is cut
    keys = zip(frame["period"], frame["priority"], strict=True)
    notes = dict(zip(keys, frame["note"], strict=True))
    assert notes[(pd.Timestamp("2024-03-01"), "3 - Moderate")].startswith(
        "incomplete: partial last month"
    )
    assert notes[(pd.Timestamp(START), "3 - Moderate")] == ""
    # volume is a count: no minimum n; MTTR of the rare priority has n = 1 a week
    mttr = api.kpi(["mttr"], store=store, period="week", by=["priority"])
    rare = mttr[mttr["priority"] == "1 - Critical"]
    assert len(rare) >= 1
    assert (rare["n"] < 5).all()
    for n, note in zip(rare["n"], rare["note"], strict=True):
        assert f"few: n = {n} < 5" in note
    busy = mttr[(mttr["priority"] == "3 - Moderate") & (mttr["n"] >= 5)]
    assert not any("few" in note for note in busy["note"])


def test_an_average_says_which_statistic_it_is(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv", weeks=3, per_week=10, factor=1.0, change_week=99, seed=6)
    store = tmp_path / "store"
    api.ingest(log, source="servicenow", store=store)
    raw = api.tickets(store=store)
    hours = (raw["resolved_at"] - raw["opened_at"]).dt.total_seconds() / 3600
    mean = api.kpi(["mttr"], store=store)
    median = api.kpi(["mttr"], store=store, options={"mttr": {"statistic": "median"}})
    assert list(mean["statistic"]) == ["mean"]
    assert list(median["statistic"]) == ["median"]
    assert float(median["value"].iloc[0]) == pytest.approx(hours.median())
    assert float(mean["value"].iloc[0]) == pytest.approx(hours.mean())
    assert "statistic" not in api.kpi(["volume"], store=store)
