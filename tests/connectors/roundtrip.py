"""The end-to-end check every connector takes: the simulator's desk, written in the tool's own
format (``pdca simulate --to NAME``), read back by the connector, must give the same canonical
events and the same KPI values as the simulator's own log (the known truth).

``roundtrip(tmp_path, fmt="jira", source="jira")`` returns both stores' events and KPI tables;
:func:`assert_same_events` and :func:`assert_same_kpis` compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pdca import api
from pdca.ingest.options import LoadOptions
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate
from pdca.simulate.truth import objectives_toml

KPIS = ("mttr", "mtta", "fcr", "sla_resolution", "reopen_rate")
COMPARED = ("state", "assignment_group", "resource", "priority")


@dataclass
class RoundTrip:
    truth_events: pd.DataFrame
    read_events: pd.DataFrame
    truth_kpis: pd.DataFrame
    read_kpis: pd.DataFrame
    written: list[Path]
    truth_store: Path
    read_store: Path
    objectives: Path


def roundtrip(
    tmp_path: Path,
    *,
    fmt: str,
    source: str,
    out_name: str | None = None,
    tickets: int = 300,
    days: int = 45,
    seed: int = 7,
    kpis: tuple[str, ...] = KPIS,
    options: LoadOptions | None = None,
) -> RoundTrip:
    """Simulate one desk into a store (truth) and into ``fmt``; ingest the latter with
    ``source``; return both."""
    config = make_config(seed=seed, days=days, tickets=tickets, log="desk")
    truth_store, read_store = tmp_path / "truth", tmp_path / "read"
    simulate(config, store=truth_store, hidden=False)
    out = tmp_path / (out_name or f"desk-{fmt}")
    report = simulate(config, out=out, fmt=fmt, hidden=False)
    objectives = tmp_path / "objectives.toml"
    objectives.write_text(objectives_toml(config), encoding="utf-8")
    api.ingest(
        out,
        source=source,
        store=read_store,
        options=options or LoadOptions(log="desk"),
    )
    wanted = list(kpis)
    return RoundTrip(
        truth_events=api.events(truth_store, log="desk"),
        read_events=api.events(read_store, log="desk"),
        truth_kpis=api.kpi(wanted, store=truth_store, log="desk", objectives=objectives),
        read_kpis=api.kpi(wanted, store=read_store, log="desk", objectives=objectives),
        written=report.written,
        truth_store=truth_store,
        read_store=read_store,
        objectives=objectives,
    )


def _ordered(events: pd.DataFrame, fields: tuple[str, ...]) -> pd.DataFrame:
    frame = events[["case_id", "timestamp", *fields]].copy()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.floor("s")
    for name in fields:
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame.sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True)


def assert_same_events(trip: RoundTrip, fields: tuple[str, ...] = COMPARED) -> None:
    """Same tickets, same number of events, and per ticket the same times and field values."""
    truth, read = _ordered(trip.truth_events, fields), _ordered(trip.read_events, fields)
    assert sorted(set(read["case_id"])) == sorted(set(truth["case_id"]))
    assert len(read) == len(truth), (len(read), len(truth))
    diff = (truth != read) & ~(truth.isna() & read.isna())
    bad = diff.any(axis=1)
    assert not bad.any(), pd.concat([truth[bad].head(5), read[bad].head(5)], keys=["truth", "read"])


def assert_same_kpis(trip: RoundTrip, rel: float = 1e-9) -> None:
    """Every KPI value of the connector's store equals the simulator's (the known truth)."""
    truth = trip.truth_kpis.set_index("kpi")["value"].astype(float)
    read = trip.read_kpis.set_index("kpi")["value"].astype(float)
    assert list(read.index) == list(truth.index)
    np.testing.assert_allclose(read.to_numpy(), truth.to_numpy(), rtol=rel, equal_nan=True)
