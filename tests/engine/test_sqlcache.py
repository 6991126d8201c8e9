"""Compiled SQL kept between runs: the answers of compiling afresh, whatever the cache holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest

from pdca.engine import sqlcache

LOGS = ["alpha", "o'brien's log", "x'); DROP TABLE t; --", "ünïcödé log", ""]


@pytest.fixture
def con(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PDCA_CACHE_DIR", str(tmp_path / "cache"))
    c = duckdb.connect()
    c.execute("CREATE TABLE t (log VARCHAR, case_id VARCHAR, v INTEGER)")
    rows = [(log, f"c{i % 3}", i) for log in LOGS for i in range(7)]
    c.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    yield c
    c.close()


def _build(con: Any) -> Any:
    backend = ibis.duckdb.from_connection(con)

    def build(log: str) -> Any:
        t = backend.table("t")
        t = t.filter(t.log == log)
        return t.group_by("case_id").aggregate(n=t.count(), total=t.v.sum()).order_by("case_id")

    return build


def _rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def _expected(con: Any, log: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in con.execute(
            "SELECT case_id, count(*), sum(v) FROM t WHERE log = ? GROUP BY case_id "
            "ORDER BY case_id",
            [log],
        ).fetchall()
    ]


@pytest.mark.parametrize("log", LOGS)
def test_every_log_name_gets_its_own_rows(con: Any, log: str) -> None:
    build = _build(con)
    sqlcache.compiled(build, "warm the cache")
    assert _rows(con, sqlcache.compiled(build, log)) == _expected(con, log)


def test_second_call_reads_the_kept_sql(con: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    build = _build(con)
    first = sqlcache.compiled(build, "alpha")
    files = list(sqlcache.directory().glob("*.sql"))
    assert len(files) == 1

    def refuse(*_a: Any, **_k: Any) -> str:
        raise AssertionError("compiled again although the SQL was kept")

    monkeypatch.setattr(ibis, "to_sql", refuse)
    assert sqlcache.compiled(build, "alpha") == first
    assert _rows(con, sqlcache.compiled(build, "ünïcödé log")) == _expected(con, "ünïcödé log")


def test_a_damaged_file_is_compiled_again(con: Any) -> None:
    build = _build(con)
    sqlcache.compiled(build, "alpha")
    (path,) = sqlcache.directory().glob("*.sql")
    path.write_text("SELECT 42 AS wrong", encoding="utf-8")
    assert _rows(con, sqlcache.compiled(build, "alpha")) == _expected(con, "alpha")
    path.write_bytes(b"\xff\xfe\x00 not utf-8")
    assert _rows(con, sqlcache.compiled(build, "alpha")) == _expected(con, "alpha")


def test_an_unwritable_cache_is_ignored(
    con: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PDCA_CACHE_DIR", str(blocker))
    build = _build(con)
    assert _rows(con, sqlcache.compiled(build, "alpha")) == _expected(con, "alpha")


def test_a_log_folded_into_another_value_is_not_substituted(con: Any) -> None:
    backend = ibis.duckdb.from_connection(con)

    def build(log: str) -> Any:
        t = backend.table("t")
        # the log name only occurs inside a longer literal: substitution would be wrong
        return t.filter(t.log.concat("!") == ibis.literal(log + "!")).select("v").order_by("v")

    for log in ["alpha", "o'brien's log"]:
        got = _rows(con, sqlcache.compiled(build, log))
        assert got == [
            tuple(r)
            for r in con.execute("SELECT v FROM t WHERE log = ? ORDER BY v", [log]).fetchall()
        ]


def test_the_key_is_the_expression(con: Any) -> None:
    build = _build(con)
    a = sqlcache.key(build("alpha"))
    assert a is not None
    assert sqlcache.key(_build(con)("alpha")) == a  # built again: the same expression
    assert sqlcache.key(build("beta")) != a  # another literal
    assert sqlcache.key(build("alpha"), "limit=10") != a  # another compile setting
    t = ibis.duckdb.from_connection(con).table("t")
    assert sqlcache.key(t.filter(t.v > 1)) != sqlcache.key(t.filter(t.v > 2))
    assert sqlcache.key(t.select("v")) != sqlcache.key(t.select("case_id"))


def test_in_memory_tables_are_not_kept() -> None:
    import pyarrow as pa  # noqa: PLC0415

    expr = ibis.memtable(pa.table({"a": [1, 2]}))
    assert sqlcache.key(expr) is None


def test_literal_doubles_quotes() -> None:
    con = duckdb.connect()
    for value in LOGS:
        row = con.execute(f"SELECT {sqlcache.literal(value)}").fetchone()
        assert row is not None
        assert row[0] == value


def test_the_store_backend_answers_as_ibis_does(tmp_path: Path) -> None:
    """Queries through the caching backend, and tables kept with ``cache()``, give Ibis' own
    answers, in a first run (compiled and kept) and a second (read back)."""
    from pdca.engine.backend import Backend  # noqa: PLC0415

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT i % 5 AS g, i::DOUBLE / 3 AS x FROM range(100) r(i)")
    plain = ibis.duckdb.from_connection(con)
    expected = (
        plain.table("t").group_by("g").aggregate(s=lambda t: t.x.sum()).order_by("g").execute()
    )
    for _ in range(2):
        ours = Backend.from_connection(con)
        t = ours.table("t")
        kept = t.filter(t.x >= 0).cache()
        got = kept.group_by("g").aggregate(s=kept.x.sum()).order_by("g").execute()
        assert got.to_dict("list") == expected.to_dict("list")
        assert got.dtypes.to_dict() == expected.dtypes.to_dict()
        assert kept.count().execute() == 100
    assert any(sqlcache.directory().glob("*.sql"))


def test_a_named_expression_is_not_even_built_again(con: Any) -> None:
    build = _build(con)
    calls: list[str] = []

    def counted(log: str) -> Any:
        calls.append(log)
        return build(log)

    first = sqlcache.compiled(counted, "alpha", name="test:agg")
    assert _rows(con, first) == _expected(con, "alpha")
    assert calls == [sqlcache.PLACEHOLDER]
    again = sqlcache.compiled(counted, "o'brien's log", name="test:agg")
    assert calls == [sqlcache.PLACEHOLDER]  # read by name: no expression built
    assert _rows(con, again) == _expected(con, "o'brien's log")
