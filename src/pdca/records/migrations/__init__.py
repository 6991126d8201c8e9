"""Alembic migrations of the records database, applied by :func:`pdca.records.open_records`."""
