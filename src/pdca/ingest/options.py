"""Options every connector understands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadOptions:
    """What the user told ``pdca ingest`` beyond the file itself."""

    log: str | None = None
    """Name of the log in the store; default: the file name without extensions."""
    mapping: Path | None = None
    """A mapping TOML file (generic CSV/Excel)."""
    dayfirst: bool | None = None
    """True: day-first dates, False: month-first, None: detect (and refuse when ambiguous)."""
    encoding: str | None = None
    delimiter: str | None = None
    timezone: str | None = None
    """Time zone of timestamps that carry no offset (default UTC)."""


def default_log_name(path: Path) -> str:
    """``servicenow_incident_event_log.csv.gz`` -> ``servicenow_incident_event_log``."""
    name = path.name
    for ext in (
        ".gz",
        ".bz2",
        ".xz",
        ".csv",
        ".tsv",
        ".txt",
        ".xlsx",
        ".xlsm",
        ".xes",
        ".jsonocel",
        ".json",
        ".ocel",
    ):
        name = name.removesuffix(ext)
    return name or "log"
