"""Applying the injected changes (:mod:`.injected`) to a chunk's tickets, vectorised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pdca.errors import ConfigError
from pdca.simulate.catalog import Catalog
from pdca.simulate.config import SimulationConfig
from pdca.simulate.injected import InjectedChange
from pdca.simulate.lifecycle import (
    AGAIN,
    BACK,
    ESCALATE,
    LATERAL,
    LOOP_GAPS,
    RETURN_GAPS,
    WAIT1_END,
    WAIT2,
    WAIT2_END,
    Life,
)
from pdca.simulate.tickets import Tickets

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ActiveChange:
    """A change with its service code and start in seconds since the simulation start."""

    change: InjectedChange
    service: int
    """Service index, or -1 for every service."""
    start: int
    end: int | None = None
    """A drift's end in seconds since the simulation start."""


def activate(config: SimulationConfig, catalog: Catalog) -> list[ActiveChange]:
    """The configured changes, checked against the organisation."""
    out = []
    for change in config.inject:
        code = -1
        if change.service is not None:
            code = catalog.service_code(change.service)
            if code < 0:
                raise ConfigError(
                    f"the injected change names the unknown service {change.service!r}",
                    f"use one of: {', '.join(catalog.services)}",
                )
        start = int((change.start - config.start_at).total_seconds())
        end = None
        if change.end is not None:
            end = int((change.end - config.start_at).total_seconds())
        out.append(ActiveChange(change, code, start, end))
    return out


def _applies(active: ActiveChange, t: Tickets) -> Bools:
    mask = t.opened >= active.start
    if active.service >= 0:
        mask &= t.service == active.service
    return mask


def _multiplier(active: ActiveChange, opened: Floats) -> Floats | float:
    """The factor of an ``mttr`` change, or of a drift at each opening time (linear from 1 at
    its start to its factor at its end, constant after)."""
    change = active.change
    if change.kind != "drift" or active.end is None:
        return change.factor
    done = np.clip((opened - active.start) / (active.end - active.start), 0.0, 1.0)
    return 1.0 + (change.factor - 1.0) * done


def mttr_factor(changes: list[ActiveChange], t: Tickets) -> tuple[Floats, list[Bools]]:
    """Per ticket, the product of the MTTR factors (``mttr`` changes and drifts) that apply; per
    change, whom it touches (related tickets of a major incident follow the major incident)."""
    factor = np.ones(len(t))
    touched: list[Bools] = []
    for active in changes:
        if active.change.kind not in ("mttr", "drift"):
            touched.append(np.zeros(len(t), dtype=np.bool_))
            continue
        mask = _applies(active, t) & ~t.child
        multiplier = _multiplier(active, t.opened[mask].astype(np.float64))
        factor[mask] *= multiplier
        if t.child.any():
            mask = mask.copy()
            mask[t.child] = mask[t.parent_row[t.child]]
        touched.append(mask)
    return factor, touched


def apply_pingpong(
    config: SimulationConfig, changes: list[ActiveChange], t: Tickets, life: Life
) -> list[Bools]:
    """Remove or add the L2 -> L1 loops the changes ask for; per change, the tickets changed."""
    touched: list[Bools] = []
    present, gaps, d = life.present, life.gaps, life.draws
    for active in changes:
        change = active.change
        if change.kind != "pingpong":
            touched.append(np.zeros(len(t), dtype=np.bool_))
            continue
        eligible = _applies(active, t) & ~t.child
        if change.action == "remove":
            share = 1.0 if change.share is None else change.share
            hit = eligible & present[:, BACK] & (d["inject"] < share)
            bounce = hit & present[:, AGAIN]
            back = hit & ~present[:, AGAIN]
            for s in LOOP_GAPS:
                gaps[bounce, s] = 0.0
            present[bounce, BACK : AGAIN + 2] = False
            for s in RETURN_GAPS:
                gaps[back, s] = 0.0
            present[back, LATERAL : BACK + 2] = False
        else:
            share = config.routing.ping_pong if change.share is None else change.share
            hit = eligible & present[:, ESCALATE] & ~present[:, BACK] & (d["inject"] < share)
            weights, scale = d["step_weights"], d["scale"]
            for s in LOOP_GAPS:
                gaps[hit, s] = weights[hit, s] * scale[hit]
            present[hit, BACK : AGAIN + 2] = True
        touched.append(hit)
    life.wait_hours = np.where(present[:, WAIT1_END], gaps[:, WAIT1_END], 0.0) + np.where(
        present[:, WAIT2], gaps[:, WAIT2_END], 0.0
    )
    return touched
