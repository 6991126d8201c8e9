"""Injected changes: a true change of the process from a date on, for the analyses to find.

Three kinds:

* ``mttr`` — from ``start`` on, tickets of ``service`` take ``factor`` times as long to resolve
  (1.2 = 20 % slower, 0.8 = 20 % faster). Every step before the resolution stretches alike.
* ``drift`` — a gradual change: tickets opened at ``start`` take as long as before, and the
  multiplier grows (or shrinks) linearly with the opening time until it reaches ``factor`` at
  ``end``, and stays there (1.15 = 15 % slower by ``end``). Every service drifts alike unless
  ``service`` names one. Like ``mttr``, every step before the resolution stretches alike.
* ``pingpong`` — from ``start`` on, ``remove``: L2 no longer sends tickets back to L1 (a process
  change removes the loop, and with it the time it cost); ``add``: escalated tickets without a
  loop get one (L2 -> L1 -> L2) with probability ``share``.

A change applies to the tickets *opened* at or after ``start`` (optionally of one service only).
Random numbers are drawn the same way with and without changes, so the tickets a change does not
touch are identical to those of a run without it: the difference is exactly the change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pdca.errors import ConfigError

Kind = Literal["mttr", "pingpong", "drift"]
Action = Literal["remove", "add"]

SPEC_HELP = (
    "mttr:SERVICE:FACTOR:YYYY-MM-DD, pingpong:remove:YYYY-MM-DD[:SERVICE], "
    "pingpong:add:YYYY-MM-DD[:SERVICE[:SHARE]] or drift:FACTOR:YYYY-MM-DD:YYYY-MM-DD[:SERVICE]"
)


class InjectedChange(BaseModel):
    """One change of the simulated process (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    start: datetime
    """Tickets opened at or after this instant (naive UTC) are changed."""
    service: str | None = None
    """The service changed (required for ``mttr``; ``None`` = every service for ``pingpong``
    and ``drift``)."""
    factor: float = Field(1.2, gt=0)
    """``mttr``: multiplier of the time to resolve; ``drift``: the multiplier reached at
    ``end``."""
    end: datetime | None = None
    """``drift``: when the multiplier reaches ``factor`` (naive UTC; required for ``drift``)."""
    action: Action = "remove"
    """``pingpong``: remove the loops, or add them."""
    share: float | None = Field(None, ge=0, le=1)
    """``pingpong``: the share of loops removed (default all), or of escalated tickets that get one
    (default: the calibrated ping-pong share)."""

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date_is_midnight(cls, value: object) -> object:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time())
        return value

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.start.tzinfo is not None:
            raise ValueError("start must be a naive UTC time")
        if self.kind == "mttr" and not self.service:
            raise ValueError("an mttr change needs a service")
        if self.kind == "drift":
            if self.end is None:
                raise ValueError("a drift needs an end (when it reaches its factor)")
            if self.end.tzinfo is not None or self.end <= self.start:
                raise ValueError("a drift's end must be a naive UTC time after its start")
        elif self.end is not None:
            raise ValueError(f"an end is for a drift, not for a {self.kind} change")
        return self

    def multiplier(self, opened: datetime) -> float:
        """The factor on the time to resolve of a ticket of the changed service(s) opened at
        ``opened`` (1 before ``start``); :func:`pdca.simulate.changes.mttr_factor` computes the
        same, vectorised."""
        if self.kind == "pingpong" or opened < self.start:
            return 1.0
        if self.kind == "mttr" or self.end is None:
            return self.factor
        done = min(1.0, (opened - self.start) / (self.end - self.start))
        return 1.0 + (self.factor - 1.0) * done

    def describe(self) -> str:
        """One line of plain language."""
        when = self.start.isoformat(sep=" ").removesuffix(" 00:00:00")
        who = f"service {self.service}" if self.service else "every service"
        pct = (self.factor - 1) * 100
        way = "slower" if pct >= 0 else "faster"
        if self.kind == "mttr":
            return (
                f"from {when}, tickets of {who} take {self.factor:g} times as long to resolve "
                f"({abs(pct):.0f} % {way})"
            )
        if self.kind == "drift":
            until = (self.end or self.start).isoformat(sep=" ").removesuffix(" 00:00:00")
            return (
                f"from {when} to {until}, tickets of {who} drift to {self.factor:g} times as "
                f"long to resolve ({abs(pct):.0f} % {way}), linearly in the opening time"
            )
        if self.action == "remove":
            share = 1.0 if self.share is None else self.share
            return f"from {when}, {share:.0%} of the L2 -> L1 ping-pong loops of {who} are removed"
        share_text = "the calibrated share of" if self.share is None else f"{self.share:.0%} of"
        return f"from {when}, {share_text} escalated tickets of {who} get a ping-pong loop"


def _day(text: str, spec: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        raise ConfigError(
            f"{text!r} in {spec!r} is not a date", f"write YYYY-MM-DD; {SPEC_HELP}"
        ) from None


def _number(text: str, spec: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{text!r} in {spec!r} is not a number ({what})", SPEC_HELP) from None


def parse_change(spec: str) -> InjectedChange:
    """Read a change from its command-line form (:data:`SPEC_HELP`)."""
    parts = spec.split(":")
    kind = parts[0].strip().lower()
    if kind == "mttr" and len(parts) == 4:
        _, name, factor, day = parts
        value = _number(factor, spec, "the factor")
        if value <= 0:
            raise ConfigError(f"the factor in {spec!r} must be above 0", SPEC_HELP)
        return InjectedChange(kind="mttr", service=name, factor=value, start=_day(day, spec))
    if kind == "drift" and len(parts) in (4, 5):
        value = _number(parts[1], spec, "the factor")
        if value <= 0:
            raise ConfigError(f"the factor in {spec!r} must be above 0", SPEC_HELP)
        start, end = _day(parts[2], spec), _day(parts[3], spec)
        if end <= start:
            raise ConfigError(f"the drift in {spec!r} must end after it starts", SPEC_HELP)
        service = parts[4] if len(parts) == 5 and parts[4] else None
        return InjectedChange(kind="drift", factor=value, start=start, end=end, service=service)
    if kind == "pingpong" and 3 <= len(parts) <= 5 and parts[1] in ("remove", "add"):
        action: Action = "remove" if parts[1] == "remove" else "add"
        service = parts[3] if len(parts) > 3 and parts[3] else None
        share = _number(parts[4], spec, "the share") if len(parts) == 5 else None
        if share is not None and not 0 <= share <= 1:
            raise ConfigError(f"the share in {spec!r} must be between 0 and 1", SPEC_HELP)
        return InjectedChange(
            kind="pingpong", action=action, start=_day(parts[2], spec), service=service, share=share
        )
    raise ConfigError(f"cannot read the change {spec!r}", f"write {SPEC_HELP}")
