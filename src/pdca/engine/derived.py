"""Derived tables: results the analyses need again and again, kept in the store at import.

Some analyses start with an expensive step that only depends on the events of a log — ordering
every ticket's events for process mining is the main one. Recomputing it for every question wastes
seconds on large logs, so the import computes it once and keeps it as *derived tables*.

The engine knows nothing about what a derived table means (it must not import the analyses): a
:data:`Derivation` is a name and a function that returns an engine expression; the layer that
imports data hands the derivations to :meth:`pdca.engine.store.Store.append`. Inside the import's
transaction, after the events are stored, the engine

1. deletes the rows of that log from *every* derived table the store knows, so a derived table is
   never stale: after an import made without a derivation, its rows for the log are simply gone
   and the analysis computes the result on the fly;
2. evaluates each derivation in order — a later one may read an earlier one's table through the
   ``table`` function it receives — and stores its rows.

Every derived table has a ``log`` column. The names of derived tables are kept in
``_pdca_derived``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import duckdb

from pdca.engine import sqlcache
from pdca.errors import ConfigError
from pdca.model.schema import Col

META = "_pdca_derived"
Table = Callable[[str], Any]
"""Gives a derived table (already written in this import) restricted to the log."""
Build = Callable[[Any, Table, str], Any]
"""``build(events_of_the_log, table, log)`` returns an expression with a ``log`` column."""
Derivation = tuple[str, Build]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _check(name: str) -> None:
    if not _NAME.match(name):
        raise ConfigError(f"{name!r} is not a valid derived table name", "use lower_snake_case")


def known(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the derived tables this store holds."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [META]
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [str(r[0]) for r in con.execute(f"SELECT name FROM {META} ORDER BY name").fetchall()]


def refresh(
    con: duckdb.DuckDBPyConnection,
    backend: Any,
    events: Callable[[str], Any],
    log: str,
    derivations: Sequence[Derivation],
) -> None:
    """Inside an open transaction: drop the log's rows everywhere, then rebuild them.

    ``events(log)`` gives the events of a log; the SQL of each derivation is compiled once for
    any log and kept (:mod:`pdca.engine.sqlcache`).
    """
    con.execute(f"CREATE TABLE IF NOT EXISTS {META} (name VARCHAR PRIMARY KEY)")
    names = set(known(con))
    for name in sorted(names):
        con.execute(f'DELETE FROM "{name}" WHERE log = ?', [log])

    def table_of(of_log: str) -> Table:
        def table(name: str) -> Any:
            t = backend.table(name)
            return t.filter(t[Col.LOG] == of_log)

        return table

    def expression(build: Build) -> Callable[[str], Any]:
        return lambda of_log: build(events(of_log), table_of(of_log), of_log)

    for name, build in derivations:
        _check(name)
        # kept by name only for pdca's own derivations (their code is what the name key covers)
        where = f"{getattr(build, '__module__', '')}.{getattr(build, '__qualname__', '')}"
        named = f"derived:{name}:{where}" if where.startswith("pdca.") else None
        sql = sqlcache.compiled(expression(build), log, name=named)
        if name in names:
            con.execute(f'INSERT INTO "{name}" BY NAME {sql}')
        else:
            con.execute(f'CREATE TABLE "{name}" AS {sql}')
            con.execute(f"INSERT INTO {META} VALUES (?)", [name])
            names.add(name)


def has_rows(
    con: duckdb.DuckDBPyConnection, name: str, log: str, names: Sequence[str] | None = None
) -> bool:
    """Whether the derived table exists (among ``names``, default: all known) and holds rows of
    the log."""
    if name not in (known(con) if names is None else names):
        return False
    return (
        con.execute(f'SELECT 1 FROM "{name}" WHERE log = ? LIMIT 1', [log]).fetchone() is not None
    )
