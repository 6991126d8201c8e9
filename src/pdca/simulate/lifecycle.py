"""How each ticket travels: its route through the support levels and the time of every step.

A ticket's life is a fixed sequence of :data:`SLOTS`; each ticket uses some of them. Its time to
first resolution ``R`` is drawn from the calibrated quantile table of its priority at a rank
``u``; the rank also decides the route: below the *fast* rank (resolved within ``fast_hours``)
L1 fixes it on first contact; above it, escalation and waiting get more likely the slower the
ticket (``routing.tilt``). ``R`` is then split over the steps: the first response (its own
calibrated table, rank-coupled to ``u``), the waits (a share of ``R``) and the rest over the
queue and work steps by gamma weights. Reopens and closure come after ``R``.

Every random number is drawn whatever the route and the injected changes, so a change alters
only the tickets it applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pdca.simulate import calibrated as cal
from pdca.simulate.catalog import Catalog, team_sizes
from pdca.simulate.config import SimulationConfig
from pdca.simulate.tickets import Tickets

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# slot: (activity, holder role); roles: first, wrong L2, L2, L1 (back), L3, last (inherited)
SLOTS: tuple[tuple[str, str], ...] = (
    ("New", "first"),  # 0
    ("In Progress", "first"),  # 1 first response
    ("Awaiting User Info", "first"),  # 2
    ("In Progress", "first"),  # 3
    ("Queued", "wrong"),  # 4 lateral: a wrong L2 team first
    ("In Progress", "wrong"),  # 5
    ("Queued", "l2"),  # 6 escalation to L2
    ("In Progress", "l2"),  # 7
    ("Awaiting User Info", "l2"),  # 8
    ("In Progress", "l2"),  # 9
    ("Queued", "l1"),  # 10 ping-pong: L2 sends it back to L1
    ("In Progress", "l1"),  # 11
    ("Queued", "l2"),  # 12 bounce: back to L2
    ("In Progress", "l2"),  # 13
    ("Queued", "l3"),  # 14 escalation to L3
    ("In Progress", "l3"),  # 15
    ("Resolved", "last"),  # 16
    ("Reopened", "last"),  # 17
    ("Resolved", "last"),  # 18
    ("Closed", "last"),  # 19
)
N_SLOTS = len(SLOTS)
RESP, WAIT1, WAIT1_END, WAIT2, WAIT2_END = 1, 2, 3, 8, 9
LATERAL, ESCALATE, BACK, AGAIN, L3, RESOLVED, REOPEN, RESOLVED2, CLOSED = (
    4, 6, 10, 12, 14, 16, 17, 18, 19,
)  # fmt: skip
QUEUE_END = (5, 7, 11, 13, 15)
"""Slots whose preceding gap is time in a queue (waiting to be picked up)."""
WORK_END = (2, 4, 6, 8, 10, 12, 14, 16)
"""Slots whose preceding gap is work."""
LOOP_GAPS = (10, 11, 12, 13)
"""Gaps a bounce L2 -> L1 -> L2 costs: L2's work until it sends the ticket back, L1's queue and
work, L2's queue again."""
RETURN_GAPS = (5, 6, 7, 8, 9, 10, 11)
"""Gaps an escalation that came back to L1 costs (everything from leaving L1 to being back)."""
MIN_WAIT_FRACTION = 0.05


def sample_table(table: tuple[float, ...] | Floats, u: Floats) -> Floats:
    """Inverse distribution function: interpolate log values between the quantile knots."""
    logs = np.log(np.asarray(table, dtype=np.float64))
    result: Floats = np.exp(np.interp(u, cal.QUANTILE_PROBS, logs))
    return result


def _by_priority(tables: dict[str, tuple[float, ...]], priority: Ints, u: Floats) -> Floats:
    out = np.empty(len(u), dtype=np.float64)
    for p, name in enumerate(cal.PRIORITIES):
        mask = priority == p
        out[mask] = sample_table(tables[name], u[mask])
    return out


def fast_rank(config: SimulationConfig) -> Floats:
    """Per priority, the rank below which a ticket resolves within ``fast_hours``."""
    edge = np.log(config.routing.fast_hours)
    return np.asarray(
        [
            np.interp(edge, np.log(config.timing.resolution_hours[p]), cal.QUANTILE_PROBS)
            for p in cal.PRIORITIES
        ]
    )


@dataclass
class Life:
    """The route and step times of a chunk's tickets (``present`` and ``gaps`` per slot)."""

    present: Bools
    gaps: Floats
    """Hours from the previous slot (present or not) to this one."""
    teams: Ints
    """Holding team per slot."""
    agents: Ints
    """Working agent per slot (-1 on New / Queued)."""
    vendor: Bools
    """Per slot: the wait is for a vendor."""
    u: Floats
    counterfactual: Floats
    """Hours to first resolution without any injected change."""
    wait_hours: Floats = field(default_factory=lambda: np.zeros(0))
    kb: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Knowledge article linked at resolution (-1 for none)."""
    affected: Bools = field(default_factory=lambda: np.zeros((0, 0), dtype=np.bool_))
    """Per ticket and injected change: whether the change altered the ticket."""
    draws: dict[str, Floats] = field(default_factory=dict)

    @property
    def resolution_hours(self) -> Floats:
        """Hours from opening to first resolution."""
        result: Floats = self.gaps[:, : RESOLVED + 1].sum(axis=1)
        return result

    @property
    def ping_pong(self) -> Bools:
        """Whether L2 sent the ticket back to L1."""
        result: Bools = self.present[:, BACK]
        return result


def _tilted(share: float, q: Floats, u: Floats, tilt: float) -> Floats:
    """Probability among slow tickets, rising with the rank, averaging ``share`` overall."""
    slow = u >= q
    w = np.clip((u - q) / np.maximum(1 - q, 1e-9), 0, 1)
    p = share / np.maximum(1 - q, 1e-9) * (1 + tilt * (2 * w - 1))
    result: Floats = np.where(slow, np.clip(p, 0, 1), 0.0)
    return result


def _teams(catalog: Catalog, t: Tickets, draws: dict[str, Floats]) -> tuple[Ints, Ints]:
    """Holding team and agent per slot."""
    n = len(t)
    sizes = team_sizes(catalog)
    l1 = catalog.location_l1[t.location]
    l2 = catalog.service_l2[t.service]
    l3 = catalog.service_l3[t.service]
    first = np.where(t.direct, l2, l1)
    other = (draws["wrong"] * (catalog.n_l2 - 1)).astype(np.int64) + 1
    wrong = catalog.n_l1 + (l2 - catalog.n_l1 + other) % catalog.n_l2
    role_team = {"first": first, "wrong": wrong, "l2": l2, "l1": l1, "l3": l3}
    role_agent = {
        "first": catalog.agents_of(first, draws["agent_first"], sizes),
        "wrong": catalog.agents_of(wrong, draws["agent_wrong"], sizes),
        "l2": catalog.agents_of(l2, draws["agent_l2"], sizes),
        "l1": catalog.agents_of(l1, draws["agent_first"], sizes),
        "l3": catalog.agents_of(l3, draws["agent_l3"], sizes),
    }
    teams = np.full((n, N_SLOTS), -1, dtype=np.int64)
    agents = np.full((n, N_SLOTS), -1, dtype=np.int64)
    for s, (label, role) in enumerate(SLOTS):
        if role == "last":
            continue
        teams[:, s] = role_team[role]
        if label not in ("New", "Queued"):
            agents[:, s] = role_agent[role]
    return teams, agents


_DRAWS = (
    "u", "u_fresh", "couple", "esc", "l3", "lateral", "pp", "pp_l1", "wait", "wait_where",
    "second", "vendor1", "vendor2", "fraction", "split", "kb", "kb_pick", "reopen",
    "reopen_after", "rework", "auto", "jitter", "late", "child_lag", "inject", "wrong",
    "agent_first", "agent_wrong", "agent_l2", "agent_l3", "survey", "survey_delay",
)  # fmt: skip


def draw(rng: np.random.Generator, n: int) -> tuple[dict[str, Floats], Floats, Floats]:
    """Every uniform number a chunk needs, the gamma step weights and the survey noise."""
    draws = {name: rng.random(n) for name in _DRAWS}
    weights = rng.gamma(2.0, 1.0, (n, N_SLOTS))
    noise = rng.standard_normal(n)
    return draws, weights, noise


def plan_lives(
    config: SimulationConfig,
    catalog: Catalog,
    t: Tickets,
    rng: np.random.Generator,
    factor: Floats | None = None,
) -> Life:
    """Routes and step durations of the tickets; ``factor`` stretches their time to resolve
    (an injected MTTR change; related tickets follow their major incident)."""
    n = len(t)
    routing, timing = config.routing, config.timing
    d, weights, noise = draw(rng, n)
    d["noise"] = noise
    u = d["u"]
    u_resp = np.where(d["couple"] < timing.response_coupling, u, d["u_fresh"])
    q = fast_rank(config)[t.priority]
    drawn = _by_priority(timing.resolution_hours, t.priority, u) * seasonal_factor(config, t)
    response = _by_priority(timing.response_hours, t.priority, u_resp)
    # related tickets are resolved shortly after their major incident
    counterfactual = _follow_parent(t, drawn, d["child_lag"])
    resolution = (
        counterfactual if factor is None else _follow_parent(t, drawn * factor, d["child_lag"])
    )
    slow = (u >= q) & ~t.child
    l1_start = ~t.direct

    esc = l1_start & (d["esc"] < _tilted(routing.l1_escalation, q, u, routing.tilt)) & slow
    pp = esc & (d["pp"] < routing.ping_pong)
    pp_l1 = pp & (d["pp_l1"] < routing.ping_pong_resolved_at_l1)
    # tickets L1 resolves after a return never reach L3: the others make up the calibrated share
    returned = routing.ping_pong * routing.ping_pong_resolved_at_l1
    to_l3 = min(1.0, routing.escalated_l3 / max(1.0 - returned, 1e-9))
    l3 = (esc & ~pp_l1 & (d["l3"] < to_l3)) | (t.direct & slow & (d["l3"] < routing.direct_l3))
    lateral = esc & (d["lateral"] < routing.lateral_l2)
    wait = slow & (d["wait"] < _tilted(timing.wait_share, q, u, routing.tilt))
    at_l2 = esc & (d["wait_where"] < 0.5)
    second = wait & esc & (d["second"] < timing.second_wait)
    wait1 = wait & (~at_l2 | second)
    wait2 = wait & (at_l2 | second)

    present = np.zeros((n, N_SLOTS), dtype=np.bool_)
    present[:, 0] = True
    present[:, WAIT1 : WAIT1_END + 1] = wait1[:, None]
    present[:, LATERAL : LATERAL + 2] = lateral[:, None]
    present[:, ESCALATE : ESCALATE + 2] = esc[:, None]
    present[:, WAIT2 : WAIT2_END + 1] = wait2[:, None]
    present[:, BACK : BACK + 2] = pp[:, None]
    present[:, AGAIN : AGAIN + 2] = (pp & ~pp_l1)[:, None]
    present[:, L3 : L3 + 2] = l3[:, None]
    present[:, RESOLVED] = True
    present[:, CLOSED] = True
    present[:, REOPEN : REOPEN + 2] = (d["reopen"] < timing.reopen_share)[:, None]
    # fast tickets whose response would come after the fix go straight from New to Resolved
    present[:, RESP] = slow | t.direct | (response < resolution)

    life = Life(
        present=present,
        gaps=np.zeros((n, N_SLOTS)),
        teams=np.zeros(0, dtype=np.int64),
        agents=np.zeros(0, dtype=np.int64),
        vendor=np.zeros((n, N_SLOTS), dtype=np.bool_),
        u=u,
        counterfactual=counterfactual,
        draws=d,
    )
    life.draws["weights"] = weights
    life.teams, life.agents = _teams(catalog, t, d)
    life.vendor[:, WAIT1] = d["vendor1"] < timing.vendor_share
    life.vendor[:, WAIT2] = d["vendor2"] < timing.vendor_share
    life.kb = np.where(
        d["kb"] < np.where(slow, timing.knowledge_slow, timing.knowledge_fast),
        t.service * len(catalog.kb_weights) + pick_from(catalog.kb_weights, d["kb_pick"]),
        -1,
    )
    allocate(config, life, resolution, response)
    return life


def seasonal_factor(config: SimulationConfig, t: Tickets) -> Floats | float:
    """Per ticket, the factor on its time to resolve for the weekday and the month it was opened
    in (``timing.resolution_weekday_factor`` times ``resolution_month_factor``; 1 by default).
    Part of the process, not an injected change: the counterfactual times include it."""
    timing = config.timing
    weekday, month = timing.resolution_weekday_factor, timing.resolution_month_factor
    if all(f == 1.0 for f in weekday) and all(f == 1.0 for f in month):
        return 1.0
    at = np.datetime64(config.start_at, "s") + t.opened.astype("timedelta64[s]")
    days = at.astype("datetime64[D]").astype(np.int64)
    # 1970-01-01 was a Thursday (weekday 3 with Monday = 0)
    weekdays = (days + 3) % 7
    months = at.astype("datetime64[M]").astype(np.int64) % 12
    out: Floats = (
        np.asarray(weekday, dtype=np.float64)[weekdays]
        * np.asarray(month, dtype=np.float64)[months]
    )
    return out


def pick_from(weights: Floats, uniform: Floats) -> Ints:
    """Indices drawn with ``weights`` from given uniform numbers."""
    cdf = np.cumsum(weights)
    idx = np.searchsorted(cdf, uniform * cdf[-1], side="right")
    result: Ints = np.minimum(idx, len(cdf) - 1).astype(np.int64)
    return result


def _follow_parent(t: Tickets, resolution: Floats, lag: Floats) -> Floats:
    if not t.child.any():
        return resolution
    rows = t.parent_row[t.child]
    parent_done = t.opened[rows] + resolution[rows] * 3600.0
    out = resolution.copy()
    after = np.maximum(parent_done - t.opened[t.child], 0.0) / 3600.0
    out[t.child] = after - 0.5 * np.log1p(-lag[t.child] * 0.999) + 1 / 120
    return out


def allocate(config: SimulationConfig, life: Life, resolution: Floats, response: Floats) -> None:
    """Split each ticket's time to resolution over its present steps (fills ``life.gaps``)."""
    timing = config.timing
    d, present = life.draws, life.present
    n = len(resolution)
    waits = present[:, WAIT1] | present[:, WAIT2]
    exponent = np.log(0.5) / np.log(timing.wait_fraction_median)
    fraction = np.clip(d["fraction"] ** (1 / exponent), MIN_WAIT_FRACTION, 0.95)
    wait_total = np.where(waits, fraction * resolution, 0.0)
    both = present[:, WAIT1] & present[:, WAIT2]
    first_part = np.where(both, 0.2 + 0.6 * d["split"], np.where(present[:, WAIT1], 1.0, 0.0))
    gaps = np.zeros((n, N_SLOTS))
    gaps[:, WAIT1_END] = wait_total * first_part
    gaps[:, WAIT2_END] = wait_total - gaps[:, WAIT1_END]
    active = resolution - wait_total
    gaps[:, RESP] = np.where(present[:, RESP], np.minimum(response, 0.9 * active), 0.0)
    rest = active - gaps[:, RESP]
    kind = np.zeros(N_SLOTS)
    kind[list(WORK_END)] = 1.0
    kind[list(QUEUE_END)] = timing.queue_weight
    weights = d["weights"] * kind
    split = present & (kind > 0)
    scale = rest / np.maximum((weights * split).sum(axis=1), 1e-12)
    gaps[split] = (weights * scale[:, None])[split]
    life.draws["scale"] = scale
    life.draws["step_weights"] = weights
    # after the resolution: reopen and rework, then the (auto-)close
    gaps[:, REOPEN] = np.where(
        present[:, REOPEN], sample_table(timing.reopen_after_hours, d["reopen_after"]), 0.0
    )
    gaps[:, RESOLVED2] = np.where(
        present[:, RESOLVED2], sample_table(timing.rework_hours, d["rework"]), 0.0
    )
    late = timing.auto_close_hours + sample_table(timing.late_close_excess_hours, d["late"])
    auto = timing.auto_close_hours + d["jitter"] * timing.auto_close_jitter_hours
    gaps[:, CLOSED] = np.where(d["auto"] < timing.auto_close_share, auto, late)
    life.gaps = gaps
    life.wait_hours = wait_total
