"""Opening the records database: SQLite beside the store by default, PostgreSQL by URL.

Migrations (Alembic, :mod:`pdca.records.migrations`) are applied on open, so a new pdca on an
old database brings it up to date before anything reads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from pdca.errors import ConfigError, StoreError

RECORDS_FILE = "records.sqlite"
"""The SQLite records database inside the store directory."""
RECORDS_FILES = (RECORDS_FILE, f"{RECORDS_FILE}-wal", f"{RECORDS_FILE}-shm")
"""Every file SQLite may keep for it (write-ahead log mode)."""
RECORDS_URL_ENV = "PDCA_RECORDS_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Records:
    """An opened records database: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on an error."""
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def records_url(store: Path, url: str | None = None) -> str:
    """``url``, else ``$PDCA_RECORDS_URL``, else SQLite at ``<store>/records.sqlite``."""
    chosen = url or os.environ.get(RECORDS_URL_ENV)
    if chosen:
        if not chosen.startswith(("sqlite", "postgresql+pg8000")):
            raise ConfigError(
                f"unsupported records database URL scheme in {chosen.split(':', 1)[0]!r}",
                "use sqlite:///PATH or postgresql+pg8000://USER:PASSWORD@HOST/DB",
            )
        return chosen
    return f"sqlite:///{Path(store).resolve() / RECORDS_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def open_records(store: Path, url: str | None = None, *, migrate: bool = True) -> Records:
    """Open (creating and migrating as needed) the records database of ``store``.

    ``url`` (or ``$PDCA_RECORDS_URL``): a SQLAlchemy URL, ``postgresql+pg8000://…`` for
    PostgreSQL; default SQLite at ``<store>/records.sqlite``.
    """
    chosen = records_url(store, url)
    if chosen.startswith("sqlite"):
        if not url and not os.environ.get(RECORDS_URL_ENV):
            Path(store).mkdir(parents=True, exist_ok=True)
        engine = create_engine(chosen, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(chosen, pool_pre_ping=True)
    if migrate:
        try:
            upgrade(engine)
        except Exception as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open the records database: {type(exc).__name__}: {exc}".splitlines()[0],
                "check PDCA_RECORDS_URL (or the store's permissions)",
            ) from exc
    return Records(engine, sessionmaker(engine, expire_on_commit=False), chosen)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations up to ``revision`` on ``engine``."""
    from alembic import command  # noqa: PLC0415 (only when opening)
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
