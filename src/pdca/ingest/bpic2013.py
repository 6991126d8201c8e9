"""BPI Challenge 2013 (Volvo IT Belgium): the incident status log and the two problem logs.

Incidents (``mappings/bpic2013_incidents.toml``): comma-separated UTF-8 with BOM, ISO timestamps
with offset, support level ``ST Level``. Problems (``mappings/bpic2013_problems.toml``):
semicolon-separated ISO-8859-1; the activity is ``Problem Status-Problem Sub Status``.
"""

from __future__ import annotations

from pathlib import Path

from pdca.ingest.delimited import batch_from_delimited
from pdca.ingest.mapping import builtin_mapping
from pdca.ingest.options import LoadOptions
from pdca.ingest.sniff import header_columns
from pdca.model.batch import ImportBatch

INCIDENT_SIGNATURE = frozenset({"SR Number", "Change Date+Time", "Status", "Sub Status"})
PROBLEM_SIGNATURE = frozenset({"Problem Number", "Problem Change Date+Time", "Problem Status"})


def load(path: Path, options: LoadOptions, *, header: frozenset[str] | None = None) -> ImportBatch:
    """Read either BPIC 2013 log; which one is told by its header."""
    columns = header if header is not None else header_columns(path)
    name = "bpic2013_problems" if columns >= PROBLEM_SIGNATURE else "bpic2013_incidents"
    return batch_from_delimited(path, builtin_mapping(name), options)
