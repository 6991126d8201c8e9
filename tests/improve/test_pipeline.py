"""The whole cycle on generated logs: baseline, verification, staged chart, control standard."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

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
    assert any("before the log's first event" in w for w in created["baseline"]["warnings"])
    assert created["status"] == "do"  # go-live lies inside the data
    check = api.verify_initiative(created["initiative_id"], store=store)
    assert check.verdict == verdict
    # the whole desk is in scope: no comparison group, and the output says so
    assert check.method == "before-after"
    assert "no comparison group" in check.sentence
    # opening cohorts, times capped at the 90th percentile of the before cohort's times,
    # recomputed from the file
    go_live = week_start(CHANGE)
    cohort_b = raw[raw["opened"] < go_live]
    cap = float(np.quantile(cohort_b["hours"], 0.9))
    last = raw["resolved"].max()
    cohort_a = raw[(raw["opened"] >= go_live) & (raw["opened"] < last - pd.Timedelta(hours=cap))]
    y_b, y_a = cohort_b["hours"].clip(upper=cap), cohort_a["hours"].clip(upper=cap)
    ev = check.evidence
    assert (ev.n_before, ev.n_after) == (len(y_b), len(y_a))
    assert ev.before == pytest.approx(y_b.mean())
    assert ev.after == pytest.approx(y_a.mean())
    assert ev.estimate == pytest.approx(y_a.mean() - y_b.mean())
    # the interval: a sandwich estimate clustered by opening week (CR1), t with weeks - 1 df
    se, weeks = _clustered_se(pd.concat([cohort_b, cohort_a]), pd.concat([y_b, y_a]), go_live)
    half = stats.t.isf(0.025, weeks - 1) * se
    assert ev.ci_low == pytest.approx(ev.estimate - half, rel=1e-6)
    assert ev.ci_high == pytest.approx(ev.estimate + half, rel=1e-6)
    if verdict == "no detectable change (yet)":
        assert ev.ci_low < 0 < ev.ci_high
    else:
        assert ev.ci_high < 0 if verdict == "improved" else ev.ci_low > 0
    # the staged chart: the weekly mean capped time of the opening cohorts, split at go-live
    limits = check.limits
    assert limits is not None
    assert set(limits.loc[limits["period"] < go_live, "stage"]) == {"before"}
    assert set(limits.loc[limits["period"] >= go_live, "stage"]) == {"after"}
    both = pd.concat([cohort_b.assign(y=y_b), cohort_a.assign(y=y_a)])
    means = both.groupby(both["opened"].dt.to_period("W-SUN").dt.start_time)["y"].mean()
    np.testing.assert_allclose(limits["value"].to_numpy(), means.to_numpy())
    stored = api.initiative(created["initiative_id"], store=store)
    assert stored["verdict"]["verdict"] == verdict
    assert stored["verdict"]["design"]["n"]["scope_before"] == len(y_b)
    assert stored["status"] == "check"
    # a standard is only proposed; it comes into force when the owner adopts it
    assert stored["standard"] is None
    assert (stored["verdict"]["proposed_standard"] is not None) == (verdict == "improved")


def _clustered_se(frame: pd.DataFrame, y: pd.Series, go_live: datetime) -> tuple[float, int]:
    """se of the after - before difference of means, clustered by opening week (CR1)."""
    x = np.column_stack([np.ones(len(frame)), (frame["opened"] >= go_live).to_numpy(float)])
    values = y.to_numpy(float)
    beta = np.linalg.lstsq(x, values, rcond=None)[0]
    resid = values - x @ beta
    weeks = frame["opened"].dt.to_period("W-SUN").to_numpy()
    bread = np.linalg.inv(x.T @ x)
    meat = np.zeros((2, 2))
    labels = pd.unique(weeks)
    for week in labels:
        mask = weeks == week
        score = x[mask].T @ resid[mask]
        meat += np.outer(score, score)
    g, n = len(labels), len(values)
    cov = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - 2)
    return float(np.sqrt(cov[1, 1])), g


def _tickets(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    opened = raw[raw["incident_state"] == "New"].set_index("number")["at"]
    resolved = raw[raw["incident_state"] == "Resolved"].set_index("number")["at"]
    hours = (resolved - opened).dt.total_seconds() / 3600
    return pd.DataFrame({"opened": opened, "resolved": resolved, "hours": hours})


def test_the_owner_adopts_the_standard_and_a_signal_against_it_reopens_act(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, 0.5, seed=12)
    created = api.new_initiative("Faster", kpi="mttr", store=store, go_live=week_start(CHANGE))
    ident = created["initiative_id"]
    with pytest.raises(InputError, match="no standard to adopt"):
        api.adopt_standard(ident, store=store, who="qm")
    first = api.verify_initiative(ident, store=store, who="qm")
    assert first.verdict == "improved"
    assert first.standard is None
    assert first.proposed is not None
    assert first.proposed["chart"] == "imr"
    after = first.limits[first.limits["stage"] == "after"]
    assert first.proposed["centre"] == pytest.approx(after.loc[~after["excluded"], "value"].mean())
    adopted = api.adopt_standard(ident, store=store, who="owner")
    assert adopted["standard"] == first.proposed
    assert adopted["status"] == "act"
    # a later month where resolution takes three times as long as before the improvement
    (tmp_path / "later").mkdir()
    later = write_log(
        tmp_path / "later" / "log.csv", weeks=5, per_week=30, factor=3.0, change_week=0,
        seed=13, first_week=21, prefix="LATE",
    )  # fmt: skip
    api.ingest(later, source="servicenow", store=store)
    second = api.verify_initiative(ident, store=store, who="qm")
    assert second.alerts, "a signal against the standard must raise an alert"
    assert second.control is not None
    assert second.control.limits is not None
    assert (second.control.limits["centre"] == first.proposed["centre"]).all()
    record = api.initiative(ident, store=store)
    assert record["status"] == "act"
    assert record["verdict"]["alerts"] == second.alerts
    log = api.initiative_log(ident, store=store)
    assert "control standard adopted by the owner" in set(log["what"])
    # every verdict is kept in the change log with the design it came from
    verdicts = log[log["field"] == "verdict"]
    assert len(verdicts) == 2


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
    assert check.method == "before-after"
    assert check.design["scale"] == "shares"
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
