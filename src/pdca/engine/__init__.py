"""Analytics engine and store. The only layer that imports DuckDB (and later PySpark)."""

from pdca.engine.store import Store, resolve_store_dir

__all__ = ["Store", "resolve_store_dir"]
