"""Writing survey responses into the store, the way events are written.

:meth:`pdca.engine.store.Store.append_surveys` calls :func:`staged` and, inside its transaction,
:func:`append_in_transaction`: the new responses, the quarantined rows with their reasons and the
import record are written together or not at all. A response's key is a hash of its content (not
its position in the file); a key seen earlier in the file, or already in the log, is counted as
a duplicate and not stored again, so ``rows read = stored + quarantined + duplicates``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from pdca.engine.keys import survey_key_sql
from pdca.errors import StoreError
from pdca.model.batch import QUARANTINE_COLUMNS
from pdca.model.surveys import (
    SURVEY_COLUMNS,
    SurveyAppendResult,
    SurveyBatch,
    SurveyCol,
)

_ARROW_TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "int64": pa.int64(),
    "double": pa.float64(),
}
_STAGED = "_pdca_surveys"
_STAGED_QUARANTINE = "_pdca_survey_quarantine"
_KEYS = "_pdca_survey_keys"
STAGED_COLUMNS = tuple(
    c for c in SURVEY_COLUMNS if c not in (SurveyCol.IMPORT_ID, SurveyCol.SURVEY_KEY)
)
"""The columns a batch hands over; the store adds the import id and the key."""


def _arrow(batch: SurveyBatch) -> tuple[pa.Table, pa.Table]:
    frame = batch.responses
    missing = [c for c in STAGED_COLUMNS if c not in frame.columns]
    if missing:
        raise StoreError(f"internal: survey batch lacks columns {missing}")
    if not frame[SurveyCol.ROW].is_unique:
        raise StoreError("internal: survey rows must have unique positions")
    schema = pa.schema([(c, _ARROW_TYPES[SURVEY_COLUMNS[c]]) for c in STAGED_COLUMNS])
    responses = pa.Table.from_pandas(
        frame[list(STAGED_COLUMNS)], schema=schema, preserve_index=False
    )
    q_schema = pa.schema([("row", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])
    quarantine = pa.Table.from_pandas(
        batch.quarantine[list(QUARANTINE_COLUMNS)], schema=q_schema, preserve_index=False
    )
    return responses, quarantine


@contextmanager
def staged(con: duckdb.DuckDBPyConnection, batch: SurveyBatch) -> Iterator[None]:
    """Make the batch readable by SQL for the duration of the block."""
    responses, quarantine = _arrow(batch)
    con.register(_STAGED, responses)
    con.register(_STAGED_QUARANTINE, quarantine)
    try:
        yield
    finally:
        con.unregister(_STAGED)
        con.unregister(_STAGED_QUARANTINE)
        con.execute(f"DROP TABLE IF EXISTS {_KEYS}")


def _count(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> int:
    row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def append_in_transaction(con: duckdb.DuckDBPyConnection, batch: SurveyBatch) -> SurveyAppendResult:
    """Store the staged batch; the caller holds the transaction."""
    row = con.execute("SELECT nextval('import_ids')").fetchone()
    assert row is not None
    import_id = int(row[0])
    con.execute(
        f"""
        CREATE TEMP TABLE {_KEYS} AS
        SELECT "row", k FROM (
            SELECT "row", k, row_number() OVER (PARTITION BY k ORDER BY "row") AS n
            FROM (SELECT "row", {survey_key_sql()} AS k FROM {_STAGED})
        ) WHERE n = 1
        """
    )
    unique = _count(con, f"SELECT count(*) FROM {_KEYS}")
    con.execute(
        f"DELETE FROM {_KEYS} WHERE k IN (SELECT survey_key FROM surveys WHERE log = ?)",
        [batch.log],
    )
    stored = _count(con, f"SELECT count(*) FROM {_KEYS}")
    columns = ", ".join(f'"{c}"' for c in STAGED_COLUMNS)
    selected = ", ".join(f'b."{c}"' for c in STAGED_COLUMNS)
    con.execute(
        f"""
        INSERT INTO surveys ({columns}, import_id, survey_key)
        SELECT {selected}, ?, k.k FROM {_STAGED} b JOIN {_KEYS} k USING ("row")
        """,
        [import_id],
    )
    con.execute(
        'INSERT INTO quarantine (import_id, log, "row", reason, raw) '
        f'SELECT ?, ?, "row", reason, raw FROM {_STAGED_QUARANTINE}',
        [import_id, batch.log],
    )
    unmatched = _count(
        con,
        "SELECT count(*) FROM surveys s WHERE s.import_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM tickets t WHERE t.log = s.log AND t.case_id = s.case_id)",
        import_id,
    )
    result = SurveyAppendResult(
        import_id=import_id,
        stored=stored,
        duplicates_in_file=len(batch.responses) - unique,
        duplicates_in_store=unique - stored,
        quarantined=len(batch.quarantine),
        unmatched=unmatched,
        responses_in_log=_count(con, "SELECT count(*) FROM surveys WHERE log = ?", batch.log),
    )
    report = {**batch.details, **result.__dict__}
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            batch.log,
            batch.source,
            batch.path,
            batch.sha256,
            datetime.now(UTC).replace(tzinfo=None),
            batch.rows_read,
            stored,
            result.quarantined,
            result.duplicates_in_file + result.duplicates_in_store,
            json.dumps(report, default=str),
        ],
    )
    return result
