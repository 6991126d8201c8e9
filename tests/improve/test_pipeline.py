"""The whole cycle on generated logs: baseline, verification, staged chart, control standard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.errors import InputError
from tests.improve.logs import week_start, write_log

CHANGE = 10  # go-live: Monday of week 10


def _store(tmp_path: Path, factor: float, seed: int) -> Path:
    store = tmp_path / "store"
    log = write_log(
        tmp_path / "log.csv", weeks=20, per_week=30, factor=factor, change_week=CHANGE, seed=seed
    )
    api.ingest(log, source="servicenow", store=store)
    return store


@pytest.mark.parametrize(
    ("factor", "verdict"),
    [(0.6, "improved"), (1.5, "worsened"), (1.0, "no detectable change (yet)")],
)
def test_verdict_on_a_known_change(tmp_path: Path, factor: float, verdict: str) -> None:
    store = _store(tmp_path, factor, seed=11)
    created = api.new_initiative(
        "Faster resolution", kpi="mttr", store=store, go_live=week_start(CHANGE), owner="qm"
    )
    # the baseline is the mean time to resolve over the 90 days (70 days of data) before go-live
    raw = _tickets(tmp_path / "log.csv")
    before = raw[raw["resolved"] < week_start(CHANGE)]
    assert created["baseline"]["value"] == pytest.approx(before["hours"].mean())
    assert created["baseline"]["n"] == len(before)
    check = api.verify_initiative(created["initiative_id"], store=store)
    assert check.verdict == verdict
    assert check.method == "mann-whitney"
    after = raw[raw["resolved"] >= week_start(CHANGE)]
    assert check.evidence.n_before == len(before)
    assert check.evidence.n_after == len(after)
    assert check.evidence.before == pytest.approx(before["hours"].median())
    assert check.evidence.after == pytest.approx(after["hours"].median())
    # the staged chart: one point per week, two stages split at go-live
    limits = check.limits
    assert limits is not None
    assert len(limits) == 20 or len(limits) == 21  # a ticket may be resolved in week 20
    assert set(limits.loc[limits["period"] < week_start(CHANGE), "stage"]) == {"before"}
    assert set(limits.loc[limits["period"] >= week_start(CHANGE), "stage"]) == {"after"}
    weekly = raw.assign(week=raw["resolved"].dt.to_period("W-SUN").dt.start_time)
    means = weekly.groupby("week")["hours"].mean()
    np.testing.assert_allclose(limits["value"].to_numpy(), means.to_numpy())
    stored = api.initiative(created["initiative_id"], store=store)
    assert stored["verdict"]["verdict"] == verdict
    assert (stored["standard"] is not None) == (verdict == "improved")


def _tickets(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    opened = raw[raw["incident_state"] == "New"].set_index("number")["at"]
    resolved = raw[raw["incident_state"] == "Resolved"].set_index("number")["at"]
    hours = (resolved - opened).dt.total_seconds() / 3600
    return pd.DataFrame({"resolved": resolved, "hours": hours})


def test_a_signal_against_the_standard_reopens_the_act_step(tmp_path: Path) -> None:
    store = _store(tmp_path, 0.5, seed=12)
    created = api.new_initiative("Faster", kpi="mttr", store=store, go_live=week_start(CHANGE))
    ident = created["initiative_id"]
    api.update_initiative(ident, store=store, status="check", who="qm")
    first = api.verify_initiative(ident, store=store, who="qm")
    assert first.verdict == "improved"
    assert first.adopted
    assert first.standard is not None
    assert first.standard["chart"] == "imr"
    after = first.limits[first.limits["stage"] == "after"]
    assert first.standard["centre"] == pytest.approx(after.loc[~after["excluded"], "value"].mean())
    # a later month where resolution takes three times as long as before the improvement
    (tmp_path / "later").mkdir()
    later = write_log(
        tmp_path / "later" / "log.csv", weeks=5, per_week=30, factor=3.0, change_week=0,
        seed=13, first_week=21, prefix="LATE",
    )  # fmt: skip
    api.ingest(later, source="servicenow", store=store)
    second = api.verify_initiative(ident, store=store, who="qm")
    assert not second.adopted
    assert second.alerts, "a signal against the standard must raise an alert"
    assert second.control is not None
    assert second.control.limits is not None
    assert (second.control.limits["centre"] == first.standard["centre"]).all()
    record = api.initiative(ident, store=store)
    assert record["status"] == "act"
    log = api.initiative_log(ident, store=store)
    assert "control signal: reopens the Act step" in set(log["what"])
    assert "control standard adopted" in set(log["what"])


def test_verify_needs_a_go_live_date_and_data_after_it(tmp_path: Path) -> None:
    store = _store(tmp_path, 1.0, seed=14)
    created = api.new_initiative("No date", kpi="mttr", store=store)
    with pytest.raises(InputError, match="no go-live date"):
        api.verify_initiative(created["initiative_id"], store=store)
    api.update_initiative(created["initiative_id"], store=store, go_live=week_start(40))
    with pytest.raises(InputError, match="not before the last event"):
        api.verify_initiative(created["initiative_id"], store=store)


def test_a_share_uses_the_two_proportion_test_and_a_p_chart(tmp_path: Path) -> None:
    store = _store(tmp_path, 1.0, seed=15)
    created = api.new_initiative(
        "Fewer hops", kpi="multi_hop_rate", store=store, go_live=week_start(CHANGE)
    )
    check = api.verify_initiative(created["initiative_id"], store=store, save=False)
    assert check.method == "two-proportions"
    # nobody is reassigned in the generated log: no change can be seen
    assert check.verdict == "no detectable change (yet)"
    assert check.evidence.n_before == 300
    assert check.evidence.n_after == 300


def test_a_count_uses_the_interrupted_time_series(tmp_path: Path) -> None:
    store = _store(tmp_path, 1.0, seed=16)
    created = api.new_initiative("Volume", kpi="volume", store=store, go_live=week_start(CHANGE))
    check = api.verify_initiative(created["initiative_id"], store=store, save=False)
    assert check.method == "interrupted-time-series"
    assert check.evidence.n_before == CHANGE
    assert check.evidence.n_after == 10


def test_register_report_gives_each_initiative_its_verdict_chart_and_sentence(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, 0.6, seed=17)
    live = api.new_initiative("Faster", kpi="mttr", store=store, go_live=week_start(CHANGE))
    api.new_initiative("Not live yet", kpi="mttr", store=store)
    report = api.register_report(store=store)
    assert [r["initiative"]["initiative_id"] for r in report] == [live["initiative_id"], 2]
    first, second = report
    assert first["verdict"] == "improved"
    assert first["sentence"].startswith("Improved: Mean time to resolve")
    assert set(first["limits"]["stage"]) == {"before", "after"}
    assert second["verdict"] is None
    assert second["limits"] is None
    assert "no go-live date" in second["sentence"]
    # the report only reads: nothing was saved
    assert api.initiative(live["initiative_id"], store=store)["verdict"] is None
