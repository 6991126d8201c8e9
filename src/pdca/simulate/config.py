"""What to simulate: :class:`SimulationConfig` and its parts, with calibrated defaults.

Every default is either a number measured on a real log (:mod:`.calibrated`, which says which
log and which statistic) or an assumption that docs/simulator.md marks as such. A configuration
plus its seed decides the output completely.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pdca.errors import ConfigError
from pdca.simulate import calibrated as cal
from pdca.simulate.injected import InjectedChange

_FROZEN = ConfigDict(extra="forbid", frozen=True)
QuantileTable = tuple[float, ...]


def _check_weights(name: str, weights: tuple[float, ...], length: int | None = None) -> None:
    if length is not None and len(weights) != length:
        raise ValueError(f"{name} needs {length} values, got {len(weights)}")
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"{name} must be non-negative with a positive sum")


def _check_table(name: str, table: QuantileTable) -> None:
    if len(table) != len(cal.QUANTILE_PROBS):
        raise ValueError(f"{name} needs {len(cal.QUANTILE_PROBS)} quantiles")
    if any(b < a for a, b in pairwise(table)) or table[0] <= 0:
        raise ValueError(f"{name} must be positive and non-decreasing")


def _tables(tables: dict[str, tuple[float, ...]]) -> dict[str, QuantileTable]:
    return dict(tables)


class Arrivals(BaseModel):
    """When tickets arrive: weekly and daily profiles (ServiceNow) and yearly factors."""

    model_config = _FROZEN

    tickets_per_day: float = Field(137.0, gt=0)
    """Mean tickets per day when no total is given (about 50,000 a year; an assumption)."""
    weekday_share: tuple[float, ...] = cal.WEEKDAY_SHARE
    hour_share_weekday: tuple[float, ...] = cal.HOUR_SHARE_WEEKDAY
    hour_share_weekend: tuple[float, ...] = cal.HOUR_SHARE_WEEKEND
    """Also used on holidays."""
    month_factor: tuple[float, ...] = (
        1.05, 1.05, 1.03, 1.0, 1.0, 0.97, 0.85, 0.82, 1.03, 1.05, 1.05, 0.92,
    )  # fmt: skip
    """Relative volume per calendar month (an assumption: summer and December dips)."""
    holidays: tuple[str, ...] = ("01-01", "12-24", "12-25", "12-26", "12-31")
    """Days (MM-DD) that get the weekend volume and profile (an assumption)."""
    trend_per_year: float = Field(0.0, gt=-1)
    """Relative growth of the volume per year (0.1 = +10 % a year)."""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        _check_weights("weekday_share", self.weekday_share, 7)
        _check_weights("hour_share_weekday", self.hour_share_weekday, 24)
        _check_weights("hour_share_weekend", self.hour_share_weekend, 24)
        _check_weights("month_factor", self.month_factor, 12)
        for day in self.holidays:
            datetime.strptime(f"2000-{day}", "%Y-%m-%d")  # noqa: DTZ007 (a date, no time zone)
        return self


class Bursts(BaseModel):
    """Major incidents: one outage on a service's CI spawns many related tickets (assumed)."""

    model_config = _FROZEN

    per_month: float = Field(1.5, ge=0)
    """Mean major incidents per 30 days (Poisson)."""
    mean_size: float = Field(25.0, ge=1)
    """Mean tickets per major incident, the major incident itself included (geometric)."""
    spread_hours: float = Field(2.0, gt=0)
    """Mean delay of a related ticket after the outage starts (exponential)."""
    related_high_share: float = Field(0.3, ge=0, le=1)
    """Share of related tickets logged with high urgency (priority 2); the others get 3."""


class Routing(BaseModel):
    """Who handles a ticket: support levels, teams, ping-pong (Volvo), quick fixes (ServiceNow)."""

    model_config = _FROZEN

    channels: dict[str, float] = Field(
        default_factory=lambda: {
            "Phone": 0.35,
            "Email": 0.24,
            "Self-service": 0.24,
            "Chat": 0.0572,
            "Monitoring": cal.START_BEYOND_L1,
        }
    )
    """Channel shares. ServiceNow's log is 99.4 % phone, so these are assumed, except the share of
    the direct channel, which is Volvo's share of tickets that start beyond L1."""
    direct_channels: tuple[str, ...] = ("Monitoring",)
    """Channels whose tickets start at the service's L2 team instead of the service desk."""
    fast_hours: float = Field(2.0, gt=0)
    """Tickets whose resolution time falls below this are fixed by L1 on first contact."""
    l1_escalation: float = Field(cal.L1_ESCALATION, ge=0, le=1)
    escalated_l3: float = Field(cal.ESCALATED_REACHING_L3, ge=0, le=1)
    direct_l3: float = Field(cal.DIRECT_REACHING_L3, ge=0, le=1)
    lateral_l2: float = Field(cal.ESCALATED_LATERAL_L2, ge=0, le=1)
    """Escalated tickets that first reach a wrong L2 team, which hands them on."""
    ping_pong: float = Field(cal.ESCALATED_PING_PONG, ge=0, le=1)
    """Escalated tickets that L2 sends back to L1."""
    ping_pong_resolved_at_l1: float = Field(cal.PING_PONG_ENDING_AT_L1, ge=0, le=1)
    """Of those, the share L1 then resolves; the others go back to L2 (a bounce L2 -> L1 -> L2)."""
    tilt: float = Field(0.6, ge=0, le=1)
    """How strongly escalation and waiting go with slow tickets: 0 = independent of the
    resolution time (among slow tickets), 1 = proportional to its rank (an assumption)."""


class Timing(BaseModel):
    """How long things take (ServiceNow, except the split of work between steps)."""

    model_config = _FROZEN

    resolution_hours: dict[str, QuantileTable] = Field(
        default_factory=lambda: _tables(cal.RESOLUTION_HOURS)
    )
    """Quantile table per priority (at :data:`calibrated.QUANTILE_PROBS`) of the time from
    opening to first resolution; sampled by interpolating log hours."""
    response_hours: dict[str, QuantileTable] = Field(
        default_factory=lambda: _tables(cal.RESPONSE_HOURS)
    )
    response_coupling: float = Field(cal.RESPONSE_RESOLUTION_SPEARMAN, ge=0, le=1)
    """Rank correlation between response and resolution time."""
    wait_share: float = Field(cal.WAIT_TICKET_SHARE, ge=0, le=1)
    second_wait: float = Field(round(cal.WAIT_STINTS_PER_WAITING_TICKET - 1, 4), ge=0, le=1)
    """Waiting escalated tickets that wait a second time (at the other level)."""
    vendor_share: float = Field(cal.WAIT_VENDOR_SHARE, ge=0, le=1)
    wait_fraction_median: float = Field(cal.WAIT_FRACTION_MEDIAN, gt=0, lt=1)
    queue_weight: float = Field(round(cal.TIME_SHARE_QUEUED / cal.TIME_SHARE_WORKED, 4), gt=0)
    """Weight of a queue step (waiting to be picked up) against a work step (weight 1) when the
    time that is neither response nor waiting is split (Volvo: queued vs worked time)."""
    reopen_share: float = Field(cal.REOPEN_SHARE, ge=0, le=1)
    reopen_after_hours: QuantileTable = cal.REOPEN_AFTER_HOURS
    rework_hours: QuantileTable = cal.REWORK_HOURS
    auto_close_hours: float = Field(cal.AUTO_CLOSE_HOURS, ge=0)
    auto_close_share: float = Field(cal.AUTO_CLOSE_SHARE, ge=0, le=1)
    auto_close_jitter_hours: float = Field(round(2 * cal.AUTO_CLOSE_JITTER_MEDIAN, 4), ge=0)
    """Auto-closes happen uniformly within this many hours after the auto-close time."""
    late_close_excess_hours: QuantileTable = cal.LATE_CLOSE_EXCESS_HOURS
    knowledge_fast: float = Field(cal.KNOWLEDGE_SHARE_FAST, ge=0, le=1)
    knowledge_slow: float = Field(cal.KNOWLEDGE_SHARE_SLOW, ge=0, le=1)
    resolution_weekday_factor: tuple[float, ...] = (1.0,) * 7
    """Factor on the time to resolve of tickets opened on each weekday, Monday … Sunday (a
    seasonal pattern of the resolution time; by default none: when a ticket is opened changes
    only the volume, not how long it takes)."""
    resolution_month_factor: tuple[float, ...] = (1.0,) * 12
    """Factor on the time to resolve of tickets opened in each calendar month (default none)."""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        for name in ("resolution_hours", "response_hours"):
            table: dict[str, QuantileTable] = getattr(self, name)
            if set(table) != set(cal.PRIORITIES):
                raise ValueError(f"{name} needs one table for each of {cal.PRIORITIES}")
            for prio, values in table.items():
                _check_table(f"{name}[{prio}]", values)
        for name in ("reopen_after_hours", "rework_hours", "late_close_excess_hours"):
            _check_table(name, getattr(self, name))
        for name, length in (("resolution_weekday_factor", 7), ("resolution_month_factor", 12)):
            factors: tuple[float, ...] = getattr(self, name)
            if len(factors) != length or any(f <= 0 for f in factors):
                raise ValueError(f"{name} needs {length} positive factors")
        return self


class Surveys(BaseModel):
    """CSAT responses (1-5). No real survey data was available: every number is assumed."""

    model_config = _FROZEN

    response_rate: float = Field(0.15, ge=0, le=1)
    base: float = 4.7
    """Mean latent score of a ticket resolved at once."""
    per_doubling: float = Field(0.35, ge=0)
    """Points lost each time the resolution time in days (plus one) doubles."""
    reopen_penalty: float = Field(1.0, ge=0)
    ping_pong_penalty: float = Field(0.4, ge=0)
    noise: float = Field(0.8, ge=0)
    delay_hours_median: float = Field(6.0, gt=0)
    """Median delay of the response after the resolution (lognormal, sigma 1)."""


class SlaTarget(BaseModel):
    """Targets of one priority, in hours of a 24x7 calendar."""

    model_config = _FROZEN

    response: float = Field(gt=0)
    resolution: float = Field(gt=0)


def _default_sla() -> dict[str, SlaTarget]:
    # pdca's example objectives (docs/examples/objectives.toml), on a 24x7 calendar
    hours = ((0.25, 4.0), (1.0, 24.0), (4.0, 30.0), (8.0, 50.0))
    return {
        p: SlaTarget(response=r, resolution=s)
        for p, (r, s) in zip(cal.PRIORITIES, hours, strict=True)
    }


class Organisation(BaseModel):
    """The service desk's shape: services, CIs, teams, agents, places, callers."""

    model_config = _FROZEN

    services: int = Field(20, ge=1, le=500)
    """How many services (named from a built-in list; popularity follows ServiceNow's
    category shares)."""
    cis_per_service: int = Field(5, ge=1)
    kb_articles_per_service: int = Field(25, ge=1)
    locations: int = Field(8, ge=1, le=200)
    teams_l1: int = Field(3, ge=1)
    teams_l2: int = Field(8, ge=1)
    teams_l3: int = Field(4, ge=1)
    agents_l1: int = Field(12, ge=1)
    agents_l2: int = Field(6, ge=1)
    agents_l3: int = Field(4, ge=1)
    tickets_per_caller: float = Field(cal.TICKETS_PER_CALLER, ge=1)


class SimulationConfig(BaseModel):
    """Everything that decides a simulated log. Same configuration, same output, byte for byte."""

    model_config = _FROZEN

    seed: int = Field(0, ge=0)
    start: date = date(2025, 1, 1)
    """First day (00:00 UTC)."""
    days: int = Field(365, ge=1, le=365 * 200)
    tickets: int | None = Field(None, ge=1)
    """Exact number of tickets; default: ``arrivals.tickets_per_day`` times ``days``."""
    log: str = Field("simulated_incidents", min_length=1)
    case_prefix: str = "INC"
    impact_urgency: tuple[tuple[float, ...], ...] = tuple(
        tuple(float(c) for c in row) for row in cal.IMPACT_URGENCY_COUNTS
    )
    """Relative frequency of each impact (rows) and urgency (columns); the priority follows from
    them by ServiceNow's matrix (:data:`calibrated.PRIORITY_MATRIX`)."""
    arrivals: Arrivals = Arrivals()
    bursts: Bursts = Bursts()
    routing: Routing = Routing()
    timing: Timing = Timing()
    surveys: Surveys = Surveys()
    sla: dict[str, SlaTarget] = Field(default_factory=_default_sla)
    organisation: Organisation = Organisation()
    inject: tuple[InjectedChange, ...] = ()
    """Changes of the process from a date on: the ground truth analyses should find."""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        _check_weights("routing.channels", tuple(self.routing.channels.values()))
        unknown = set(self.routing.direct_channels) - set(self.routing.channels)
        if unknown:
            raise ValueError(f"direct channels {sorted(unknown)} are not in routing.channels")
        if len(self.impact_urgency) != len(cal.IMPACTS) or any(
            len(row) != len(cal.URGENCIES) for row in self.impact_urgency
        ):
            raise ValueError("impact_urgency needs 3 rows of 3 weights")
        _check_weights("impact_urgency", tuple(w for row in self.impact_urgency for w in row))
        if set(self.sla) != set(cal.PRIORITIES):
            raise ValueError(f"sla needs targets for each of {cal.PRIORITIES}")
        return self

    @property
    def total_tickets(self) -> int:
        """The number of tickets the simulation produces."""
        if self.tickets is not None:
            return self.tickets
        return max(1, round(self.arrivals.tickets_per_day * self.days))

    def priority_shares(self) -> dict[str, float]:
        """Expected share of each priority among tickets outside major incidents."""
        total = sum(w for row in self.impact_urgency for w in row)
        shares = dict.fromkeys(cal.PRIORITIES, 0.0)
        for i, row in enumerate(self.impact_urgency):
            for j, w in enumerate(row):
                shares[cal.PRIORITIES[cal.PRIORITY_MATRIX[i][j]]] += w / total
        return shares

    @property
    def start_at(self) -> datetime:
        """The first instant (naive UTC)."""
        return datetime.combine(self.start, time())

    @property
    def end_at(self) -> datetime:
        """The end of the simulated period: events after it are not recorded (still to come)."""
        return self.start_at + timedelta(days=self.days)


def make_config(**options: Any) -> SimulationConfig:
    """A configuration from keyword options; invalid values raise a one-line ConfigError."""
    try:
        return SimulationConfig(**options)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        count = len(exc.errors())
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise ConfigError(
            f"invalid simulation setting {where}: {message}{more}",
            "see docs/simulator.md for every setting",
        ) from None
