"""Objectives: business calendars, SLA targets, clock options and KPI targets (the "Plan").

They are read from a TOML file with :func:`load_objectives`; ``docs/sla.md`` describes every key.
Without a file, :data:`DEFAULT_CALENDARS` and :data:`DEFAULT_SLA` apply. The built-in calendars
``24x7`` and ``business`` always exist; a file may redefine them and add others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pdca.errors import ConfigError
from pdca.model.calendars import DEFAULT_CALENDARS, Calendar
from pdca.model.config_errors import config_error, read_toml
from pdca.model.vocab import WAITING_STATES, State

WILDCARD = "*"

_DURATION_PART = re.compile(r"(\d+)\s*([dhms])")
_DURATION = re.compile(r"^\s*(\d+\s*[dhms]\s*)+$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_TARGET = re.compile(r"^\s*(>=|<=)\s*([-+]?\d+(?:\.\d+)?)\s*$")
_NUMBER = re.compile(r"[0-9]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- durations and priorities ------------------------------------------------------------------
def parse_duration(text: str) -> timedelta:
    """``"4h"``, ``"2d"``, ``"30m"``, ``"1d 4h"`` → a positive duration (a day is 24 hours)."""
    if not _DURATION.match(text):
        raise ValueError(
            f'"{text}" is not a duration like "4h", "30m", "2d" or "1d 4h" (units d, h, m, s)'
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if seconds <= 0:
        raise ValueError(f'"{text}" is zero; a target must be longer than that')
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration`, e.g. ``1d 4h``."""
    rest = int(value.total_seconds())
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return " ".join(parts) or "0s"


def priority_key(text: str) -> str:
    """How priorities are matched: the first whole number in the text, else the lower-cased text.

    ``"1 - Critical"``, ``"P1"`` and ``1`` all give ``"1"``; ``"High"`` gives ``"high"``.
    """
    match = _NUMBER.search(text)
    return match.group(0) if match else text.strip().lower()


# -- SLA targets -----------------------------------------------------------------------------------
def _duration(value: Any) -> Any:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f'{value!r} has no unit; write a duration like "4h", "30m" or "2d"')


class SlaTarget(_Strict):
    """Targets for the tickets of one service and priority (``*`` matches any)."""

    service: str = WILDCARD
    priority: str = WILDCARD
    calendar: str = "24x7"
    response: timedelta | None = None
    resolution: timedelta | None = None

    _durations = field_validator("response", "resolution", mode="before")(_duration)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _has_a_target(self) -> SlaTarget:
        if self.response is None and self.resolution is None:
            raise ValueError('give a response or a resolution target (e.g. resolution = "8h")')
        return self

    @property
    def specificity(self) -> int:
        """2 for a named service, plus 1 for a named priority; the highest matching row wins."""
        return 2 * (self.service != WILDCARD) + (self.priority != WILDCARD)

    @property
    def match_key(self) -> tuple[str, str]:
        """(service, priority key) used to match tickets; ``*`` stays ``*``."""
        prio = self.priority if self.priority == WILDCARD else priority_key(self.priority)
        return self.service, prio

    def matches(self, service: str | None, priority: str | None) -> bool:
        """Whether a ticket with this service and priority falls under this row."""
        want_service, want_prio = self.match_key
        if want_service not in (WILDCARD, service):
            return False
        return want_prio == WILDCARD or (
            priority is not None and priority_key(priority) == want_prio
        )


DEFAULT_SLA: tuple[SlaTarget, ...] = tuple(
    SlaTarget.model_validate({"priority": p, "response": resp, "resolution": res})
    for p, resp, res in (
        ("1", "15m", "4h"),
        ("2", "1h", "1d"),
        ("3", "4h", "3d"),
        ("4", "1d", "5d"),
    )
)
"""Default targets per ITIL-style priority, all on the ``24x7`` calendar."""


# -- clock options and KPI targets -----------------------------------------------------------------
class ClockOptions(_Strict):
    """How the SLA clocks run."""

    pause_states: tuple[State, ...] = tuple(sorted(WAITING_STATES))
    """States that stop the resolution clock (the response clock never pauses)."""
    resolution: Literal["final", "first"] = "final"
    """Which resolution stops the resolution clock (see :mod:`pdca.model.facts`)."""

    @field_validator("pause_states", mode="before")
    @classmethod
    def _known_states(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            names = {s.value for s in State}
            for item in value:
                if isinstance(item, str) and item not in names:
                    raise ValueError(
                        f'"{item}" is not a canonical state; use any of: {", ".join(sorted(names))}'
                    )
        return value


class KpiTarget(_Strict):
    """A KPI target such as ``>= 70``, in the unit the KPI is reported in."""

    op: Literal[">=", "<="]
    value: float

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, dict | KpiTarget):
            return value
        match = _TARGET.match(value) if isinstance(value, str) else None
        if not match:
            raise ValueError(f'"{value}" is not a target like ">= 70" or "<= 24" (in quotes)')
        return {"op": match.group(1), "value": float(match.group(2))}

    def met(self, actual: float) -> bool:
        """Whether ``actual`` meets the target."""
        return actual >= self.value if self.op == ">=" else actual <= self.value

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


class CostModel(_Strict):
    """What running the service desk costs (MetricNet: the monthly operating expense)."""

    per_month: float = Field(gt=0)
    """Operating expense of one month: salaries, benefits, technology, facilities, training …"""
    currency: str = "EUR"


class Organisation(_Strict):
    """The population the service desk supports."""

    users: int = Field(gt=0)
    """Number of users (employees or customers) entitled to support."""


class StaffingOptions(_Strict):
    """How staffing plans turn agents into positions to roster (``pdca staff``)."""

    shrinkage: float = Field(0.0, ge=0, lt=1)
    """Share of paid time agents are not available (breaks, training, absence), 0 to below 1."""


CLASS_FIELDS = (
    "priority", "service", "category", "subcategory", "impact", "urgency", "channel", "location",
    "ticket_type",
)  # fmt: skip
"""The ticket attributes a :class:`TicketClass` may name."""


def _text_values(value: Any) -> Any:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list | tuple):
        return tuple(str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value)
    return value


class TicketClass(_Strict):
    """Which tickets belong to a class (major incidents, security incidents).

    A ticket belongs when any field named here has one of the listed values: its own ticket
    attributes (priorities matched by :func:`priority_key`, other text case-insensitively), or a
    source attribute (``attributes``) that any of its events records with one of the values.
    """

    priority: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    subcategory: tuple[str, ...] = ()
    impact: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    ticket_type: tuple[str, ...] = ()
    attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator(
        "priority", "service", "category", "subcategory", "impact", "urgency", "channel",
        "location", "ticket_type", mode="before",
    )  # fmt: skip
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _text_values(value)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_texts(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _text_values(v) for k, v in value.items()}
        return value

    @property
    def empty(self) -> bool:
        """Whether no field is named (then no ticket belongs)."""
        return not any(getattr(self, f) for f in CLASS_FIELDS) and not self.attributes


DEFAULT_MAJOR = TicketClass(priority=("1",))
"""A major incident by default: a ticket of the highest priority (priority 1)."""
DEFAULT_SECURITY = TicketClass(category=("Security",))
"""A security incident by default: a ticket of the category Security."""


class Continuity(_Strict):
    """What counts as a major and as a security incident, and the security resolution target."""

    major: TicketClass = DEFAULT_MAJOR
    security: TicketClass = DEFAULT_SECURITY
    security_target: timedelta | None = None
    """Resolution target of security incidents (e.g. ``"1d"``); needed by security_in_target."""

    _durations = field_validator("security_target", mode="before")(_duration)


# -- the whole file --------------------------------------------------------------------------------
class Objectives(_Strict):
    """Everything the objectives file holds; ``Objectives()`` are the defaults."""

    calendars: dict[str, Calendar] = Field(default_factory=dict, validate_default=True)
    sla: tuple[SlaTarget, ...] = DEFAULT_SLA
    clock: ClockOptions = ClockOptions()
    kpi_targets: dict[str, KpiTarget] = Field(default_factory=dict)
    cost: CostModel | None = None
    organisation: Organisation | None = None
    continuity: Continuity | None = None
    """``[continuity]``: None when the file has no such section (then the defaults apply)."""
    staffing: StaffingOptions | None = None
    """``[staffing]``: shrinkage of staffing plans; None when the file has none (then 0)."""

    @field_validator("calendars", mode="after")
    @classmethod
    def _with_builtins(cls, value: dict[str, Calendar]) -> dict[str, Calendar]:
        return {**DEFAULT_CALENDARS, **value}

    @model_validator(mode="after")
    def _consistent(self) -> Objectives:
        seen: dict[tuple[str, str], int] = {}
        for i, row in enumerate(self.sla, start=1):
            if row.calendar not in self.calendars:
                raise ValueError(
                    f'sla[{i}].calendar: there is no calendar "{row.calendar}"; define '
                    f"[calendars.{row.calendar}] or use one of: {', '.join(sorted(self.calendars))}"
                )
            if row.match_key in seen:
                raise ValueError(
                    f'sla[{i}]: service "{row.service}" and priority "{row.priority}" repeat '
                    f"sla[{seen[row.match_key]}]; merge the two rows"
                )
            seen[row.match_key] = i
        return self

    def calendar(self, name: str) -> Calendar:
        """The calendar called ``name`` (a ``ConfigError`` naming the known ones if none)."""
        found = self.calendars.get(name)
        if found is None:
            raise ConfigError(
                f"there is no calendar {name!r}",
                f"use one of: {', '.join(sorted(self.calendars))} (or define it in the objectives"
                " file)",
            )
        return found

    def target_for(
        self, service: str | None, priority: str | None, clock: Literal["response", "resolution"]
    ) -> SlaTarget | None:
        """The row that sets this clock's target for a ticket (the most specific one), if any."""
        rows = [
            r for r in self.sla if getattr(r, clock) is not None and r.matches(service, priority)
        ]
        return max(rows, key=lambda r: r.specificity, default=None)


# -- where the objectives come from ----------------------------------------------------------------
BUILT_IN = "built-in defaults"
"""How the objectives are named when no file gives them."""
PARTS: dict[str, str] = {
    "sla": "SLA targets",
    "calendars": "calendars",
    "clock": "clock",
    "kpi_targets": "KPI targets",
    "cost": "cost",
    "organisation": "organisation",
    "continuity": "continuity",
    "staffing": "staffing",
}
"""The parts of the objectives (sections of the file) and how a note names them."""
FoundBy = Literal["--objectives", "PDCA_OBJECTIVES", "store", "built-in"]
_DAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hours_text(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:g} h"


def describe_calendar(calendar: Calendar) -> str:
    """A calendar in a few words, e.g. ``Mon-Fri 08:00-18:00 UTC`` (an en dash between days)."""
    days = [", ".join(str(r) for r in calendar.hours.on(d)) for d in range(7)]
    runs: list[tuple[int, int, str]] = []
    for d, text in enumerate(days):
        if runs and runs[-1][2] == text and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d, text)
        else:
            runs.append((d, d, text))
    shown = [
        (_DAY_SHORT[a] if a == b else f"{_DAY_SHORT[a]}\u2013{_DAY_SHORT[b]}") + f" {text}"
        for a, b, text in runs
        if text
    ]
    if len(runs) == 1 and days[0] == "00:00-24:00":
        shown = ["every day 00:00-24:00"]
    text = f"{' / '.join(shown) or 'never open'} {calendar.timezone}"
    if calendar.holidays:
        text += f", {len(calendar.holidays)} holidays"
    return text


def _row_label(row: SlaTarget) -> str:
    prio = row.priority if row.priority == WILDCARD else priority_key(row.priority)
    prio_text = f"P{prio}" if prio.isdigit() else prio
    if row.service == WILDCARD:
        return "any priority" if prio == WILDCARD else prio_text
    return row.service if prio == WILDCARD else f"{row.service} {prio_text}"


@dataclass(frozen=True)
class Resolved:
    """The objectives a command uses, and where they come from (see docs/sla.md)."""

    objectives: Objectives
    path: Path | None = None
    """The file read, or None for the built-in defaults."""
    found_by: FoundBy = "built-in"
    """How the file was found: the option, the environment variable, the store, or none."""

    @property
    def source(self) -> str:
        """The file's path, or ``built-in defaults``."""
        return str(self.path) if self.path is not None else BUILT_IN

    @property
    def from_file(self) -> dict[str, bool]:
        """For each part (:data:`PARTS`), whether the file sets it (else the built-in default)."""
        given = self.objectives.model_fields_set if self.path is not None else set()
        return {part: part in given for part in PARTS}

    def sla_summary(self) -> str:
        """The resolution targets and their calendars, e.g. ``P1 4 h, P2 24 h resolution on
        calendar 24x7 (every day 00:00-24:00 UTC)`` (no semicolon: it goes into evidence text)."""
        rows = [r for r in self.objectives.sla if r.resolution is not None]
        shown = [f"{_row_label(r)} {_hours_text(r.resolution)}" for r in rows[:6] if r.resolution]
        if len(rows) > len(shown):
            shown.append(f"\u2026 ({len(rows)} rows)")
        targets = f"{', '.join(shown)} resolution" if shown else "no resolution targets"
        names = sorted({r.calendar for r in self.objectives.sla})
        calendars = ", ".join(
            f"{n} ({describe_calendar(self.objectives.calendars[n])})" for n in names
        )
        word = "calendar" if len(names) == 1 else "calendars"
        return f"{targets} on {word} {calendars}" if names else targets

    def note(self) -> str:
        """One line saying which targets and calendars were used, and which are defaults."""
        if self.path is None:
            return (
                f"Targets: {BUILT_IN} ({self.sla_summary()}) \u2014 give --objectives FILE to "
                "use yours (docs/sla.md)"
            )
        parts = self.from_file
        builtin = [PARTS[p] for p, given in parts.items() if not given]
        where = "the store's file " if self.found_by == "store" else ""
        if self.found_by == "PDCA_OBJECTIVES":
            where = "PDCA_OBJECTIVES, "
        text = f"Targets: {where}{self.path} ({self.sla_summary()})"
        if builtin:
            text += f"; {BUILT_IN} for: {', '.join(builtin)}"
        return text

    def metadata(self) -> dict[str, Any]:
        """What JSON output says about the objectives (docs/sla.md)."""
        goals = self.objectives
        return {
            "source": self.source,
            "found_by": self.found_by,
            "parts": {p: "file" if given else "built-in" for p, given in self.from_file.items()},
            "sla": [
                {
                    "service": r.service,
                    "priority": r.priority,
                    "response_h": r.response.total_seconds() / 3600 if r.response else None,
                    "resolution_h": r.resolution.total_seconds() / 3600 if r.resolution else None,
                    "calendar": r.calendar,
                }
                for r in goals.sla
            ],
            "calendars": {n: describe_calendar(c) for n, c in goals.calendars.items()},
            "continuity": goals.continuity is not None,
            "note": self.note(),
        }


# -- loading ---------------------------------------------------------------------------------------
def load_objectives(path: Path | None) -> Objectives:
    """Read an objectives TOML file (``None``: the defaults); problems raise ``ConfigError``."""
    if path is None:
        return Objectives()
    raw = read_toml(path, "objectives", "check the path, or leave it out for the defaults")
    try:
        return Objectives.model_validate(raw)
    except ValidationError as exc:
        raise config_error(str(path), exc, docs="docs/sla.md", count_more=True) from None


__all__ = [
    "BUILT_IN",
    "CLASS_FIELDS",
    "DEFAULT_MAJOR",
    "DEFAULT_SECURITY",
    "DEFAULT_SLA",
    "PARTS",
    "WILDCARD",
    "ClockOptions",
    "Continuity",
    "KpiTarget",
    "Objectives",
    "Resolved",
    "SlaTarget",
    "TicketClass",
    "describe_calendar",
    "format_duration",
    "load_objectives",
    "parse_duration",
    "priority_key",
]
