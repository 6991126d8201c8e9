"""Which engine answers the analysis commands: the embedded DuckDB store, or Apache Spark.

The analyses are the same Ibis expressions on both; this module only decides where the tables
come from. The choice is made, first match wins:

1. the ``engine`` given to the API (``"duckdb"``, ``"spark"`` or :class:`EngineSettings`), on the
   command line ``--engine`` (or the ``PDCA_ENGINE`` environment variable);
2. the ``[engine]`` table of the configuration file: ``PDCA_CONFIG`` names it, else ``pdca.toml``
   in the current directory when there is one;
3. DuckDB.

The configuration file (every key optional; see docs/spark.md)::

    [engine]
    name = "spark"                          # or "duckdb"

    [engine.spark]
    master = "local[2]"                     # or "spark://host:7077", "yarn", ...
    # remote = "sc://spark-connect:15002"   # Spark Connect instead of a master
    data = "s3a://bucket/pdca-export"       # a `pdca export --to parquet` directory or URI
    # database = "pdca"                     # or: tables events/tickets/surveys of the catalog
    tickets = "auto"                        # auto | file | compute
    conf = { "spark.driver.memory" = "8g" }

With Spark and neither ``data`` nor ``database``, the ``--store`` directory is read as the Parquet
export. Spark is imported only when it is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.model.config_errors import config_error, read_toml

ENGINES = ("duckdb", "spark")
"""Engines the analysis commands run on."""
CONFIG_ENV = "PDCA_CONFIG"
"""Environment variable naming the configuration file."""
CONFIG_FILE = "pdca.toml"
"""Configuration file read from the current directory when ``PDCA_CONFIG`` is not set."""
_DOCS = "docs/spark.md"


class SparkSettings(BaseModel):
    """Where Spark runs and where it finds pdca's tables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    master: str = "local[2]"
    """Spark master: ``local[N]``, ``spark://host:7077``, ``yarn``, ``k8s://…``."""
    remote: str | None = None
    """Spark Connect URL (``sc://host:15002``); used instead of ``master`` when set."""
    data: str | None = None
    """A ``pdca export --to parquet`` directory, local or a URI the cluster reads."""
    database: str | None = None
    """A database of the Spark catalog holding tables ``events`` (``tickets``, ``surveys``)."""
    tickets: Literal["auto", "file", "compute"] = "auto"
    """Read the exported ticket facts (``file``), compute them on Spark (``compute``), or read
    them when the export has them (``auto``)."""
    conf: dict[str, str] = {}
    """Further Spark settings (``spark.driver.memory``, ``spark.executor.instances``…)."""


class EngineSettings(BaseModel):
    """The ``[engine]`` table of the configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["duckdb", "spark"] = "duckdb"
    spark: SparkSettings = SparkSettings()


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: EngineSettings = EngineSettings()


def config_path() -> Path | None:
    """The configuration file in effect: ``PDCA_CONFIG``, else ``./pdca.toml`` if present."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    here = Path(CONFIG_FILE)
    return here if here.is_file() else None


def load_settings(path: Path | None = None) -> EngineSettings:
    """The ``[engine]`` table of ``path`` (default: :func:`config_path`; none: DuckDB)."""
    path = path if path is not None else config_path()
    if path is None:
        return EngineSettings()
    raw = read_toml(
        path,
        "configuration",
        f"check {CONFIG_ENV}, or unset it to use ./{CONFIG_FILE} or the defaults",
    )
    try:
        return _File.model_validate(raw).engine
    except ValidationError as exc:
        raise config_error(str(path), exc, docs=_DOCS) from None


def resolve(engine: EngineSettings | str | None) -> EngineSettings:
    """The settings for ``engine``: given settings as they are; a name on top of the
    configuration file's settings; ``None``: the configuration file's choice."""
    if isinstance(engine, EngineSettings):
        return engine
    settings = load_settings()
    if engine is None:
        return settings
    name = engine.strip().lower()
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}", f"use one of: {', '.join(ENGINES)}")
    return settings.model_copy(update={"name": name})


@contextmanager
def open_for_analysis(
    store: Path | str | None, engine: EngineSettings | str | None = None
) -> Iterator[Any]:
    """The tables to analyse, read-only: the DuckDB store ``store``, or with Spark the export
    (``[engine.spark] data``, else ``store``) or the catalog database. The Spark session is
    started here and stopped on exit."""
    settings = resolve(engine)
    if settings.name == "duckdb":
        with Store.open(store, read_only=True) as st:
            yield st
        return
    with _spark_store(settings.spark, store) as st:
        yield st


@contextmanager
def engine_session(engine: EngineSettings | str | None = None) -> Iterator[EngineSettings]:
    """Keep one Spark session running across several analyses (a report asks many questions;
    each would otherwise start and stop its own). For DuckDB, nothing to keep. Gives the
    resolved settings."""
    settings = resolve(engine)
    if settings.name == "duckdb":
        yield settings
        return
    with _session(settings.spark):
        yield settings


@contextmanager
def _session(spark: SparkSettings) -> Iterator[Any]:
    """The Spark session this process already runs (left running), or one started with
    ``spark``'s master or Spark Connect URL and stopped on exit."""
    from pdca.engine import spark as engine  # noqa: PLC0415  # PySpark only when chosen

    running = engine.active_session()
    if running is not None:
        yield running
        return
    session = engine.spark_session(spark.master, remote=spark.remote, conf=spark.conf)
    try:
        yield session
    finally:
        session.stop()


@contextmanager
def _spark_store(spark: SparkSettings, store: Path | str | None) -> Iterator[Any]:
    from pdca.engine import spark as engine  # noqa: PLC0415  # PySpark only when chosen

    location = spark.data if spark.data is not None else store
    if spark.database is None and location is None:
        raise ConfigError(
            "the Spark engine needs the Parquet export to read",
            "give it with --store DIR (after `pdca export --to parquet DIR`), or set data (or "
            f"database) under [engine.spark] in {CONFIG_FILE}",
        )
    with _session(spark) as session:
        if spark.database is not None:
            opened = engine.SparkStore.open_tables(
                spark.database, session=session, tickets=spark.tickets
            )
        else:
            opened = engine.SparkStore.open_parquet(
                str(location), session=session, tickets=spark.tickets
            )
        with opened as st:
            yield st


__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "ENGINES",
    "EngineSettings",
    "SparkSettings",
    "config_path",
    "engine_session",
    "load_settings",
    "open_for_analysis",
    "resolve",
]
