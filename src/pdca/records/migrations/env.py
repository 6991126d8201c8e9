"""Alembic environment: runs on the connection :func:`pdca.records.db.upgrade` hands it.

No ``alembic.ini`` and no logging set-up: pdca drives Alembic from code.
"""

from __future__ import annotations

from alembic import context

import pdca.records  # noqa: F401 (every model registers on the metadata)
from pdca.records.base import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only pdca.records.db.upgrade runs this
    raise RuntimeError("run the records migrations through pdca.records.open_records")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
