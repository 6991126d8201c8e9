"""How a command fails: one line on stderr, whatever went wrong.

* pdca's own errors (:class:`pdca.errors.PdcaError`): the message and its hint, exit code 1;
* the operating system refusing a file (a missing folder, a directory where a file is expected, a
  full disk, no permission): the path and the system's reason, exit code 1;
* the analytics engine running out of memory: what to change, exit code 1;
* anything else is a fault in pdca: one line that says so, the traceback written to a log file
  whose path the line gives, exit code 70 (``EX_SOFTWARE``). A raw traceback never reaches the
  terminal.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

EXIT_USER = 1
EXIT_INTERNAL = 70
LOG_DIR_ENV = "PDCA_LOG_DIR"
"""Where crash logs go (default: the system's temporary folder)."""


def os_error_line(exc: OSError) -> str:
    """``cannot write /x/y.csv: No such file or directory`` — with the path when known."""
    where = exc.filename
    if exc.strerror is None or where is None:
        text = " ".join(str(exc).split())
        return text or type(exc).__name__
    return f"cannot use {where}: {exc.strerror}"


def is_out_of_memory(exc: BaseException) -> bool:
    """The analytics engine (DuckDB) or Python ran out of memory."""
    if isinstance(exc, MemoryError):
        return True
    kind = type(exc)
    return kind.__module__.split(".")[0] == "duckdb" and "OutOfMemory" in kind.__name__


def memory_line() -> str:
    limit = os.environ.get("PDCA_MEMORY_LIMIT")
    said = f" under PDCA_MEMORY_LIMIT={limit}" if limit else ""
    return (
        f"the analysis ran out of memory{said} — raise PDCA_MEMORY_LIMIT, "
        "or narrow the work (--log, --from/--to)"
    )


def crash_log(exc: BaseException) -> Path | None:
    """Write the traceback to a new log file; its path, or None when nothing could be written."""
    folder = Path(os.environ.get(LOG_DIR_ENV) or tempfile.gettempdir())
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    text = "".join(traceback.format_exception(exc))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"pdca-crash-{stamp}-", suffix=".log", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        return None
    return Path(name)


def internal_line(exc: BaseException) -> str:
    """The one line of an unexpected error, with where its traceback was written."""
    where = crash_log(exc)
    first = " ".join(str(exc).split())[:200]
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    kept = f"the traceback is in {where}" if where else "no log could be written"
    return f"internal error ({what}) — this is a fault in pdca; {kept}; please report it"
