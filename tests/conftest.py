"""Shared fixtures: the public reference logs in ../shared/data, skipped with a reason if absent."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

SERVICENOW = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
VOLVO = SHARED_DATA / "bpic2013_volvo_incidents.csv.gz"
CLOSED_PROBLEMS = SHARED_DATA / "bpic2013_closed_problems.csv.gz"
OPEN_PROBLEMS = SHARED_DATA / "bpic2013_open_problems.csv.gz"


def pytest_configure(config: pytest.Config) -> None:
    """Compiled SQL (pdca.engine.sqlcache) goes to a directory of this test run, not the user's."""
    if "PDCA_CACHE_DIR" not in os.environ:
        os.environ["PDCA_CACHE_DIR"] = tempfile.mkdtemp(prefix="pdca-test-cache-")


def shared_file(path: Path) -> Path:
    """Return ``path`` or skip the test, saying why."""
    if not path.exists():
        pytest.skip(f"reference data {path.name} not found in {SHARED_DATA} (CI provides it)")
    return path


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """A fresh, empty store directory."""
    return tmp_path / "store"
