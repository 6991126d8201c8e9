"""The cursor of each live pull, and the spool file a pull writes before it imports.

A cursor is kept per (source, URL, log) in the store's ``pull_cursors`` table: the largest
"updated" time among the tickets the last successful pull fetched, in the notation of the tool's
incremental query. It moves only after the pull's bundle has been imported (one transaction), so
a pull interrupted at any point leaves the store and the cursor as they were and the next pull
starts from the same place. The next pull asks for what changed *at or after* the cursor: the
tickets updated at that very second come again, and the store skips the events it already holds
(each event's key is a hash of its content).

The bundle is written to ``<store>/spool/`` (a ``.part`` file renamed when complete) and removed
after the import, whether it succeeded or not.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from pdca.engine.store import Store, is_store, resolve_store_dir

SPOOL_DIR = "spool"


def read_cursor(store: Path | str | None, source: str, url: str, log: str) -> str | None:
    """The cursor of this source, URL and log, or None before the first pull (a store that
    does not exist yet is not created here: only an import creates it)."""
    if not is_store(resolve_store_dir(store)):
        return None
    with Store.open(store) as st:
        return st.pull_cursor(source, url, log)


def save_cursor(  # noqa: PLR0917 (the cursor's key and value)
    store: Path | str | None, source: str, url: str, log: str, cursor: str, import_id: int | None
) -> None:
    """Record the new cursor (call only after the bundle was imported)."""
    with Store.open(store) as st:
        st.set_pull_cursor(source, url, log, cursor, import_id)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _remove_stale(folder: Path) -> None:
    """Remove the spool files of pulls whose process is gone (killed before it cleaned up)."""
    for item in folder.iterdir():
        parts = item.name.split("-")
        if len(parts) >= 3 and parts[-2].isdigit() and not _alive(int(parts[-2])):
            item.unlink(missing_ok=True)


@contextmanager
def spooled(root: Path, source: str, content: dict[str, Any]) -> Iterator[Path]:
    """Write ``content`` as JSON in the store's spool folder; remove it when the block ends."""
    folder = root / SPOOL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    name = f"{source}-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    part, final = folder / f"{name}.part", folder / name
    try:
        with part.open("w", encoding="utf-8") as out:
            json.dump(content, out, ensure_ascii=False)
        part.replace(final)
        yield final
    finally:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        with suppress(OSError):  # another pull's file may still be there
            folder.rmdir()
