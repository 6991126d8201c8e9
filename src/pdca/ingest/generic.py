"""Connector stub: being written (see the ingest package docs)."""

from __future__ import annotations

from pathlib import Path

from pdca.errors import InputError
from pdca.ingest.options import LoadOptions
from pdca.model.batch import ImportBatch


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read ``path`` into a batch."""
    raise InputError(f"the generic connector is not available yet ({path}, {options})")
