"""Properties the theory promises, over generated data.

* Limits of the variables charts move with the data: for y = a·x + b (a > 0) the centre line and
  limits of every panel become a·(centre, lcl, ucl) + b — except the dispersion panels (MR, R, S),
  which only scale by a.
* No chart crashes on awkward data — constant values, a single point or subgroup, all zeros,
  missing values: each either fits or raises a pdca error with a message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdca.errors import PdcaError
from pdca.methods.spc import CHARTS
from tests.methods.spc.test_contract import IDS, _example, _fit, _limits

LOCATION_CHARTS = ("imr", "xbar-r", "xbar-s", "ewma")
DISPERSION_PANELS = {"mr", "r", "s"}


@pytest.mark.parametrize("chart_id", LOCATION_CHARTS)
@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-1e4, max_value=1e4),
    seed=st.integers(0, 10_000),
)
def test_limits_follow_a_change_of_units(
    chart_id: str, scale: float, shift: float, seed: int
) -> None:
    data = _example(chart_id, seed)
    moved = {**data, "values": np.asarray(data["values"], dtype=float) * scale + shift}
    before, after = _fit(chart_id, data), _fit(chart_id, moved)
    for name, frame in before.panels_.items():
        other = after.panels_[name]
        offset = 0.0 if name.lower() in DISPERSION_PANELS else shift
        for col in ("centre", "lcl", "ucl"):
            want = frame[col].to_numpy(dtype=float) * scale + offset
            got = other[col].to_numpy(dtype=float)
            both = ~np.isnan(want)
            np.testing.assert_allclose(got[both], want[both], rtol=1e-7, atol=1e-6 * scale)
    # the signals do not depend on the units either
    assert [s.points for s in before.signals_] == [s.points for s in after.signals_]


def _awkward(chart_id: str) -> dict[str, dict[str, Any]]:
    data = _example(chart_id)
    values = np.asarray(data["values"], dtype=float)
    missing = values.copy()
    missing.flat[3] = np.nan
    one = {k: (np.asarray(v)[:1]) for k, v in data.items()}
    return {
        "constant": {**data, "values": np.full_like(values, float(values.flat[0]))},
        "zeros": {**data, "values": np.zeros_like(values)},
        "single": one,
        "missing": {**data, "values": missing},
    }


@pytest.mark.parametrize("chart_id", IDS)
@pytest.mark.parametrize("case", ["constant", "zeros", "single", "missing"])
def test_awkward_data_fits_or_says_why(chart_id: str, case: str) -> None:
    data = _awkward(chart_id)[case]
    message = ""
    try:
        fitted = CHARTS[chart_id]().fit(data["values"], data.get("sizes"))
    except PdcaError as exc:  # anything else (ZeroDivisionError, …) fails the test
        message = str(exc)
    else:
        assert len(_limits(fitted)) >= 1
        return
    assert len(message) > 10  # a message a user can act on
