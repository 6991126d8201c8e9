"""The curated public API is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import pdca


def test_public_names() -> None:
    assert sorted(pdca.__all__) == sorted(
        [
            "ImportReport",
            "LoadOptions",
            "PdcaError",
            "Store",
            "__version__",
            "events",
            "export_csv",
            "export_parquet",
            "imports",
            "ingest",
            "quarantine",
            "status",
            "tickets",
        ]
    )
    for name in pdca.__all__:
        assert hasattr(pdca, name), name
