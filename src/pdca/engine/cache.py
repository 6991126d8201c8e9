"""Results kept beside the store, so that asking the same question twice costs nothing.

A cached result is a small table (a scorecard, a KPI series) saved as Parquet in
``<store>/cache/``. Its name is a hash of everything the answer depends on:

* the question (the function and its arguments, e.g. log and period);
* the inputs it reads (the content of the objectives file, not its name);
* the store's data version (:meth:`pdca.engine.store.Store.data_version`), which changes with
  every import that stores rows;
* the code that computes it: pdca's version and the size and modification time of the source
  files of the packages named by the caller (so an edited KPI definition is never answered from
  an old result).

Any change gives another name, so a stale result is never read; old files are simply left
behind (``pdca`` removes the cache files of a store when it imports into it). Caching is an
optimisation only: a cache directory that cannot be written or read is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pdca.version import __version__

CACHE_DIR = "cache"
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def code_fingerprint(packages: Sequence[str]) -> str:
    """Size and modification time of every source file under the named pdca subpackages."""
    parts = [__version__]
    for package in packages:
        base = _PACKAGE_ROOT.joinpath(*package.split("."))
        for path in sorted(base.rglob("*.py")):
            stat = path.stat()
            parts.append(f"{path.relative_to(_PACKAGE_ROOT)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cache_key(**parts: Any) -> str:
    """A stable name for a result from its parts (JSON-serialisable values)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ResultCache:
    """Parquet files in ``<store>/cache``, named by :func:`cache_key`."""

    def __init__(self, store_root: Path) -> None:
        self.directory = store_root / CACHE_DIR

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.parquet"

    def get(self, key: str) -> pd.DataFrame | None:
        """The cached table, or None when there is none (or it cannot be read)."""
        path = self._path(key)
        if not path.exists():
            return None
        try:
            frame: pd.DataFrame = pq.read_table(path).to_pandas()
        except (OSError, pa.ArrowException):
            return None
        return frame

    def put(self, key: str, frame: pd.DataFrame) -> None:
        """Keep ``frame`` under ``key``; written to a temporary file, then renamed (atomic)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        except OSError:
            return
        os.close(fd)
        tmp = Path(name)
        try:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
            tmp.replace(self._path(key))
        except (OSError, pa.ArrowException, TypeError, ValueError):
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every cached result."""
        shutil.rmtree(self.directory, ignore_errors=True)
