"""Smoke run of the importers' fuzzing (the long run is ``python -m fuzz.run``, docs/limits.md):
mutated XES, OCEL, CSV and ``pdca spc`` inputs read, or stop with pdca's clean one-line error —
never another exception."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from fuzz.targets import TARGETS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdca.errors import PdcaError


@pytest.mark.parametrize("target", sorted(TARGETS))
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_inputs_read_or_fail_cleanly(target: str, seed: int) -> None:
    make, call = TARGETS[target]
    data, suffix = make(random.Random(seed))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            call(path)
        except PdcaError as exc:
            message = str(exc).strip()
        else:
            message = "read"
    assert message
    assert "\n" not in message
