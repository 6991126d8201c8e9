"""What several API modules share: choosing the log a command works on."""

from __future__ import annotations

from typing import Any

from pdca.errors import InputError


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
