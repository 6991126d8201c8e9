"""The improvement register in the records database: initiatives and the log of every change.

Many people work on the register at once (the web app, the CLI, scripts) while imports write
the analytics store, so the register lives in the transactional records database
(:mod:`pdca.records.db`: SQLite beside the store, or PostgreSQL), not in DuckDB.

- :class:`Initiative` — one row per initiative. Structured fields (KPI options, scope, baseline,
  actions, control standard, last verdict) are JSON *text* (``json.dumps(sort_keys=True,
  default=str)``, as the DuckDB register kept them), so a verdict holding NaN is stored the
  same way on SQLite and PostgreSQL and reads back exactly as before.
- :class:`InitiativeChange` — the initiative's own change log: who, when, what, and for an
  update the field with its old and new value (JSON text), numbered per initiative.
- Every change also writes the records audit log (:func:`pdca.records.audit`) in the same
  transaction: ``initiative.new``, ``initiative.update``, ``initiative.verify``,
  ``initiative.adopt``, ``register.migrate``.
- Concurrent writers are serialised per initiative: a change first bumps the row's
  ``version`` (an UPDATE, which takes the row's write lock on PostgreSQL and the database's
  write lock on SQLite before anything is read), then reads, then writes — so two sessions
  changing one initiative take turns and neither loses the other's change.
- :func:`migrate_store` copies, once, the initiatives of a store made by an earlier pdca
  (DuckDB tables ``initiatives`` and ``initiative_log``, store migration 3) into the records
  database, keeping their ids when free; the DuckDB tables are left as they are, and
  :class:`RegisterMigration` records that (and when) they were copied.

Datetimes go in and come out as naive UTC (the analytics store's convention).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from pdca.errors import InputError
from pdca.records.audit import audit
from pdca.records.base import Base, UtcDateTime, utcnow

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
"""The fields of an initiative as the API gives them."""
JSON_COLUMNS = frozenset({"kpi_options", "scope", "baseline", "actions", "standard", "verdict"})
TIMES = frozenset({"go_live", "created_at", "updated_at"})
STAMPS = frozenset({ID, "created_at", "updated_at"})
"""Fields the register sets itself."""
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
SYSTEM = "pdca"
"""Who the audit log names for what pdca does by itself (the copy of an old register)."""


class Initiative(Base):
    """One initiative of the improvement register."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    problem: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    cycle: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    kpi: Mapped[str] = mapped_column(String(255), nullable=False)
    kpi_options: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[str | None] = mapped_column(Text)
    target: Mapped[float | None] = mapped_column(Float)
    actions: Mapped[str | None] = mapped_column(Text)
    go_live: Mapped[datetime | None] = mapped_column(UtcDateTime)
    standard: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """Bumped by every change (the first statement of a change: it takes the write lock)."""


class InitiativeChange(Base):
    """One entry of an initiative's change log."""

    __tablename__ = "initiative_log"
    __table_args__ = (UniqueConstraint("initiative_id", "entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), nullable=False, index=True
    )
    entry: Mapped[int] = mapped_column(Integer, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    who: Mapped[str] = mapped_column(String(255), nullable=False)
    what: Mapped[str] = mapped_column(Text, nullable=False)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class RegisterMigration(Base):
    """A store whose DuckDB register (made by an earlier pdca) was copied here, once."""

    __tablename__ = "register_migrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store: Mapped[str] = mapped_column(String(1024), nullable=False, unique=True)
    migrated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    initiatives: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    log_entries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ids: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    """JSON text: the old id → the id in the records database (the same unless it was taken)."""


# -- values ------------------------------------------------------------------------------------
def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, datetime | str) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return None
    moment: datetime = stamp.to_pydatetime()
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stored(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS:
        return _json(value)
    if column in TIMES:
        return _aware(value)
    if column == "target" and value is not None:
        return float(value)
    return value


def _normal(column: str, value: Any) -> Any:
    """A value as it reads back (so that unchanged values are recognised)."""
    if column in JSON_COLUMNS and value is not None:
        return json.loads(_json(value) or "null")
    if column in TIMES:
        return _naive(_aware(value))
    return value


def as_dict(row: Initiative) -> dict[str, Any]:
    """An initiative as the API gives it: every field, JSON decoded, naive UTC times."""
    out: dict[str, Any] = {ID: int(row.id)}
    for column in COLUMNS[1:]:
        value = getattr(row, column)
        if column in JSON_COLUMNS:
            value = None if value is None else json.loads(value)
        elif column in TIMES:
            value = _naive(value)
        out[column] = value
    return out


def _check_fields(record: Mapping[str, Any]) -> None:
    unknown = set(record) - set(COLUMNS)
    if unknown:
        raise InputError(
            f"initiatives have no field(s) {', '.join(sorted(unknown))}",
            f"use: {', '.join(c for c in COLUMNS if c not in STAMPS)}",
        )


def _missing(initiative_id: int) -> InputError:
    return InputError(
        f"there is no initiative {initiative_id} in the register", "see `pdca improve list`"
    )


def _short(value: Any) -> Any:
    """A value for the audit log's details (JSON on every backend: no NaN, long text cut)."""
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) else value[:500]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict) and "verdict" in value:
        return {"verdict": _short(value.get("verdict"))}
    return (_json(value) or "")[:500]


# -- writing -----------------------------------------------------------------------------------
def _next_entry(session: Session, initiative_id: int) -> int:
    found = session.scalar(
        select(func.coalesce(func.max(InitiativeChange.entry), 0)).where(
            InitiativeChange.initiative_id == initiative_id
        )
    )
    return int(found or 0) + 1


def write_log(
    session: Session,
    initiative_id: int,
    entries: Iterable[tuple[str, str | None, Any, Any]],
    who: str,
    at: datetime,
) -> None:
    """Append change-log entries ``(what, field, old, new)`` (old and new kept as JSON text)."""
    first = _next_entry(session, initiative_id)
    for i, (what, field, old, new) in enumerate(entries):
        session.add(
            InitiativeChange(
                initiative_id=initiative_id, entry=first + i, changed_at=at, who=who,
                what=what, field=field, old_value=_json(old), new_value=_json(new),
            )
        )  # fmt: skip
    session.flush()


def insert(session: Session, record: dict[str, Any], who: str) -> int:
    """Store a new initiative, its ``created`` log entry and the audit entry; returns its id."""
    _check_fields(record)
    fixed = STAMPS & set(record)
    if fixed:
        raise InputError(f"the field(s) {', '.join(sorted(fixed))} are set by the register")
    at = utcnow()
    row = Initiative(**{c: _stored(c, v) for c, v in record.items()}, created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    created = {k: v for k, v in record.items() if v is not None}
    write_log(session, row.id, [("created", None, None, created)], who, at)
    audit(
        session, who, "initiative.new", f"initiative:{row.id}",
        {"title": _short(record.get("title")), "log": record.get("log"),
         "kpi": record.get("kpi"), "status": record.get("status")},
    )  # fmt: skip
    return int(row.id)


def lock(session: Session, initiative_id: int) -> dict[str, Any]:
    """Take the initiative's write lock (until the session's transaction ends) and read it.

    The first statement is an UPDATE of its ``version``, so that two sessions changing the same
    initiative take turns: the second waits here until the first has committed, and then reads
    what the first wrote.
    """
    bumped = session.execute(
        sql_update(Initiative)
        .where(Initiative.id == initiative_id)
        .values(version=Initiative.version + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(bumped, "rowcount", 0) == 0:
        raise _missing(initiative_id)
    row = session.get(Initiative, initiative_id, populate_existing=True)
    if row is None:  # pragma: no cover - the UPDATE found it
        raise _missing(initiative_id)
    return as_dict(row)


def update(
    session: Session,
    initiative_id: int,
    changes: dict[str, Any],
    who: str,
    what: str = "updated",
    *,
    action: str = "initiative.update",
) -> list[str]:
    """Change fields of an initiative and log each change; returns the fields that changed.

    Fields whose new value equals the stored one are neither written nor logged. The change
    log gets one entry per field, the audit log one entry (``action``) naming them all.
    """
    _check_fields(changes)
    fixed = STAMPS & set(changes)
    if fixed:
        raise InputError(f"the field(s) {', '.join(sorted(fixed))} cannot be changed")
    current = lock(session, initiative_id)
    changed = {k: v for k, v in changes.items() if _json(current.get(k)) != _json(_normal(k, v))}
    if not changed:
        return []
    at = utcnow()
    row = session.get(Initiative, initiative_id)
    assert row is not None
    for column, value in changed.items():
        setattr(row, column, _stored(column, value))
    row.updated_at = at
    session.flush()
    write_log(session, initiative_id, [(what, k, current.get(k), v) for k, v in changed.items()],
              who, at)  # fmt: skip
    audit(
        session, who, action, f"initiative:{initiative_id}",
        {"what": _short(what), "fields": list(changed),
         "values": {k: {"old": _short(current.get(k)), "new": _short(_normal(k, v))}
                    for k, v in changed.items()}},
    )  # fmt: skip
    return list(changed)


# -- reading -----------------------------------------------------------------------------------
def read(session: Session, initiative_id: int) -> dict[str, Any]:
    """One initiative (an :class:`InputError` when there is none with that id)."""
    row = session.get(Initiative, initiative_id, populate_existing=True)
    if row is None:
        raise _missing(initiative_id)
    return as_dict(row)


def read_all(session: Session) -> list[dict[str, Any]]:
    """Every initiative, oldest first."""
    rows = session.scalars(
        select(Initiative).order_by(Initiative.id).execution_options(populate_existing=True)
    )
    return [as_dict(r) for r in rows]


def read_log(session: Session, initiative_id: int | None = None) -> pd.DataFrame:
    """The change log (of one initiative, or of all), in the order the changes were made."""
    query = select(InitiativeChange).order_by(
        InitiativeChange.initiative_id, InitiativeChange.entry
    )
    if initiative_id is not None:
        query = query.where(InitiativeChange.initiative_id == initiative_id)
    rows = [
        [c.initiative_id, c.entry, _naive(c.changed_at), c.who, c.what, c.field, c.old_value,
         c.new_value]
        for c in session.scalars(query)
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    frame["initiative_id"] = frame["initiative_id"].astype("int64")
    frame["entry"] = frame["entry"].astype("int64")
    frame["changed_at"] = pd.to_datetime(frame["changed_at"])
    return frame


# -- the copy of an earlier register -----------------------------------------------------------
def migrated(session: Session, store: str) -> RegisterMigration | None:
    """The record of the copy of ``store``'s DuckDB register, or None (not copied yet)."""
    found: RegisterMigration | None = session.scalar(
        select(RegisterMigration).where(RegisterMigration.store == store)
    )
    return found


def migrate_store(
    session: Session,
    store: str,
    initiatives: list[dict[str, Any]],
    log: pd.DataFrame,
) -> RegisterMigration:
    """Copy a DuckDB register (its initiatives and change log, as
    :mod:`pdca.engine.register` reads them) into the records database, once per ``store``.

    Ids are kept when free (else the next free one; :attr:`RegisterMigration.ids` maps them);
    the change log is copied entry by entry (who, when, what, old and new as they were). The
    record of the copy is written first: a second process copying the same store at the same
    time fails on its unique ``store`` and rolls back (see :func:`copy_once`).
    """
    record = RegisterMigration(store=store, migrated_at=utcnow(), initiatives=len(initiatives),
                               log_entries=len(log))  # fmt: skip
    session.add(record)
    session.flush()
    ids: dict[str, int] = {}
    for old in initiatives:
        old_id = int(old[ID])
        taken = session.get(Initiative, old_id) is not None
        fields = {c: _stored(c, old.get(c)) for c in COLUMNS[1:]}
        row = Initiative(**fields) if taken else Initiative(id=old_id, **fields)
        session.add(row)
        session.flush()
        ids[str(old_id)] = int(row.id)
        entries = log[log["initiative_id"].astype("int64") == old_id] if len(log) else log
        for entry in entries.to_dict("records"):
            session.add(
                InitiativeChange(
                    initiative_id=row.id, entry=int(entry["entry"]),
                    changed_at=_aware(entry["changed_at"]) or utcnow(), who=str(entry["who"]),
                    what=str(entry["what"]), field=_text(entry.get("field")),
                    old_value=_text(entry.get("old_value")),
                    new_value=_text(entry.get("new_value")),
                )
            )  # fmt: skip
    record.ids = json.dumps(ids, sort_keys=True)
    _resync_ids(session)
    audit(
        session, SYSTEM, "register.migrate", f"store:{store}",
        {"initiatives": len(initiatives), "log_entries": len(log), "ids": ids,
         "note": "copied from the store's DuckDB tables, which are left as they were"},
    )  # fmt: skip
    session.flush()
    return record


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _resync_ids(session: Session) -> None:
    """After ids were inserted explicitly, PostgreSQL's sequence must move past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text  # noqa: PLC0415

    session.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('initiatives', 'id'), GREATEST(m, 1), m > 0) "
            "FROM (SELECT COALESCE(MAX(id), 0) AS m FROM initiatives) AS ids"
        )
    )


def copy_once(
    session: Session, store: str, initiatives: list[dict[str, Any]], log: pd.DataFrame
) -> bool:
    """:func:`migrate_store` unless ``store`` was copied already; False when another session
    copied it first (the savepoint is rolled back, nothing is copied twice)."""
    if migrated(session, store) is not None:
        return False
    try:
        with session.begin_nested():
            migrate_store(session, store, initiatives, log)
    except IntegrityError:
        return False
    return True
