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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
