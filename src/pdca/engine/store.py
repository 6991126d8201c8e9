"""The embedded store: one DuckDB database file in a directory.

Writes happen in one transaction per import, so an interrupted import (even ``kill -9``) leaves the
store exactly as it was. DuckDB lets only one process open a database for writing; a second process
gets a :class:`~pdca.errors.StoreLockedError` with a readable message instead of a corrupted file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pdca.engine import derived, register, sqlcache
from pdca.engine import surveys as survey_writer
from pdca.engine.backend import Backend
from pdca.engine.bulk import BulkAppend, Written, delete_known_keys, scalar
from pdca.engine.cache import ResultCache
from pdca.engine.ddl import MIGRATIONS
from pdca.engine.derived import Derivation
from pdca.engine.keys import event_key_sql
from pdca.errors import ConfigError, StoreError, StoreLockedError
from pdca.model.batch import AppendResult, ImportBatch
from pdca.model.facts import ticket_facts
from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.surveys import SurveyAppendResult, SurveyBatch

STORE_ENV = "PDCA_STORE"
MEMORY_ENV = "PDCA_MEMORY_LIMIT"
"""Largest memory DuckDB may use for a store (e.g. ``3GB``); beyond it, it spills to disk. It
bounds the analytics engine only: reading and canonicalising a file in Python (pandas) during an
import comes on top (see the README)."""
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
MIN_MEMORY_BYTES = 100_000_000
"""Smallest ``PDCA_MEMORY_LIMIT`` accepted: below it DuckDB fails on ordinary queries."""
DEFAULT_STORE_DIR = ".pdca"
DB_FILE = "pdca.duckdb"
CANONICAL_TABLES = ("events", "tickets", "surveys", "imports", "quarantine")


def resolve_store_dir(store: Path | str | None = None) -> Path:
    """The store directory: the argument, else ``$PDCA_STORE``, else ``./.pdca``."""
    if store:
        return Path(store)
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env)
    return Path(DEFAULT_STORE_DIR)


def is_store(path: Path | str) -> bool:
    """Whether ``path`` is a pdca store: a directory holding the store's database file."""
    return (Path(path) / DB_FILE).is_file()


def check_store_dir(path: Path | str) -> Path:
    """Refuse (:class:`StoreError`) to create a store where files of someone else lie: ``path``
    may be missing, an empty directory, or a pdca store (:func:`is_store`); a file, or a directory
    with other files and no database file, is not touched."""
    root = Path(path)
    if root.exists() and not is_store(root):
        if not root.is_dir():
            raise StoreError(f"{root} is a file, not a store directory", "give another --store")
        first = next(iter(sorted(p.name for p in root.iterdir())), None)
        if first is not None:
            raise StoreError(
                f"{root} is not a pdca store (it holds {first} and no {DB_FILE}); nothing was "
                "changed",
                "give an empty or new directory with --store",
            )
    return root


def _memory_config() -> dict[str, Any]:
    """DuckDB settings from :data:`MEMORY_ENV` (none when it is not set)."""
    limit = os.environ.get(MEMORY_ENV)
    if not limit:
        return {}
    match = _MEMORY.match(limit)
    if not match:
        raise ConfigError(
            f"{MEMORY_ENV}={limit!r} is not an amount of memory", "write it like 3GB or 500MB"
        )
    size = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if size < MIN_MEMORY_BYTES:
        raise ConfigError(
            f"{MEMORY_ENV}={limit.strip()} is too small for the analytics engine",
            "give at least 100MB (it spills to disk beyond the limit)",
        )
    return {"memory_limit": limit.strip()}


def _lock_error(root: Path, exc: Exception) -> StoreLockedError:
    pid = re.search(r"PID (\d+)", str(exc))
    who = f"process {pid.group(1)}" if pid else "another process"
    return StoreLockedError(
        f"the store {root} is in use by {who} (an import may still be running)",
        "wait for it to finish, or use another store with --store DIR",
    )


class Store:
    """A pdca store. Use as a context manager; :meth:`open` is the usual way in."""

    def __init__(self, root: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool) -> None:
        self.root = root
        self.read_only = read_only
        self._con = con
        self._ibis: Any = None
        self._derived_names: list[str] | None = None

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, store: Path | str | None = None, *, read_only: bool = False) -> Store:
        """Open (and, for writing, create and migrate) the store directory."""
        root = resolve_store_dir(store)
        db = root / DB_FILE
        if read_only and not db.exists():
            raise StoreError(
                f"there is no pdca store in {root}",
                "import data first with `pdca ingest FILE`, or point --store / PDCA_STORE at it",
            )
        if not read_only:
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store directory {root}: {exc}") from None
        try:
            con = duckdb.connect(str(db), read_only=read_only, config=_memory_config())
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise _lock_error(root, exc) from None
            raise StoreError(f"cannot open the store {root}: {exc}") from None
        except duckdb.Error as exc:
            raise StoreError(
                f"{db} is not a readable pdca store: {exc}",
                "point --store at a pdca store directory",
            ) from None
        # a library does not draw on the terminal: DuckDB's progress bar broke `-f json` output
        con.execute("SET enable_progress_bar = false")
        store_obj = cls(root, con, read_only=read_only)
        if read_only and store_obj._needs_upgrade():
            # a store written by an older pdca: upgrade it once (briefly opened for writing),
            # then read it as asked
            con.close()
            cls.open(root).close()
            return cls.open(root, read_only=True)
        store_obj._migrate()
        return store_obj

    def _needs_upgrade(self) -> bool:
        return self.schema_version() < len(MIGRATIONS)

    def close(self) -> None:
        """Close the database connection (dropping tables that analyses cached in it first)."""
        if self._ibis is not None:
            # Ibis drops a cached table when its expression is garbage-collected; after the
            # connection is closed that would fail, so release them while it is still open.
            # (Ibis 10-12 keep them in ``_cache_name_to_entry``; there is no public listing.)
            for name in list(getattr(self._ibis, "_cache_name_to_entry", {})):
                self._ibis._finalize_cached_table(name)
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """Number of migrations applied."""
        exists = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'pdca_schema'"
        ).fetchone()
        if not exists or exists[0] == 0:
            return 0
        row = self._con.execute("SELECT max(version) FROM pdca_schema").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.root} was written by a newer pdca (schema {current})",
                "upgrade pdca",
            )
        if current == len(MIGRATIONS):
            return
        if self.read_only:
            raise StoreError(
                f"the store {self.root} needs a schema upgrade",
                "run any writing command (e.g. `pdca ingest`) once to upgrade it",
            )
        with self._transaction():
            self._con.execute("CREATE TABLE IF NOT EXISTS pdca_schema (version INTEGER)")
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for sql in statements:
                    self._con.execute(sql)
                self._con.execute("INSERT INTO pdca_schema VALUES (?)", [version])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def data_version(self) -> str:
        """Changes whenever an import stores rows: the import count and the table sizes."""
        row = self._con.execute(
            "SELECT (SELECT count(*) FROM imports), (SELECT coalesce(max(import_id), 0)"
            " FROM imports), (SELECT count(*) FROM events), (SELECT count(*) FROM quarantine)"
        ).fetchone()
        return ":".join(str(v) for v in (row or ()))

    # -- analytics access ----------------------------------------------------------------------
    @property
    def backend(self) -> Any:
        """The Ibis backend over this store (DuckDB)."""
        if self._ibis is None:
            self._ibis = Backend.from_connection(self._con)
        return self._ibis

    def events(self, log: str | None = None) -> Any:
        """Ibis table of canonical events (optionally of one log)."""
        t = self.backend.table("events")
        return t if log is None else t.filter(t[Col.LOG] == log)

    def refresh_derived(self, log: str, derive: Sequence[Derivation]) -> None:
        """Rebuild the log's derived tables in one transaction (after imports made without them,
        e.g. by the simulator writing chunk by chunk)."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        with self._transaction():
            derived.refresh(self._con, self.backend, self.events, log, derive)
        self._derived_names = None

    def derived(self, name: str, log: str) -> Any:
        """A derived table restricted to one log, or None when it holds nothing for the log."""
        if self._derived_names is None or not self.read_only:
            self._derived_names = derived.known(self._con)
        if not derived.has_rows(self._con, name, log, self._derived_names):
            return None
        t = self.backend.table(name)
        return t.filter(t[Col.LOG] == log)

    def tickets(self, log: str | None = None) -> Any:
        """Ibis table of tickets with their derived facts (optionally of one log)."""
        t = self.backend.table("tickets")
        return t if log is None else t.filter(t[Col.LOG] == log)

    def surveys(self, log: str | None = None) -> Any:
        """Ibis table of survey responses (optionally of one log); see :mod:`pdca.model.surveys`."""
        t = self.backend.table("surveys")
        return t if log is None else t.filter(t[Col.LOG] == log)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read-only SQL query and return a DataFrame (for interfaces and tests)."""
        return self._con.execute(sql, params or []).df()

    # -- writing -------------------------------------------------------------------------------
    def append(self, batch: ImportBatch, derive: Sequence[Derivation] = ()) -> AppendResult:
        """Append a batch in one transaction: new events, quarantine, import record, tickets,
        and the log's derived tables (see :mod:`pdca.engine.derived`) from ``derive``.

        Each event's key is a hash of its content (every canonical field and every source
        attribute, but not its position in the file). Rows whose key repeats within the batch, or
        already exists in the log, are counted as duplicates and not stored again.

        Every call rebuilds the ticket facts of the whole log; to write a large log in many
        batches, use :meth:`bulk`, which rebuilds them once.
        """
        if self.read_only:
            raise StoreError("the store is open read-only")
        try:
            with self._transaction():
                written = self._insert_batch(batch)
                self._refresh_tickets(batch.log)
                result = self._record_import(
                    written,
                    tickets_in_log=scalar(
                        self._con, "SELECT count(*) FROM tickets WHERE log = ?", batch.log
                    ),
                    events_in_log=scalar(
                        self._con, "SELECT count(*) FROM events WHERE log = ?", batch.log
                    ),
                )
                derived.refresh(self._con, self.backend, self.events, batch.log, derive)
        finally:
            self._unstage()
        ResultCache(self.root).clear()  # answers about the old data are of no more use
        return result

    def bulk(self, log: str, derive: Sequence[Derivation] = ()) -> BulkAppend:
        """Many batches of one log in one transaction, the ticket facts (and the log's derived
        tables from ``derive``) computed once: see :class:`BulkAppend`."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        return BulkAppend(self, log, derive)

    def _insert_batch(self, batch: ImportBatch, *, narrow: str | None = None) -> Written:
        """Inside a transaction: stage the batch, key it, store its new events and its
        quarantined rows. ``narrow`` (bulk appends) names a table of the log's ticket ids that
        may already hold events: only those tickets' events are searched for duplicates (a key
        covers the ticket id, so no other event can have it)."""
        staged, attr_names = _stage(batch)
        cols = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]
        self._con.register("_pdca_quarantine", batch.quarantine)
        written = self._insert_staged(batch, staged, cols, attr_names, narrow)
        self._unstage()  # on an error the caller does it, after the rollback
        return written

    def _unstage(self) -> None:
        self._con.unregister("_pdca_batch")
        self._con.unregister("_pdca_quarantine")
        self._con.execute("DROP TABLE IF EXISTS _pdca_keys")

    def _scan_once(self, staged: pa.Table) -> None:
        """Make the staged batch readable as ``_pdca_batch`` by the next statement, as a stream
        read once: DuckDB keeps every Arrow object a transaction scanned until the transaction
        ends, which would hold all of a bulk append's batches in memory; a stream it has read
        holds nothing."""
        batches = iter(staged.to_batches())
        self._con.register("_pdca_batch", pa.RecordBatchReader.from_batches(staged.schema, batches))

    def _insert_staged(
        self,
        batch: ImportBatch,
        staged: pa.Table,
        cols: list[str],
        attr_names: dict[str, str] | None,
        narrow: str | None,
    ) -> Written:
        con = self._con
        row = con.execute("SELECT nextval('import_ids')").fetchone()
        assert row is not None
        import_id = int(row[0])
        # the source attributes in one normal form (minified JSON) whichever way the connector
        # handed them over, so that the same event imported from a CSV and from a pdca XES/OCEL
        # export has the same key (engine/keys.py: one unambiguous encoding of every field)
        key = event_key_sql(cols, _attributes_sql(attr_names), prefix="")
        # narrow table: position, key, and whether it is the first occurrence of a new key
        case = "" if narrow is None else ", case_id"  # bulk appends narrow by ticket
        self._scan_once(staged)
        con.execute(
            f"""
            CREATE TEMP TABLE _pdca_keys AS
            SELECT "row", k{case} FROM (
                SELECT "row", k{case}, row_number() OVER (PARTITION BY k ORDER BY "row") AS n
                FROM (SELECT "row"{case}, {key} AS k FROM _pdca_batch b)
            ) WHERE n = 1
            """
        )
        n_unique = scalar(con, "SELECT count(*) FROM _pdca_keys")
        if narrow is None:
            con.execute(
                "DELETE FROM _pdca_keys WHERE k IN (SELECT event_key FROM events WHERE log = ?)",
                [batch.log],
            )
        else:
            delete_known_keys(con, batch.log, narrow)
        attrs_sql = _attributes_sql(attr_names)
        select = ", ".join(attrs_sql if c == Col.ATTRIBUTES else f'b."{c}"' for c in cols)
        col_list = ", ".join(f'"{c}"' for c in cols)
        self._scan_once(staged)
        con.execute(
            f"""
            INSERT INTO events ({col_list}, import_id, event_key)
            SELECT {select}, ?, k.k FROM _pdca_batch b JOIN _pdca_keys k USING ("row")
            """,
            [import_id],
        )
        stored = scalar(con, "SELECT count(*) FROM _pdca_keys")
        con.execute(
            'INSERT INTO quarantine (import_id, log, "row", reason, raw) '
            'SELECT ?, ?, "row", reason, raw FROM _pdca_quarantine',
            [import_id, batch.log],
        )
        return Written(
            import_id=import_id,
            log=batch.log,
            source=batch.source,
            path=batch.path,
            sha256=batch.sha256,
            rows_read=batch.rows_read,
            details=batch.details,
            stored=stored,
            duplicates_in_file=len(batch.events) - n_unique,
            duplicates_in_store=n_unique - stored,
            quarantined=len(batch.quarantine),
        )

    def _record_import(
        self, written: Written, *, tickets_in_log: int, events_in_log: int
    ) -> AppendResult:
        """Inside the transaction: write the import record of a stored batch."""
        result = AppendResult(
            import_id=written.import_id,
            stored=written.stored,
            duplicates_in_file=written.duplicates_in_file,
            duplicates_in_store=written.duplicates_in_store,
            quarantined=written.quarantined,
            tickets_in_log=tickets_in_log,
            events_in_log=events_in_log,
        )
        report = {**written.details, **result.__dict__}
        self._con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                written.import_id,
                written.log,
                written.source,
                written.path,
                written.sha256,
                datetime.now(UTC).replace(tzinfo=None),
                written.rows_read,
                written.stored,
                written.quarantined,
                written.duplicates_in_file + written.duplicates_in_store,
                json.dumps(report, default=str),
            ],
        )
        return result

    def append_surveys(self, batch: SurveyBatch) -> SurveyAppendResult:
        """Append survey responses in one transaction: responses, quarantine, import record.

        Duplicates (the same content earlier in the file or already in the log) are skipped;
        see :mod:`pdca.engine.surveys`.
        """
        if self.read_only:
            raise StoreError("the store is open read-only")
        with survey_writer.staged(self._con, batch), self._transaction():
            result = survey_writer.append_in_transaction(self._con, batch)
        ResultCache(self.root).clear()
        return result

    def _refresh_tickets(self, log: str) -> None:
        sql = sqlcache.compiled(
            lambda of_log: ticket_facts(self.events(of_log)), log, name="tickets"
        )
        self._con.execute("DELETE FROM tickets WHERE log = ?", [log])
        self._con.execute(f"INSERT INTO tickets BY NAME {sql}")

    # -- improvement register (see :mod:`pdca.engine.register`) ---------------------------------
    def add_initiative(self, record: dict[str, Any], who: str) -> int:
        """Store a new initiative and its first log entry in one transaction; returns its id."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        with self._transaction():
            return register.insert(self._con, record, who)

    def update_initiative(
        self, initiative_id: int, changes: dict[str, Any], who: str, what: str = "updated"
    ) -> list[str]:
        """Change fields of an initiative and log each change, in one transaction."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        with self._transaction():
            return register.update(self._con, initiative_id, changes, who, what)

    def initiatives(self) -> list[dict[str, Any]]:
        """Every initiative of the register, oldest first."""
        return register.read_all(self._con)

    def initiative(self, initiative_id: int) -> dict[str, Any]:
        """One initiative (an InputError when there is none with that id)."""
        return register.read(self._con, initiative_id)

    def initiative_log(self, initiative_id: int | None = None) -> pd.DataFrame:
        """Who changed what and when, for one initiative or all."""
        return register.read_log(self._con, initiative_id)

    # -- pull cursors (see :mod:`pdca.pull.cursor`) --------------------------------------------
    def pull_cursor(self, source: str, url: str, log: str) -> str | None:
        """Where the last successful ``pdca pull`` of this source, URL and log stopped."""
        row = self._con.execute(
            "SELECT cursor FROM pull_cursors WHERE source = ? AND url = ? AND log = ?",
            [source, url, log],
        ).fetchone()
        return None if row is None else str(row[0])

    def set_pull_cursor(
        self, source: str, url: str, log: str, cursor: str, import_id: int | None
    ) -> None:
        """Record where a pull stopped (after its bundle was imported)."""
        if self.read_only:
            raise StoreError("the store is open read-only")
        with self._transaction():
            self._con.execute(
                "INSERT OR REPLACE INTO pull_cursors VALUES (?, ?, ?, ?, ?, ?)",
                [source, url, log, cursor, import_id, datetime.now(UTC).replace(tzinfo=None)],
            )

    def pull_cursors(self) -> pd.DataFrame:
        """Every pull cursor: source, url, log, cursor, import_id, updated_at."""
        return self.query("SELECT * FROM pull_cursors ORDER BY source, url, log")

    # -- reading -------------------------------------------------------------------------------
    def logs(self) -> pd.DataFrame:
        """One row per log: events, tickets, time span, survey responses, imports."""
        return self.query(
            """
            SELECT e.log, any_value(e.ticket_type) AS ticket_type, count(*) AS events,
                   count(DISTINCT e.case_id) AS tickets,
                   min(e.timestamp) AS first_event, max(e.timestamp) AS last_event,
                   (SELECT count(*) FROM surveys s WHERE s.log = e.log) AS survey_responses,
                   (SELECT count(*) FROM imports i WHERE i.log = e.log) AS imports,
                   (SELECT count(*) FROM quarantine q WHERE q.log = e.log) AS quarantined
            FROM events e GROUP BY e.log ORDER BY e.log
            """
        )

    def imports(self) -> pd.DataFrame:
        """The import log, newest last."""
        return self.query(
            "SELECT import_id, log, source, path, imported_at, rows_read, stored, quarantined,"
            " duplicates FROM imports ORDER BY import_id"
        )

    def import_report(self, import_id: int) -> dict[str, Any]:
        """The stored data-quality report of one import."""
        row = self._con.execute(
            "SELECT report FROM imports WHERE import_id = ?", [import_id]
        ).fetchone()
        if row is None:
            raise StoreError(f"there is no import {import_id} in the store")
        report: dict[str, Any] = json.loads(row[0])
        return report

    def quarantined(self, import_id: int | None = None) -> pd.DataFrame:
        """Quarantined rows with their reasons."""
        if import_id is None:
            return self.query('SELECT * FROM quarantine ORDER BY import_id, "row"')
        return self.query(
            'SELECT * FROM quarantine WHERE import_id = ? ORDER BY "row"', [import_id]
        )

    def events_df(self, log: str | None = None) -> pd.DataFrame:
        """Canonical events in their stable order, as a DataFrame (for exporters)."""
        where = "" if log is None else "WHERE log = ?"
        return self.query(
            f'SELECT * FROM events {where} ORDER BY log, case_id, "timestamp", seq,'
            ' import_id, "row"',
            [] if log is None else [log],
        )

    def export_parquet(self, directory: Path) -> list[Path]:
        """Write every canonical table to ``directory/<table>.parquet``."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for table in CANONICAL_TABLES:
            target = directory / f"{table}.parquet"
            self._con.execute(
                f"COPY (SELECT * FROM {table}) TO '{_sql_str(str(target))}' (FORMAT parquet)"
            )
            written.append(target)
        return written


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _stage(batch: ImportBatch) -> tuple[pa.Table, dict[str, str] | None]:
    """The batch as one Arrow table; source attributes become columns ``__a0``, ``__a1``, …

    Returns the table and the mapping from those column names to the attribute names.
    """
    events = batch.events
    cols = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]
    missing = [c for c in cols if c not in events.columns]
    if missing:
        raise StoreError(f"internal: batch lacks canonical columns {missing}")
    if not events[Col.ROW].is_unique:
        raise StoreError("internal: batch rows must have unique positions")
    staged = pa.Table.from_pandas(events[cols], preserve_index=False)
    if batch.attributes is None:
        return staged, None
    attrs = batch.attributes
    if len(attrs) != len(events):
        raise StoreError("internal: attributes are not aligned with events")
    names: dict[str, str] = {}
    for i, column in enumerate(attrs.columns):
        name = f"__a{i}"
        names[name] = str(column)
        staged = staged.append_column(name, pa.array(attrs[column], type=pa.string()))
    return staged, names


def _attributes_sql(names: dict[str, str] | None) -> str:
    """SQL for the attributes JSON: from the ``__a*`` columns, or the batch's own JSON text."""
    if names is None:
        return f"coalesce(b.\"{Col.ATTRIBUTES}\", '{{}}')"
    if not names:
        return "'{}'"
    pairs = ", ".join(f"'{_sql_str(attr)}', b.{name}" for name, attr in names.items())
    return f"json_object({pairs})::VARCHAR"
