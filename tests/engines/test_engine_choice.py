"""Choosing the engine: `--engine`, `PDCA_ENGINE`, the `[engine]` table of pdca.toml.

The configuration half runs without Spark. The command half runs the analysis commands on a small
simulated log twice — on the DuckDB store and on Spark over its Parquet export — and compares the
printed results; it skips, saying why, without PySpark or Java.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.api.data import export
from pdca.engine.choice import (
    CONFIG_ENV,
    EngineSettings,
    load_settings,
    open_for_analysis,
    resolve,
)
from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.ingest.options import LoadOptions
from pdca.interfaces.cli.app import app
from pdca.reports.review import build_report
from pdca.simulate import SimulationConfig, simulate
from tests.engines.conftest import SPARK_WARNINGS, collect_spark_garbage
from tests.ingest.survey_files import LOG, write_csat, write_log, write_nps

runner = CliRunner()
pytestmark = list(SPARK_WARNINGS)  # PySpark's own warnings (see tests/engines/conftest.py)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No pdca.toml or PDCA_CONFIG/PDCA_ENGINE of the machine running the tests."""
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.delenv("PDCA_ENGINE", raising=False)
    monkeypatch.chdir(tmp_path)


# -- configuration -------------------------------------------------------------------------------
def test_without_a_configuration_file_duckdb_answers() -> None:
    assert resolve(None) == EngineSettings()
    assert resolve(None).name == "duckdb"


def test_pdca_toml_in_the_current_directory_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path / "pdca.toml",
        '[engine]\nname = "spark"\n[engine.spark]\nmaster = "spark://m:7077"\n'
        'data = "s3a://b/export"\nconf = { "spark.driver.memory" = "8g" }\n',
    )
    settings = resolve(None)
    assert settings.name == "spark"
    assert settings.spark.master == "spark://m:7077"
    assert settings.spark.data == "s3a://b/export"
    assert settings.spark.conf == {"spark.driver.memory": "8g"}


def test_pdca_config_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "pdca.toml", '[engine]\nname = "spark"\n')
    other = _write(tmp_path / "other.toml", '[engine.spark]\nremote = "sc://h:15002"\n')
    monkeypatch.setenv(CONFIG_ENV, str(other))
    settings = resolve(None)
    assert settings.name == "duckdb"  # other.toml does not choose Spark; pdca.toml is not read
    assert settings.spark.remote == "sc://h:15002"


def test_a_name_given_overrides_the_file_and_keeps_its_spark_settings(tmp_path: Path) -> None:
    _write(tmp_path / "pdca.toml", '[engine]\nname = "duckdb"\n[engine.spark]\ndata = "x"\n')
    settings = resolve("Spark")
    assert settings.name == "spark"
    assert settings.spark.data == "x"
    assert resolve("duckdb").name == "duckdb"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[engine]\nname = "postgres"\n', "engine.name"),
        ('[engine.spark]\nmastr = "local[2]"\n', "engine.spark.mastr: unknown key"),
        ('[engin]\nname = "spark"\n', "engin: unknown key"),
        ('[engine.spark]\ntickets = "sometimes"\n', "engine.spark.tickets"),
        ("[engine\n", "not valid TOML"),
    ],
)
def test_a_wrong_configuration_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError, match=r"bad\.toml") as caught:
        load_settings(path)
    assert message in str(caught.value)


def test_a_missing_configuration_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"nope\.toml: no such configuration file"):
        resolve(None)


def test_an_unknown_engine_name_lists_the_engines() -> None:
    with pytest.raises(ConfigError, match="unknown engine 'oracle'") as caught:
        resolve("oracle")
    assert "duckdb, spark" in str(caught.value.hint)


def test_spark_without_data_to_read_says_where_to_give_it() -> None:
    with (
        pytest.raises(ConfigError, match="needs the Parquet export") as caught,
        open_for_analysis(None, "spark"),
    ):
        pass
    assert "--store DIR" in str(caught.value.hint)


def test_the_cli_rejects_an_unknown_engine_before_any_work() -> None:
    result = runner.invoke(app, ["kpi", "volume", "--engine", "oracle"])
    assert result.exit_code == 2
    assert "oracle" in result.output


def test_the_cli_says_what_is_wrong_with_the_configuration(tmp_path: Path) -> None:
    _write(tmp_path / "pdca.toml", '[engine]\nname = "sprak"\n')
    result = runner.invoke(app, ["kpi", "volume", "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "pdca.toml: engine.name" in result.output
    assert "Traceback" not in result.output


# -- the commands on both engines ----------------------------------------------------------------
@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small simulated log in a DuckDB store, and its Parquet export."""
    root = tmp_path_factory.mktemp("engine-choice")
    store, parquet = root / "store", root / "parquet"
    simulate(SimulationConfig(days=60, tickets=1500, seed=8), store=store, hidden=False)
    export("parquet", parquet, store=store)
    return store, parquet


@pytest.fixture(scope="module")
def spark_session_for_cli(spark: Any) -> Iterator[Any]:
    """The suite's Spark session: a command finds it running, uses it and leaves it running
    (a command in a process of its own starts and stops its own, see the last test)."""
    yield spark
    collect_spark_garbage()


COMMANDS: dict[str, list[str]] = {
    "kpi": ["kpi", "volume", "mttr", "--period", "month", "--by", "priority"],
    "scorecard": ["scorecard"],
    "sla": ["sla", "--clock", "resolution"],
    "mine-dfg": ["mine", "dfg"],
    "monitor": ["monitor", "volume", "--charts", "--by", "none"],
}
"""One command of each family (the analyses themselves are compared in test_conformance)."""


def _frame(args: list[str], env: dict[str, str] | None = None) -> pd.DataFrame:
    result = runner.invoke(app, [*args, "-f", "csv"], env=env)
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout))


@pytest.mark.spark
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_prints_the_same_on_spark(
    simulated: tuple[Path, Path], spark_session_for_cli: Any, command: str
) -> None:
    store, parquet = simulated
    args = COMMANDS[command]
    on_duckdb = _frame([*args, "--store", str(store)])
    on_spark = _frame([*args, "--engine", "spark", "--store", str(parquet)])
    assert len(on_duckdb) > 0
    pd.testing.assert_frame_equal(
        on_spark, on_duckdb, check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert not spark_session_for_cli.sparkContext._jsc.sc().isStopped()  # left running


@pytest.mark.spark
def test_pdca_toml_sends_a_command_of_its_own_process_to_spark(
    simulated: tuple[Path, Path], spark_session_for_cli: Any, tmp_path: Path
) -> None:
    store, parquet = simulated
    _write(
        tmp_path / "pdca.toml",
        f'[engine]\nname = "spark"\n[engine.spark]\nmaster = "local[1]"\n'
        f"data = {json.dumps(str(parquet))}\n",
    )
    # no --store: DuckDB would find no store in this directory; Spark reads the export
    env = {k: v for k, v in os.environ.items() if k not in {"PDCA_STORE", CONFIG_ENV}}
    command = [sys.executable, "-m", "pdca.interfaces.cli", "kpi", "volume"]
    done = subprocess.run(
        [*command, "--period", "month", "-f", "csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    on_spark = pd.read_csv(io.StringIO(done.stdout))
    on_duckdb = _frame(["kpi", "volume", "--period", "month", "--store", str(store)])
    pd.testing.assert_frame_equal(on_spark, on_duckdb)
    with Store.open(store, read_only=True) as st:
        tickets = int(st.tickets().count().execute())
    assert int(on_spark["n"].sum()) == tickets


@pytest.mark.spark
def test_spark_on_a_duckdb_store_asks_for_the_export(
    simulated: tuple[Path, Path], spark_session_for_cli: Any
) -> None:
    store, _ = simulated
    result = runner.invoke(app, ["kpi", "volume", "--engine", "spark", "--store", str(store)])
    assert result.exit_code == 1
    assert "no events.parquet" in result.output
    assert "pdca export --to parquet" in result.output
    assert "Traceback" not in result.output


def test_a_file_read_directly_is_not_sent_to_spark(tmp_path: Path) -> None:
    csv = _write(tmp_path / "x.csv", "a,b\n1,2\n")
    result = runner.invoke(app, ["mine", "dfg", "--file", str(csv), "--engine", "spark"])
    assert result.exit_code == 1
    assert "not Spark" in result.output


def _sections(html_text: str) -> dict[str, str]:
    found = re.findall(r'<section id="([^"]+)">(.*?)</section>', html_text, flags=re.S)
    return dict(found)


@pytest.mark.spark
def test_the_service_review_is_the_same_on_spark(
    simulated: tuple[Path, Path], spark_session_for_cli: Any, tmp_path: Path
) -> None:
    """Every section of the review but the improvement register (kept in the DuckDB store
    only) and the plan (forecast on the store) is computed on Spark and reads the same as on the
    store."""
    store, parquet = simulated
    on_duckdb = build_report(store=store, out=tmp_path / "duckdb.html")
    on_spark = build_report(store=parquet, out=tmp_path / "spark.html", engine="spark")
    local = {"register", "plan"}
    assert on_spark.sections == [s for s in on_duckdb.sections if s not in local]
    assert "DuckDB store" in on_spark.skipped["register"]
    assert "DuckDB store" in on_spark.skipped.get("plan", "DuckDB store")
    want = _sections(on_duckdb.path.read_text(encoding="utf-8"))
    got = _sections(on_spark.path.read_text(encoding="utf-8"))
    assert len(got) >= 5
    for name, body in got.items():
        assert body == want[name], name


@pytest.fixture(scope="module")
def with_surveys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small ServiceNow-style log with CSAT and NPS responses, in a store and exported (the
    real logs have no surveys)."""
    root = tmp_path_factory.mktemp("engine-surveys")
    store, parquet = root / "store", root / "parquet"
    tickets = write_log(root / "desk.csv", tickets=60)
    api.ingest(root / "desk.csv", source="servicenow", store=store, options=LoadOptions(log=LOG))
    api.ingest_surveys(write_csat(root / "csat.csv", tickets).path, store=store)
    api.ingest_surveys(write_nps(root / "nps.csv", tickets).path, store=store, instrument="nps")
    export("parquet", parquet, store=store)
    return store, parquet


SURVEY_KPIS = ["csat", "nps", "survey_response_rate"]


@pytest.mark.spark
def test_the_survey_kpis_are_the_same_on_spark(
    with_surveys: tuple[Path, Path], spark_session_for_cli: Any
) -> None:
    store, parquet = with_surveys
    on_duckdb = api.kpi(SURVEY_KPIS, store=store, period="month")
    on_spark = api.kpi(SURVEY_KPIS, store=parquet, period="month", engine="spark")
    assert set(on_duckdb["kpi"]) == set(SURVEY_KPIS)
    assert on_duckdb["value"].notna().sum() >= 3  # responses in the months: something measured
    pd.testing.assert_frame_equal(
        on_spark, on_duckdb, check_exact=False, rtol=1e-12, check_dtype=False
    )
