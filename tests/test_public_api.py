"""The curated public API is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import pdca


def test_public_names() -> None:
    assert sorted(pdca.__all__) == sorted(
        [
            "Desk",
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
            "open",
            "quarantine",
            "status",
            "tickets",
        ]
    )
    for name in pdca.__all__:
        assert hasattr(pdca, name), name


def test_version_matches_the_project_metadata() -> None:
    import tomllib  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    assert pdca.__version__ == project["project"]["version"]


def test_ingest_is_the_import_function_even_after_connectors_load() -> None:
    import pdca.ingest.servicenow  # noqa: PLC0415

    assert callable(pdca.ingest)
