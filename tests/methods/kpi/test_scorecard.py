"""Scorecard status and trend rules, and the scorecard on generated tickets."""

from __future__ import annotations

import math

import pytest

from pdca.methods.kpi.definition import Direction
from pdca.methods.kpi.scorecard import status, trend
from pdca.model.objectives import KpiTarget


@pytest.mark.parametrize(
    ("actual", "target", "want"),
    [
        (72.0, KpiTarget(op=">=", value=70), "green"),
        (70.0, KpiTarget(op=">=", value=70), "green"),
        (64.0, KpiTarget(op=">=", value=70), "amber"),  # misses by 6/70 = 8.6 %
        (60.0, KpiTarget(op=">=", value=70), "red"),  # misses by 14 %
        (20.0, KpiTarget(op="<=", value=24), "green"),
        (26.0, KpiTarget(op="<=", value=24), "amber"),  # 8.3 % over
        (30.0, KpiTarget(op="<=", value=24), "red"),
        (50.0, None, "none"),
        (math.nan, KpiTarget(op=">=", value=1), "none"),
    ],
)
def test_status(actual: float, target: KpiTarget | None, want: str) -> None:
    assert status(actual, target) == want


@pytest.mark.parametrize(
    ("current", "previous", "direction", "want"),
    [
        (80.0, 70.0, Direction.HIGHER, "↑ better"),
        (60.0, 70.0, Direction.HIGHER, "↓ worse"),
        (30.0, 24.0, Direction.LOWER, "↑ worse"),
        (20.0, 24.0, Direction.LOWER, "↓ better"),
        (100.5, 100.0, Direction.LOWER, "→ steady"),
        (120.0, 100.0, Direction.NEUTRAL, "↑"),
        (1.0, math.nan, Direction.LOWER, ""),
    ],
)
def test_trend(current: float, previous: float, direction: Direction, want: str) -> None:
    assert trend(current, previous, direction) == want
