"""Survey responses in the store: one transaction, reconciled counts, no duplicates, exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pdca import api
from pdca.engine import surveys as survey_writer
from pdca.engine.ddl import MIGRATIONS
from pdca.engine.store import DB_FILE, Store
from pdca.errors import InputError, StoreError
from pdca.ingest.options import LoadOptions
from pdca.ingest.surveys import load_surveys
from tests.ingest.survey_files import LOG, SurveyFile, write_csat, write_log


def _store_with_log(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    store = tmp_path / "store"
    tickets = write_log(tmp_path / "desk.csv", tickets=30)
    api.ingest(
        tmp_path / "desk.csv", source="servicenow", store=store, options=LoadOptions(log=LOG)
    )
    return store, tickets


def _counts(store: Path) -> dict[str, Any]:
    with Store.open(store, read_only=True) as st:
        return {
            "surveys": int(st.query("SELECT count(*) AS n FROM surveys")["n"].iloc[0]),
            "imports": len(st.imports()),
            "quarantine": len(st.quarantined()),
            "version": st.data_version(),
        }


def test_import_reconciles_and_counts_unmatched(tmp_path: Path) -> None:
    store, tickets = _store_with_log(tmp_path)
    survey: SurveyFile = write_csat(tmp_path / "csat.csv", tickets)
    before = _counts(store)
    report = api.ingest_surveys(survey.path, store=store)
    assert report.reconciles
    assert report.rows_read == survey.rows
    assert report.stored == len(survey.valid)
    assert report.duplicates_in_file == survey.duplicates
    assert report.duplicates_in_store == 0
    assert report.quarantined == len(survey.quarantined)
    unmatched = (~survey.valid["case_id"].isin(tickets["case_id"])).sum()
    assert report.unmatched == unmatched == 2
    assert report.responses_in_log == len(survey.valid)
    after = _counts(store)
    assert after["surveys"] == len(survey.valid)
    assert after["imports"] == before["imports"] + 1
    assert after["quarantine"] == before["quarantine"] + len(survey.quarantined)
    assert after["version"] != before["version"]  # cached answers are not reused
    assert int(api.status(store)["survey_responses"].iloc[0]) == len(survey.valid)
    with Store.open(store, read_only=True) as st:
        record = st.imports().iloc[-1]
        assert (record["source"], record["log"], record["stored"]) == (
            "surveys",
            LOG,
            report.stored,
        )
        assert st.import_report(report.import_id)["unmatched"] == 2
        quarantined = st.quarantined(report.import_id)
        assert set(quarantined["row"]) == set(survey.quarantined)
        assert set(quarantined["log"]) == {LOG}
        rows = st.surveys(LOG).to_pandas()
    assert rows["survey_key"].is_unique
    assert set(rows["import_id"]) == {report.import_id}


def test_reimport_adds_nothing(tmp_path: Path) -> None:
    store, tickets = _store_with_log(tmp_path)
    survey = write_csat(tmp_path / "csat.csv", tickets)
    first = api.ingest_surveys(survey.path, store=store)
    again = api.ingest_surveys(survey.path, store=store)
    assert again.stored == 0
    assert again.duplicates_in_store == first.stored
    assert again.reconciles
    assert _counts(store)["surveys"] == first.stored
    # a newer export with one more response adds just that one
    text = survey.path.read_text(encoding="utf-8") + "INC0002,5,2024-03-30 10:00,late\n"
    newer = tmp_path / "newer.csv"
    newer.write_text(text, encoding="utf-8")
    third = api.ingest_surveys(newer, store=store)
    assert third.stored == 1
    assert third.responses_in_log == first.stored + 1


def test_an_interrupted_import_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, tickets = _store_with_log(tmp_path)
    survey = write_csat(tmp_path / "csat.csv", tickets)
    before = _counts(store)
    real = survey_writer.append_in_transaction

    def interrupted(con: duckdb.DuckDBPyConnection, batch: Any) -> Any:
        real(con, batch)  # everything written …
        raise KeyboardInterrupt  # … but never committed

    monkeypatch.setattr(survey_writer, "append_in_transaction", interrupted)
    with pytest.raises(KeyboardInterrupt):
        api.ingest_surveys(survey.path, store=store)
    assert _counts(store) == before
    monkeypatch.undo()
    report = api.ingest_surveys(survey.path, store=store)  # and the next import works
    assert report.stored == len(survey.valid)


def test_parquet_export_includes_surveys(tmp_path: Path) -> None:
    store, tickets = _store_with_log(tmp_path)
    survey = write_csat(tmp_path / "csat.csv", tickets)
    api.ingest_surveys(survey.path, store=store)
    written = api.export("parquet", tmp_path / "pq", store=store)
    assert tmp_path / "pq" / "surveys.parquet" in written
    frame = pd.read_parquet(tmp_path / "pq" / "surveys.parquet")
    assert len(frame) == len(survey.valid)
    assert sorted(frame["score"]) == sorted(survey.valid["score"].astype(float))
    assert {"case_id", "responded_at", "instrument", "scale_min", "scale_max", "comment"} <= set(
        frame.columns
    )


def test_a_store_of_schema_1_is_upgraded(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    con = duckdb.connect(str(root / DB_FILE))
    con.execute("CREATE TABLE pdca_schema (version INTEGER)")
    for sql in MIGRATIONS[0]:
        con.execute(sql)
    con.execute("INSERT INTO pdca_schema VALUES (1)")
    con.close()
    # reading it upgrades it once (briefly opened for writing), then reads it as asked
    with Store.open(root, read_only=True) as st:
        assert st.read_only
        assert st.schema_version() == len(MIGRATIONS)
        assert st.surveys().count().execute() == 0


def test_read_only_store_refuses_surveys(tmp_path: Path) -> None:
    store, tickets = _store_with_log(tmp_path)
    batch = load_surveys(write_csat(tmp_path / "c.csv", tickets).path, log=LOG)
    with Store.open(store, read_only=True) as st, pytest.raises(StoreError, match="read-only"):
        st.append_surveys(batch)


def test_surveys_need_an_existing_log(tmp_path: Path) -> None:
    store, tickets = _store_with_log(tmp_path)
    path = write_csat(tmp_path / "c.csv", tickets).path
    with pytest.raises(InputError, match="no log 'other'"):
        api.ingest_surveys(path, store=store, log="other")
    with pytest.raises(StoreError, match="no pdca store"):
        api.ingest_surveys(path, store=tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
