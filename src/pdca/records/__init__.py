"""The records database: users, roles, scopes, tokens, sessions, audit log, the register.

The transactional side of pdca (the analytics store stays DuckDB). SQLite at
``<store>/records.sqlite`` by default, PostgreSQL with ``PDCA_RECORDS_URL=postgresql+pg8000://…``;
Alembic migrations in :mod:`pdca.records.migrations` run on :func:`open_records`.

Models live in small modules (``users``, ``tokens``, ``sessions``, ``audit``); a new register
(e.g. initiatives) is a new module deriving from :class:`~pdca.records.base.Base`, imported
below (so that the metadata knows it), plus a migration revision in ``migrations/versions/``
whose ``down_revision`` is the current head.
"""

from __future__ import annotations

from pdca.records.audit import AuditEntry, audit
from pdca.records.base import Base, utcnow
from pdca.records.db import RECORDS_FILE, RECORDS_FILES, RECORDS_URL_ENV, Records, open_records
from pdca.records.packs import ReportPack
from pdca.records.register import Initiative, InitiativeChange, RegisterMigration
from pdca.records.sessions import LoginAttempt, WebSession
from pdca.records.tokens import ApiToken
from pdca.records.users import Role, Scope, User

__all__ = [
    "RECORDS_FILE",
    "RECORDS_FILES",
    "RECORDS_URL_ENV",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Initiative",
    "InitiativeChange",
    "LoginAttempt",
    "Records",
    "RegisterMigration",
    "ReportPack",
    "Role",
    "Scope",
    "User",
    "WebSession",
    "audit",
    "open_records",
    "utcnow",
]
