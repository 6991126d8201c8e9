"""Who and what each ticket is about: service, CI, place, caller, channel, impact, urgency.

One array per attribute over the tickets of a chunk; codes index the :class:`Catalog`'s lists.
Tickets of a major incident share its service and CI: the first one (the major incident itself)
comes from monitoring with impact and urgency high (priority 1); the related ones are logged by
users with medium impact and high or medium urgency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pdca.simulate import calibrated as cal
from pdca.simulate.arrivals import Arrivals, Plan
from pdca.simulate.catalog import OUTAGE, SYMPTOM_WEIGHTS, Catalog
from pdca.simulate.config import SimulationConfig

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def pick(rng: np.random.Generator, weights: Floats | tuple[float, ...], size: int) -> Ints:
    """``size`` indices drawn with the given (unnormalised) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    result: Ints = np.minimum(idx, len(cdf) - 1).astype(np.int64)
    return result


@dataclass(frozen=True)
class Tickets:
    """The descriptive attributes of a chunk's tickets."""

    opened: Ints
    burst: Ints
    parent: Bools
    child: Bools
    """Related ticket of a major incident (not the major incident itself)."""
    parent_row: Ints
    """Row of the ticket's major incident in this chunk (-1 outside major incidents)."""
    service: Ints
    ci: Ints
    location: Ints
    caller: Ints
    channel: Ints
    impact: Ints
    urgency: Ints
    priority: Ints
    symptom: Ints
    direct: Bools
    """Starts at the service's L2 team (a direct channel such as monitoring)."""

    def __len__(self) -> int:
        return len(self.opened)


def make_tickets(
    config: SimulationConfig,
    catalog: Catalog,
    plan: Plan,
    arrivals: Arrivals,
    rng: np.random.Generator,
) -> Tickets:
    """Draw the attributes of the chunk's tickets."""
    n = len(arrivals.opened)
    burst = arrivals.burst
    in_burst = burst >= 0
    parent = arrivals.parent
    child = in_burst & ~parent
    safe = np.maximum(burst, 0)
    per_service = len(catalog.ci_weights)

    service = np.where(in_burst, plan.burst_service[safe] if len(plan.burst_service) else 0,
                       pick(rng, catalog.service_weights, n))  # fmt: skip
    own_ci = service * per_service + pick(rng, catalog.ci_weights, n)
    ci = np.where(in_burst, plan.burst_ci[safe] if len(plan.burst_ci) else 0, own_ci)
    location = pick(rng, catalog.location_weights, n)
    caller = rng.integers(0, catalog.callers, n).astype(np.int64)

    channel = pick(rng, catalog.channel_weights, n)
    user_weights = np.where(catalog.channel_direct, 0.0, catalog.channel_weights)
    user_channel = pick(rng, user_weights if user_weights.sum() > 0 else catalog.channel_weights, n)
    direct_channels = np.flatnonzero(catalog.channel_direct)
    channel = np.where(child, user_channel, channel)
    if len(direct_channels):
        channel = np.where(parent, direct_channels[0], channel)

    joint = pick(rng, tuple(w for row in config.impact_urgency for w in row), n)
    impact, urgency = joint // 3, joint % 3
    high = rng.random(n) < config.bursts.related_high_share
    impact = np.where(parent, 0, np.where(child, 1, impact))
    urgency = np.where(parent, 0, np.where(child, np.where(high, 0, 1), urgency))
    matrix = np.asarray(cal.PRIORITY_MATRIX, dtype=np.int64)
    symptom = np.where(in_burst, OUTAGE, pick(rng, SYMPTOM_WEIGHTS, n))

    parent_row = np.full(n, -1, dtype=np.int64)
    if in_burst.any():
        rows_of = dict(zip(burst[parent].tolist(), np.flatnonzero(parent).tolist(), strict=True))
        parent_row[in_burst] = [rows_of[b] for b in burst[in_burst].tolist()]
    return Tickets(
        opened=arrivals.opened,
        burst=burst,
        parent=parent,
        child=child,
        parent_row=parent_row,
        service=service.astype(np.int64),
        ci=ci.astype(np.int64),
        location=location,
        caller=caller,
        channel=channel.astype(np.int64),
        impact=impact.astype(np.int64),
        urgency=urgency.astype(np.int64),
        priority=matrix[impact, urgency],
        symptom=symptom.astype(np.int64),
        direct=catalog.channel_direct[channel],
    )
