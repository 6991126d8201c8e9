"""Simulated desks for the driver tests, built in memory (no store): the simulator's events, an
optional planted stretch, the ticket facts and the per-ticket driver table.

A *stretch* plants an effect the simulator has no option for: every event of the chosen tickets
after their first moves away from the opening by ``factor`` (event time = opened + factor x
(time - opened)), so their hours to resolution, their waits and their SLA clock are ``factor``
times as long, exactly, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Literal

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from pdca.methods.drivers import ticket_table
from pdca.methods.drivers.features import FIRST_GROUP
from pdca.model.facts import ticket_facts
from pdca.model.objectives import load_objectives
from pdca.model.schema import Col
from pdca.simulate import InjectedChange, SimulationConfig, generate

START = date(2025, 1, 1)
HARDWARE = ("Laptops & Desktops", "Printing", "Mobile Devices")
"""The services of the simulator's category Hardware (pdca.simulate.catalog)."""


def config(
    seed: int, tickets: int = 4000, days: int = 120, inject: Sequence[InjectedChange] = ()
) -> SimulationConfig:
    """A desk without major incidents (their related tickets follow the major incident's time,
    a real effect of service and channel that would blur a planted one)."""
    return SimulationConfig(
        seed=seed,
        start=START,
        days=days,
        tickets=tickets,
        bursts={"per_month": 0.0},
        inject=tuple(inject),
    )


def slower(services: Sequence[str], factor: float) -> tuple[InjectedChange, ...]:
    """The simulator's own plant: the services' tickets take ``factor`` times as long to resolve
    from the first day on."""
    start = datetime.combine(START, time())
    return tuple(
        InjectedChange(kind="mttr", service=s, factor=factor, start=start) for s in services
    )


def events(cfg: SimulationConfig) -> pd.DataFrame:
    """The simulated events as the store would hold them (one import)."""
    table = pa.concat_tables([c.events for c in generate(cfg)])
    frame = table.to_pandas()
    frame[Col.IMPORT_ID] = 0
    frame[Col.EVENT_KEY] = frame[Col.CASE_ID] + ":" + frame[Col.ROW].astype(str)
    return frame


def stretch(frame: pd.DataFrame, cases: set[str], factor: float) -> pd.DataFrame:
    """``frame`` with the events of ``cases`` stretched by ``factor`` (module docstring)."""
    out = frame.copy()
    opened = out.groupby(Col.CASE_ID)[Col.TIMESTAMP].transform("min")
    hit = out[Col.CASE_ID].isin(cases).to_numpy()
    delta = (out[Col.TIMESTAMP] - opened).to_numpy()
    moved = opened.to_numpy() + (delta * factor).astype("timedelta64[us]")
    out[Col.TIMESTAMP] = np.where(hit, moved, out[Col.TIMESTAMP].to_numpy())
    return out


def table(frame: pd.DataFrame, *, resolution: Literal["final", "first"] = "final") -> pd.DataFrame:
    """The driver table (one row per ticket) of an events frame, on an in-memory DuckDB."""
    con = ibis.duckdb.connect()
    ev = con.create_table("events", frame)
    return ticket_table(
        ev,
        ticket_facts(ev),
        load_objectives(None),
        resolution=resolution,
    )


def confound(
    frame: pd.DataFrame, group: str, category: str, shares: tuple[float, float], seed: int
) -> pd.DataFrame:
    """The driver table with the service desks' ``first_group`` labels drawn afresh: ``group``
    takes a ticket of ``category`` with probability ``shares[0]`` and any other ticket with
    ``shares[1]``; the rest go to the other service desks at random. The group's label then goes
    with the category's hours while it has, by construction, no effect of its own."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    desks = sorted(g for g in out[FIRST_GROUP].dropna().unique() if g.startswith("Service Desk"))
    others = [g for g in desks if g != group]
    at_desk = out[FIRST_GROUP].isin(desks).to_numpy()
    share = np.where((out[Col.CATEGORY] == category).to_numpy(), shares[0], shares[1])
    pick = rng.random(len(out)) < share
    fresh = np.where(pick, group, rng.choice(others, len(out)))
    out.loc[at_desk, FIRST_GROUP] = fresh[at_desk]
    return out
