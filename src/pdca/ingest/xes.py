"""Connector stub: being written (see the ingest package docs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.options import LoadOptions
from pdca.model.batch import ImportBatch


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read ``path`` into a batch."""
    raise InputError(f"the xes connector is not available yet ({path}, {options})")


def write(events: pd.DataFrame, target: Path) -> Path:
    """Write canonical events (as from ``Store.events_df``) to ``target``."""
    raise InputError(f"export is not available yet ({target}, {len(events)})")
