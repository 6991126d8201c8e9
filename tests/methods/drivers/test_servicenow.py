"""Driver analysis on the real ServiceNow log: it runs, and one driver's effect, interval and
avoidable hours are recomputed independently — the design rebuilt with pandas from the store's
ticket facts and refitted with statsmodels' formula interface (treatment coding against the
largest level, HC1 errors), the effect read as a contrast of the refit's coefficients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import pdca
from pdca.api.drivers import drivers
from pdca.engine.store import Store
from tests.conftest import SERVICENOW, shared_file

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
BY = ["priority", "category", "channel", "opened_weekday", "hops"]
MIN_N = 30
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture(scope="module")
def sn_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drivers-sn")
    pdca.ingest(shared_file(SERVICENOW), store=root)
    return root


def _tickets(root: Path) -> pd.DataFrame:
    """One row per resolved ticket: hours to the final resolution and the attributes of BY,
    read from the store's ticket facts with pandas."""
    with Store.open(root, read_only=True) as st:
        t = st.tickets(None).to_pandas()
    t = t[t["resolved_at"].notna()].copy()
    t["hours"] = (t["resolved_at"] - t["opened_at"]).dt.total_seconds() / 3600
    t["opened_weekday"] = [WEEKDAYS[d] for d in t["opened_at"].dt.day_of_week]
    t["hops"] = t["reassignment_count"].clip(upper=3).astype(str).replace({"3": "3+"})
    for col in BY:
        t[col] = t[col].astype(object).where(t[col].notna(), "(missing)").astype(str)
        counts = t[col].value_counts()
        t[col] = t[col].where(~t[col].isin(counts[counts < MIN_N].index), "(other)")
    return t.reset_index(drop=True)


def test_servicenow_hours_drivers_match_an_independent_statsmodels_refit(sn_store: Path) -> None:
    result = drivers("hours", store=sn_store, by=BY, min_n=MIN_N, draws=400)
    frame, meta = result.frame, result.metadata
    assert meta["n"] > 15_000
    assert meta["attributes"] == BY
    assert "service" not in meta["dropped"]  # not asked for
    assert any("censoring" in line for line in result.assumptions())

    t = _tickets(sn_store)
    assert len(t) == meta["n"]
    positive = t.loc[t["hours"] > 0, "hours"]
    low = min(1 / 60, float(np.quantile(positive, 0.01)))
    t["log_hours"] = np.log(t["hours"].clip(lower=low))
    refs = {c: t[c].value_counts().sort_index().sort_values(ascending=False, kind="stable")
            .index[0] for c in BY}  # fmt: skip
    terms = " + ".join(f"C({c}, Treatment(reference={refs[c]!r}))" for c in BY)
    fit = smf.ols(f"log_hours ~ {terms}", data=t).fit(cov_type="HC1")

    # the driver the analysis ranks first, recomputed: its coefficient minus the
    # ticket-weighted mean of the other levels' coefficients (the reference counts 0)
    top = frame.iloc[0]
    attr, level = str(top["attribute"]), str(top["level"])
    counts = t[attr].value_counts()
    rest = counts.drop(level).sum()
    contrast = pd.Series(0.0, index=fit.params.index)
    for lv, n in counts.items():
        name = f"C({attr}, Treatment(reference={refs[attr]!r}))[T.{lv}]"
        if name in contrast.index:
            contrast[name] += 1.0 if lv == level else -n / rest
    est = float(contrast @ fit.params)
    se = float(np.sqrt(contrast @ fit.cov_params() @ contrast))
    assert top["n"] == counts[level]
    assert top["effect"] == pytest.approx(np.exp(est), rel=1e-6)
    assert top["effect_low"] == pytest.approx(np.exp(est - 1.959964 * se), rel=1e-5)
    assert top["effect_high"] == pytest.approx(np.exp(est + 1.959964 * se), rel=1e-5)
    hours = t.loc[t[attr] == level, "hours"].sum()
    assert top["avoidable"] == pytest.approx(hours * (1 - np.exp(-est)), rel=1e-6)
    assert top["avoidable_low"] <= top["avoidable"] <= top["avoidable_high"]


def test_servicenow_breach_drivers_run_with_their_evidence(sn_store: Path) -> None:
    result = drivers("sla_resolution", store=sn_store, by=BY, draws=200)
    meta = result.metadata
    assert meta["outcome"] == "breach"
    assert 0 < meta["total"] < meta["n"]
    flagged = result.frame[result.frame["flagged"]]
    assert (flagged["q_value"] <= meta["alpha"]).all()
    assert flagged["effect_low"].notna().all()  # never a flag without an effect size
