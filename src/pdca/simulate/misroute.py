"""A planted misrouting: tickets of one service that first land at a wrong assignment group.

Used as the oracle of ``pdca rules replay`` (docs/rules.md): the same desk (same configuration,
same seed) is simulated with and without the misrouting, so the difference between the two logs
is exactly what a routing rule that sends those tickets to the right group would remove.

What :class:`Misroute` changes, ticket by ticket, after the simulator has made the desk:

* a ticket of ``service`` opened at or after ``start`` is misrouted with probability ``share``;
* a misrouted ticket is logged at ``wrong_group`` at its opening time (its first event, a copy
  of the original first event with the wrong group), and reaches its own first group ``hours``
  later: the median of a lognormal delay (log standard deviation ``sigma``) drawn per ticket;
* every original event of the ticket moves ``hours`` later (the wrong group's detour delays
  everything after it), so the ticket gains exactly one reassignment and that delay on every
  clock; the other tickets are unchanged.

The random numbers come from their own stream (the seed and the chunk's number), two per
ticket, drawn whether or not a ticket is chosen: the same tickets are chosen whatever ``share``
(a larger share chooses a superset) and with the same delays. Events moved past the end of the
simulated period are kept. The ``made_sla`` attribute of a moved ticket is the original one (pdca
computes SLA verdicts from the times; the attribute is the source's record). Nothing here edits the
simulator's own modules: the chunks are transformed on their way to the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from pdca.errors import ConfigError
from pdca.model.schema import Col
from pdca.simulate.config import SimulationConfig
from pdca.simulate.generator import Chunk, Simulator
from pdca.simulate.sinks import StoreSink

MISROUTE_STREAM = 7_411
"""Second part of the seed of the misrouting's random stream (apart from the simulator's)."""


class Misroute(BaseModel):
    """Which tickets are misrouted, to which group, and how long the detour lasts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str
    wrong_group: str
    share: float = Field(0.5, ge=0, le=1)
    hours: float = Field(6.0, gt=0)
    """Median delay (hours) before the wrong group passes the ticket on."""
    sigma: float = Field(0.8, ge=0)
    """Log standard deviation of the delay (0: every delay is ``hours``)."""
    start: datetime | None = None
    """Tickets opened at or after this instant (naive UTC); default: all."""


@dataclass(frozen=True)
class MisrouteTruth:
    """Per misrouted ticket: its case id and the hours its events moved."""

    tickets: pd.DataFrame
    """Columns ``case_id`` and ``delay_hours``."""

    @property
    def count(self) -> int:
        """How many tickets were misrouted."""
        return len(self.tickets)

    @property
    def total_hours(self) -> float:
        """The hours added over all misrouted tickets."""
        return float(self.tickets["delay_hours"].sum())


def _check(simulator: Simulator, plan: Misroute) -> None:
    catalog = simulator.catalog
    if plan.service not in catalog.services:
        raise ConfigError(
            f"the misrouting names the unknown service {plan.service!r}",
            f"use one of: {', '.join(catalog.services)}",
        )
    if plan.wrong_group not in catalog.teams:
        raise ConfigError(
            f"the misrouting names the unknown group {plan.wrong_group!r}",
            f"use one of: {', '.join(catalog.teams)}",
        )


def misroute_chunk(
    config: SimulationConfig, plan: Misroute, chunk: Chunk
) -> tuple[Chunk, pd.DataFrame]:
    """The chunk with its misrouted tickets changed, and those tickets with their delays."""
    events = chunk.events.to_pandas()
    cases = pd.unique(events[Col.CASE_ID])
    rng = np.random.default_rng([config.seed, MISROUTE_STREAM, chunk.index])
    pick, spread = rng.random(len(cases)), rng.standard_normal(len(cases))
    firsts = events.groupby(Col.CASE_ID, sort=False).head(1).set_index(Col.CASE_ID)
    firsts = firsts.loc[cases]
    chosen = (firsts[Col.SERVICE].to_numpy() == plan.service) & (pick < plan.share)
    if plan.start is not None:
        start = np.datetime64(plan.start)
        chosen &= firsts[Col.TIMESTAMP].to_numpy() >= start
    delay = plan.hours * np.exp(plan.sigma * spread)
    # whole microseconds, so that the moved events and the truth agree exactly
    delay_us = np.round(delay * 3_600e6).astype(np.int64)
    truth = pd.DataFrame({Col.CASE_ID: cases[chosen], "delay_hours": delay_us[chosen] / 3_600e6})
    if not chosen.any():
        return chunk, truth
    shift = pd.Series(delay_us[chosen], index=cases[chosen])
    moved = events[Col.CASE_ID].map(shift)
    hit = moved.notna().to_numpy()
    out = events.copy()
    out[Col.ROW] = out[Col.ROW] * 2 + 1
    out.loc[hit, Col.SEQ] = out.loc[hit, Col.SEQ] + 1
    out.loc[hit, Col.TIMESTAMP] = out.loc[hit, Col.TIMESTAMP] + pd.to_timedelta(
        moved[hit].astype(np.int64), unit="us"
    )
    detour = events.groupby(Col.CASE_ID, sort=False).head(1)
    detour = detour[detour[Col.CASE_ID].isin(shift.index)].copy()
    detour[Col.ASSIGNMENT_GROUP] = plan.wrong_group
    detour[Col.RESOURCE] = None
    detour[Col.ROW] = detour[Col.ROW] * 2
    detour[Col.SEQ] = 0
    both = pd.concat([out, detour], ignore_index=True)
    both = both.sort_values(Col.ROW, kind="stable", ignore_index=True)
    table = pa.Table.from_pandas(both, schema=chunk.events.schema, preserve_index=False)
    return replace(chunk, events=table), truth


def misrouted_chunks(
    config: SimulationConfig, plan: Misroute, truth: list[pd.DataFrame]
) -> Iterator[tuple[Simulator, Chunk]]:
    """The simulator's chunks with the misrouting applied; each chunk's truth is appended to
    ``truth``."""
    simulator = Simulator(config)
    _check(simulator, plan)
    for chunk in simulator.chunks():
        changed, chosen = misroute_chunk(config, plan, chunk)
        truth.append(chosen)
        yield simulator, changed


def simulate_misrouted(
    config: SimulationConfig, plan: Misroute | None, *, store: Path | str
) -> MisrouteTruth:
    """Simulate ``config`` into the store directory ``store``, with ``plan``'s misrouting (or
    none: the same desk as :func:`pdca.simulate.simulate`). Returns the misrouted tickets."""
    parts: list[pd.DataFrame] = [_empty()]
    if plan is None:
        simulator = Simulator(config)
        chunks: Iterator[tuple[Simulator, Chunk]] = ((simulator, c) for c in simulator.chunks())
    else:
        chunks = misrouted_chunks(config, plan, parts)
    sink = StoreSink(Path(store), config, hidden=False)
    last: Simulator | None = None
    try:
        for simulator, chunk in chunks:
            sink.write(chunk)
            last = simulator
        assert last is not None
        sink.close(last.truth)
    except BaseException:
        sink.abort()
        raise
    return MisrouteTruth(pd.concat(parts, ignore_index=True))


def _empty() -> pd.DataFrame:
    return pd.DataFrame({Col.CASE_ID: pd.Series(dtype=str), "delay_hours": pd.Series(dtype=float)})
