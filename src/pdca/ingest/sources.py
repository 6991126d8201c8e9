"""The registry of connectors and the detection of a file's source.

One registry holds every connector: the built-ins (each a small module in ``pdca.ingest`` with a
``load(path, options)`` function and, where the format can be recognised, a
``detect(path) -> bool`` function), connectors added in code with :func:`register`, and
third-party connectors installed as packages that declare a Python entry point in the group
``pdca.connectors``::

    [project.entry-points."pdca.connectors"]
    mytool = "mypackage.pdca_connector:load"

The entry point names a ``load(path, options) -> ImportBatch`` callable; its docstring's first
line is the description shown in ``pdca ingest --help`` and ``docs/connectors.md``. The CLI's
``--source`` choices, its help and the documentation are all built from :func:`connectors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdca.errors import InputError
from pdca.ingest.options import LoadOptions
from pdca.ingest.sniff import header_columns

if TYPE_CHECKING:
    from pdca.model.batch import ImportBatch

Loader = Callable[[Path, LoadOptions], "ImportBatch"]

ENTRY_POINT_GROUP = "pdca.connectors"
"""The entry-point group through which an installed package adds a connector."""


@dataclass(frozen=True)
class Connector:
    """One way into pdca: a name for ``--source``, what it reads, and its loader."""

    name: str
    description: str
    loader: Loader
    module: str | None = None
    """The built-in module (``pdca.ingest.<module>``), whose ``detect`` is asked by ``auto``."""
    origin: str = "built-in"
    """``built-in``, ``registered`` (in code) or the distribution that declared the entry point."""


def _builtin_loader(module: str) -> Loader:
    """The ``load`` function of a built-in connector, imported when first called."""

    def load(path: Path, options: LoadOptions) -> ImportBatch:
        loader: Loader = import_module(f"pdca.ingest.{module}").load
        return loader(path, options)

    return load


_BUILTINS: tuple[tuple[str, str, str], ...] = (
    (
        "servicenow",
        "servicenow",
        "ServiceNow incident audit log (one row per update), or a Table API bundle (JSON)",
    ),
    ("bpic2013", "bpic2013", "BPI Challenge 2013 (Volvo IT) incidents or problems"),
    ("csv", "generic", "any CSV/TSV or Excel export, event log or ticket list, with a mapping"),
    ("xes", "xes", "IEEE XES event log (.xes, .xes.gz)"),
    ("ocel", "ocel", "OCEL 2.0 object-centric event log (JSON)"),
    ("jira", "jira", "Jira (Service Management): issue changelog JSON, issue_history CSV"),
    ("jira-csv", "jira_csv", "Jira Service Management CSV export (one row per issue)"),
    ("zendesk", "zendesk", "Zendesk ticket audits and ticket metric events (JSON)"),
    ("glpi", "glpi", "GLPI history: glpi_logs with the tickets table, or the REST Log"),
    ("znuny", "znuny", "Znuny / OTRS ticket_history with its lookup tables"),
    ("zammad", "zammad", "Zammad histories with their lookup tables, or ticket_history JSON"),
    ("osticket", "osticket", "osTicket thread_event with thread, ticket and event tables"),
    ("freshservice", "freshservice", "Freshservice ticket activities (JSON)"),
)

_REGISTRY: dict[str, Connector] = {
    name: Connector(name, text, _builtin_loader(module), module) for name, module, text in _BUILTINS
}
_ALIASES: dict[str, str] = {"otrs": "znuny"}
_entry_points_loaded = False


def _first_line(obj: Any) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else "third-party connector"


def _load_entry_points() -> None:
    """Add the connectors that installed packages declare (once; built-in names win)."""
    global _entry_points_loaded  # noqa: PLW0603 (a process-wide, load-once registry)
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points  # noqa: PLC0415 (only when asked)

    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in _REGISTRY:
            continue
        try:
            loader = point.load()
        except Exception as exc:  # a broken plug-in must not break pdca
            description = f"(cannot be loaded: {type(exc).__name__}: {exc})"
            loader = _broken(point.name, description)
        else:
            description = _first_line(loader)
        dist = getattr(point, "dist", None)
        origin = f"entry point of {dist.name}" if dist is not None else "entry point"
        _REGISTRY[point.name] = Connector(point.name, description, loader, origin=origin)


def _broken(name: str, why: str) -> Loader:
    def load(_path: Path, _options: LoadOptions) -> ImportBatch:
        raise InputError(f"the connector {name!r} {why}", "reinstall or remove its package")

    return load


def register(name: str, loader: Loader, description: str | None = None) -> None:
    """Make a connector available as ``--source NAME`` (replaces one of the same name)."""
    _REGISTRY[name] = Connector(
        name, description or _first_line(loader), loader, origin="registered"
    )


def connectors() -> list[Connector]:
    """Every connector, built-ins first, then the registered and installed ones by name."""
    _load_entry_points()
    builtin = [c for c in _REGISTRY.values() if c.origin == "built-in"]
    others = sorted((c for c in _REGISTRY.values() if c.origin != "built-in"), key=lambda c: c.name)
    return builtin + others


def source_names() -> list[str]:
    """Every registered source name (what ``--source`` accepts besides ``auto``)."""
    return sorted(c.name for c in connectors())


def sources_help() -> str:
    """The ``--source`` help text: every connector and what it reads."""
    listed = "; ".join(f"{c.name}: {c.description}" for c in connectors())
    return f"Connector (default auto: detected from the file). {listed}."


def _vendor_detected(path: Path) -> str | None:
    for connector in connectors():
        if connector.module is None or connector.name in ("bpic2013", "csv"):
            continue
        try:
            module = import_module(f"pdca.ingest.{connector.module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pdca.ingest.{connector.module}":
                raise
            continue  # a connector whose module is not part of this build
        detect = getattr(module, "detect", None)
        if detect is not None and detect(path):
            return connector.name
    return None


def detect_source(path: Path) -> str:
    """Guess the connector from the file name and content; fall back to generic CSV.

    The cheap, specific signatures come first (XES by name; the ServiceNow and BPIC 2013 headers),
    then each built-in connector's ``detect``, then OCEL for other JSON and the generic CSV.
    """
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    tabular = path.is_file() and not name.removesuffix(".gz").endswith(".json")
    if tabular and not name.endswith((".xlsx", ".xlsm")):
        columns = header_columns(path)
        servicenow = import_module("pdca.ingest.servicenow")
        bpic2013 = import_module("pdca.ingest.bpic2013")
        if columns >= servicenow.SIGNATURE:
            return "servicenow"
        if columns >= bpic2013.INCIDENT_SIGNATURE or columns >= bpic2013.PROBLEM_SIGNATURE:
            return "bpic2013"
    vendor = _vendor_detected(path)
    if vendor is not None:
        return vendor
    if path.is_dir():
        raise InputError(
            f"{path} is a folder that no connector recognises",
            "give a file, or name the tool with --source",
        )
    if name.removesuffix(".gz").endswith((".jsonocel", ".ocel.json", ".json")):
        return "ocel"
    return "csv"


def connector(name: str) -> Connector:
    """The connector called ``name`` (or an alias such as ``otrs``)."""
    known = {c.name: c for c in connectors()}
    found = known.get(_ALIASES.get(name, name))
    if found is None:
        raise InputError(
            f"unknown source {name!r}", f"use one of: auto, {', '.join(source_names())}"
        )
    return found


def load(path: Path, source: str, options: LoadOptions) -> ImportBatch:
    """Read ``path`` with the named connector (``auto`` detects it)."""
    if not path.exists():
        raise InputError(f"file not found: {path}")
    chosen = detect_source(path) if source == "auto" else source
    return connector(chosen).loader(path, options)
