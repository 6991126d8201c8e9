"""`pdca demo --serve`: after the demo, an ``admin`` account with a random password, then serve.

The records database is listed in the demo folder's marker (``pdca-demo.json``), so a later
`pdca demo` may replace the folder with it.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pdca.records import RECORDS_FILES, Role, accounts, open_records

DEMO_ADMIN = "admin"
WHO = "pdca demo"


def mark_records(store: Path) -> None:
    """Add the records database's files to the demo marker's list (when there is a marker)."""
    from pdca.interfaces.demo import MARKER  # noqa: PLC0415 (the demo's own constants)

    marker = store / MARKER
    try:
        mark = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(mark, dict):
        return
    files = sorted({*(mark.get("files") or ()), *RECORDS_FILES})
    marker.write_text(json.dumps({**mark, "files": files}, indent=2) + "\n", encoding="utf-8")


def demo_admin(store: Path) -> str:
    """Create (or give a new password to) the demo's ``admin`` account; return the password."""
    mark_records(store)
    password = secrets.token_urlsafe(12)
    records = open_records(store)
    try:
        with records.session() as db:
            if accounts.find_user(db, DEMO_ADMIN) is None:
                accounts.add_user(db, DEMO_ADMIN, password, Role.ADMIN, who=WHO)
            else:
                accounts.set_password(db, DEMO_ADMIN, password, who=WHO)
                accounts.update_user(db, DEMO_ADMIN, role=Role.ADMIN, disabled=False, who=WHO)
    finally:
        records.close()
    return password
