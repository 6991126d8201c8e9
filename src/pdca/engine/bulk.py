"""Bulk appends: many batches of one log in one transaction, ticket facts built once.

See :class:`BulkAppend` (opened with :meth:`pdca.engine.store.Store.bulk`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb

from pdca.engine import derived
from pdca.engine import surveys as survey_writer
from pdca.engine.cache import ResultCache
from pdca.engine.derived import Derivation
from pdca.errors import StoreError
from pdca.model.batch import AppendResult, ImportBatch
from pdca.model.surveys import SurveyAppendResult, SurveyBatch

if TYPE_CHECKING:
    from pdca.engine.store import Store

BULK_CASES = "_pdca_bulk_cases"
_OVERLAP = "_pdca_overlap"


@dataclass(frozen=True)
class Written:
    """A batch stored inside a transaction whose import record is still to be written."""

    import_id: int
    log: str
    source: str
    path: str
    sha256: str
    rows_read: int
    details: dict[str, Any]
    stored: int
    duplicates_in_file: int
    duplicates_in_store: int
    quarantined: int


class BulkAppend:
    """Many batches of one log appended in one transaction (:meth:`Store.bulk`).

    :meth:`Store.append` rebuilds the ticket facts of the whole log for every batch, so writing a
    log in k batches reads it k times. Here each batch is staged, keyed, de-duplicated and stored
    with its quarantined rows exactly as :meth:`Store.append` does, and its import record waits;
    the ticket facts are rebuilt once, when something needs them (before survey responses are
    appended, whose ``unmatched`` count reads them) and at :meth:`commit`, which then rebuilds the
    log's derived tables from ``derive`` and commits. The result is the store that appending the
    same batches one by one gives: the same events, tickets, derived tables, quarantine, and
    import records with the same counts (``tickets_in_log`` and ``events_in_log`` as after that
    import). Until the commit nothing is visible to other readers, and an error, an interruption
    or :meth:`rollback` leaves the store as it was.

    Looking for duplicates in the store costs a pass over the log's event keys per batch in
    :meth:`Store.append`; here a batch's keys are compared only with the events of its tickets
    that may already hold events (kept in a temporary table of the log's ticket ids): a key
    covers the ticket id, so no other event can have it. A simulation, whose tickets never span
    two batches, thus never reads the stored events again.

    Use as a context manager (commit at the end of the block, rollback on an exception)::

        with store.bulk(log, derive) as bulk:
            for batch in batches:
                bulk.append(batch)
        bulk.results  # one AppendResult per batch
    """

    def __init__(self, store: Store, log: str, derive: Sequence[Derivation]) -> None:
        self.store = store
        self.log = log
        self.derive = tuple(derive)
        self.results: list[AppendResult] = []
        """One per batch, in order; complete after :meth:`commit`."""
        self._pending: list[Written] = []
        self._events_in_log = 0
        self._open = False
        self._changed = False

    def __enter__(self) -> BulkAppend:
        self.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def begin(self) -> None:
        """Open the transaction (the context manager does it)."""
        con = self.store._con
        con.execute("BEGIN TRANSACTION")
        self._open = True
        try:
            self._events_in_log = scalar(con, "SELECT count(*) FROM events WHERE log = ?", self.log)
            con.execute(
                f"CREATE TEMP TABLE {BULK_CASES} AS"
                " SELECT DISTINCT case_id FROM events WHERE log = ?",
                [self.log],
            )
        except BaseException:
            self.rollback()
            raise

    def _check(self, log: str) -> None:
        if not self._open:
            raise StoreError("internal: the bulk append is not open")
        if log != self.log:
            raise StoreError(f"internal: a batch of log {log!r} in a bulk append to {self.log!r}")

    def append(self, batch: ImportBatch) -> int:
        """Store one batch of events (no ticket facts yet); returns its import id."""
        self._check(batch.log)
        written = self.store._insert_batch(batch, narrow=BULK_CASES)
        self._events_in_log += written.stored
        self._pending.append(written)
        self._changed = True
        return written.import_id

    def append_surveys(self, batch: SurveyBatch) -> SurveyAppendResult:
        """Store survey responses of the log (after bringing the ticket facts up to date)."""
        self._check(batch.log)
        self._tickets()
        with survey_writer.staged(self.store._con, batch):
            result = survey_writer.append_in_transaction(self.store._con, batch)
        self._changed = True
        return result

    def _tickets(self) -> None:
        """Rebuild the log's ticket facts and write the waiting import records."""
        if not self._pending:
            return
        con = self.store._con
        self.store._refresh_tickets(self.log)
        # tickets in the log after import i: the tickets whose first event came with import <= i
        firsts = con.execute(
            "SELECT first, count(*) FROM (SELECT min(import_id) AS first FROM events"
            " WHERE log = ? GROUP BY case_id) GROUP BY first ORDER BY first",
            [self.log],
        ).fetchall()
        events_after = self._events_in_log - sum(w.stored for w in self._pending)
        for written in self._pending:
            events_after += written.stored
            tickets = sum(int(n) for first, n in firsts if int(first) <= written.import_id)
            self.results.append(
                self.store._record_import(
                    written, tickets_in_log=tickets, events_in_log=events_after
                )
            )
        self._pending = []

    def commit(self) -> None:
        """Ticket facts, import records and derived tables; then commit."""
        if not self._open:
            return
        con = self.store._con
        try:
            self._tickets()
            if self._changed:
                derived.refresh(con, self.store.backend, self.store.events, self.log, self.derive)
            con.execute(f"DROP TABLE IF EXISTS {BULK_CASES}")
        except BaseException:
            self.rollback()
            raise
        con.execute("COMMIT")
        self._open = False
        self.store._derived_names = None
        if self._changed:
            ResultCache(self.store.root).clear()

    def rollback(self) -> None:
        """Forget everything appended since :meth:`begin`."""
        if not self._open:
            return
        self._open = False
        con = self.store._con
        con.execute("ROLLBACK")
        self.store._unstage()
        con.execute(f"DROP TABLE IF EXISTS {BULK_CASES}")
        con.execute(f"DROP TABLE IF EXISTS {_OVERLAP}")
        self._pending = []
        self.results = []


def delete_known_keys(con: duckdb.DuckDBPyConnection, log: str, cases: str) -> None:
    """Bulk appends: drop from ``_pdca_keys`` the keys the log holds already, looking only at
    the tickets that ``cases`` (the log's ticket ids so far) and the batch share; then add the
    batch's other tickets to ``cases``."""
    con.execute(
        f"CREATE TEMP TABLE {_OVERLAP} AS SELECT b.case_id FROM"
        " (SELECT DISTINCT case_id FROM _pdca_keys) b"
        f" SEMI JOIN {cases} c ON b.case_id IS NOT DISTINCT FROM c.case_id"
    )
    if scalar(con, f"SELECT count(*) FROM {_OVERLAP}"):
        con.execute(
            "DELETE FROM _pdca_keys WHERE k IN (SELECT e.event_key FROM events e"
            f" SEMI JOIN {_OVERLAP} o ON e.case_id IS NOT DISTINCT FROM o.case_id"
            " WHERE e.log = ?)",
            [log],
        )
    con.execute(
        f"INSERT INTO {cases} SELECT DISTINCT k.case_id FROM _pdca_keys k"
        f" ANTI JOIN {_OVERLAP} o ON k.case_id IS NOT DISTINCT FROM o.case_id"
    )
    con.execute(f"DROP TABLE {_OVERLAP}")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> int:
    """The first value of the first row of ``sql`` as an int (0 when empty)."""
    row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
