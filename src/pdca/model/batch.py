"""What a connector hands to the store: canonical events plus the rows it had to quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

QUARANTINE_COLUMNS: tuple[str, ...] = ("row", "reason", "raw")
"""Quarantine rows: source row position (0-based, -1 when unknown), reason, raw content (JSON)."""


@dataclass
class ImportBatch:
    """One source file, canonicalised and ready to append to the store.

    ``events`` has the canonical event columns except ``import_id`` (assigned by the store).
    ``details`` carries the data-quality facts the connector measured (formats, missing values, …).
    """

    log: str
    source: str
    path: str
    sha256: str
    rows_read: int
    events: pd.DataFrame
    quarantine: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)
    attributes: pd.DataFrame | None = None
    """Optional: the source's other columns, row-aligned with ``events``, as text. When given,
    the store serialises them into ``events.attributes`` (JSON) itself, which is much faster than
    doing it row by row in Python."""


@dataclass(frozen=True)
class AppendResult:
    """What the store did with a batch."""

    import_id: int
    stored: int
    duplicates_in_file: int
    duplicates_in_store: int
    quarantined: int
    tickets_in_log: int
    events_in_log: int
