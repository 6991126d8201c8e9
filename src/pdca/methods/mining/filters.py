"""Filters that narrow the events before an analysis, inside the engine.

Each filter is a small, immutable description with one method, ``apply(events) -> events``: it
takes an engine table of canonical events and returns the events that pass, in the same shape.
Filters compose by applying them one after another (every analysis function accepts a list).

Most filters keep or drop *whole tickets*: a ticket passes or fails as a unit, and all of its
events go with it. Only :class:`AttributeValues` with ``level="event"`` and :class:`TimeFrame`
with ``mode="events"`` remove single events.

Time frames include their start and exclude their end (``start ≤ t < end``), like the periods of
the KPIs. Times are UTC, like the stored events; a time with a time zone is converted to UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import ibis

from pdca.errors import ConfigError
from pdca.methods.attributes import attribute_text
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.traces import CASE, CASE_NO, CODE, LABEL, NEXT_CODE, POS, Traces, traces
from pdca.methods.mining.variants import (
    VARIANT,
    coded_case_variants,
    coded_steps,
    coded_variants,
)
from pdca.model.schema import EVENT_COLUMNS, Col

ActivityLike = ActivityKey | str | Sequence[str]
TimeFrameMode = Literal["contained", "intersecting", "started", "completed", "events"]
_MODES = ("contained", "intersecting", "started", "completed", "events")


def _keep_cases(events: Any, cases: Any, *, keep: bool) -> Any:
    """Events of the tickets listed in ``cases`` (or of all other tickets)."""
    cases = cases.select(*CASE).distinct()
    if keep:
        return events.semi_join(cases, list(CASE))
    return events.anti_join(cases, list(CASE))


def _cases_of(t: Traces, steps: Any) -> Any:
    """(log, case_id) of the tickets that own ``steps``."""
    return steps.select(CASE_NO).distinct().join(t.cases, CASE_NO).select(*CASE)


def _steps_labelled(t: Traces, steps: Any, labels: Sequence[str]) -> Any:
    """The ``steps`` whose label is one of ``labels``."""
    chosen = t.labels.filter(t.labels[LABEL].isin(list(labels))).select(CODE)
    return steps.semi_join(chosen, CODE)


def _as_strings(values: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


def _matches(value: Any, values: Sequence[str]) -> Any:
    """True where ``value`` is one of ``values``; false (not unknown) where it is missing."""
    return value.isin(list(values)).fill_null(ibis.literal(value=False))


def _naive_utc(instant: datetime | None) -> datetime | None:
    if instant is None or instant.tzinfo is None:
        return instant
    return instant.astimezone(UTC).replace(tzinfo=None)


def event_value(events: Any, column: str) -> Any:
    """A canonical column as text, or else a source attribute kept in ``attributes``."""
    if column in EVENT_COLUMNS and column != Col.ATTRIBUTES:
        return events[column].cast("string")
    return attribute_text(events[Col.ATTRIBUTES], column)


@dataclass(frozen=True)
class TimeFrame:
    """Tickets (or events) in a time frame ``start ≤ t < end``; either end may be open.

    ``mode`` says which tickets pass:

    contained
        the ticket's first and last events both lie in the frame;
    intersecting
        the ticket's span (first to last event) overlaps the frame;
    started
        the ticket's first event lies in the frame;
    completed
        the ticket's last event lies in the frame;
    events
        not whole tickets: only the events inside the frame are kept.
    """

    start: datetime | None = None
    end: datetime | None = None
    mode: TimeFrameMode = "intersecting"

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise ConfigError(f"unknown time-frame mode {self.mode!r}", f"use one of {_MODES}")
        object.__setattr__(self, "start", _naive_utc(self.start))
        object.__setattr__(self, "end", _naive_utc(self.end))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ConfigError("the time frame ends before it starts", "swap start and end")

    def _inside(self, t: Any) -> Any:
        cond = ibis.literal(value=True)
        if self.start is not None:
            cond &= t >= self.start
        if self.end is not None:
            cond &= t < self.end
        return cond

    def apply(self, events: Any) -> Any:
        """Keep the events of the tickets in the frame (or, in ``events`` mode, the events)."""
        ts = events[Col.TIMESTAMP]
        if self.mode == "events":
            return events.filter(self._inside(ts))
        spans = events.group_by(list(CASE)).aggregate(first=ts.min(), last=ts.max())
        first, last = spans["first"], spans["last"]
        if self.mode == "contained":
            cond = self._inside(first) & self._inside(last)
        elif self.mode == "started":
            cond = self._inside(first)
        elif self.mode == "completed":
            cond = self._inside(last)
        else:
            cond = ibis.literal(value=True)
            if self.start is not None:
                cond &= last >= self.start
            if self.end is not None:
                cond &= first < self.end
        return _keep_cases(events, spans.filter(cond), keep=True)


@dataclass(frozen=True)
class AttributeValues:
    """Events or tickets by the value of a column.

    ``column`` is a canonical column (``priority``, ``assignment_group``, …) or the name of a
    source column kept among the event's attributes (``"Involved ST Function Div"``). With
    ``level="case"`` a ticket passes when any of its events has one of the ``values``; with
    ``level="event"`` each event is judged alone. ``keep=False`` drops what would be kept.
    Events without a value never match.
    """

    column: str
    values: Sequence[str]
    level: Literal["event", "case"] = "case"
    keep: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _as_strings(self.values))
        if self.level not in ("event", "case"):
            raise ConfigError(f"unknown level {self.level!r}", "use 'event' or 'case'")

    def apply(self, events: Any) -> Any:
        """Keep (or drop) the matching events or tickets."""
        match = (
            event_value(events, self.column)
            .isin(list(self.values))
            .fill_null(ibis.literal(value=False))
        )
        if self.level == "event":
            return events.filter(match if self.keep else ~match)
        return _keep_cases(events, events.filter(match), keep=self.keep)


@dataclass(frozen=True)
class StartActivities:
    """Tickets whose first step is one of ``activities`` (under the ``activity`` key)."""

    activities: Sequence[str]
    activity: ActivityLike = Col.ACTIVITY
    keep: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "activities", _as_strings(self.activities))
        object.__setattr__(self, "activity", ActivityKey.of(self.activity))

    def apply(self, events: Any) -> Any:
        """Keep (or drop) the tickets that start with one of the activities."""
        t = traces(events, self.activity)
        first = _steps_labelled(t, t.steps.filter(t.steps[POS] == 0), self.activities)
        return _keep_cases(events, _cases_of(t, first), keep=self.keep)


@dataclass(frozen=True)
class EndActivities:
    """Tickets whose last step is one of ``activities`` (under the ``activity`` key)."""

    activities: Sequence[str]
    activity: ActivityLike = Col.ACTIVITY
    keep: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "activities", _as_strings(self.activities))
        object.__setattr__(self, "activity", ActivityKey.of(self.activity))

    def apply(self, events: Any) -> Any:
        """Keep (or drop) the tickets that end with one of the activities."""
        t = traces(events, self.activity)
        last = _steps_labelled(t, t.steps.filter(t.steps[NEXT_CODE].isnull()), self.activities)
        return _keep_cases(events, _cases_of(t, last), keep=self.keep)


@dataclass(frozen=True)
class PassesThrough:
    """Tickets that pass through any of ``activities`` at least once (``keep=False``: never)."""

    activities: Sequence[str]
    activity: ActivityLike = Col.ACTIVITY
    keep: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "activities", _as_strings(self.activities))
        object.__setattr__(self, "activity", ActivityKey.of(self.activity))

    def apply(self, events: Any) -> Any:
        """Keep (or drop) the tickets with a step among the activities."""
        key = ActivityKey.of(self.activity)
        hits = events.filter(
            key.label(events).isin(list(self.activities)).fill_null(ibis.literal(value=False))
        )
        return _keep_cases(events, hits, keep=self.keep)


@dataclass(frozen=True)
class Variants:
    """Tickets by variant: the ``top`` most frequent variants, or the ``variants`` listed.

    Give exactly one of ``top`` and ``variants``. Ties at the ``top`` boundary are broken as in
    variant listings (ascending step sequence). ``keep=False`` drops those tickets instead.
    """

    top: int | None = None
    variants: Sequence[Sequence[str]] = ()
    activity: ActivityLike = Col.ACTIVITY
    keep: bool = True

    def __post_init__(self) -> None:
        chosen = tuple(tuple(str(s) for s in v) for v in self.variants)
        object.__setattr__(self, "variants", chosen)
        object.__setattr__(self, "activity", ActivityKey.of(self.activity))
        if (self.top is None) == (not chosen):
            raise ConfigError("a variant filter needs either top or variants, not both")
        if self.top is not None and self.top < 0:
            raise ConfigError("top must be zero or more")

    def apply(self, events: Any) -> Any:
        """Keep (or drop) the tickets that follow the chosen variants."""
        t = traces(events, self.activity)
        per_case = coded_case_variants(t)
        if self.top is not None:
            chosen = coded_variants(t).limit(self.top).select(VARIANT)
        else:
            chosen = self._encoded(t)
        hits = per_case.semi_join(chosen, per_case[VARIANT] == chosen[VARIANT])
        return _keep_cases(events, hits.join(t.cases, CASE_NO), keep=self.keep)

    def _encoded(self, t: Traces) -> Any:
        """The listed variants as lists of step codes (variants with an unknown label vanish)."""
        rows = [(i, at, label) for i, v in enumerate(self.variants) for at, label in enumerate(v)]
        listed = ibis.memtable(
            {
                "_id": [r[0] for r in rows],
                "_at": [r[1] for r in rows],
                LABEL: [r[2] for r in rows],
                "_n": [len(self.variants[r[0]]) for r in rows],
            },
            schema={"_id": "int64", "_at": "int64", LABEL: "string", "_n": "int64"},
        )
        coded = listed.join(t.labels, LABEL)
        grouped = coded.group_by("_id").aggregate(
            **{VARIANT: coded_steps(coded["_at"], coded[CODE]).collect().sort()},
            _k=coded.count(),
            _n=coded["_n"].max(),
        )
        return grouped.filter(grouped["_k"] == grouped["_n"]).select(VARIANT)
