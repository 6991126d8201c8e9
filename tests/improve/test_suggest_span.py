"""A suggestion's gain per month divides by the months the tickets were opened in, not by the
first-to-last event span of a log with a long tail; oracles recomputed from the raw rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from tests.improve.logs import FORMAT, HEADER, START, write_log

MONTH_DAYS = 30.4375
TARGET_H = 4.0  # pdca's built-in resolution target of priority 1 (docs/sla.md)


def _evidence(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split("; "))


def test_the_gain_per_month_uses_the_months_of_openings(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "p1.csv", weeks=12, per_week=8, factor=1.0, change_week=99, seed=41,
        median_hours=6.0, prefix="CRIT", priority="1 - Critical",
    )  # fmt: skip
    # a long tail: two tickets opened in the last week, resolved ten months later
    tail_open = START + timedelta(weeks=11, days=2)
    late = tail_open + timedelta(days=300)
    rows = log.read_text(encoding="utf-8").splitlines()
    for n in range(2):
        number = f"TAIL{n}"
        rows += [
            f"{number},New,0,{tail_open:{FORMAT}},Group A,1 - Critical",
            f"{number},Active,1,{tail_open + timedelta(minutes=5):{FORMAT}},Group A,1 - Critical",
            f"{number},Resolved,2,{late:{FORMAT}},Group A,1 - Critical",
        ]
    assert rows[0] == HEADER
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    api.ingest(log, source="servicenow", store=store)

    raw = pd.read_csv(log)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    opened = raw[raw["incident_state"] == "New"].set_index("number")["at"]
    resolved = raw[raw["incident_state"] == "Resolved"].set_index("number")["at"]
    hours = (resolved - opened).dt.total_seconds() / 3600
    overrun = float(np.clip(hours - TARGET_H, 0, None).sum())
    months = (opened.max() - opened.min()).total_seconds() / 86400 / MONTH_DAYS
    by_events = (raw["at"].max() - raw["at"].min()).total_seconds() / 86400 / MONTH_DAYS
    assert by_events > 3 * months  # the tail would divide by months without openings

    table = api.suggest_initiatives(store=store).set_index("key")
    row = table.loc["capability/1 - Critical"]
    assert row["gain_hours_per_month"] == pytest.approx(overrun / months, rel=1e-9)
    assert row["gain_hours_per_month"] != pytest.approx(overrun / by_events, rel=0.01)
    evidence = _evidence(str(row["evidence"]))
    assert float(evidence["months"]) == pytest.approx(months, rel=1e-5)
    span = f"{opened.min():%Y-%m-%d} to {opened.max():%Y-%m-%d} ({months:.2f} months of openings"
    assert evidence["span"].startswith(span)
    assert evidence["targets"].startswith("built-in defaults (P1 4 h")
