"""ServiceNow incident audit log (one row per update of an incident), or a Table API bundle.

The mapping is ``mappings/servicenow.toml``: ``number`` is the ticket, ``sys_updated_at`` the
event time (day-first, minute resolution), ``sys_mod_count`` orders updates within the same minute,
``incident_state`` is the activity. ``?`` means missing. A ``.json`` file is the Table API
bundle (incidents + ``sys_audit``) that ``pdca pull servicenow`` writes: see
:mod:`pdca.ingest.servicenow_api`.
"""

from __future__ import annotations

from pathlib import Path

from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import builtin_mapping
from pdca.ingest.options import LoadOptions
from pdca.model.batch import ImportBatch

SIGNATURE = frozenset({"number", "incident_state", "sys_mod_count", "sys_updated_at"})
"""Header columns that identify a ServiceNow incident export."""


def detect(path: Path) -> bool:
    """A Table API bundle (``.json``); the audit CSV is recognised by its header columns."""
    from pdca.ingest import servicenow_api  # noqa: PLC0415 (only for JSON)

    return servicenow_api.detect(path)


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read a ServiceNow incident log (or a Table API bundle, ``.json``) into a batch."""
    if path.name.lower().endswith(".json"):
        from pdca.ingest import servicenow_api  # noqa: PLC0415 (only for JSON)

        return servicenow_api.load(path, options)
    return batch_from_delimited(path, builtin_mapping("servicenow"), options)
