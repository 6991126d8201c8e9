"""``pdca ingest --bulk``: a file with a fixed shape imported through the engine's bulk path.

The bulk path (:mod:`pdca.ingest.bulk_csv` reads, :mod:`pdca.engine.bulk_import` stores) takes
the ServiceNow audit log, the BPI Challenge 2013 logs and any CSV with a mapping file. Other files,
and mappings it does not handle (value maps, ticket lists), take the usual path: :func:`ingest_bulk`
returns ``None`` for them. See ``docs/bulk-import.md``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pdca.engine.bulk_import import import_file
from pdca.engine.store import Store, check_store_dir, resolve_store_dir
from pdca.ingest.bulk_csv import NotBulk, plan
from pdca.ingest.options import LoadOptions


def ingest_bulk(
    path: Path,
    *,
    source: str,
    store: Path | str | None,
    options: LoadOptions,
    progress: object,
) -> object | None:
    """Import ``path`` on the bulk path and return its :class:`~pdca.api.data.ImportReport`, or
    ``None`` (nothing stored) when the file does not take the bulk path."""
    from pdca.api import data  # noqa: PLC0415 (the report and its helpers live there)

    found = plan(path, source, options)
    if found is None:
        return None
    root = check_store_dir(resolve_store_dir(store))
    created = not root.exists()

    def refuse(rows_read: int, good: int, reasons: object) -> None:
        data._refuse_if_nothing_fits(rows_read, good, reasons, path)  # type: ignore[arg-type]

    if callable(progress):
        progress("reading and storing (bulk)")
    try:
        with Store.open(store) as st:
            done = import_file(st, found, derive=data._derivations(), refuse=refuse)
    except BaseException as exc:
        if created:  # the usual path creates no store for an import it refuses
            shutil.rmtree(root, ignore_errors=True)
        if isinstance(exc, NotBulk):
            return None
        raise
    result = done.result
    live = data._live_initiatives(store, done.log)
    return data.ImportReport(
        import_id=result.import_id,
        log=done.log,
        source=done.source,
        path=done.path,
        rows_read=done.rows_read,
        stored=result.stored,
        quarantined=result.quarantined,
        duplicates_in_file=result.duplicates_in_file,
        duplicates_in_store=result.duplicates_in_store,
        events_in_log=result.events_in_log,
        tickets_in_log=result.tickets_in_log,
        details=done.details,
        reverified=data._reverify(store, done.log, progress) if live else [],  # type: ignore[arg-type]
    )
