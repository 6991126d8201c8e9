"""The published control-chart cases in ../shared/data/spc_reference, skipped when absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA

SPC_REFERENCE = SHARED_DATA / "spc_reference"
REL = 1e-4
"""Relative tolerance of the reference values (data/README.md)."""


def reference_file(name: str) -> Path:
    """``spc_reference/<name>`` or skip the test, saying why."""
    path = SPC_REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference case {name} not found in {SPC_REFERENCE} (CI provides it)")
    return path


def case(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The data and the expected values of a reference case."""
    expected = json.loads(reference_file(f"{name}.expected.json").read_text(encoding="utf-8"))
    return pd.read_csv(reference_file(f"{name}.csv")), expected


def expected_only(name: str) -> dict[str, Any]:
    """The expected values of a case without data (the Erlang C example)."""
    return json.loads(reference_file(f"{name}.expected.json").read_text(encoding="utf-8"))


def approx(value: float, rel: float = REL) -> Any:
    """``pytest.approx`` at the reference tolerance (an expected 0 must be 0 to 1e-12)."""
    return pytest.approx(value, rel=rel, abs=1e-12)
