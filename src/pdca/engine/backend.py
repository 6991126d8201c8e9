"""The Ibis backend over a store: DuckDB's, with compiled SQL kept between runs.

Two changes to Ibis' DuckDB backend, both invisible in results:

* :meth:`Backend.compile` reads the SQL of an expression from :mod:`pdca.engine.sqlcache` when it
  was compiled before (by this or an earlier process) instead of compiling it again;
* a table kept in the engine for reuse (``expr.cache()``) gets a name derived from the
  expression's key (and the backend's ordinal number in the process, so that two backends on
  one connection never share a table) rather than a random one, so that the questions asked of
  it are the same expressions from one run to the next and their SQL can be kept too.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import sqlglot.expressions as sge
from ibis.backends.duckdb import Backend as DuckDBBackend

from pdca.engine import sqlcache

_TEMP = ("temp", "main")
_ORDINALS = itertools.count()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Backend(DuckDBBackend):  # type: ignore[misc]  # Ibis' backend class is untyped
    """Ibis' DuckDB backend with a persistent compiled-SQL cache."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pdca_ordinal = next(_ORDINALS)

    def compile(
        self,
        expr: Any,
        /,
        *,
        limit: int | None = None,
        params: Mapping[Any, Any] | None = None,
        pretty: bool = False,
    ) -> str:
        """The SQL of ``expr`` (kept when asked before with the same settings)."""
        if params or pretty:
            return str(super().compile(expr, limit=limit, params=params, pretty=pretty))
        return sqlcache.sql_of(
            expr, lambda: str(super(Backend, self).compile(expr, limit=limit)), f"limit={limit}"
        )

    def _create_cached_table(self, name: str, expr: Any) -> Any:
        key = sqlcache.key(expr, "kept table")
        if key is None:
            return super()._create_cached_table(name, expr)
        self._run_pre_execute_hooks(expr)  # registers the tables of :func:`sqlcache.memtable`
        table = f"_pdca_kept_{key}_{self._pdca_ordinal}"
        target = sge.table_(table, catalog=_TEMP[0], db=_TEMP[1], quoted=True)
        create = sge.Create(
            kind="TABLE",
            this=sge.Schema(
                this=target, expressions=expr.schema().to_sqlglot_column_defs(self.dialect)
            ),
            properties=sge.Properties(expressions=[sge.TemporaryProperty()]),
        ).sql(self.dialect)
        columns = ", ".join(_quoted(c) for c in expr.columns)
        self.con.execute(f"DROP TABLE IF EXISTS {target.sql(self.dialect)}")
        self.con.execute(create)
        self.con.execute(f"INSERT INTO {target.sql(self.dialect)} ({columns}) {self.compile(expr)}")
        return self.table(table, database=_TEMP)
