"""The simulation loop: chunk after chunk of canonical events and survey responses.

Each chunk has its own random stream (the seed and the chunk's number), so the output depends on
the configuration alone and a chunk costs the same memory whether it is the first or the
thousandth. Nothing is kept between chunks but counters and the ground truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from pdca.simulate.arrivals import CHUNK_STREAM, Plan, chunk_arrivals, make_plan
from pdca.simulate.catalog import Catalog, build_catalog
from pdca.simulate.changes import activate, apply_pingpong, mttr_factor
from pdca.simulate.config import SimulationConfig
from pdca.simulate.frames import Names, chunk_times, events_table, surveys_table
from pdca.simulate.lifecycle import plan_lives
from pdca.simulate.tickets import make_tickets
from pdca.simulate.truth import SimulationTruth, TruthRecorder, hidden_table


@dataclass(frozen=True)
class Chunk:
    """One chunk of the simulation."""

    index: int
    chunks: int
    events: pa.Table
    """Canonical events (every column but ``import_id`` and ``event_key``)."""
    surveys: pa.Table
    """Survey responses (every column but ``import_id`` and ``survey_key``)."""
    hidden: pa.Table | None
    """Per-ticket hidden values, when asked for."""
    tickets: int
    until: datetime
    """End of the chunk's arrival window."""


class Simulator:
    """Generates a configured service desk, chunk by chunk (see :meth:`chunks`)."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.catalog: Catalog = build_catalog(config)
        self.changes = activate(config, self.catalog)
        self.plan: Plan = make_plan(config, self.catalog)
        self.names = Names(config, self.catalog)
        self.recorder = TruthRecorder(config, self.catalog, self.plan)

    @property
    def truth(self) -> SimulationTruth:
        """The ground truth so far (complete once :meth:`chunks` is exhausted)."""
        return self.recorder.truth

    def chunks(self, *, hidden: bool = False) -> Iterator[Chunk]:
        """Yield the simulation's chunks in order; ``hidden`` adds per-ticket hidden values."""
        config, plan = self.config, self.plan
        event_row = survey_row = 0
        for c in range(plan.chunks):
            rng = np.random.default_rng([config.seed, CHUNK_STREAM, c])
            arrivals = chunk_arrivals(config, plan, c, rng)
            tickets = make_tickets(config, self.catalog, plan, arrivals, rng)
            factor, touched = mttr_factor(self.changes, tickets)
            life = plan_lives(config, self.catalog, tickets, rng, factor)
            touched_pp = apply_pingpong(config, self.changes, tickets, life)
            touched = [a | b for a, b in zip(touched, touched_pp, strict=True)]
            times = chunk_times(config, tickets, life)
            first = plan.first_number(c)
            events = events_table(
                self.names, tickets, life, times, first_number=first, first_row=event_row
            )
            surveys = surveys_table(
                self.names, tickets, life, times, first_number=first, first_row=survey_row
            )
            event_row += events.num_rows
            survey_row += surveys.num_rows
            case_ids = self.names.case_ids(first, len(tickets))
            self.recorder.add(tickets, life, touched, case_ids)
            extra = (
                hidden_table(self.names, tickets, life, times, touched=touched, case_ids=case_ids)
                if hidden
                else None
            )
            until = min(
                config.start_at + timedelta(hours=(c + 1) * plan.chunk_hours), config.end_at
            )
            yield Chunk(c, plan.chunks, events, surveys, extra, len(tickets), until)


def generate(config: SimulationConfig, *, hidden: bool = False) -> Iterator[Chunk]:
    """Shorthand: the chunks of a new :class:`Simulator` for ``config``."""
    return Simulator(config).chunks(hidden=hidden)
