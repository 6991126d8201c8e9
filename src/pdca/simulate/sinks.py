"""Where simulated chunks go: a pdca store, a CSV file or a Parquet file.

The file sinks stream: each chunk is written and dropped, so memory stays flat however long the
simulation. The store sink gathers chunks into imports of at most ``batch_events`` events (one
import for the usual sizes; the cap bounds the memory for very large runs) and writes them all in
one bulk append (:meth:`pdca.engine.store.Store.bulk`): one transaction for the whole simulation,
the log's ticket facts computed once at the end, so the time grows with the number of events and
not with the number of imports, and an interrupted simulation leaves the store as it was. The
survey responses wait in a temporary Parquet file in the store directory and are stored as one
survey import after the events, in the same transaction. (``bulk=False`` appends each import on
its own, as :meth:`~pdca.engine.store.Store.append` does, with the surveys of each batch after
it.) The file sinks write survey responses to a sibling file (``NAME.surveys.csv`` /
``.parquet``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pdca.errors import InputError, StoreError
from pdca.model.batch import QUARANTINE_COLUMNS, ImportBatch
from pdca.model.schema import Col
from pdca.model.surveys import SurveyBatch
from pdca.simulate.config import SimulationConfig
from pdca.simulate.generator import Chunk
from pdca.simulate.truth import (
    HIDDEN_FILE,
    OBJECTIVES_FILE,
    TRUTH_FILE,
    SimulationTruth,
    objectives_toml,
)

if TYPE_CHECKING:
    from pdca.engine.bulk import BulkAppend

SOURCE = "simulator"
BATCH_EVENTS = 1_000_000
"""Largest number of events the store sink hands to one import."""
SURVEY_SPOOL = "_simulation_surveys.tmp.parquet"
"""Where a bulk store sink keeps the survey responses until the events are stored."""
FORMATS = ("store", "csv", "parquet")
"""Pdca's own outputs; every helpdesk's export shape is in :mod:`pdca.simulate.vendors`."""


class Sink(Protocol):
    """Receives chunks in order, then the ground truth."""

    def write(self, chunk: Chunk) -> None:
        """Take one chunk."""

    def close(self, truth: SimulationTruth) -> list[Path]:
        """Finish; returns the files written."""


def fingerprint(config: SimulationConfig) -> str:
    """SHA-256 of the configuration: the simulated 'file's' checksum in the import record."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def _pandas(table: pa.Table) -> pd.DataFrame:
    # Arrow-backed columns: no per-value Python objects, and the store turns them straight back
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


class _Hidden:
    """Streams tables to a Parquet file when given one: the per-ticket hidden values, or the
    survey responses a bulk store sink keeps until the end."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table | None) -> None:
        if self.path is None or table is None:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def close(self) -> list[Path]:
        if self.writer is None or self.path is None:
            return []
        self.writer.close()
        return [self.path]


class StoreSink:
    """Appends the simulated log to a pdca store (one bulk append of one or a few imports)."""

    def __init__(
        self,
        root: Path,
        config: SimulationConfig,
        *,
        hidden: bool = True,
        batch_events: int = BATCH_EVENTS,
        bulk: bool = True,
    ) -> None:
        from pdca.engine.store import Store, check_store_dir  # noqa: PLC0415 (loads on use)

        self.root = root
        self.config = config
        self.batch_events = batch_events
        # a new store only in a new or empty directory; an existing store gets another log
        self.store = Store.open(check_store_dir(root))
        if config.log in set(self.store.logs()[Col.LOG]):
            self.store.close()
            raise StoreError(
                f"the store {root} already holds a log named {config.log!r}",
                "simulate into another store (--store DIR) or give the log another name",
            )
        self.events: list[pa.Table] = []
        self.surveys: list[pa.Table] = []
        self.pending = 0
        self.import_ids: list[int] = []
        self.hidden = _Hidden(root / HIDDEN_FILE if hidden else None)
        self.path = f"simulate:seed={config.seed}"
        self.sha = fingerprint(config)
        self.details: dict[str, Any] = {"simulation": {"seed": config.seed, "days": config.days}}
        self.bulk: BulkAppend | None = None
        self.spool: _Hidden | None = None
        if bulk:
            self.spool = _Hidden(root / SURVEY_SPOOL)
            self.bulk = self.store.bulk(config.log)
            self.bulk.begin()

    def write(self, chunk: Chunk) -> None:
        self.events.append(chunk.events)
        if self.spool is not None:
            self.spool.write(chunk.surveys)
        else:
            self.surveys.append(chunk.surveys)
        self.pending += chunk.events.num_rows
        self.hidden.write(chunk.hidden)
        if self.pending >= self.batch_events:
            self._flush()

    def _flush(self) -> None:
        if not self.events:
            return
        events = pa.concat_tables(self.events)
        surveys = pa.concat_tables(self.surveys) if self.surveys else None
        self.events, self.surveys, self.pending = [], [], 0
        batch = ImportBatch(
            log=self.config.log,
            source=SOURCE,
            path=self.path,
            sha256=self.sha,
            rows_read=events.num_rows,
            events=_pandas(events),
            quarantine=_no_quarantine(),
            details=self.details,
        )
        if self.bulk is not None:
            self.import_ids.append(self.bulk.append(batch))
            return
        self.import_ids.append(self.store.append(batch).import_id)
        if surveys is not None and surveys.num_rows:
            survey_import = self.store.append_surveys(self._survey_batch(surveys))
            self.import_ids.append(survey_import.import_id)

    def _survey_batch(self, surveys: pa.Table) -> SurveyBatch:
        return SurveyBatch(
            log=self.config.log,
            path=self.path,
            sha256=self.sha,
            rows_read=surveys.num_rows,
            responses=_pandas(surveys),
            quarantine=_no_quarantine(),
            details={**self.details, "instrument": "csat", "scale": [1.0, 5.0]},
            source=SOURCE,
        )

    def _finish_bulk(self) -> None:
        """The spooled survey responses as one import, then the commit."""
        assert self.spool is not None
        assert self.bulk is not None
        spooled = self.spool.close()
        if spooled:
            surveys = pq.read_table(spooled[0])
            if surveys.num_rows:
                result = self.bulk.append_surveys(self._survey_batch(surveys))
                self.import_ids.append(result.import_id)
            del surveys
        self.bulk.commit()
        self._drop_spool()

    def close(self, truth: SimulationTruth) -> list[Path]:
        try:
            self._flush()
            if self.bulk is not None:
                self._finish_bulk()
        except BaseException:
            self.abort()
            raise
        self.store.close()
        written = [
            truth.save(self.root / TRUTH_FILE),
            self._objectives(self.root / OBJECTIVES_FILE),
            *self.hidden.close(),
        ]
        return [self.root, *written]

    def abort(self) -> None:
        """Close the store without writing what is still pending (a bulk append is rolled back:
        the store is as it was before the simulation)."""
        try:
            if self.bulk is not None:
                self.bulk.rollback()
        finally:
            self.store.close()
            self.hidden.close()
            self._drop_spool()

    def _drop_spool(self) -> None:
        if self.spool is not None:
            self.spool.close()
            (self.root / SURVEY_SPOOL).unlink(missing_ok=True)

    def _objectives(self, path: Path) -> Path:
        path.write_text(objectives_toml(self.config), encoding="utf-8")
        return path


def _no_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})


def _sibling(path: Path, suffix: str) -> Path:
    name = path.name
    for ext in (".csv", ".parquet", ".pq"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    return path.with_name(name + suffix)


class FileSink:
    """Streams events (and, beside them, survey responses) to CSV or Parquet."""

    def __init__(self, path: Path, fmt: str, *, hidden: bool = True) -> None:
        if fmt not in ("csv", "parquet"):
            raise InputError(f"cannot write {fmt!r}", f"use one of: {', '.join(FORMATS)}")
        if not path.parent.exists():
            raise InputError(f"the folder {path.parent} does not exist", "create it first")
        self.path = path
        self.fmt = fmt
        ext = ".csv" if fmt == "csv" else ".parquet"
        self.survey_path = _sibling(path, f".surveys{ext}")
        self.truth_path = _sibling(path, ".simulation.json")
        self.writers: dict[str, Any] = {}
        self.hidden = _Hidden(_sibling(path, ".tickets.parquet") if hidden else None)

    def _write(self, key: str, path: Path, table: pa.Table) -> None:
        if self.fmt == "csv":
            # whole seconds read back everywhere ("2025-01-01 08:00:00")
            table = table.set_column(
                _time_column(table), table.schema.field(_time_column(table)).name,
                table.column(_time_column(table)).cast(pa.timestamp("s")),
            )  # fmt: skip
        writer = self.writers.get(key)
        if writer is None:
            if self.fmt == "csv":
                writer = pacsv.CSVWriter(path, table.schema)
            else:
                writer = pq.ParquetWriter(path, table.schema)
            self.writers[key] = writer
        writer.write_table(table)

    def write(self, chunk: Chunk) -> None:
        self._write("events", self.path, chunk.events)
        self._write("surveys", self.survey_path, chunk.surveys)
        self.hidden.write(chunk.hidden)

    def close(self, truth: SimulationTruth) -> list[Path]:
        for writer in self.writers.values():
            writer.close()
        return [self.path, self.survey_path, truth.save(self.truth_path), *self.hidden.close()]

    def abort(self) -> None:
        """Close the files (they hold what was written so far)."""
        for writer in self.writers.values():
            writer.close()
        self.hidden.close()


def _time_column(table: pa.Table) -> int:
    """Index of the table's timestamp column (events: timestamp; surveys: responded_at)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            return i
    raise ValueError("no timestamp column")  # pragma: no cover - both tables have one


class VendorSink:
    """Gathers the simulated events and writes them, at the end, in a helpdesk's export shape.

    The vendor shapes are for testing connectors and trying pdca on a tool's format, so the
    events are held in memory until the end (a year of the default desk is about 200 MB);
    the ground truth and the survey responses go beside the output as with ``--to csv``.
    """

    def __init__(self, path: Path, fmt: str, *, hidden: bool = True) -> None:
        from pdca.simulate import vendors  # noqa: PLC0415 (loaded on use)

        if fmt not in vendors.WRITERS:
            raise InputError(f"cannot write {fmt!r}", f"use one of: {', '.join(vendors.names())}")
        if not path.parent.exists():
            raise InputError(f"the folder {path.parent} does not exist", "create it first")
        self.path = path
        self.fmt = fmt
        self.survey_path = _sibling(path, ".surveys.csv")
        self.truth_path = _sibling(path, ".simulation.json")
        self.tables: list[pa.Table] = []
        self.surveys: pacsv.CSVWriter | None = None
        self.hidden = _Hidden(_sibling(path, ".tickets.parquet") if hidden else None)

    def write(self, chunk: Chunk) -> None:
        self.tables.append(chunk.events)
        if self.surveys is None:
            self.surveys = pacsv.CSVWriter(self.survey_path, chunk.surveys.schema)
        self.surveys.write_table(chunk.surveys)
        self.hidden.write(chunk.hidden)

    def close(self, truth: SimulationTruth) -> list[Path]:
        from pdca.simulate import vendors  # noqa: PLC0415 (loaded on use)

        if self.surveys is not None:
            self.surveys.close()
        events = pa.concat_tables(self.tables).to_pandas(timestamp_as_object=False)
        self.tables = []
        written = vendors.write(self.fmt, events, self.path)
        return [*written, self.survey_path, truth.save(self.truth_path), *self.hidden.close()]

    def abort(self) -> None:
        """Close the files written so far (the vendor output is not written)."""
        if self.surveys is not None:
            self.surveys.close()
        self.hidden.close()
