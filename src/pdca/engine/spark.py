"""Apache Spark as the engine: the canonical tables of a pdca store, read and queried by Spark.

pdca's analytics are Ibis expressions; this module hands them Spark tables instead of DuckDB
ones, so the same code runs on a Spark cluster (or Spark in local mode). A :class:`SparkStore`
is read-only and offers what the analyses read from a :class:`~pdca.engine.store.Store`:
``events(log)``, ``tickets(log)``, ``surveys(log)``, ``derived(name, log)`` (always None: the
analyses compute on the fly what a DuckDB store keeps at import) and ``logs()``.

Where the tables come from:

* :meth:`SparkStore.open_parquet` — a directory written by ``pdca export --to parquet DIR``
  (``events.parquet``, ``tickets.parquet``, ``surveys.parquet``, …). Without a
  ``tickets.parquet`` (or with ``tickets="compute"``) the ticket facts are computed on Spark
  from the events with :func:`pdca.model.facts.ticket_facts`, the same definition the
  embedded store uses.
* :meth:`SparkStore.open_tables` — tables ``events`` and (optionally) ``tickets`` and
  ``surveys`` in a database of the Spark catalog (e.g. written by a Spark job from that export).

Which Spark: :func:`spark_session` builds a session in local mode (``master="local[2]"``), on a
cluster (``master="spark://host:7077"``, ``"yarn"``, …) or through Spark Connect
(``remote="sc://host:15002"``); any existing session can be passed instead.

PySpark is an optional dependency (``pip install "pdca[spark]"``); it is imported only when a
function here is called, and its absence is reported by :class:`SparkUnavailableError`.
See docs/spark.md for what runs on Spark today.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Literal

import pandas as pd

from pdca.errors import PdcaError, StoreError
from pdca.model.facts import ticket_facts
from pdca.model.schema import EVENT_COLUMNS, Col

INSTALL_HINT = 'install it with: pip install "pdca[spark]" (Spark also needs Java 17 or newer)'
PARQUET_TABLES = ("events", "tickets", "surveys")
"""The canonical tables read from an export (``imports`` and ``quarantine`` are not needed)."""
DEFAULT_CONF: Mapping[str, str] = {
    # pdca's timestamps are naive UTC: Spark must not shift them by the machine's zone
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings every session made by :func:`spark_session` gets (``conf`` may override them)."""
LOCAL_CONF: Mapping[str, str] = {
    # the default (200) suits a cluster; on one machine it only adds task overhead
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
}
"""Extra defaults of a session in local mode."""

TicketSource = Literal["auto", "file", "compute"]


class SparkUnavailableError(PdcaError, ImportError):
    """PySpark (the ``spark`` extra) is not installed, or Spark cannot start (no Java)."""


def _pyspark_sql() -> ModuleType:
    try:
        return import_module("pyspark.sql")
    except ImportError:
        raise SparkUnavailableError("the Spark engine needs PySpark", INSTALL_HINT) from None


def active_session() -> Any:
    """The Spark session this thread already uses, or None."""
    return _pyspark_sql().SparkSession.getActiveSession()


def spark_session(
    master: str | None = "local[2]",
    *,
    remote: str | None = None,
    app_name: str = "pdca",
    conf: Mapping[str, str] | None = None,
) -> Any:
    """A Spark session: through Spark Connect when ``remote`` (``sc://host:15002``) is given,
    else with ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``, …).

    An existing session of this process is reused (Spark allows one per process); the settings
    are then applied to it where Spark allows.
    """
    sql = _pyspark_sql()
    builder = sql.SparkSession.builder.appName(app_name)
    settings = dict(DEFAULT_CONF)
    if remote:
        builder = builder.remote(remote)
    else:
        if master:
            builder = builder.master(master)
        if master is None or master.startswith("local"):
            settings.update(LOCAL_CONF)
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # PySpark raises its own errors when the JVM does not start
        text = str(exc)
        if "JAVA_GATEWAY_EXITED" in text or "JAVA_HOME" in text or "java" in text.lower():
            raise SparkUnavailableError(
                f"Spark could not start: {text.splitlines()[0] if text else type(exc).__name__}",
                "install Java 17 or newer and set JAVA_HOME, or connect to a cluster with"
                " remote='sc://host:15002'",
            ) from None
        raise
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    return session


def _ibis_backend(session: Any) -> Any:
    _pyspark_sql()
    # Ibis' PySpark backend imports PySpark: only once it is known present
    import ibis  # noqa: PLC0415
    from ibis.backends.pyspark import Backend  # noqa: PLC0415

    _ = ibis.pyspark  # loading the backend through ibis registers its options

    class SparkBackend(Backend):  # type: ignore[misc]
        """Ibis' PySpark backend, registering in-memory tables before ``cache()`` too.

        Ibis registers an expression's in-memory tables (calendars, SLA targets…) before it
        runs the expression, but not before it caches one: a cached expression with such a
        table failed on Spark with TABLE_OR_VIEW_NOT_FOUND."""

        def _create_cached_table(self, name: str, expr: Any) -> Any:
            self._run_pre_execute_hooks(expr)
            return super()._create_cached_table(name, expr)

    return SparkBackend().connect(session)


def _present(files: Mapping[str, str]) -> set[str]:
    return {name for name, path in files.items() if Path(path).exists()}


def _check_columns(name: str, schema: Any, required: Mapping[str, str]) -> None:
    missing = [c for c in required if c not in schema.names]
    if missing:
        raise StoreError(
            f"the {name} table lacks the canonical columns {', '.join(missing)}",
            "export it again with `pdca export --to parquet DIR`",
        )


class SparkStore:
    """The canonical tables of a pdca store in Spark, for the analyses (read-only).

    Use as a context manager, or call :meth:`close`; it releases the tables it registered and
    stops the session only when it started one.
    """

    read_only = True
    engine = "spark"

    def __init__(
        self,
        backend: Any,
        tables: Mapping[str, Any],
        *,
        root: Path | None = None,
        owns_session: bool = False,
        views: tuple[str, ...] = (),
    ) -> None:
        self.backend = backend
        """The Ibis backend (PySpark) the tables belong to."""
        self.root = root
        self._tables = dict(tables)
        self._owns_session = owns_session
        self._views = views

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open_parquet(
        cls,
        directory: Path | str,
        *,
        session: Any = None,
        master: str | None = "local[2]",
        remote: str | None = None,
        tickets: TicketSource = "auto",
    ) -> SparkStore:
        """The tables of a ``pdca export --to parquet`` directory.

        ``directory`` is a local path or, for a cluster, a URI its executors can read
        (``s3a://bucket/export``, ``hdfs://…``, ``abfss://…``). ``tickets``: ``"file"`` reads
        ``tickets.parquet``, ``"compute"`` computes the ticket facts from the events on Spark,
        ``"auto"`` reads the file when there is one (for a URI: assumes there is).
        Without ``session``, one is made with :func:`spark_session` (``master`` / ``remote``).
        """
        remote_dir = isinstance(directory, str) and "://" in directory
        location = str(directory).rstrip("/")
        files = {name: f"{location}/{name}.parquet" for name in PARQUET_TABLES}
        present = set(PARQUET_TABLES) if remote_dir else _present(files)
        if "events" not in present:
            raise StoreError(
                f"there is no events.parquet in {directory}",
                "export a store there first with `pdca export --to parquet DIR`",
            )
        if tickets == "file" and "tickets" not in present:
            raise StoreError(
                f"there is no tickets.parquet in {directory}",
                "export the store again, or compute the ticket facts with tickets='compute'",
            )
        if remote_dir:
            present.discard("surveys")  # optional: read only when it is known to be there
        owns = session is None
        if session is None:
            session = spark_session(master, remote=remote)
        backend = _ibis_backend(session)
        # views of this store only: closing it must not drop another store's views
        tag = uuid.uuid4().hex[:12]
        tables: dict[str, Any] = {}
        views = []
        for name, path in files.items():
            if name not in present or (name == "tickets" and tickets == "compute"):
                continue
            view = f"pdca_{tag}_{name}"
            tables[name] = backend.read_parquet(path, table_name=view)
            views.append(view)
        root = None if remote_dir else Path(directory)
        return cls._complete(backend, tables, root=root, owns=owns, views=tuple(views))

    @classmethod
    def open_tables(
        cls,
        database: str | None = None,
        *,
        session: Any = None,
        master: str | None = "local[2]",
        remote: str | None = None,
        tickets: TicketSource = "auto",
    ) -> SparkStore:
        """The tables ``events``, ``tickets`` and ``surveys`` of a database in the Spark catalog
        (the current one when ``database`` is None); ``tickets`` as in :meth:`open_parquet`."""
        owns = session is None
        if session is None:
            session = spark_session(master, remote=remote)
        backend = _ibis_backend(session)
        present = set(backend.list_tables(database=database))
        if "events" not in present:
            raise StoreError(
                f"there is no events table in the Spark database {database or '(current)'}",
                "write the export's events.parquet there, or open the directory with"
                " SparkStore.open_parquet",
            )
        if tickets == "file" and "tickets" not in present:
            raise StoreError(f"there is no tickets table in {database or 'the current database'}")
        tables = {
            name: backend.table(name, database=database)
            for name in PARQUET_TABLES
            if name in present and not (name == "tickets" and tickets == "compute")
        }
        return cls._complete(backend, tables, root=None, owns=owns, views=())

    @classmethod
    def _complete(
        cls,
        backend: Any,
        tables: dict[str, Any],
        *,
        root: Path | None,
        owns: bool,
        views: tuple[str, ...],
    ) -> SparkStore:
        _check_columns("events", tables["events"].schema(), EVENT_COLUMNS)
        if "tickets" not in tables:
            # the same definition as the embedded store's, computed once and kept in Spark
            tables["tickets"] = ticket_facts(tables["events"]).cache()
        return cls(backend, tables, root=root, owns_session=owns, views=views)

    def close(self) -> None:
        """Release the tables this store registered (and the session, when it made it)."""
        if self._owns_session:
            self.backend.disconnect()
            return
        catalog = self.backend._session.catalog
        for view in self._views:
            catalog.dropTempView(view)

    def __enter__(self) -> SparkStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- analytics access (the same accessors as :class:`pdca.engine.store.Store`) --------------
    def _of_log(self, name: str, log: str | None) -> Any:
        t = self._tables[name]
        return t if log is None else t.filter(t[Col.LOG] == log)

    def events(self, log: str | None = None) -> Any:
        """Ibis table of canonical events (optionally of one log)."""
        return self._of_log("events", log)

    def tickets(self, log: str | None = None) -> Any:
        """Ibis table of tickets with their facts (optionally of one log)."""
        return self._of_log("tickets", log)

    def surveys(self, log: str | None = None) -> Any:
        """Ibis table of survey responses (optionally of one log), or None when there is none."""
        if "surveys" not in self._tables:
            return None
        return self._of_log("surveys", log)

    def derived(self, name: str, log: str) -> None:
        """Derived tables are kept by the embedded store only: the analyses compute instead."""
        del name, log

    def logs(self) -> pd.DataFrame:
        """One row per log: events, tickets, first and last event."""
        ev = self._tables["events"]
        per_log = ev.group_by(Col.LOG).aggregate(
            events=ev.count(),
            tickets=ev[Col.CASE_ID].nunique(),
            first_event=ev[Col.TIMESTAMP].min(),
            last_event=ev[Col.TIMESTAMP].max(),
        )
        frame: pd.DataFrame = per_log.order_by(Col.LOG).to_pyarrow().to_pandas()
        return frame
