"""The bulk import path's engine half: a file's rows canonicalised, checked and stored in SQL.

:meth:`pdca.engine.store.Store.append` takes a batch that pandas built in memory. Here the rows
arrive as a stream of bounded Arrow record batches (:class:`BulkSource`, written by
:mod:`pdca.ingest.bulk_csv`) and everything else happens inside DuckDB, in the store's own
transaction:

1. the rows are copied, as text, into a temporary table (DuckDB spills it to disk beyond its
   memory limit); a batch of ``None`` means the reader starts over, and the table is emptied;
2. the distinct texts of the timestamp, sequence and ticket type columns go to the source's
   Python functions (the usual path's own rules, in chunks) and come back as small lookup tables;
3. one ``CREATE TABLE … AS SELECT`` gives every row its canonical values and its *first* reason
   to be quarantined, in the order :func:`pdca.ingest.canonical.canonicalize` checks them
   (case id, timestamp missing / unreadable / out of range / clock change, sequence number,
   activity, ticket type);
4. the quarantined rows are written with the JSON of their source columns; the good rows get the
   content key of :mod:`pdca.engine.keys` (the same SQL the usual path runs), the first row of
   each key not yet in the log is stored;
5. ticket facts, the import record and the derived tables are rebuilt as
   :meth:`Store.append` does, and the transaction commits.

An exception anywhere (a limit, a bad date order, an interruption) rolls the transaction back:
the store is as it was. Counts reconcile as in the usual path:
``rows_read = stored + quarantined + duplicates``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from pdca.engine import derived
from pdca.engine.bulk import Written, scalar
from pdca.engine.cache import ResultCache
from pdca.engine.derived import Derivation
from pdca.engine.keys import key_sql
from pdca.errors import StoreError
from pdca.model.batch import AppendResult
from pdca.model.schema import EVENT_COLUMNS, Col

if TYPE_CHECKING:
    from pdca.engine.store import Store

RAW = "_pdca_bulk_raw"
CANON = "_pdca_bulk_canon"
KEYS = "_pdca_bulk_keys"
TIMES = "_pdca_bulk_times"
SEQS = "_pdca_bulk_seqs"
TYPES = "_pdca_bulk_types"
DISTINCT = "_pdca_bulk_distinct"
REJECTED = "_pdca_bulk_rejected"
_TEMP = (RAW, CANON, KEYS, TIMES, SEQS, TYPES, DISTINCT, REJECTED)
MEMORY = "1GB"
"""DuckDB's memory limit during a bulk import when ``PDCA_MEMORY_LIMIT`` is not set."""
MEMORY_ENV = "PDCA_MEMORY_LIMIT"
CHUNK = 100_000
"""Distinct values (and quarantined rows) handed to Python at a time."""
_ROW = "__row__"
_TRACE = bool(os.environ.get("PDCA_BULK_TRACE"))
_COLS = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]


class BulkSource(Protocol):
    """What the engine needs of a file on the bulk path (:class:`pdca.ingest.bulk_csv.BulkFile`)."""

    log: str
    source: str
    names: list[str]
    rows_read: int
    sha256: str

    @property
    def path_text(self) -> str: ...
    @property
    def missing(self) -> list[str]: ...
    @property
    def case_column(self) -> str: ...
    @property
    def timestamp_column(self) -> str: ...
    @property
    def seq_column(self) -> str | None: ...
    @property
    def ticket_type_column(self) -> str | None: ...
    @property
    def ticket_type_default(self) -> str: ...
    @property
    def activity_columns(self) -> list[str]: ...
    @property
    def activity_separator(self) -> str: ...
    @property
    def states(self) -> dict[str, str]: ...
    @property
    def unknown_state(self) -> str: ...
    @property
    def text_fields(self) -> dict[str, str]: ...
    @property
    def attributes(self) -> list[tuple[str, str]]: ...
    @property
    def needs_distinct_timestamps(self) -> bool: ...

    def batches(self) -> Iterator[pa.RecordBatch | None]: ...
    def check_rows(self, rows: int) -> None: ...
    def choose_format(self, distinct: pd.Series | None) -> str: ...
    def parse_timestamps(self, uniques: pd.Series) -> pd.DataFrame: ...
    def check_timestamps(self, refused_rows: int, rows: int) -> None: ...
    def parse_seq(self, uniques: pd.Series) -> pd.DataFrame: ...
    def parse_ticket_types(self, uniques: pd.Series) -> pd.DataFrame: ...
    def bad_quarantine(self) -> pd.DataFrame: ...
    def raw_json(self, frame: pd.DataFrame) -> list[str]: ...
    def details(self, stats: dict[str, Any]) -> dict[str, Any]: ...


Refuse = Callable[[int, int, pd.DataFrame], None]
"""Called before anything is committed with (rows read, good rows, quarantine reasons when no
row is good); raises to stop the import."""


@dataclass(frozen=True)
class BulkResult:
    """What a bulk import stored, and its data-quality report."""

    result: AppendResult
    log: str
    source: str
    path: str
    rows_read: int
    details: dict[str, Any]


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run one statement (timed on stderr when ``PDCA_BULK_TRACE`` is set)."""
    if not _TRACE:
        return con.execute(sql, params or [])
    start = time.perf_counter()
    out = con.execute(sql, params or [])
    sys.stderr.write(f"{time.perf_counter() - start:8.3f}s  {' '.join(sql.split())[:100]}\n")
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _masked(column: str, missing: Sequence[str], table: str = "r") -> str:
    ref = f"{table}.{_q(column)}"
    if not missing:
        return ref
    return f"CASE WHEN {ref} IN ({', '.join(_lit(m) for m in missing)}) THEN NULL ELSE {ref} END"


def import_file(
    store: Store,
    src: BulkSource,
    derive: Sequence[Derivation] = (),
    refuse: Refuse | None = None,
) -> BulkResult:
    """Import ``src`` into ``store`` in one transaction (see the module's docstring)."""
    if store.read_only:
        raise StoreError("the store is open read-only")
    con = store._con
    saved = _settings(con)
    try:
        _run(con, "BEGIN TRANSACTION")
        try:
            out = _import(store, con, src, derive, refuse)
        except BaseException:
            _run(con, "ROLLBACK")
            _drop(con)
            raise
        _run(con, "COMMIT")
        _drop(con)
    finally:
        for name, value in saved.items():
            con.execute(f"SET {name} = {_lit(value)}")
    store._derived_names = None
    ResultCache(store.root).clear()
    return out


def _settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Set the engine up for the import; returns the settings to restore afterwards.

    No progress bar (a library does not draw on the terminal); no insertion order to keep (every
    row carries its position), which lets DuckDB stream and spill more; and, unless
    ``PDCA_MEMORY_LIMIT`` says otherwise, a memory limit of :data:`MEMORY`, beyond which the
    staged rows spill to the store's temporary directory: the import's memory does not grow with
    the file."""
    names = ["enable_progress_bar", "preserve_insertion_order", "memory_limit"]
    saved = {}
    for name in names:
        row = con.execute(f"SELECT current_setting('{name}')").fetchone()
        saved[name] = str(row[0]) if row else ""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    if not os.environ.get(MEMORY_ENV):
        con.execute(f"SET memory_limit = {_lit(MEMORY)}")
    return saved


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for name in _TEMP:
        _run(con, f"DROP TABLE IF EXISTS {name}")
    for view in ("_pdca_bulk_batch", "_pdca_bulk_chunk"):
        with contextlib.suppress(duckdb.Error):  # nothing registered
            con.unregister(view)


def _load_rows(con: duckdb.DuckDBPyConnection, src: BulkSource) -> int:
    """Copy the file's rows into :data:`RAW`; returns how many (good) rows it holds."""
    columns = ", ".join(f"{_q(n)} VARCHAR" for n in src.names)
    _run(con, f"CREATE TEMP TABLE {RAW} ({columns}, {_q(_ROW)} BIGINT)")
    for batch in src.batches():
        if batch is None:  # the careful reader starts over
            _run(con, f"DELETE FROM {RAW}")
            continue
        con.register("_pdca_bulk_batch", batch)
        _run(con, f"INSERT INTO {RAW} SELECT * FROM _pdca_bulk_batch")
        con.unregister("_pdca_bulk_batch")
    return scalar(con, f"SELECT count(*) FROM {RAW}")


def _distinct(con: duckdb.DuckDBPyConnection, expr: str) -> int:
    """Number the distinct non-missing values of ``expr`` over the rows in order of first
    appearance, into :data:`DISTINCT` (``n``, ``v``); returns how many there are."""
    _run(con, f"DROP TABLE IF EXISTS {DISTINCT}")
    _run(
        con,
        f"CREATE TEMP TABLE {DISTINCT} AS SELECT row_number() OVER (ORDER BY first) AS n, v FROM"
        f" (SELECT {expr} AS v, min(r.{_q(_ROW)}) AS first FROM {RAW} r GROUP BY 1)"
        " WHERE v IS NOT NULL",
    )
    return scalar(con, f"SELECT count(*) FROM {DISTINCT}")


def _page(con: duckdb.DuckDBPyConnection, sql: str, n: int) -> pa.Table:
    """Page ``n`` (0-based, :data:`CHUNK` rows) of a query over a numbered table; the query reads
    the bounds as ``$lo`` and ``$hi``. Each page is fetched whole before anything else runs
    (another statement on the connection would end a result still being streamed)."""
    return con.execute(sql, {"lo": n * CHUNK + 1, "hi": (n + 1) * CHUNK}).to_arrow_table()


def _chunks(con: duckdb.DuckDBPyConnection, expr: str) -> Iterator[pd.Series]:
    count = _distinct(con, expr)
    for n in range((count + CHUNK - 1) // CHUNK):
        page = _page(con, f"SELECT v FROM {DISTINCT} WHERE n BETWEEN $lo AND $hi ORDER BY n", n)
        yield pd.Series(page.column(0).to_pylist(), dtype=object)


def _lookup(
    con: duckdb.DuckDBPyConnection,
    table: str,
    expr: str,
    columns: str,
    parse: Callable[[pd.Series], pd.DataFrame],
) -> None:
    _run(con, f"CREATE TEMP TABLE {table} ({columns})")
    for chunk in _chunks(con, expr):
        frame = parse(chunk)
        con.register("_pdca_bulk_chunk", frame)
        _run(con, f"INSERT INTO {table} SELECT * FROM _pdca_bulk_chunk")
        con.unregister("_pdca_bulk_chunk")


def _timestamps(con: duckdb.DuckDBPyConnection, src: BulkSource, ts: str) -> str:
    distinct = None
    if src.needs_distinct_timestamps:
        _distinct(con, ts)
        values = _run(con, f"SELECT v FROM {DISTINCT} ORDER BY n").to_arrow_table()
        distinct = pd.Series(values.column(0).to_pylist(), dtype=object)
    fmt = src.choose_format(distinct)

    columns = "text VARCHAR, moment TIMESTAMP, reason VARCHAR, refused BOOLEAN"
    _lookup(con, TIMES, ts, columns, src.parse_timestamps)
    # rows that do not fit the format (not those out of range or at a clock change)
    refused = scalar(
        con, f"SELECT count(*) FROM {RAW} r JOIN {TIMES} t ON {ts} = t.text WHERE t.refused"
    )
    rows = scalar(con, f"SELECT count({ts}) FROM {RAW} r")
    src.check_timestamps(refused, rows)
    return fmt


def _canonical_sql(src: BulkSource) -> str:
    miss = src.missing

    def m(column: str) -> str:  # masked once, in the innermost select
        return f"r.{_q(column)}"

    masked = ", ".join(f"{_masked(c, miss)} AS {_q(c)}" for c in src.names)

    case, ts = m(src.case_column), m(src.timestamp_column)
    parts = [m(c) for c in src.activity_columns]
    if len(parts) == 1:
        activity = parts[0]
    else:
        sep = _lit(src.activity_separator)
        filled = [f"coalesce({p}, '')" for p in parts]
        activity = f"concat({f', {sep}, '.join(filled)})"
    all_missing = " AND ".join(f"{p} IS NULL" for p in parts)
    shown = ", ".join(repr(c) for c in src.activity_columns)
    states = src.states
    if states:
        whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in states.items())
        state = f"CASE r._activity {whens} ELSE {_lit(src.unknown_state)} END"
    else:
        state = _lit(src.unknown_state)
    reasons = [
        f"WHEN {case} IS NULL THEN {_lit(f'missing case id (column {src.case_column!r})')}",
        f"WHEN {ts} IS NULL THEN {_lit(f'missing timestamp (column {src.timestamp_column!r})')}",
        "WHEN t.reason IS NOT NULL THEN t.reason",
    ]
    joins = [f"LEFT JOIN {TIMES} t ON {ts} = t.text"]
    seq = "CAST(NULL AS BIGINT)"
    if src.seq_column:
        reasons.append("WHEN s.reason IS NOT NULL THEN s.reason")
        joins.append(f"LEFT JOIN {SEQS} s ON {m(src.seq_column)} = s.text")
        seq = "s.value"
    reasons.append(f"WHEN {all_missing} THEN {_lit(f'missing activity (column {shown})')}")
    ttype = _lit(src.ticket_type_default)
    if src.ticket_type_column:
        reasons.append("WHEN y.reason IS NOT NULL THEN y.reason")
        joins.append(f"LEFT JOIN {TYPES} y ON {m(src.ticket_type_column)} = y.text")
        ttype = f"coalesce(y.value, {ttype})"
    if src.attributes:
        pairs = ", ".join(f"{_lit(name)}, {m(column)}" for name, column in src.attributes)
        attributes = f"json_object({pairs})::VARCHAR"
    else:
        attributes = "'{}'"
    values: dict[str, str] = {
        Col.LOG: _lit(src.log),
        Col.CASE_ID: case,
        Col.TICKET_TYPE: ttype,
        Col.TIMESTAMP: "t.moment",
        Col.SEQ: seq,
        Col.ROW: f"r.{_q(_ROW)}",
        Col.ACTIVITY: "r._activity",
        Col.STATE: state,
        Col.ATTRIBUTES: attributes,
    }
    for canonical, source in src.text_fields.items():
        values[canonical] = m(source)
    select = ", ".join(f"{values.get(c, 'CAST(NULL AS VARCHAR)')} AS {_q(c)}" for c in _COLS)
    return (
        f"CREATE TEMP TABLE {CANON} AS SELECT *, CASE WHEN _reason IS NULL THEN {_key_sql()}"
        f" END AS _key FROM (SELECT CASE {' '.join(reasons)} END AS _reason, {select}"
        f" FROM (SELECT r.*, {activity} AS _activity FROM (SELECT {masked}, r.{_q(_ROW)}"
        f" FROM {RAW} r) r) r " + " ".join(joins) + ")"
    )


def _key_sql() -> str:
    """engine/keys.py's event key over the canonical columns. The attributes are json_object()
    text already: the normal form ``event_key_sql`` would make of them (``json()`` gives the same
    text back), so the per-row JSON parse is skipped; the parity tests compare the keys with the
    usual path's."""
    fields = [_q(c) for c in _COLS if c not in (Col.ROW, Col.ATTRIBUTES)]
    return key_sql([*fields, f"coalesce({_q(Col.ATTRIBUTES)}, '{{}}')"])


def _quarantine(con: duckdb.DuckDBPyConnection, src: BulkSource, import_id: int, log: str) -> int:
    """Write the quarantined rows (rejected values and malformed records), a page at a time;
    returns how many."""
    _run(
        con,
        f"CREATE TEMP TABLE {REJECTED} AS SELECT row_number() OVER (ORDER BY {_q(Col.ROW)}) AS n,"
        f" {_q(Col.ROW)} AS q_row, _reason AS q_reason FROM {CANON} WHERE _reason IS NOT NULL",
    )
    count = scalar(con, f"SELECT count(*) FROM {REJECTED}")
    names = ", ".join(f"r.{_q(n)}" for n in src.names)
    sql = (
        f"SELECT q.q_row, q.q_reason, {names} FROM {REJECTED} q JOIN {RAW} r"
        f" ON r.{_q(_ROW)} = q.q_row WHERE q.n BETWEEN $lo AND $hi ORDER BY q.n"
    )
    total = 0
    for n in range((count + CHUNK - 1) // CHUNK):
        frame = _page(con, sql, n).to_pandas()
        raw = frame.iloc[:, 2:].set_axis(src.names, axis=1)
        total += _write_quarantine(
            con,
            pd.DataFrame(
                {
                    "row": frame["q_row"].astype("int64"),
                    "reason": frame["q_reason"].astype(object),
                    "raw": src.raw_json(raw),
                }
            ),
            import_id,
            log,
        )
    return total + _write_quarantine(con, src.bad_quarantine(), import_id, log)


def _write_quarantine(
    con: duckdb.DuckDBPyConnection, chunk: pd.DataFrame, import_id: int, log: str
) -> int:
    if chunk.empty:
        return 0
    con.register("_pdca_bulk_chunk", chunk)
    _run(
        con,
        'INSERT INTO quarantine (import_id, log, "row", reason, raw) '
        'SELECT ?, ?, "row", reason, raw FROM _pdca_bulk_chunk',
        [import_id, log],
    )
    con.unregister("_pdca_bulk_chunk")
    return len(chunk)


def _stats(con: duckdb.DuckDBPyConnection, src: BulkSource) -> dict[str, Any]:
    """What the data-quality report counts (``canonical._quality``), in SQL."""
    counts = ", ".join(f"count(*) - count({_masked(n, src.missing)})" for n in src.names)
    row = _run(con, f"SELECT {counts} FROM {RAW} r").fetchone() if src.names else ()
    missing = {n: int(v) for n, v in zip(src.names, row or (), strict=True)}
    kinds = _run(
        con,
        f"SELECT regexp_replace(_reason, '''.*?'' ', '', 'g') AS kind, count(*) AS n"
        f" FROM {CANON} WHERE _reason IS NOT NULL GROUP BY 1 ORDER BY n DESC, kind",
    ).fetchall()
    good = f"FROM {CANON} WHERE _reason IS NULL"
    ooo = scalar(
        con,
        f"SELECT count(*) FROM (SELECT {_q(Col.TIMESTAMP)} < lag({_q(Col.TIMESTAMP)}) OVER "
        f"(PARTITION BY {_q(Col.CASE_ID)} ORDER BY {_q(Col.ROW)}) AS late {good}) WHERE late",
    )
    span = _run(con, f"SELECT min({_q(Col.TIMESTAMP)}), max({_q(Col.TIMESTAMP)}) {good}").fetchone()
    cases = scalar(con, f"SELECT count(DISTINCT {_q(Col.CASE_ID)}) {good}")
    unmapped = _run(
        con,
        f"SELECT {_q(Col.ACTIVITY)}, count(*) AS n {good} AND {_q(Col.STATE)} = ?"
        f" AND {_q(Col.ACTIVITY)} IS NOT NULL GROUP BY 1 ORDER BY n DESC",
        [src.unknown_state],
    ).fetchall()
    return {
        "missing_values": missing,
        "quarantine_reasons": {str(k): int(n) for k, n in kinds},
        "out_of_order_timestamps": ooo,
        "time_span": list(span) if span else [None, None],
        "cases": cases,
        "unmapped_activities": {str(k): int(n) for k, n in unmapped},
    }


def _import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    src: BulkSource,
    derive: Sequence[Derivation],
    refuse: Refuse | None,
) -> BulkResult:
    good_read = _load_rows(con, src)
    src.check_rows(good_read)
    ts = _masked(src.timestamp_column, src.missing)
    _timestamps(con, src, ts)
    if src.seq_column:
        _lookup(
            con,
            SEQS,
            _masked(src.seq_column, src.missing),
            "text VARCHAR, value BIGINT, reason VARCHAR",
            src.parse_seq,
        )
    if src.ticket_type_column:
        _lookup(
            con,
            TYPES,
            _masked(src.ticket_type_column, src.missing),
            "text VARCHAR, value VARCHAR, reason VARCHAR",
            src.parse_ticket_types,
        )
    _run(con, _canonical_sql(src))
    good = scalar(con, f"SELECT count(*) FROM {CANON} WHERE _reason IS NULL")
    rejected = good_read - good
    bad_lines = len(src.bad_quarantine())
    if refuse is not None:
        reasons = pd.DataFrame({"reason": pd.Series([], dtype=object)})
        if good == 0 and (rejected or bad_lines):
            texts = [r for (r,) in _run(con,
                f"SELECT _reason FROM {CANON} WHERE _reason IS NOT NULL ORDER BY {_q(Col.ROW)}"
            ).fetchall()]  # fmt: skip
            texts += src.bad_quarantine()["reason"].tolist()
            reasons = pd.DataFrame({"reason": pd.Series(texts, dtype=object)})
        refuse(src.rows_read, good, reasons)
    stats = _stats(con, src)
    row = _run(con, "SELECT nextval('import_ids')").fetchone()
    assert row is not None
    import_id = int(row[0])
    quarantined = _quarantine(con, src, import_id, src.log)
    _run(con, f"DROP TABLE {RAW}")  # its rows are in the canonical table now
    _run(
        con,
        f"CREATE TEMP TABLE {KEYS} AS SELECT _key AS k, min({_q(Col.ROW)}) AS {_q(Col.ROW)}"
        f" FROM {CANON} WHERE _reason IS NULL GROUP BY 1",
    )
    n_unique = scalar(con, f"SELECT count(*) FROM {KEYS}")
    _run(
        con,
        f"DELETE FROM {KEYS} WHERE k IN (SELECT event_key FROM events WHERE log = ?)",
        [src.log],
    )
    stored = scalar(con, f"SELECT count(*) FROM {KEYS}")
    col_list = ", ".join(_q(c) for c in _COLS)
    select = ", ".join(f"c.{_q(c)}" for c in _COLS)
    _run(
        con,
        f"INSERT INTO events ({col_list}, import_id, event_key) SELECT {select}, ?, k.k"
        f" FROM {CANON} c JOIN {KEYS} k USING ({_q(Col.ROW)})",
        [import_id],
    )
    details = src.details(stats)
    written = Written(
        import_id=import_id,
        log=src.log,
        source=src.source,
        path=src.path_text,
        sha256=src.sha256,
        rows_read=src.rows_read,
        details=details,
        stored=stored,
        duplicates_in_file=good - n_unique,
        duplicates_in_store=n_unique - stored,
        quarantined=quarantined,
    )
    store._refresh_tickets(src.log)
    result = store._record_import(
        written,
        tickets_in_log=scalar(con, "SELECT count(*) FROM tickets WHERE log = ?", src.log),
        events_in_log=scalar(con, "SELECT count(*) FROM events WHERE log = ?", src.log),
    )
    derived.refresh(con, store.backend, store.events, src.log, derive)
    return BulkResult(
        result=result,
        log=src.log,
        source=src.source,
        path=src.path_text,
        rows_read=src.rows_read,
        details=details,
    )
