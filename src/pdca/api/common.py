"""What several API modules share: choosing the log a command works on, and the objectives."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pdca.errors import InputError
from pdca.model.objectives import Resolved, load_objectives

OBJECTIVES_ENV = "PDCA_OBJECTIVES"
"""Environment variable naming the objectives file when no --objectives is given."""
STORE_OBJECTIVES = "objectives.toml"
"""The objectives file a store keeps, ``<store directory>/objectives.toml``; the demo writes one."""


def resolve_objectives(
    path: Path | str | Resolved | None = None, *, store: Path | str | None = None
) -> Resolved:
    """The objectives a command uses and where they come from, in this order (docs/sla.md):

    1. ``path`` (``--objectives FILE``);
    2. the file ``$PDCA_OBJECTIVES`` names;
    3. ``objectives.toml`` in the store directory (``store``, else ``$PDCA_STORE``, else
       ``./.pdca``), when there is one;
    4. the built-in defaults.

    A file that is named but cannot be read is a ``ConfigError``; a ``Resolved`` is returned as
    it is (so the API functions accept what an interface resolved once).
    """
    if isinstance(path, Resolved):
        return path
    if path:
        return Resolved(load_objectives(Path(path)), Path(path), "--objectives")
    named = os.environ.get(OBJECTIVES_ENV)
    if named:
        return Resolved(load_objectives(Path(named)), Path(named), "PDCA_OBJECTIVES")
    from pdca.engine.store import resolve_store_dir  # noqa: PLC0415 (DuckDB loads on use)

    kept = resolve_store_dir(store) / STORE_OBJECTIVES
    if kept.is_file():
        return Resolved(load_objectives(kept), kept, "store")
    return Resolved(load_objectives(None))


def choose_log(st: Any, log: str | None) -> str:
    """The log named ``log``, or the store's only log; a clear error otherwise (``st``: a
    DuckDB store or a Spark store)."""
    logs = st.logs()
    names = logs["log"].tolist()
    if log is not None:
        if log not in names:
            raise InputError(
                f"there is no log {log!r} in the store",
                f"choose one of: {', '.join(names) or '(none: import data first)'}",
            )
        return log
    if len(names) == 1:
        return str(names[0])
    if not names:
        raise InputError("the store is empty", "import data first with `pdca ingest FILE`")
    raise InputError(
        f"the store holds several logs ({', '.join(names)})", "choose one with --log NAME"
    )
