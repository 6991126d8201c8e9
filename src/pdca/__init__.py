"""pdca: continuous quality improvement for IT service management.

``pdca.ingest`` is the import function, even though the connectors live in the subpackage of the
same name (the import system binds a subpackage on its parent when it loads; the property on
:class:`_Package` keeps the function the name that answers). Names load on first use, so that
``import pdca`` — and the ``pdca`` command's start-up — does not pay for pandas, Ibis or DuckDB.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pdca.version import __version__

_WHERE = {
    "Desk": "pdca.api.desk",
    "open": "pdca.api.desk",
    "ImportReport": "pdca.api.data",
    "events": "pdca.api.data",
    "export_csv": "pdca.api.data",
    "export_parquet": "pdca.api.data",
    "imports": "pdca.api.data",
    "quarantine": "pdca.api.data",
    "status": "pdca.api.data",
    "tickets": "pdca.api.data",
    "Store": "pdca.engine.store",
    "PdcaError": "pdca.errors",
    "LoadOptions": "pdca.ingest.options",
}

if TYPE_CHECKING:
    from pdca.api.data import (
        ImportReport,
        events,
        export_csv,
        export_parquet,
        imports,
        ingest,
        quarantine,
        status,
        tickets,
    )
    from pdca.api.desk import Desk, open
    from pdca.engine.store import Store
    from pdca.errors import PdcaError
    from pdca.ingest.options import LoadOptions


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pdca' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE, "ingest"})


class _Package(ModuleType):
    """The ``pdca`` module, with ``ingest`` the import function whatever the import system binds."""

    @property
    def ingest(self) -> Any:
        return import_module("pdca.api.data").ingest

    @ingest.setter
    def ingest(self, value: Any) -> None:
        """Loading the subpackage ``pdca.ingest`` binds it here; it stays in ``sys.modules``."""


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Desk",
    "ImportReport",
    "LoadOptions",
    "PdcaError",
    "Store",
    "__version__",
    "events",
    "export_csv",
    "export_parquet",
    "imports",
    "ingest",
    "open",
    "quarantine",
    "status",
    "tickets",
]
