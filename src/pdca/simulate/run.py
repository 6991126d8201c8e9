"""`simulate`: run a configured simulation into a store, a CSV file or a Parquet file."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from pdca.errors import InputError
from pdca.model.schema import Col
from pdca.simulate.config import SimulationConfig
from pdca.simulate.generator import Simulator
from pdca.simulate.sinks import FORMATS, FileSink, StoreSink, VendorSink
from pdca.simulate.truth import SimulationTruth


@dataclass(frozen=True)
class SimulationProgress:
    """How far a simulation is, after each chunk."""

    chunk: int
    chunks: int
    tickets: int
    events: int
    until: datetime
    """Simulated time reached (end of the chunk's arrival window)."""


@dataclass
class SimulationReport:
    """What a simulation produced."""

    log: str
    seed: int
    format: str
    tickets: int
    events: int
    survey_responses: int
    chunks: int
    start: datetime
    end: datetime
    first_event: datetime | None
    last_event: datetime | None
    written: list[Path]
    truth: SimulationTruth
    seconds: float
    import_ids: list[int] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        """Throughput of the whole run (generation and writing)."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output (the truth summarised: its changes and major incidents)."""
        return {
            "log": self.log,
            "seed": self.seed,
            "format": self.format,
            "tickets": self.tickets,
            "events": self.events,
            "survey_responses": self.survey_responses,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "first_event": self.first_event.isoformat() if self.first_event else None,
            "last_event": self.last_event.isoformat() if self.last_event else None,
            "injected_changes": [c.description for c in self.truth.changes],
            "major_incidents": len(self.truth.major_incidents),
            "written": [str(p) for p in self.written],
            "import_ids": self.import_ids,
            "seconds": round(self.seconds, 2),
            "events_per_second": round(self.events_per_second),
        }


def _extremes(first: datetime | None, last: datetime | None, table: Any) -> tuple[Any, Any]:
    if table.num_rows == 0:
        return first, last
    lo, hi = pc.min_max(table.column(Col.TIMESTAMP)).values()
    lo_v, hi_v = lo.as_py(), hi.as_py()
    return (lo_v if first is None else min(first, lo_v)), (
        hi_v if last is None else max(last, hi_v)
    )


def simulate(
    config: SimulationConfig | None = None,
    *,
    store: Path | str | None = None,
    out: Path | str | None = None,
    fmt: str = "store",
    hidden: bool = True,
    progress: Callable[[SimulationProgress], None] | None = None,
) -> SimulationReport:
    """Simulate a service desk and write it to a store (``fmt="store"``; default ``./.pdca`` or
    ``$PDCA_STORE``) or to ``out`` as ``"csv"`` or ``"parquet"``.

    Beside the output go the ground truth (``simulation.json``) and, with ``hidden``, the
    per-ticket hidden values (``simulation_tickets.parquet``); see :mod:`pdca.simulate.truth`.
    A store gets the whole log in one transaction (:class:`~pdca.simulate.sinks.StoreSink`):
    an interrupted simulation leaves it as it was.
    """
    config = config or SimulationConfig()
    from pdca.simulate import vendors  # noqa: PLC0415 (loaded on use)

    if fmt not in FORMATS and fmt not in vendors.WRITERS:
        known = ", ".join((*FORMATS, *vendors.names()))
        raise InputError(f"unknown output format {fmt!r}", f"use one of: {known}")
    simulator = Simulator(config)  # checks the configuration before anything is written
    sink: StoreSink | FileSink | VendorSink
    if fmt == "store" and out is not None:
        raise InputError("an output file is for csv or parquet", "give fmt='csv' or 'parquet'")
    if fmt == "store":
        from pdca.engine.store import resolve_store_dir  # noqa: PLC0415 (the engine loads on use)

        sink = StoreSink(resolve_store_dir(store), config, hidden=hidden)
    else:
        if out is None:
            raise InputError(f"writing {fmt} needs an output file", "give --out FILE")
        sink = (
            FileSink(Path(out), fmt, hidden=hidden)
            if fmt in FORMATS
            else VendorSink(Path(out), fmt, hidden=hidden)
        )
    began = time.perf_counter()
    tickets = events = responses = chunks = 0
    first: datetime | None = None
    last: datetime | None = None
    try:
        for chunk in simulator.chunks(hidden=hidden):
            sink.write(chunk)
            tickets += chunk.tickets
            events += chunk.events.num_rows
            responses += chunk.surveys.num_rows
            chunks += 1
            first, last = _extremes(first, last, chunk.events)
            if progress is not None:
                progress(
                    SimulationProgress(chunk.index + 1, chunk.chunks, tickets, events, chunk.until)
                )
        written = sink.close(simulator.truth)
    except BaseException:
        sink.abort()
        raise
    return SimulationReport(
        log=config.log,
        seed=config.seed,
        format=fmt,
        tickets=tickets,
        events=events,
        survey_responses=responses,
        chunks=chunks,
        start=config.start_at,
        end=config.end_at,
        first_event=first,
        last_event=last,
        written=written,
        truth=simulator.truth,
        seconds=time.perf_counter() - began,
        import_ids=sink.import_ids if isinstance(sink, StoreSink) else [],
    )
