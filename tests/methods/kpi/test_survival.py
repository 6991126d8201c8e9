"""The opening-cohort view of the duration KPIs: Kaplan-Meier curve, median, its interval and the
restricted mean (pdca.methods.kpi.survival), and MTTR/MTTA with view=cohort end to end.

Oracles: statsmodels' ``SurvfuncRight`` on one row per ticket (pdca works from aggregated counts),
lifelines when installed, plain numpy on uncensored data, a published textbook table, and the
simulator's hidden resolution times.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.kpi.survival import (
    NOT_REACHED,
    Curve,
    kaplan_meier,
    median,
    median_ci,
    restricted_mean,
    summarise,
    survival_at,
)
from tests.conftest import SERVICENOW, shared_file
from tests.methods.kpi.test_kpi_real_logs import SN_STATES

HOUR = 3600.0


def _curve(times: np.ndarray, status: np.ndarray) -> Curve:
    """pdca's curve from counts per distinct time, as the engine hands them over."""
    frame = pd.DataFrame({"t": times, "e": status})
    counts = frame.groupby("t")["e"].agg(["sum", "count"])
    return kaplan_meier(
        counts.index.to_numpy(np.float64),
        counts["sum"].to_numpy(np.float64),
        (counts["count"] - counts["sum"]).to_numpy(np.float64),
    )


def _expected_median(sf: SurvfuncRight) -> float:
    """statsmodels' median, except where its curve sits exactly on 0.5 (a stretch: pdca takes the
    midpoint, as R's survival does; statsmodels' strict ``<`` then depends on rounding)."""
    s, t = sf.surv_prob, sf.surv_times
    flat = np.flatnonzero(np.abs(s - 0.5) <= 1e-9)
    if len(flat) and flat[0] + 1 < len(t):
        return float((t[flat[0]] + t[flat[0] + 1]) / 2)
    return float(sf.quantile(0.5))


def _area(sf: SurvfuncRight, tau: float) -> float:
    """Area under statsmodels' step curve from 0 to tau."""
    edges = np.concatenate(([0.0], sf.surv_times))
    heights = np.concatenate(([1.0], sf.surv_prob))
    ends = np.minimum(np.append(edges[1:], np.inf), tau)
    return float(np.sum(heights * np.clip(ends - edges, 0, None)))


def _random(seed: int, n: int, *, tie_step: float | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    event = rng.lognormal(2.0, 1.2, n)
    censor = rng.uniform(0, 40, n)
    time = np.minimum(event, censor)
    if tie_step is not None:
        time = np.round(time / tie_step) * tie_step
    return time, (event <= censor).astype(np.float64)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tie_step", [None, 1.0])
def test_curve_median_interval_and_area_agree_with_statsmodels(
    seed: int, tie_step: float | None
) -> None:
    time, status = _random(seed, 60 + 70 * seed, tie_step=tie_step)
    sf = SurvfuncRight(time, status)
    curve = _curve(time, status)
    np.testing.assert_allclose(curve.times, sf.surv_times)
    np.testing.assert_allclose(curve.at_risk, sf.n_risk)
    np.testing.assert_allclose(curve.surv, sf.surv_prob, rtol=1e-12)
    np.testing.assert_allclose(curve.se, sf.surv_prob_se, rtol=1e-9)
    assert median(curve) == pytest.approx(_expected_median(sf), nan_ok=True)
    low, high = sf.quantile_ci(0.5, method="cloglog")
    assert median_ci(curve) == pytest.approx((low, high), nan_ok=True)
    for tau in (5.0, 12.5, float(np.max(time))):
        assert restricted_mean(curve, tau) == pytest.approx(_area(sf, tau), rel=1e-12)


def test_lifelines_agrees_when_installed() -> None:
    lifelines = pytest.importorskip("lifelines", reason="lifelines is not installed (optional)")
    time, status = _random(11, 300, tie_step=None)
    fit = lifelines.KaplanMeierFitter().fit(time, status)
    curve = _curve(time, status)
    assert median(curve) == pytest.approx(fit.median_survival_time_)
    utils = pytest.importorskip("lifelines.utils")
    area = utils.restricted_mean_survival_time(fit, t=20.0)
    assert restricted_mean(curve, 20.0) == pytest.approx(area)


def test_without_censoring_the_median_is_the_sample_median_and_the_mean_the_mean() -> None:
    rng = np.random.default_rng(3)
    for n in (10, 11, 200, 201):
        time = np.round(rng.exponential(5.0, n), 1)  # ties, and even counts: a stretch at 0.5
        curve = _curve(time, np.ones(n))
        assert median(curve) == pytest.approx(float(np.median(time)))
        assert restricted_mean(curve, float(time.max())) == pytest.approx(float(time.mean()))
        assert restricted_mean(curve, 3.0) == pytest.approx(float(np.minimum(time, 3.0).mean()))


def test_six_mp_leukaemia_remission_textbook_values() -> None:
    """Freireich et al. (1963), 6-MP arm, remission in weeks (+ = censored).

    Published product-limit values: C. T. Le, *Introductory Biostatistics*, Wiley 2003, Example
    11.1 and Table 11.1 (pp. 385-386): S(t) = 0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378,
    0.4482 at 6, 7, 10, 13, 16, 22, 23 weeks (read from a reproduction of the table; Kleinbaum &
    Klein's *Survival Analysis* has the same example, not checked here). The median is the first
    time the published S drops below 0.5: 23 weeks.
    """
    relapse = [6, 6, 6, 7, 10, 13, 16, 22, 23]
    still_in_remission = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
    time = np.array(relapse + still_in_remission, dtype=np.float64)
    status = np.array([1.0] * len(relapse) + [0.0] * len(still_in_remission))
    curve = _curve(time, status)
    published = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}
    for week, value in published.items():
        assert survival_at(curve, week) == pytest.approx(value, abs=5e-5)
    assert survival_at(curve, 5.9) == 1.0
    assert survival_at(curve, 9) == pytest.approx(0.8067, abs=5e-5)  # steps only at relapses
    assert median(curve) == 23.0
    assert curve.n == 21
    assert curve.censored == 12


def test_a_median_never_reached_is_empty_with_a_note() -> None:
    counts = pd.DataFrame({"g": ["a"] * 3, "t": [1.0, 2.0, 3.0], "_d": [1, 0, 0], "_c": [0, 2, 5]})
    out = summarise(counts, ["g"], "t", "median")
    assert math.isnan(out["value"].iloc[0])
    assert out["note"].iloc[0] == NOT_REACHED
    assert (out["n"].iloc[0], out["censored"].iloc[0]) == (8, 7)


def test_restricted_mean_default_horizon_is_shared_and_a_short_cohort_gets_no_number() -> None:
    counts = pd.DataFrame(
        {
            "g": ["early", "early", "late", "late"],
            "t": [2.0, 10.0, 1.0, 4.0],
            "_d": [3, 1, 2, 0],
            "_c": [0, 0, 0, 2],
        }
    )
    out = summarise(counts, ["g"], "t", "mean").set_index("g")
    assert set(out["horizon"]) == {4.0}  # the late cohort is known up to 4 only
    assert out.loc["early", "value"] == pytest.approx((3 * 2 + 4) / 4)  # mean of min(t, 4)
    assert out.loc["late", "value"] == pytest.approx(1 * 1 + 0.5 * 3)
    beyond = summarise(counts, ["g"], "t", "mean", horizon=8.0).set_index("g")
    assert beyond.loc["early", "value"] == pytest.approx((3 * 2 + 8) / 4)
    assert math.isnan(beyond.loc["late", "value"])
    assert "horizon beyond" in beyond.loc["late", "note"]


# --- MTTR / MTTA with view=cohort on the ServiceNow log ----------------------------------------

SN_KIND = SN_STATES  # the raw ServiceNow states, as the other real-log KPI tests read them


@pytest.fixture(scope="module")
def sn_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    import pdca  # noqa: PLC0415

    root = tmp_path_factory.mktemp("surv-sn")
    pdca.ingest(shared_file(SERVICENOW), store=root)
    return Store.open(root, read_only=True)


def _sn_cohorts(path: Path) -> pd.DataFrame:
    """Per ticket from the raw CSV with plain pandas: opening, final resolution, censoring."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["ts"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    raw["row"] = np.arange(len(raw))
    raw = raw.sort_values(["number", "ts", "mod", "row"], kind="stable")
    raw["pos"] = raw.groupby("number").cumcount()
    raw["kind"] = raw["incident_state"].map(SN_KIND)
    end = raw["ts"].max()
    known = raw[raw["kind"].notna()]
    last_open = known[known["kind"] == "open"].groupby("number")["pos"].max()
    res = known[known["kind"] == "res"].join(last_open.rename("last_open"), on="number")
    res = res[res["pos"] > res["last_open"].fillna(-1)]
    final = res.groupby("number")["ts"].min()
    last_kind = known.groupby("number")["kind"].last()
    out = pd.DataFrame({"opened": raw.groupby("number")["ts"].min()})
    out["final"] = final
    out["open"] = last_kind.reindex(out.index).eq("open")
    out = out[out["final"].notna() | out["open"]]
    out["event"] = out["final"].notna().astype(float)
    out["hours"] = (out["final"].fillna(end) - out["opened"]).dt.total_seconds() / HOUR
    out["month"] = out["opened"].dt.to_period("M").dt.start_time
    return out


@pytest.mark.realdata
def test_servicenow_cohort_median_and_mean_agree_with_statsmodels_per_month(
    sn_store: Store,
) -> None:
    tickets = _sn_cohorts(shared_file(SERVICENOW))
    inputs = Inputs(sn_store.events(), sn_store.tickets())
    med = evaluate(
        inputs, Query("mttr", options={"view": "cohort", "statistic": "median"}, period="month")
    )
    mean = evaluate(inputs, Query("mttr", options={"view": "cohort"}, period="month"))
    assert (med["statistic"] == "cohort, Kaplan-Meier median").all()
    assert list(med["period"]) == sorted(tickets["month"].unique())
    tau = float(mean["horizon"].iloc[0])
    assert (mean["horizon"] == tau).all()
    for (month, part), m_row, a_row in zip(
        tickets.groupby("month"), med.itertuples(), mean.itertuples(), strict=True
    ):
        sf = SurvfuncRight(part["hours"].to_numpy(), part["event"].to_numpy())
        assert m_row.period == month
        assert (m_row.n, m_row.censored) == (len(part), int((part["event"] == 0).sum()))
        assert m_row.value == pytest.approx(_expected_median(sf), rel=1e-9)
        with np.errstate(divide="ignore", invalid="ignore"):  # its curve reaches 0
            low, high = sf.quantile_ci(0.5, method="cloglog")
        assert (m_row.ci_low, m_row.ci_high) == pytest.approx((low, high), rel=1e-9)
        assert a_row.value == pytest.approx(_area(sf, tau), rel=1e-9)


@pytest.mark.realdata
def test_business_time_cohort_and_misplaced_horizon(sn_store: Store) -> None:
    inputs = Inputs(sn_store.events(), sn_store.tickets())
    options = {"view": "cohort", "statistic": "median", "time": "business"}
    business = evaluate(inputs, Query("mtta", options=options, period="month"))
    calendar = evaluate(
        inputs, Query("mtta", options={**options, "time": "calendar"}, period="month")
    )
    assert list(business["n"]) == list(calendar["n"])
    assert (business["value"] <= calendar["value"]).all()  # working hours are part of all hours
    with pytest.raises(ConfigError, match="horizon_hours"):
        evaluate(inputs, Query("mttr", options={"horizon_hours": 24}))


# --- a simulated desk: the simulator knows every ticket's time to resolve ----------------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inputs, pd.DataFrame, pd.Timestamp]:
    from pdca.simulate import SimulationConfig, simulate  # noqa: PLC0415
    from pdca.simulate.truth import HIDDEN_FILE  # noqa: PLC0415

    root = tmp_path_factory.mktemp("surv-sim")
    config = SimulationConfig(days=84, seed=7)
    simulate(config, store=root, hidden=True)
    hidden = pq.read_table(root / HIDDEN_FILE).to_pandas()
    hidden["week"] = hidden["opened_at"].dt.to_period("W-SUN").dt.start_time
    st = Store.open(root, read_only=True)
    return Inputs(st.events(), st.tickets()), hidden, pd.Timestamp(config.end_at)


def test_simulated_cohort_median_matches_the_truth_where_the_resolution_view_is_biased(
    desk: tuple[Inputs, pd.DataFrame, pd.Timestamp],
) -> None:
    """Weekly cohorts of a 12-week simulated desk whose long tickets take longer than the log.

    Truth: the median of the simulator's hours to first resolution of the tickets opened that
    week, including those resolved after the log ends. The resolution view (tickets resolved in
    the week) misses every ticket longer than the time since the log began: far too low in the
    first weeks. Dropping the unresolved tickets of a cohort is far too low in the last weeks.
    The Kaplan-Meier median of the cohort, with the open tickets censored, has neither bias.
    """
    inputs, hidden, end = desk
    truth = hidden.groupby("week")["resolution_hours"].median()
    cohort = evaluate(
        inputs,
        Query(
            "mttr",
            options={"view": "cohort", "statistic": "median", "resolution": "first"},
            period="week",
        ),
    ).set_index("period")
    resolution = evaluate(
        inputs, Query("mttr", options={"statistic": "median", "resolution": "first"}, period="week")
    ).set_index("period")
    assert list(cohort.index) == list(truth.index)
    assert list(cohort["n"]) == list(hidden.groupby("week").size())
    for week, row in cohort.iterrows():
        assert row["ci_low"] <= truth[week] <= row["ci_high"], week
        if row["censored"] < 0.05 * row["n"]:
            assert row["value"] == pytest.approx(truth[week], abs=0.01), week
    assert cohort["censored"].iloc[-1] > 0.4 * cohort["n"].iloc[-1]  # the last cohort: half open

    overall = float(hidden["resolution_hours"].median())
    first_two = resolution["value"].iloc[:2]
    assert (first_two < 0.25 * overall).all()
    assert (cohort["value"].iloc[:2] > 0.5 * overall).all()

    stop = hidden["opened_at"] + pd.to_timedelta(hidden["resolution_hours"], unit="h")
    dropped = hidden[stop <= end].groupby("week")["resolution_hours"].median()
    for week in truth.index[-2:]:
        assert dropped[week] < 0.25 * truth[week]
        assert cohort.loc[week, "value"] == pytest.approx(truth[week], rel=0.25)


def test_simulated_restricted_mean_matches_the_truth(
    desk: tuple[Inputs, pd.DataFrame, pd.Timestamp],
) -> None:
    """The restricted mean to τ is the mean of min(hours, τ) over the cohort."""
    inputs, hidden, _ = desk
    options = {"view": "cohort", "statistic": "mean", "resolution": "first"}
    shared = evaluate(inputs, Query("mttr", options=options, period="week"))
    tau = float(shared["horizon"].iloc[0])
    assert 0 < tau < 24 * 7  # the last, cut week's follow-up bounds the common horizon
    truth = hidden.groupby("week")["resolution_hours"].apply(lambda h: np.minimum(h, tau).mean())
    np.testing.assert_allclose(shared["value"], truth.to_numpy(), rtol=0.02)

    fixed = evaluate(
        inputs, Query("mttr", options={**options, "horizon_hours": 168}, period="week")
    )
    truth = hidden.groupby("week")["resolution_hours"].apply(lambda h: np.minimum(h, 168).mean())
    np.testing.assert_allclose(fixed["value"].iloc[:-1], truth.to_numpy()[:-1], rtol=0.02)
    assert math.isnan(fixed["value"].iloc[-1])  # a week of follow-up is not yet known
    assert "horizon beyond" in fixed["note"].iloc[-1]


def test_cli_reports_the_cohort_view_with_its_label(tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from pdca.interfaces.cli.app import app  # noqa: PLC0415
    from pdca.simulate import SimulationConfig, simulate  # noqa: PLC0415

    store = tmp_path / "desk"
    simulate(SimulationConfig(days=40, tickets=1500, seed=3), store=store, hidden=False)
    args = ["kpi", "mttr", "--option", "view=cohort", "--option", "statistic=median"]
    result = CliRunner().invoke(
        app, [*args, "--period", "month", "--store", str(store), "-f", "csv"]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame["statistic"]) == ["cohort, Kaplan-Meier median"] * 2
    assert {"n", "censored", "ci_low", "ci_high"} <= set(frame.columns)
    assert frame["censored"].iloc[-1] > 0
    wrong = CliRunner().invoke(
        app, ["kpi", "mttr", "--option", "horizon_hours=5", "--store", str(store)]
    )
    assert wrong.exit_code == 1
    assert "horizon_hours" in wrong.output


def test_as_of_ends_the_observation_window(
    desk: tuple[Inputs, pd.DataFrame, pd.Timestamp],
) -> None:
    """Measured as of two weeks before the log ends: later openings are not yet in a cohort, and
    tickets first resolved after that instant are censored there."""
    inputs, hidden, end = desk
    as_of = end - pd.Timedelta(days=14)
    earlier = Inputs(inputs.events, inputs.tickets, as_of=as_of.to_pydatetime())
    options = {"view": "cohort", "statistic": "median", "resolution": "first"}
    frame = evaluate(earlier, Query("mttr", options=options))
    seen = hidden[hidden["opened_at"] <= as_of]
    stop = seen["opened_at"] + pd.to_timedelta(seen["resolution_hours"], unit="h")
    assert frame["n"].iloc[0] == len(seen)
    assert int(frame["censored"].iloc[0]) == int((stop > as_of).sum())
