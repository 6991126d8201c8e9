"""A delimited file as an engine table, read by the engine itself: no store, no Python parsing.

The direct path of process mining (:mod:`pdca.ingest.direct`) asks questions of a CSV export
without importing it. This module is its engine half: it opens a private in-memory DuckDB, points
DuckDB's own CSV reader at the file with everything stated — delimiter, quote, encoding,
compression, header names, the type of every column, the timestamp format, the tokens that mean
"missing" — so nothing is detected or guessed, and copies the columns a question needs into a
temporary table, in one parallel pass over the file.

File position
    DuckDB's CSV reader delivers rows in file order and ``CREATE TABLE … AS SELECT`` keeps that
    order while ``preserve_insertion_order`` is on (DuckDB's default, which this module sets
    explicitly); the table's ``rowid`` is then each row's 0-based position among the file's
    data rows (DuckDB documents ``rowid`` for exactly this, see "Order Preservation" in its SQL
    dialect docs). ``tests/methods/mining/test_direct.py`` checks it on a file split into many
    small read buffers with four threads. ``row_number() OVER ()`` or ``WITH ORDINALITY`` would
    give the same numbers but make DuckDB read the file with one thread.

Errors
    A value that does not fit its column's type (a date that does not parse, a line with the
    wrong number of fields) stops the copy; :func:`file_errors` turns DuckDB's message into an
    :class:`~pdca.errors.InputError` that names the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pdca.engine.backend import Backend
from pdca.errors import InputError

ROWS = "_pdca_file_rows"
"""Name of the temporary table holding the file's rows in the private database."""
VIEW = "_pdca_file"
"""Name of the view that adds each row's position."""


@dataclass(frozen=True)
class CsvFile:
    """Everything needed to read a delimited file without detecting anything."""

    path: Path
    columns: dict[str, str]
    """Every column of the file in order: name -> DuckDB type (``VARCHAR``, ``BIGINT``…)."""
    delimiter: str = ","
    encoding: str = "utf-8"
    """``utf-8``, ``utf-16`` or ``latin-1``."""
    compression: str = "none"
    """``none`` or ``gzip``."""
    missing: tuple[str, ...] = ("",)
    """Values that mean "missing" (read as NULL)."""
    timestamp_format: str | None = None
    """strftime format of the ``TIMESTAMP``/``TIMESTAMPTZ`` columns; a ``TIMESTAMPTZ`` column
    (a format with ``%z``) is given back as a naive UTC ``TIMESTAMP``."""
    buffer_size: int | None = None
    """Bytes DuckDB reads per buffer (default: DuckDB's); small values test the file order."""
    row: str = "__row__"
    """Name of the extra column: the 0-based position of the row among the file's data rows."""
    settings: dict[str, str | int | bool] = field(default_factory=dict)
    """DuckDB settings for the private database (``threads``, ``memory_limit``…)."""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_sql(f: CsvFile, keep: Sequence[str]) -> str:
    columns = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in f.columns.items()) + "}"
    missing = "[" + ", ".join(_literal(m) for m in f.missing) + "]"
    options = [
        "header = true",
        "auto_detect = false",
        f"delim = {_literal(f.delimiter)}",
        "quote = '\"'",
        "escape = '\"'",
        f"encoding = {_literal(f.encoding)}",
        f"compression = {_literal(f.compression)}",
        f"nullstr = {missing}",
        f"columns = {columns}",
        "strict_mode = true",
    ]
    if f.buffer_size:
        options.append(f"buffer_size = {int(f.buffer_size)}")
    if f.timestamp_format:
        options.append(f"timestampformat = {_literal(f.timestamp_format)}")
    names = ", ".join(
        # the instant as naive UTC, without a time-zone conversion per row
        f"make_timestamp(epoch_us({_quoted(c)})) AS {_quoted(c)}"
        if f.columns[c].upper() == "TIMESTAMPTZ"
        else _quoted(c)
        for c in keep
    )
    return f"SELECT {names} FROM read_csv({_literal(str(f.path))}, {', '.join(options)})"


def _close(backend: Any, con: duckdb.DuckDBPyConnection) -> None:
    # Ibis drops a cached table when its expression is garbage-collected; after the connection
    # is closed that would fail, so release them while it is still open (as Store.close does).
    for name in list(getattr(backend, "_cache_name_to_entry", {})):
        backend._finalize_cached_table(name)
    con.close()


@contextmanager
def open_csv(f: CsvFile, keep: Sequence[str] | None = None) -> Iterator[Any]:
    """The columns ``keep`` (default: all) of every row of the file, plus the row's position
    (column ``f.row``), as an Ibis table in a private in-memory database closed on exit."""
    chosen = list(f.columns) if keep is None else [c for c in f.columns if c in set(keep)]
    if not chosen:
        chosen = list(f.columns)[:1]
    con = duckdb.connect(":memory:")
    backend = Backend.from_connection(con)
    try:
        for name, value in f.settings.items():
            con.execute(f"SET {name} = {_literal(str(value))}")
        con.execute("SET preserve_insertion_order = true")  # rowid = position in the file
        con.execute("SET TimeZone = 'UTC'")
        with file_errors(f.path):
            con.execute(f"CREATE TEMP TABLE {ROWS} AS {_read_sql(f, chosen)}")
        con.execute(f"CREATE TEMP VIEW {VIEW} AS SELECT *, rowid AS {_quoted(f.row)} FROM {ROWS}")
        yield backend.table(VIEW)
    finally:
        _close(backend, con)


@contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """Turn an error DuckDB raises while reading ``path`` into an :class:`InputError`."""
    try:
        yield
    except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
        detail = " ".join(str(exc).split())
        raise InputError(
            f"{path.name} cannot be read as stated: {detail[:600]}",
            "fix the file, or import it with `pdca ingest` (which sets such rows aside and "
            "reports them)",
        ) from None
    except duckdb.IOException as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
