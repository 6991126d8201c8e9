"""The registry of connectors and the detection of a file's source."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdca.errors import InputError
from pdca.ingest.options import LoadOptions
from pdca.ingest.sniff import header_columns

if TYPE_CHECKING:
    from pdca.model.batch import ImportBatch

Loader = Callable[[Path, LoadOptions], "ImportBatch"]


def _builtin(module: str) -> Loader:
    """The ``load`` function of a built-in connector, imported when first called."""

    def load(path: Path, options: LoadOptions) -> ImportBatch:
        loader: Loader = import_module(f"pdca.ingest.{module}").load
        return loader(path, options)

    return load


_LOADERS: dict[str, Loader] = {
    "servicenow": _builtin("servicenow"),
    "bpic2013": _builtin("bpic2013"),
    "csv": _builtin("generic"),
    "xes": _builtin("xes"),
    "ocel": _builtin("ocel"),
}


def _connector(module: str) -> Any:
    return import_module(f"pdca.ingest.{module}")


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
    servicenow, bpic2013 = _connector("servicenow"), _connector("bpic2013")
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
