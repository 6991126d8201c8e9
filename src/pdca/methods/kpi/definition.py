"""What a KPI is: an identity, a written definition, and how to compute it in the engine.

A KPI computes, inside the engine, one row per *unit* (a ticket, a ticket-state segment, …) with
the instant that places it in a period (``_at``), the ticket attributes to break it down by, and its
measure columns. :mod:`pdca.methods.kpi.evaluate` then aggregates those rows per period and
breakdown. Nothing is pulled into Python but the aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from pdca.model.schema import Col

AT = "_at"
"""Name of the column that places a unit in a period."""
NUM = "_num"
DEN = "_den"
VALUE = "_value"


class Direction(StrEnum):
    """Which way is better."""

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class Aggregation(StrEnum):
    """How unit rows become a KPI value."""

    RATIO = "ratio"
    """Σ numerator ÷ Σ denominator (shares and rates)."""
    MEAN = "mean"
    MEDIAN = "median"
    COUNT = "count"


class NoOptions(BaseModel):
    """A KPI without options."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Inputs:
    """What a KPI computes from: Ibis tables of one log, and context."""

    events: Any
    tickets: Any
    as_of: Any = None
    """Instant of the measurement (default: the last event in the log)."""
    extra: dict[str, Any] = field(default_factory=dict)
    surveys: Any = None
    """Survey responses of the log (Ibis table, :mod:`pdca.model.surveys`); None: no surveys."""
    kept: Callable[[str], Any] | None = None
    """``kept(name)`` gives a table the import kept for the whole log (see
    :mod:`pdca.engine.derived`), or None when there is none. Set only when ``events`` are the
    whole log: a kept table says nothing about a subset."""

    def kept_or(self, name: str, compute: Callable[[], Any]) -> Any:
        """The kept table ``name`` when there is one, else ``compute()``."""
        table = self.kept(name) if self.kept is not None else None
        return compute() if table is None else table

    def span(self) -> tuple[datetime, datetime] | None:
        """The first and last event instants (None without events), asked once per inputs."""
        memo = self.extra.setdefault("_memo", {})
        if "span" not in memo:
            memo["span"] = event_span(self.events)
        span: tuple[datetime, datetime] | None = memo["span"]
        return span


def event_span(events: Any) -> tuple[datetime, datetime] | None:
    """The first and last ``timestamp`` of an events table (naive UTC), or None when empty."""
    row = events.aggregate(lo=events[Col.TIMESTAMP].min(), hi=events[Col.TIMESTAMP].max()).execute()
    lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
    if pd.isna(lo):
        return None
    return pd.Timestamp(lo).to_pydatetime(), pd.Timestamp(hi).to_pydatetime()


Units = Callable[[Inputs, Any], Any]
"""Builds the unit table (Ibis) from the inputs and the KPI's options."""

Finish = Callable[[Any, Inputs, "str | None"], Any]
"""Turns the aggregated table (pandas: ``[period] [by…] value n``) into the reported values, for
KPIs that divide by something configured rather than counted (a cost, a user count)."""


@dataclass(frozen=True)
class Kpi:
    """One KPI of the catalogue."""

    id: str
    name: str
    definition: str
    """The definition in words, exactly as docs/kpis.md states it."""
    formula: str
    unit: str
    direction: Direction
    follows: str
    """Whose definition this follows (HDI, MetricNet, ITIL, ServiceNow, Zendesk, …)."""
    aggregation: Aggregation
    units: Units
    options: type[BaseModel] = NoOptions
    scale: float = 1.0
    """Factor applied to the aggregate for display (e.g. 100 for percentages, 1/3600 for hours)."""
    breakdowns: tuple[str, ...] = ()
    """Extra dimensions the unit table offers besides ticket attributes (e.g. ``state``)."""
    snapshot: bool = False
    """A stock measured at period ends (backlog) rather than a flow of events in the period."""
    finish: Finish | None = None
    """Applied to the aggregate before scaling (see :data:`Finish`)."""
    ticket_breakdowns: bool = True
    """Whether the KPI may be broken down by ticket attributes (not when the value is shared
    out equally, like a cost per ticket)."""

    def parse_options(self, raw: dict[str, Any] | None) -> BaseModel:
        """Validate options given as a dict (from the CLI, the API or the objectives file)."""
        return self.options.model_validate(raw or {})
