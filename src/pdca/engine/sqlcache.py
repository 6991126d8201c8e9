"""Compiled SQL kept between runs, the way Python keeps compiled bytecode.

pdca builds its questions as Ibis expressions; turning a large one into SQL (a log's ticket facts,
a KPI with its SLA clocks) takes Ibis about 0.05 to 0.1 s, as long as DuckDB then needs to answer it
on a mid-sized log. The SQL depends only on the expression and on the Ibis and sqlglot versions,
so it is kept in a cache directory and read back the next time the same expression is asked.

The key of an expression is a hash of its pickled operation graph (table names and schemas,
every literal, every operation) and of the Ibis and sqlglot versions: the same key means the
same expression, so the kept SQL is exactly what compiling would give. Small tables handed to
the engine from Python (a calendar's working hours, a period grid) are made with :func:`memtable`,
which names them after a hash of their content; expressions over other in-memory tables (random
names) are not kept.

The import compiles its large expressions (ticket facts, derived tables) for any log at once:
:func:`compiled` builds the expression with a placeholder for the log's name and substitutes
the name as an SQL string literal in the kept SQL. Building those expressions alone takes half a
second, so they are also kept under their name and the size and modification time of pdca's
source files (as :mod:`pdca.engine.cache` does): edited code gives another name.

Where the cache lives: ``$PDCA_CACHE_DIR/sql``, else ``$XDG_CACHE_HOME/pdca/sql``, else
``~/.cache/pdca/sql``. Files are written whole (to a temporary name, then renamed). The cache is an
optimisation only: a directory that cannot be written, an unreadable file, or SQL in which the
placeholder is not found exactly as a literal, and the expression is compiled as without it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
from ibis.formats import TableProxy

from pdca.engine.cache import code_fingerprint

PLACEHOLDER = "pdca-log-placeholder-5f0c"
"""Stands for the log's name while compiling (no quote, no character SQL would escape)."""
_LITERAL = f"'{PLACEHOLDER}'"
DIALECT = "duckdb"
MEMTABLE_PREFIX = "pdca_mem_"
_VERSIONS = f"ibis {ibis.__version__}, sqlglot {version('sqlglot')}, {DIALECT}".encode()


def directory() -> Path:
    """Where compiled SQL is kept (see the module docstring)."""
    if os.environ.get("PDCA_CACHE_DIR"):
        return Path(os.environ["PDCA_CACHE_DIR"]) / "sql"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pdca" / "sql"


def memtable(table: pa.Table) -> Any:
    """An engine table of ``table``'s rows, named after a hash of its content (so that the same
    rows give the same expression in every run). Meant for small tables."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    digest = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:32]
    return ibis.memtable(table).op().copy(name=MEMTABLE_PREFIX + digest).to_expr()


class _Pickler(pickle.Pickler):
    """Pickles sets as their elements' pickles in sorted order: a set's iteration order changes
    with string hashing from one process to the next, and the same expression must give the
    same bytes. The data of an in-memory table is left out: :func:`key` only takes tables named
    after their content. (The bytes are only hashed, never loaded.)"""

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) in (set, frozenset):
            return ("set", tuple(sorted(_graph_bytes(v) for v in obj)))
        if isinstance(obj, TableProxy):
            return ("named by content",)
        return None


def _graph_bytes(op: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=5).dump(op)
    return buffer.getvalue()


def key(expr: Any, extra: str = "") -> str | None:
    """The name under which the SQL of ``expr`` is kept, or None when it is not kept."""
    op = expr.op()
    if any(not m.name.startswith(MEMTABLE_PREFIX) for m in op.find(ops.InMemoryTable)):
        return None
    try:
        graph = _graph_bytes(op)
    except Exception:
        return None
    digest = hashlib.sha256(_VERSIONS)
    digest.update(extra.encode())
    digest.update(graph)
    return digest.hexdigest()[:40]


def literal(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path, sql: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(sql)
        Path(tmp).replace(path)
    except OSError:
        return


def sql_of(expr: Any, compile_: Callable[[], str], extra: str = "") -> str:
    """The SQL of ``expr``: kept, or ``compile_()`` (and then kept). ``extra`` names compile
    settings that are not part of the expression (e.g. a row limit)."""
    name = key(expr, extra)
    if name is None:
        return compile_()
    path = directory() / f"{name}.sql"
    sql = _read(path)
    if not sql:
        sql = compile_()
        _write(path, sql)
    return sql


def compiled(build: Callable[[str], Any], log: str, name: str | None = None) -> str:
    """The SQL of ``build(log)``, compiled once for every log.

    ``build`` must depend on the log only through its argument (the value is substituted as a
    string literal). With a ``name``, the SQL is also kept under a key made of that name and
    the size and modification time of pdca's source files (as the result cache does), so that
    a later run finds it without even building the expression.
    """
    quick = directory() / f"{_named_key(name)}.sql" if name else None
    template = _read(quick) if quick else None
    if not template or _LITERAL not in template:
        expr = build(PLACEHOLDER)
        template = sql_of(expr, lambda: ibis.to_sql(expr, dialect=DIALECT))
        if quick and _LITERAL in template:
            _write(quick, template)
    sql = template.replace(_LITERAL, literal(log))
    if _LITERAL not in template or PLACEHOLDER in sql:
        # the log's name is not (only) a plain literal there: compile it for this log
        return str(ibis.to_sql(build(log), dialect=DIALECT))
    return sql


@functools.cache
def _code() -> str:
    return code_fingerprint(["."])


def _named_key(name: str) -> str:
    text = "\n".join(["named", name, _code(), _VERSIONS.decode()])
    return hashlib.sha256(text.encode()).hexdigest()[:40]
