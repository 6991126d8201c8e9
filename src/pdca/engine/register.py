"""Writing and reading the improvement register: initiatives and the log of every change.

:class:`pdca.engine.store.Store` calls these functions inside one transaction per change, so a
new initiative and its first log entry, or an update and the entries that record it, are stored
together or not at all (an interrupted write loses nothing and leaves no half change).

The engine knows nothing about what the fields mean (that is :mod:`pdca.improve`); it stores a
record of the columns below. Structured fields (options, scope, baseline, actions, control
standard, last verdict) are kept as JSON text. Every change adds log entries — who, when, what,
and for an update the field with its old and new value (JSON text) — numbered per initiative.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from pdca.errors import InputError

TABLE = "initiatives"
LOG_TABLE = "initiative_log"
ID = "initiative_id"
COLUMNS = (
    ID,
    "log",
    "title",
    "problem",
    "owner",
    "cycle",
    "status",
    "kpi",
    "kpi_options",
    "scope",
    "baseline",
    "target",
    "actions",
    "go_live",
    "standard",
    "verdict",
    "created_at",
    "updated_at",
)
"""Columns of ``initiatives``, in table order."""
JSON_COLUMNS = frozenset({"kpi_options", "scope", "baseline", "actions", "standard", "verdict"})
STAMPS = frozenset({ID, "created_at", "updated_at"})
"""Columns the register sets itself."""
LOG_COLUMNS = (
    "initiative_id",
    "entry",
    "changed_at",
    "who",
    "what",
    "field",
    "old_value",
    "new_value",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _stored(column: str, value: Any) -> Any:
    return _json(value) if column in JSON_COLUMNS else value


def _loaded(column: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str | dict | list) and pd.isna(value)):
        return None
    if column in JSON_COLUMNS:
        return json.loads(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _check_fields(record: dict[str, Any]) -> None:
    unknown = set(record) - set(COLUMNS)
    if unknown:
        raise InputError(
            f"initiatives have no field(s) {', '.join(sorted(unknown))}",
            f"use: {', '.join(c for c in COLUMNS if c not in STAMPS)}",
        )


def _next_entry(con: duckdb.DuckDBPyConnection, initiative_id: int) -> int:
    row = con.execute(
        f"SELECT coalesce(max(entry), 0) FROM {LOG_TABLE} WHERE initiative_id = ?",
        [initiative_id],
    ).fetchone()
    return int(row[0]) + 1 if row else 1


def write_log(
    con: duckdb.DuckDBPyConnection,
    initiative_id: int,
    entries: Sequence[tuple[str, str | None, Any, Any]],
    who: str,
    at: datetime,
) -> None:
    """Append log entries ``(what, field, old, new)``; old and new are stored as JSON text."""
    first = _next_entry(con, initiative_id)
    rows = [
        [initiative_id, first + i, at, who, what, field, _json(old), _json(new)]
        for i, (what, field, old, new) in enumerate(entries)
    ]
    con.executemany(f"INSERT INTO {LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def insert(con: duckdb.DuckDBPyConnection, record: dict[str, Any], who: str) -> int:
    """Store a new initiative and its ``created`` log entry; the caller holds the transaction."""
    _check_fields(record)
    row = con.execute("SELECT nextval('initiative_ids')").fetchone()
    assert row is not None
    initiative_id = int(row[0])
    at = _now()
    full = {**record, ID: initiative_id, "created_at": at, "updated_at": at}
    values = [_stored(c, full.get(c)) for c in COLUMNS]
    con.execute(
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        values,
    )
    created = {k: v for k, v in record.items() if v is not None}
    write_log(con, initiative_id, [("created", None, None, created)], who, at)
    return initiative_id


def read(con: duckdb.DuckDBPyConnection, initiative_id: int) -> dict[str, Any]:
    """One initiative as a dict of its columns (JSON fields decoded)."""
    frame = con.execute(f"SELECT * FROM {TABLE} WHERE {ID} = ?", [initiative_id]).df()
    if frame.empty:
        raise InputError(
            f"there is no initiative {initiative_id} in the register",
            "see `pdca improve list`",
        )
    return _record(frame.iloc[0].to_dict())


def _record(row: Mapping[Any, Any]) -> dict[str, Any]:
    out = {c: _loaded(c, row.get(c)) for c in COLUMNS}
    out[ID] = int(out[ID])
    return out


def read_all(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every initiative, oldest first."""
    frame = con.execute(f"SELECT * FROM {TABLE} ORDER BY {ID}").df()
    return [_record(r) for r in frame.to_dict("records")]


def update(
    con: duckdb.DuckDBPyConnection,
    initiative_id: int,
    changes: dict[str, Any],
    who: str,
    what: str,
) -> list[str]:
    """Change fields of an initiative and log each change; returns the fields that changed.

    Fields whose new value equals the stored one are neither written nor logged. The caller
    holds the transaction.
    """
    _check_fields(changes)
    fixed = STAMPS & set(changes)
    if fixed:
        raise InputError(f"the field(s) {', '.join(sorted(fixed))} cannot be changed")
    current = read(con, initiative_id)
    changed = {k: v for k, v in changes.items() if _json(current.get(k)) != _json(_normal(k, v))}
    if not changed:
        return []
    at = _now()
    sets = ", ".join(f"{c} = ?" for c in [*changed, "updated_at"])
    con.execute(
        f"UPDATE {TABLE} SET {sets} WHERE {ID} = ?",
        [*(_stored(c, v) for c, v in changed.items()), at, initiative_id],
    )
    entries = [(what, k, current.get(k), v) for k, v in changed.items()]
    write_log(con, initiative_id, entries, who, at)
    return list(changed)


def _normal(column: str, value: Any) -> Any:
    """A value as it reads back from the table (so unchanged values are recognised)."""
    if column in JSON_COLUMNS and value is not None:
        return json.loads(_json(value) or "null")
    return value


def read_log(con: duckdb.DuckDBPyConnection, initiative_id: int | None = None) -> pd.DataFrame:
    """The change log (of one initiative, or of all), in the order the changes were made."""
    where = "" if initiative_id is None else f"WHERE {ID} = ?"
    params = [] if initiative_id is None else [initiative_id]
    frame: pd.DataFrame = con.execute(
        f"SELECT {', '.join(LOG_COLUMNS)} FROM {LOG_TABLE} {where} ORDER BY {ID}, entry",
        params,
    ).df()
    return frame
