"""pdca: continuous quality improvement for IT service management."""

from pdca.api import (
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
from pdca.engine import Store
from pdca.errors import PdcaError
from pdca.ingest import LoadOptions

__version__ = "0.1.0"

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
