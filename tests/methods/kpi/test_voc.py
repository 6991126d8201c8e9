"""CSAT, NPS and the survey response rate against a plain-pandas recomputation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca import api
from pdca.engine.store import Store
from pdca.ingest.options import LoadOptions
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from tests.ingest.survey_files import LOG, SurveyFile, write_csat, write_log, write_nps

VOC = ["csat", "nps", "survey_response_rate"]
NONE = "(none)"


class Desk:
    """A store with a generated log and CSAT and NPS surveys, plus the truth behind them."""

    def __init__(self, root: Path) -> None:
        self.store = root / "store"
        self.tickets = write_log(root / "desk.csv")
        api.ingest(
            root / "desk.csv", source="servicenow", store=self.store, options=LoadOptions(log=LOG)
        )
        self.csat: SurveyFile = write_csat(root / "csat.csv", self.tickets)
        self.nps: SurveyFile = write_nps(root / "nps.csv", self.tickets)
        api.ingest_surveys(self.csat.path, store=self.store)
        api.ingest_surveys(self.nps.path, store=self.store, instrument="nps")

    def kpi(self, kpi_id: str, **kwargs: Any) -> pd.DataFrame:
        frame: pd.DataFrame = api.kpi([kpi_id], store=self.store, **kwargs)
        return frame

    def placed(self, survey: SurveyFile) -> pd.DataFrame:
        """Responses with their ticket's priority, at their time or else the ticket's resolution."""
        j = survey.valid.merge(self.tickets, on="case_id", how="left")
        j["at"] = j["responded_at"].fillna(j["resolved_at"])
        j = j[j["at"].notna()].copy()
        j["period"] = j["at"].dt.to_period("M").dt.start_time
        j["priority"] = j["priority"].fillna(NONE)
        return j


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return Desk(tmp_path_factory.mktemp("voc"))


def _by(frame: pd.DataFrame, key: str) -> dict[object, float]:
    keys = frame[key].fillna(NONE) if key != "period" else pd.to_datetime(frame[key])
    return dict(zip(keys, frame["value"].astype(float), strict=True))


def _approx(got: dict[object, float], want: pd.Series) -> None:
    assert set(got) == set(want.index)
    for key, value in want.items():
        assert got[key] == pytest.approx(float(value)), key


def test_the_fixture_exercises_the_awkward_cases(desk: Desk) -> None:
    placed = desk.placed(desk.csat)
    assert len(placed) < len(desk.csat.valid)  # a response with neither time nor resolution
    assert (placed["priority"] == NONE).sum() == 2  # responses to tickets not in the log
    assert desk.csat.valid["responded_at"].isna().sum() >= 3
    assert placed["period"].nunique() == 3


def test_csat_overall(desk: Desk) -> None:
    placed = desk.placed(desk.csat)
    frame = desk.kpi("csat")
    assert len(frame) == 1
    assert frame["value"].iloc[0] == pytest.approx(100 * (placed["score"] >= 4).mean())
    assert frame["n"].iloc[0] == len(placed)
    assert frame["unit"].iloc[0] == "%"
    assert "HDI / MetricNet" in frame["benchmark"].iloc[0]


def test_csat_per_month_with_previous(desk: Desk) -> None:
    placed = desk.placed(desk.csat)
    want = 100 * placed.groupby("period")["score"].apply(lambda s: (s >= 4).mean())
    frame = desk.kpi("csat", period="month")
    _approx(_by(frame, "period"), want)
    counts = placed.groupby("period").size()
    assert frame["n"].tolist() == counts.sort_index().tolist()
    assert frame["previous"].iloc[1] == pytest.approx(frame["value"].iloc[0])


def test_csat_by_priority_keeps_unmatched_responses(desk: Desk) -> None:
    placed = desk.placed(desk.csat)
    want = 100 * placed.groupby("priority")["score"].apply(lambda s: (s >= 4).mean())
    frame = desk.kpi("csat", by=["priority"])
    _approx(_by(frame, "priority"), want)


def test_csat_by_month_and_priority(desk: Desk) -> None:
    placed = desk.placed(desk.csat)
    want = placed.groupby(["period", "priority"])["score"].apply(lambda s: 100 * (s >= 4).mean())
    frame = desk.kpi("csat", period="month", by=["priority"])
    got = {
        (pd.Timestamp(p), NONE if pd.isna(k) else k): v
        for p, k, v in zip(frame["period"], frame["priority"], frame["value"], strict=True)
    }
    _approx(got, want)


@pytest.mark.parametrize("satisfied_from", [5, 3, 1])
def test_csat_with_satisfied_from(desk: Desk, satisfied_from: int) -> None:
    placed = desk.placed(desk.csat)
    frame = desk.kpi("csat", options={"csat": {"satisfied_from": satisfied_from}})
    want = 100 * (placed["score"] >= satisfied_from).mean()
    assert frame["value"].iloc[0] == pytest.approx(want)


def test_csat_options_are_validated(desk: Desk) -> None:
    with pytest.raises(Exception, match="satisfied_from"):
        desk.kpi("csat", options={"csat": {"satisfied_from": "high"}})


def test_nps_per_month(desk: Desk) -> None:
    placed = desk.placed(desk.nps)

    def nps(s: pd.Series) -> float:
        return float(100 * ((s >= 9).mean() - (s <= 6).mean()))

    frame = desk.kpi("nps", period="month")
    _approx(_by(frame, "period"), placed.groupby("period")["score"].apply(nps))
    overall = desk.kpi("nps")
    assert overall["value"].iloc[0] == pytest.approx(nps(placed["score"]))
    assert -100 <= overall["value"].iloc[0] <= 100
    assert overall["unit"].iloc[0] == "points"


def _rate(desk: Desk, answered: set[str]) -> pd.Series:
    resolved = desk.tickets[desk.tickets["resolved_at"].notna()].copy()
    resolved["period"] = resolved["resolved_at"].dt.to_period("M").dt.start_time
    resolved["answered"] = resolved["case_id"].isin(answered)
    return 100 * resolved.groupby("period")["answered"].mean()


def test_response_rate_by_resolution_month(desk: Desk) -> None:
    answered = set(desk.csat.valid["case_id"]) | set(desk.nps.valid["case_id"])
    frame = desk.kpi("survey_response_rate", period="month")
    _approx(_by(frame, "period"), _rate(desk, answered))
    csat_only = desk.kpi(
        "survey_response_rate",
        period="month",
        options={"survey_response_rate": {"instrument": "csat"}},
    )
    _approx(_by(csat_only, "period"), _rate(desk, set(desk.csat.valid["case_id"])))


def test_response_rate_by_priority(desk: Desk) -> None:
    answered = set(desk.csat.valid["case_id"]) | set(desk.nps.valid["case_id"])
    resolved = desk.tickets[desk.tickets["resolved_at"].notna()].copy()
    resolved["answered"] = resolved["case_id"].isin(answered)
    want = 100 * resolved.groupby("priority")["answered"].mean()
    _approx(_by(desk.kpi("survey_response_rate", by=["priority"]), "priority"), want)


def test_scorecard_shows_csat_and_nps_when_there_are_responses(desk: Desk) -> None:
    card = api.scorecard(store=desk.store)
    rows = card.set_index("kpi")
    assert {"csat", "nps", "survey_response_rate"} <= set(rows.index)
    period = pd.Timestamp(rows.loc["csat", "period"])
    placed = desk.placed(desk.csat)
    month = placed[placed["period"] == period]
    assert rows.loc["csat", "value"] == pytest.approx(100 * (month["score"] >= 4).mean())
    assert rows.loc["csat", "status"] == "none"  # no default target: bands are context only
    assert "HDI / MetricNet" in rows.loc["csat", "benchmark"]


def test_without_surveys_the_voc_kpis_are_empty(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_log(tmp_path / "desk.csv", tickets=20)
    api.ingest(
        tmp_path / "desk.csv", source="servicenow", store=store, options=LoadOptions(log=LOG)
    )
    frame = api.kpi(VOC, store=store, period="month")
    assert frame.empty
    card = api.scorecard(store=store)
    assert not {"csat", "nps", "survey_response_rate"} & set(card["kpi"])
    assert "fcr" in set(card["kpi"])
    with Store.open(store, read_only=True) as st:
        inputs = Inputs(st.events(LOG), st.tickets(LOG))  # no survey table at all
        for kpi_id in VOC:
            assert evaluate(inputs, Query(kpi_id, period="month", by=("priority",))).empty
            whole = evaluate(inputs, Query(kpi_id))
            assert whole["value"].isna().all()  # no value, as for any KPI without units


def test_only_nps_surveys_leave_csat_empty(tmp_path: Path) -> None:
    store = tmp_path / "store"
    tickets = write_log(tmp_path / "desk.csv", tickets=20)
    api.ingest(
        tmp_path / "desk.csv", source="servicenow", store=store, options=LoadOptions(log=LOG)
    )
    nps = write_nps(tmp_path / "nps.csv", tickets)
    api.ingest_surveys(nps.path, store=store, instrument="nps")
    assert api.kpi(["csat"], store=store, period="month").empty
    assert not api.kpi(["nps"], store=store, period="month").empty
    rate = api.kpi(
        ["survey_response_rate"],
        store=store,
        period="month",
        options={"survey_response_rate": {"instrument": "csat"}},
    )
    assert rate.empty


def test_good_bad_ratings_are_good_over_good_plus_bad(tmp_path: Path) -> None:
    store = tmp_path / "store"
    tickets = write_log(tmp_path / "desk.csv", tickets=12)
    api.ingest(
        tmp_path / "desk.csv", source="servicenow", store=store, options=LoadOptions(log=LOG)
    )
    resolved = tickets[tickets["resolved_at"].notna()]
    ratings = ["Good" if i % 4 else "bad" for i in range(len(resolved))]
    lines = ["ticket,satisfaction"] + [
        f"{c},{r}" for c, r in zip(resolved["case_id"], ratings, strict=True)
    ]
    (tmp_path / "zd.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = api.ingest_surveys(tmp_path / "zd.csv", store=store)
    assert report.scale == (0.0, 1.0)
    good = sum(r == "Good" for r in ratings)
    frame = api.kpi(["csat"], store=store)
    assert frame["value"].iloc[0] == pytest.approx(100 * good / len(ratings))
