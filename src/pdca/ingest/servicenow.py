"""ServiceNow incident audit log (one row per update of an incident).

The mapping is ``mappings/servicenow.toml``: ``number`` is the ticket, ``sys_updated_at`` the
event time (day-first, minute resolution), ``sys_mod_count`` orders updates within the same minute,
``incident_state`` is the activity. ``?`` means missing.
"""

from __future__ import annotations

from pathlib import Path

from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import builtin_mapping
from pdca.ingest.options import LoadOptions
from pdca.model.batch import ImportBatch

SIGNATURE = frozenset({"number", "incident_state", "sys_mod_count", "sys_updated_at"})
"""Header columns that identify a ServiceNow incident export."""


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read a ServiceNow incident log into a batch."""
    return batch_from_delimited(path, builtin_mapping("servicenow"), options)
