"""pdca: continuous quality improvement for IT service management.

``pdca.ingest`` is the import function (the connectors live in the subpackage of the same name,
imported here first so that the function is the name that stays bound).
"""

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
from pdca.engine.store import Store
from pdca.errors import PdcaError
from pdca.ingest.options import LoadOptions
from pdca.version import __version__

__all__ = [
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
    "quarantine",
    "status",
    "tickets",
]
