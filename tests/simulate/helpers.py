"""Running small simulations in memory and recomputing ticket facts with plain pandas.

The facts here are computed independently of pdca (no pdca.model.facts, no mining code), so
the statistical tests compare the simulator against an oracle that shares no code with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pdca.simulate import SimulationConfig, SimulationTruth, Simulator

RESOLUTION = ("resolved", "closed")


@dataclass
class Run:
    """What a simulation produced, as DataFrames."""

    config: SimulationConfig
    events: pd.DataFrame
    surveys: pd.DataFrame
    hidden: pd.DataFrame
    truth: SimulationTruth


def run(config: SimulationConfig) -> Run:
    """Simulate in memory (every chunk kept)."""
    sim = Simulator(config)
    events, surveys, hidden = [], [], []
    for chunk in sim.chunks(hidden=True):
        events.append(chunk.events)
        surveys.append(chunk.surveys)
        hidden.append(chunk.hidden)
    return Run(
        config,
        pa.concat_tables(events).to_pandas(),
        pa.concat_tables(surveys).to_pandas(),
        pa.concat_tables(hidden).to_pandas(),
        sim.truth,
    )


def _runs(ev: pd.DataFrame, column: str) -> pd.DataFrame:
    """Consecutive events of a ticket naming the same holder collapsed into one run."""
    named = ev[ev[column].notna()]
    new = named[column].ne(named.groupby("case_id")[column].shift())
    return named[new]


def tickets(events: pd.DataFrame) -> pd.DataFrame:
    """One row per ticket: opening, first response, first resolution (hours), attributes,
    team and level sequences, whether it waited or was reopened."""
    ev = events.sort_values(["case_id", "timestamp", "seq", "row"], kind="stable")
    g = ev.groupby("case_id", sort=True)
    opened = g["timestamp"].min()
    worked = ev[ev["state"] != "new"].groupby("case_id")["timestamp"].min()
    resolved = ev[ev["state"].isin(RESOLUTION)].groupby("case_id")["timestamp"].min()
    teams = _runs(ev, "assignment_group").groupby("case_id")["assignment_group"]
    levels = _runs(ev, "support_level").groupby("case_id")["support_level"].agg(tuple)
    waited = ev[ev["state"] == "waiting_customer"]["case_id"].unique()
    was_resolution = g["state"].shift().isin(RESOLUTION)
    reopened = ev[was_resolution & ~ev["state"].isin(RESOLUTION)]["case_id"].unique()
    out = pd.DataFrame(
        {
            "opened": opened,
            "priority": g["priority"].first(),
            "service": g["service"].first(),
            "channel": g["channel"].first(),
            "levels": levels.reindex(opened.index),
            "team_returns": (teams.size() > teams.nunique()).reindex(opened.index),
        }
    )
    out["waited"] = out.index.isin(waited)
    out["reopened"] = out.index.isin(reopened)
    out["response_h"] = (worked.reindex(out.index) - opened).dt.total_seconds() / 3600
    out["resolution_h"] = (resolved.reindex(out.index) - opened).dt.total_seconds() / 3600
    return out


def median_with_open(hours: pd.Series) -> float:
    """Median where a ticket not resolved (yet) counts as longer than any resolved one."""
    return float(hours.fillna(np.inf).median())
