"""The four public reference logs import with exact counts and a correct data-quality report.

Oracles are plain pandas readings of the same files, written independently of the connectors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import pdca
from pdca.api import ImportReport
from tests.conftest import CLOSED_PROBLEMS, OPEN_PROBLEMS, SERVICENOW, VOLVO, shared_file

pytestmark = pytest.mark.realdata


def _read(path: Path, **kw: object) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def servicenow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    store = tmp_path_factory.mktemp("sn")
    return store, pdca.ingest(shared_file(SERVICENOW), store=store)


@pytest.fixture(scope="module")
def volvo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    store = tmp_path_factory.mktemp("volvo")
    return store, pdca.ingest(shared_file(VOLVO), store=store)


def test_servicenow_counts(servicenow: tuple[Path, ImportReport]) -> None:
    _, report = servicenow
    assert report.source == "servicenow"
    assert report.rows_read == 119_998
    assert report.stored == 119_998
    assert report.tickets_in_log == 20_769
    assert report.quarantined == 0
    assert report.duplicates == 0
    assert report.reconciles


def test_servicenow_quality_report_matches_pandas(servicenow: tuple[Path, ImportReport]) -> None:
    _, report = servicenow
    raw = _read(shared_file(SERVICENOW))
    missing = (raw.isin(["?", ""])).sum()
    assert report.details["missing_values"] == {c: int(v) for c, v in missing.items()}
    ts = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    assert report.details["time_span"] == [str(ts.min()), str(ts.max())]
    prev = ts.groupby(raw["number"]).shift()
    assert report.details["out_of_order_timestamps"] == int((ts < prev).sum())
    assert report.details["unmapped_activities"] == {"-100": 2}
    assert report.details["formats"]["timestamp_format"] == "%d/%m/%Y %H:%M"


def test_servicenow_timestamps_are_day_first(servicenow: tuple[Path, ImportReport]) -> None:
    store, _ = servicenow
    events = pdca.events(store).sort_values("row")
    raw = _read(shared_file(SERVICENOW))
    want = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    assert (events["timestamp"].to_numpy() == want.to_numpy()).all()
    # mean case duration (first to last event) as published for this log: 13.7 days
    span = events.groupby("case_id")["timestamp"].agg(lambda s: s.max() - s.min())
    assert round(span.mean() / pd.Timedelta(days=1), 1) == 13.7


def test_servicenow_attributes_keep_every_source_column(
    servicenow: tuple[Path, ImportReport],
) -> None:
    store, _ = servicenow
    events = pdca.events(store).sort_values("row").reset_index(drop=True)
    raw = _read(shared_file(SERVICENOW))
    first = json.loads(events.loc[0, "attributes"])
    assert first["made_sla"] == "true"
    assert first["opened_at"] == raw.loc[0, "opened_at"]
    assert events["seq"].tolist() == raw["sys_mod_count"].astype(int).tolist()
    assert events["assignment_group"].fillna("?").tolist() == raw["assignment_group"].tolist()


def test_reimport_is_idempotent(tmp_path: Path) -> None:
    first = pdca.ingest(shared_file(VOLVO), store=tmp_path)
    again = pdca.ingest(shared_file(VOLVO), store=tmp_path)
    assert first.stored == 65_533
    assert again.stored == 0
    assert again.duplicates_in_store == 65_533
    assert again.reconciles
    assert again.events_in_log == 65_533
    assert int(pdca.status(tmp_path)["events"].sum()) == 65_533


def test_volvo_counts_and_report(volvo: tuple[Path, ImportReport]) -> None:
    store, report = volvo
    assert (report.rows_read, report.stored, report.tickets_in_log) == (65_533, 65_533, 7_554)
    assert report.reconciles
    raw = _read(shared_file(VOLVO), encoding="utf-8-sig")
    ts = pd.to_datetime(raw["Change Date+Time"], utc=True).dt.tz_localize(None)
    assert report.details["time_span"] == [str(ts.min()), str(ts.max())]
    assert report.details["unmapped_activities"] == {"Unmatched-Unmatched": 5}
    events = pdca.events(store).sort_values("row")
    assert (events["timestamp"].to_numpy() == ts.to_numpy()).all()
    assert events["support_level"].value_counts().to_dict() == (
        raw["ST Level"].value_counts().to_dict()
    )


@pytest.mark.parametrize(
    ("path", "events", "cases"),
    [(CLOSED_PROBLEMS, 6_660, 1_487), (OPEN_PROBLEMS, 2_351, 819)],
)
def test_problem_logs(tmp_path: Path, path: Path, events: int, cases: int) -> None:
    report = pdca.ingest(shared_file(path), store=tmp_path)
    assert (report.rows_read, report.stored, report.tickets_in_log) == (events, events, cases)
    assert report.details["formats"]["encoding"] == "iso-8859-1"
    raw = _read(path, sep=";", encoding="iso-8859-1")
    tickets = pdca.tickets(tmp_path)
    assert set(tickets["ticket_type"]) == {"problem"}
    labels = raw["Problem Status"] + "-" + raw["Problem Sub Status"]
    stored = pdca.events(tmp_path).sort_values("row")["activity"]
    assert stored.tolist() == labels.tolist()
