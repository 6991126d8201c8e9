"""What the simulator knows and the log does not say: the ground truth of a simulation.

:class:`SimulationTruth` holds the configuration, the injected changes with what they did, and
the major incidents; it is saved as JSON next to the output (``simulation.json`` in a store).
Per ticket, :func:`hidden_table` gives the hidden values (route, the rank of its resolution time,
the time it would have taken without the injected changes, the score its customer would give),
which the sinks write to a Parquet file when asked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pdca.simulate import calibrated as cal
from pdca.simulate.arrivals import Plan
from pdca.simulate.catalog import Catalog, describe
from pdca.simulate.config import SimulationConfig
from pdca.simulate.frames import ChunkTimes, Names, decode, survey_scores
from pdca.simulate.lifecycle import BACK, ESCALATE, L3, LATERAL, REOPEN, WAIT1, WAIT2, Life
from pdca.simulate.tickets import Tickets

Bools = npt.NDArray[np.bool_]
TRUTH_FILE = "simulation.json"
HIDDEN_FILE = "simulation_tickets.parquet"
OBJECTIVES_FILE = "simulation_objectives.toml"


@dataclass
class ChangeEffect:
    """One injected change and what it did to the tickets it applied to."""

    description: str
    change: dict[str, Any]
    tickets: int = 0
    """Tickets the change applied to (related tickets of a major incident follow it)."""
    hours_with: float = 0.0
    """Their total hours to first resolution, with the change."""
    hours_without: float = 0.0
    """The same tickets' total hours without it (all changes off)."""

    @property
    def mean_ratio(self) -> float | None:
        """Mean time to resolve with the change over the mean without it."""
        return self.hours_with / self.hours_without if self.hours_without > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {**asdict(self), "mean_ratio": self.mean_ratio}


@dataclass
class SimulationTruth:
    """The ground truth of one simulation."""

    config: dict[str, Any]
    organisation: dict[str, Any]
    changes: list[ChangeEffect]
    major_incidents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "config": self.config,
            "organisation": self.organisation,
            "injected_changes": [c.to_dict() for c in self.changes],
            "major_incidents": self.major_incidents,
        }

    def save(self, path: Path) -> Path:
        """Write the truth as JSON."""
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        return path


class TruthRecorder:
    """Collects the truth chunk by chunk (a few numbers per chunk and per major incident)."""

    def __init__(self, config: SimulationConfig, catalog: Catalog, plan: Plan) -> None:
        self.config = config
        self.catalog = catalog
        self.plan = plan
        self.truth = SimulationTruth(
            config=config.model_dump(mode="json"),
            organisation=describe(catalog),
            changes=[ChangeEffect(c.describe(), c.model_dump(mode="json")) for c in config.inject],
        )

    def add(self, t: Tickets, life: Life, touched: list[Bools], case_ids: pa.Array) -> None:
        """Record a chunk."""
        actual = life.resolution_hours
        for effect, mask in zip(self.truth.changes, touched, strict=True):
            effect.tickets += int(mask.sum())
            effect.hours_with += float(actual[mask].sum())
            effect.hours_without += float(life.counterfactual[mask].sum())
        for row in np.flatnonzero(t.parent).tolist():
            b = int(t.burst[row])
            self.truth.major_incidents.append(
                {
                    "case_id": case_ids[row].as_py(),
                    "service": self.catalog.services[int(self.plan.burst_service[b])],
                    "cmdb_ci": self.catalog.cis[int(self.plan.burst_ci[b])],
                    "start": self.config.start_at + timedelta(seconds=int(t.opened[row])),
                    "tickets": int(self.plan.burst_size[b]),
                }
            )


def hidden_table(
    names: Names,
    t: Tickets,
    life: Life,
    times: ChunkTimes,
    *,
    touched: list[Bools],
    case_ids: pa.Array,
) -> pa.Table:
    """Per ticket: what the simulator decided and the log does not show."""
    p = life.present
    affected = np.zeros(len(t), dtype=np.int64)
    for i, mask in enumerate(touched):
        affected |= mask.astype(np.int64) << i
    parent_case = case_ids.take(pa.array(np.maximum(t.parent_row, 0)))
    return pa.table(
        {
            "case_id": case_ids,
            "opened_at": pa.array(names.start_us + t.opened * 1_000_000, type=pa.timestamp("us")),
            "service": decode(names.services, t.service),
            "priority": decode(names.priorities, t.priority),
            "major_incident": pc.if_else(
                pa.array(t.parent_row >= 0), parent_case, pa.nulls(len(t), pa.string())
            ),
            "direct": pa.array(t.direct),
            "escalated": pa.array(p[:, ESCALATE]),
            "lateral": pa.array(p[:, LATERAL]),
            "ping_pong": pa.array(p[:, BACK]),
            "l3": pa.array(p[:, L3]),
            "waited": pa.array(p[:, WAIT1] | p[:, WAIT2]),
            "reopened": pa.array(p[:, REOPEN]),
            "rank": pa.array(life.u),
            "resolution_hours": pa.array(life.resolution_hours),
            "counterfactual_hours": pa.array(life.counterfactual),
            "wait_hours": pa.array(life.wait_hours),
            "made_sla": pa.array(times.made_sla),
            "csat_if_asked": pa.array(survey_scores(names.config, t, life, times)),
            "affected_by": pa.array(affected),
        }
    )


def objectives_toml(config: SimulationConfig) -> str:
    """The simulation's SLA targets as a pdca objectives file (for `pdca sla --objectives`)."""
    lines = ["# SLA targets the simulator judged made_sla by (24x7 calendar, waits paused).", ""]
    for prio in cal.PRIORITIES:
        target = config.sla[prio]
        lines += [
            "[[sla]]",
            f"priority = {prio[0]}",
            f'response = "{target.response * 60:g}m"',
            f'resolution = "{target.resolution:g}h"',
            'calendar = "24x7"',
            "",
        ]
    return "\n".join(lines)


def load_truth(path: Path) -> dict[str, Any]:
    """Read a saved truth file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
