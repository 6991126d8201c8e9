"""The Spark store: opening an export or catalog tables, errors that say what to do, cleanup."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import pdca
from pdca.engine import spark as spark_engine
from pdca.engine.spark import SparkStore, SparkUnavailableError
from pdca.engine.store import Store
from pdca.errors import PdcaError, StoreError
from pdca.ingest import LoadOptions
from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import load_mapping
from tests.engines.conftest import SPARK_WARNINGS

pytestmark = list(SPARK_WARNINGS)

MAP = textwrap.dedent(
    """
    source = "csv"
    [columns]
    case_id = "id"
    timestamp = "when"
    activity = "what"
    assignment_group = "team"
    [timestamp]
    format = "%Y-%m-%d %H:%M:%S"
    """
)


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (4 tickets, 5 events each) exported to Parquet."""
    root = tmp_path_factory.mktemp("spark-store")
    rows = [
        f"T{t},2024-01-{1 + e:02d} 10:0{t}:00,step{e % 3},G{(t + e) % 2}"
        for t in range(4)
        for e in range(5)
    ]
    csv = root / "small.csv"
    csv.write_text("id,when,what,team\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (root / "map.toml").write_text(MAP, encoding="utf-8")
    batch = batch_from_delimited(csv, load_mapping(root / "map.toml"), LoadOptions(log="small"))
    with Store.open(root / "store") as st:
        st.append(batch)
    pdca.export_parquet(root / "parquet", store=root / "store")
    return root / "parquet"


# -- without Spark -------------------------------------------------------------------------------
def test_missing_pyspark_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pyspark(name: str) -> Any:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(spark_engine, "import_module", no_pyspark)
    with pytest.raises(SparkUnavailableError) as caught:
        spark_engine.spark_session()
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, PdcaError)
    assert 'pip install "pdca[spark]"' in str(caught.value)


def test_a_directory_without_an_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no events\.parquet.*pdca export --to parquet"):
        SparkStore.open_parquet(tmp_path)


def test_asking_for_a_tickets_file_that_is_not_there(tmp_path: Path, export_dir: Path) -> None:
    (tmp_path / "events.parquet").write_bytes((export_dir / "events.parquet").read_bytes())
    with pytest.raises(StoreError, match=r"no tickets\.parquet"):
        SparkStore.open_parquet(tmp_path, tickets="file")


# -- on Spark ------------------------------------------------------------------------------------
@pytest.mark.spark
@pytest.mark.parametrize("tickets", ["file", "compute"])
def test_open_an_export(export_dir: Path, spark: Any, tickets: Any) -> None:
    with Store.open(export_dir.parent / "store", read_only=True) as duck:
        want = duck.tickets("small").order_by("case_id").to_pyarrow().to_pandas()
    before = {t.name for t in spark.catalog.listTables()}
    with SparkStore.open_parquet(export_dir, session=spark, tickets=tickets) as st:
        assert st.read_only
        assert st.derived("anything", "small") is None
        logs = st.logs()
        assert logs["log"].tolist() == ["small"]
        assert logs[["events", "tickets"]].iloc[0].tolist() == [20, 4]
        assert st.events("small").count().execute() == 20
        assert st.events("other").count().execute() == 0
        assert st.surveys("small").count().execute() == 0
        got = st.tickets("small").order_by("case_id").to_pyarrow().to_pandas()
        views = {t.name for t in spark.catalog.listTables()} - before
        mine = {v for v in views if v.endswith(("_events", "_tickets", "_surveys"))}
        assert mine
    assert got.equals(want)
    assert mine.isdisjoint(t.name for t in spark.catalog.listTables())  # close() dropped them


@pytest.mark.spark
def test_open_tables_of_the_spark_catalog(export_dir: Path, spark: Any) -> None:
    spark.read.parquet(str(export_dir / "events.parquet")).createOrReplaceTempView("events")
    try:
        with SparkStore.open_tables(session=spark) as st:
            assert st.surveys() is None  # no surveys table: no survey responses
            assert st.tickets("small").count().execute() == 4  # computed from the events
    finally:
        spark.catalog.dropTempView("events")
    with pytest.raises(StoreError, match="no events table"):
        SparkStore.open_tables(session=spark)


@pytest.mark.spark
def test_open_an_export_by_uri(export_dir: Path, spark: Any) -> None:
    """A cluster reads the export from a URI (s3a://, hdfs://, …); file:// works the same way."""
    with SparkStore.open_parquet(export_dir.as_uri(), session=spark) as st:
        assert st.root is None
        assert st.surveys() is None  # not looked for behind a URI
        assert st.tickets("small").count().execute() == 4
