"""The registry of connectors and the detection of a file's source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pdca.errors import InputError
from pdca.ingest import bpic2013, generic, ocel, servicenow, xes
from pdca.ingest.options import LoadOptions
from pdca.ingest.sniff import header_columns
from pdca.model.batch import ImportBatch

Loader = Callable[[Path, LoadOptions], ImportBatch]

_LOADERS: dict[str, Loader] = {
    "servicenow": servicenow.load,
    "bpic2013": bpic2013.load,
    "csv": generic.load,
    "xes": xes.load,
    "ocel": ocel.load,
}


def register(name: str, loader: Loader) -> None:
    """Make a connector available as ``--source NAME`` (built-ins register the same way)."""
    _LOADERS[name] = loader


def source_names() -> list[str]:
    """Every registered source name."""
    return sorted(_LOADERS)


def detect_source(path: Path) -> str:
    """Guess the connector from the file name and header; fall back to generic CSV."""
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if name.removesuffix(".gz").endswith((".jsonocel", ".ocel.json", ".json")):
        return "ocel"
    if name.endswith((".xlsx", ".xlsm")):
        return "csv"
    columns = header_columns(path)
    if columns >= servicenow.SIGNATURE:
        return "servicenow"
    if columns >= bpic2013.INCIDENT_SIGNATURE or columns >= bpic2013.PROBLEM_SIGNATURE:
        return "bpic2013"
    return "csv"


def load(path: Path, source: str, options: LoadOptions) -> ImportBatch:
    """Read ``path`` with the named connector (``auto`` detects it)."""
    if not path.exists():
        raise InputError(f"file not found: {path}")
    chosen = detect_source(path) if source == "auto" else source
    loader = _LOADERS.get(chosen)
    if loader is None:
        raise InputError(
            f"unknown source {chosen!r}", f"use one of: auto, {', '.join(source_names())}"
        )
    return loader(path, options)
