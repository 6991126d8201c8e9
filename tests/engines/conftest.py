"""Fixtures of the engine conformance suite: one Spark session for the whole run (local mode).

Spark tests skip, saying why, when PySpark or Java is missing. The session runs ``local[2]`` with
4 shuffle partitions: the suite's logs are small, and CI machines have two cores.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca.engine.store import Store
from tests.conftest import SERVICENOW, VOLVO, shared_file

SPARK_MASTER = os.environ.get("PDCA_TEST_SPARK_MASTER", "local[2]")
SPARK_REMOTE = os.environ.get("PDCA_TEST_SPARK_REMOTE")
"""Run the Spark half against Spark Connect (``sc://host:15002``) instead of local mode."""

SPARK_WARNINGS = (
    # PySpark 4.0's pandas conversion passes ``copy=False`` to ``astype``, which pandas 3
    # deprecates; the conversion itself is right and nothing in pdca can change the call.
    pytest.mark.filterwarnings(
        "ignore:The copy keyword is deprecated:DeprecationWarning:pyspark.sql.pandas.types"
    ),
    # PySpark 4.0 reads query results from a local socket that it leaves for the garbage
    # collector to close; the warning comes from the socket's finaliser (pytest reports it as
    # an unraisable exception). See collect_spark_garbage for the ones left at the end.
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
    ),
)
"""Warnings PySpark emits that are not pdca's (pytest runs with ``filterwarnings = error``)."""


def collect_spark_garbage() -> None:
    """Close the sockets PySpark left open now, so that their warnings are not raised later in
    a test of another module (whose warning filters do not expect them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <socket.socket", ResourceWarning)
        gc.collect()


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def spark_missing() -> str | None:
    """Why Spark tests cannot run here, or None when they can."""
    if importlib.util.find_spec("pyspark") is None:
        return 'PySpark is not installed (pip install "pdca[spark]")'
    if SPARK_REMOTE is None and _java() is None:
        return "Java is not installed (Spark in local mode needs Java 17 or newer)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session for every test of the run; stopped at the end."""
    reason = spark_missing()
    if reason is not None:
        pytest.skip(reason)
    from pdca.engine.spark import spark_session  # noqa: PLC0415  # only once PySpark is present

    session = spark_session(
        SPARK_MASTER,
        remote=SPARK_REMOTE,
        app_name="pdca-tests",
        conf={"spark.sql.shuffle.partitions": "4"},
    )
    yield session
    session.stop()
    collect_spark_garbage()


# -- the conformance suite: each real log imported once, exported once, opened on every engine ---
REL = 1e-12
"""Relative tolerance for means and standard deviations (the order of additions differs)."""


@dataclass(frozen=True)
class Known:
    """What is known of a log without any engine (../shared/data/README.md)."""

    path: Path
    tickets: int
    edges: int
    variants: int


LOGS = {
    "servicenow": Known(SERVICENOW, tickets=20_769, edges=45, variants=1907),
    "volvo": Known(VOLVO, tickets=7_554, edges=81, variants=2278),
}

Result = pd.DataFrame | dict[str, pd.DataFrame]
"""What an analysis gives: one table, or several named parts (each compared)."""


@dataclass
class Exported:
    """A log imported into a DuckDB store and exported to Parquet; DuckDB results kept."""

    name: str
    log: str
    root: Path
    """A directory of this log's own (for files the analyses read, e.g. objectives)."""
    parquet: Path
    duckdb: Store
    known: Known
    reference: dict[str, Result] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)
    """What the analyses share per engine, as an application would (e.g. one KPI ``Inputs``)."""


ENGINES = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("spark", marks=pytest.mark.spark, id="spark"),
]


@pytest.fixture(scope="session")
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exported]:
    """The log (``request.param``) imported into a DuckDB store and exported to Parquet, once
    for every conformance module."""
    import pdca  # noqa: PLC0415  # only the conformance tests need the whole API
    from pdca.api.data import export  # noqa: PLC0415

    name = request.param
    known = LOGS[name]
    root = tmp_path_factory.mktemp(f"engines-{name}")
    log = pdca.ingest(shared_file(known.path), store=root / "store").log
    export("parquet", root / "parquet", store=root / "store")
    with Store.open(root / "store", read_only=True) as st:
        yield Exported(name, log, root, root / "parquet", st, known)


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest, exported: Exported) -> Iterator[Any]:
    """The store of the exported log on the engine ``request.param``."""
    if request.param == "duckdb":
        yield exported.duckdb
        return
    from pdca.engine.spark import SparkStore  # noqa: PLC0415  # PySpark is optional

    session = request.getfixturevalue("spark")
    with SparkStore.open_parquet(exported.parquet, session=session) as store:
        yield store
    collect_spark_garbage()


BOTH = ("servicenow", "volvo")
SERVICENOW_ONLY = ("servicenow",)
VOLVO_ONLY = ("volvo",)


def of_log(log: str, analyses: Mapping[str, Any]) -> list[str]:
    """The analyses that run on ``log`` (each names its logs in ``.logs``).

    A test runs the analyses of one log (``exported`` parametrised alone, so that the session
    fixture is set up once per log: parametrising it together with the analysis would make it
    function-scoped)."""
    return [name for name, spec in analyses.items() if log in spec.logs]


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Same values, same representation: timestamps in microseconds (pandas picks the unit
    from how the engine hands them over)."""
    out = frame.reset_index(drop=True)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].astype("datetime64[us]")
    return out


def assert_same(got: pd.DataFrame, want: pd.DataFrame, approx: tuple[str, ...] = ()) -> None:
    """Equal columns and rows; exactly, except ``approx`` columns (to :data:`REL`)."""
    got, want = _normalised(got), _normalised(want)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    exact = [c for c in want.columns if c not in approx]
    pd.testing.assert_frame_equal(got[exact], want[exact], check_exact=True, check_dtype=False)
    for column in approx:
        if column not in want.columns:
            continue
        if column in DIFFERENCES and all(c in want.columns for c in DIFFERENCES[column]):
            _assert_close_difference(got[column], want, column)
            continue
        pd.testing.assert_series_equal(
            got[column], want[column], check_exact=False, rtol=REL, atol=0, check_dtype=False
        )


DIFFERENCES = {"change": ("value", "previous")}
"""Columns that are a difference of two others: compared to :data:`REL` of the terms, not of
the difference (which loses the terms' leading digits when they are close)."""


def _assert_close_difference(got: pd.Series, want: pd.DataFrame, column: str) -> None:
    a, b = DIFFERENCES[column]
    expected = want[column].astype("float64")
    scale = want[a].astype("float64").abs() + want[b].astype("float64").abs()
    actual = got.astype("float64")
    assert (actual.isna() == expected.isna()).all(), f"{column}: missing values differ"
    gap = (actual - expected).abs()[expected.notna()]
    assert (gap <= REL * scale[expected.notna()]).all(), f"{column} differs: {actual} {expected}"


def assert_same_result(got: Result, want: Result, approx: tuple[str, ...] = ()) -> None:
    """:func:`assert_same` on a table, or on each part of a result of several."""
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        assert_same(got, want, approx)
        return
    assert isinstance(got, dict)
    assert list(got) == list(want)
    for part, frame in want.items():
        try:
            assert_same(got[part], frame, approx)
        except AssertionError as exc:
            raise AssertionError(f"part {part!r} differs: {exc}") from exc


def reference(exported: Exported, name: str, run: Callable[[], Result]) -> Result:
    """DuckDB's result of the analysis ``name``, computed once per log."""
    if name not in exported.reference:
        exported.reference[name] = run()
    return exported.reference[name]


def mark_not_on_spark(
    request: pytest.FixtureRequest, exported: Exported, store: Any, reason: str | None
) -> None:
    """Expect the Spark half to fail (strictly) when the analysis is not portable yet."""
    if store is not exported.duckdb and reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
