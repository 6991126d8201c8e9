"""Waiting times of the process map in business hours, against a slow reference.

Events lie on the 5-minute grid of tests/methods/kpi/sla_reference.py, whose plain minute-by-
minute reading of a calendar (zone, weekly hours, holidays) shares no code with pdca's.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from pdca.methods import mining
from pdca.methods.mining import BusinessTime
from pdca.model.calendars import Calendar
from pdca.model.schema import Col
from tests.methods.kpi.sla_reference import CalSpec, business, working_mask
from tests.methods.mining.logs import table

BRUSSELS = CalSpec(
    zone="Europe/Brussels",
    hours={d: [(8 * 60, 12 * 60), (13 * 60, 18 * 60)] for d in range(5)},
    holidays=frozenset({date(2024, 4, 1), date(2024, 5, 1)}),
)
NEW_YORK = CalSpec(zone="America/New_York", hours={d: [(9 * 60, 17 * 60)] for d in range(6)})


def _log(seed: int) -> pd.DataFrame:
    """Tickets over March-May 2024 (both DST changes), steps minutes to days apart."""
    rng = random.Random(seed)
    rows = []
    for case in range(60):
        t = datetime(2024, 3, 1) + timedelta(minutes=5 * rng.randrange(0, 24 * 12 * 80))
        for _ in range(rng.randint(2, 6)):
            rows.append({Col.CASE_ID: f"T{case}", Col.ACTIVITY: rng.choice("ABCD"), "t": t})
            t += timedelta(minutes=5 * rng.choice([1, 7, 30, 200, 600, 2000]))
    return pd.DataFrame(rows)


def _reference(log: pd.DataFrame, spec: CalSpec) -> pd.DataFrame:
    mask = working_mask(spec)
    waits = []
    for _case, g in log.groupby(Col.CASE_ID, sort=False):
        steps = list(zip(g[Col.ACTIVITY], g["t"], strict=True))
        for (a, ta), (b, tb) in pairwise(steps):
            waits.append((a, b, business(mask, ta, tb)))
    w = pd.DataFrame(waits, columns=["source", "target", "wait"])
    return w.groupby(["source", "target"]).agg(
        mean=("wait", "mean"),
        median=("wait", "median"),
        min=("wait", "min"),
        max=("wait", "max"),
        p90=("wait", lambda x: float(np.quantile(x, 0.9))),
        stdev=("wait", lambda x: x.std(ddof=1)),
        total=("wait", "sum"),
        frequency=("wait", "size"),
    )


@pytest.mark.parametrize(("spec", "seed"), [(BRUSSELS, 1), (NEW_YORK, 2)])
def test_business_waits_match_the_reference(spec: CalSpec, seed: int) -> None:
    log = _log(seed)
    events = table(
        [{Col.CASE_ID: c, Col.ACTIVITY: a, Col.TIMESTAMP: t} for c, a, t in log.to_numpy()]
    )
    window = (datetime(2024, 2, 1), datetime(2024, 9, 1))
    calendar = Calendar.model_validate(spec.as_objectives())
    got = mining.process_map(events, business=BusinessTime(calendar, window))
    got = got.set_index(["source", "target"]).sort_index()
    want = _reference(log, spec).sort_index()
    assert list(got.index) == list(want.index)
    assert (got["frequency"] == want["frequency"]).all()
    for col in ("mean", "median", "min", "max", "p90", "stdev", "total"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-9, atol=1e-6, err_msg=col)
    # and business time is not calendar time: at least one wait differs
    calendar_time = mining.process_map(events).set_index(["source", "target"]).sort_index()
    assert (calendar_time["total"] > got["total"]).any()
