"""The generic connector: any CSV/TSV or Excel export, with a mapping or a suggested one.

How a new user brings a log from any tool: ``pdca ingest export.csv``. The encoding and the
delimiter are detected (and reported), Excel workbooks are read directly, and when no mapping
file is given pdca drafts one from the header names and the values. When the draft cannot tell
which column is the ticket, the time or the status, the error lists the columns and says how to
write a mapping (``pdca suggest-mapping FILE > map.toml``, then ``--map map.toml``). Options
given on the command line (``--dayfirst``, ``--encoding``, ``--delimiter``, ``--timezone``) win
over the mapping.

A mapping with a ``[dates]`` table reads the file as a ticket list (one row per ticket, one event
per date column: :mod:`pdca.ingest.ticket_list`); the suggested mapping has one when the headers
name an opening date and another date and every row is a different ticket.
"""

from __future__ import annotations

from pathlib import Path

from pdca.errors import InputError
from pdca.ingest.delimited import apply_options, batch_from_raw
from pdca.ingest.mapping import Mapping, load_mapping
from pdca.ingest.options import LoadOptions
from pdca.ingest.suggest import suggest
from pdca.ingest.table import Table, read_table
from pdca.ingest.ticket_list import batch_from_list
from pdca.model.batch import ImportBatch


def _check_rows(table: Table, path: Path) -> None:
    raw = table.raw
    if len(raw.frame):
        return
    if raw.bad_rows:
        first = raw.bad_rows[0]
        where = "" if first.line is None else f"line {first.line}: "
        raise InputError(
            f"no row of {path.name} could be read ({len(raw.bad_rows)} malformed, "
            f"e.g. {where}{first.reason})",
            "check the delimiter (--delimiter) and the quoting of the file",
        )
    raise InputError(f"{path.name} has a header line but no data rows")


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Read a CSV/TSV or Excel file into a batch of canonical events."""
    given: Mapping | None = load_mapping(options.mapping) if options.mapping else None
    read = given.read if given else None
    table = read_table(
        path,
        encoding=options.encoding or (read.encoding if read else None),
        delimiter=options.delimiter or (read.delimiter if read else None),
        sheet=read.sheet if read else None,
    )
    _check_rows(table, path)
    if given is None:
        mapping = suggest(table, path, options).to_mapping(keep_format=False)
        origin = "suggested"
    else:
        mapping, origin = given, str(options.mapping)
    mapping = apply_options(mapping, options)
    build = batch_from_list if mapping.is_ticket_list else batch_from_raw
    batch = build(table.raw, mapping, path, table.sha256, options)
    batch.details.setdefault("formats", {}).update(table.formats())
    batch.details["mapping"] = {
        "origin": origin,
        "columns": {k: v for k, v in mapping.columns.model_dump().items() if v},
    }
    if mapping.is_ticket_list:
        batch.details["mapping"]["dates"] = {
            name: spec.column for name, spec in mapping.date_columns().items()
        }
    return batch
