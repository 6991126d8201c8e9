"""Continuity and security KPIs: service availability, major incidents, security incidents.

Which tickets are major incidents and which are security incidents is set in the objectives file
(``[continuity.major]`` and ``[continuity.security]``, :class:`pdca.model.objectives.TicketClass`);
by default a major incident is a ticket of priority 1 and a security incident a ticket of the
category Security. These KPIs are computed only when the objectives have a ``[continuity]``
section: without one they raise a :class:`~pdca.errors.ConfigError` that says what to add (a
priority 1 ticket is not always an outage; an availability computed from that guess must not
reach anyone unasked). When the section leaves a class at its default and no ticket of the log
fits it, they raise a ConfigError too (a log without priority 1 has no measured availability of
100 %, it has no major incidents pdca can recognise); the scorecard then leaves them out
(:func:`applicable`).

Availability follows ITIL: (agreed service time − downtime) ÷ agreed service time. Agreed
service time is the working time of a calendar (around the clock by default) within the log's
span, cut at midnight UTC into one piece per day, per service; downtime is the union of the
intervals (opening to final resolution, or to the log's last event while unresolved) of the
service's major incidents, so overlapping major incidents count once. Everything is computed in
the engine; only the calendar's working intervals are built in Python.

This module registers nothing itself: :mod:`pdca.methods.kpi.catalogue` adds
:data:`CONTINUITY_KPIS`.
"""

# ruff: noqa: RUF002  (mathematical notation: minus and division signs are meant)
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

import ibis
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from pdca.errors import ConfigError
from pdca.methods.kpi.calendar import merge_adjacent, working_intervals
from pdca.methods.kpi.definition import AT, DEN, NUM, VALUE, Aggregation, Direction, Inputs, Kpi
from pdca.methods.kpi.units import seconds_between
from pdca.model.objectives import CLASS_FIELDS, Continuity, Objectives, TicketClass, priority_key
from pdca.model.schema import Col

HOURS = 1 / 3600
PERCENT = 100.0
MAJOR = "major"
SECURITY = "security"
MAJOR_KPIS = ("availability", "major_incident_count", "major_incident_duration")
SECURITY_KPIS = ("security_mttr", "security_in_target")
_LOG, _CASE = "_class_log", "_class_case"
_FROM, _TO, _SECS = "_from", "_to", "_secs"
_S, _E = "_s", "_e"
_DAY = timedelta(days=1)


class AvailabilityOptions(BaseModel):
    """Options of availability."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calendar: str = "24x7"
    """The calendar of agreed service time: ``24x7`` (default), ``business`` or a calendar of the
    objectives file. Downtime outside its working time does not count."""


class ResolveOptions(BaseModel):
    """Options of the time-to-resolve KPIs of this module."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statistic: Literal["mean", "median"] = "mean"


def _objectives(inputs: Inputs) -> Objectives:
    goals = inputs.extra.get("objectives")
    return goals if isinstance(goals, Objectives) else Objectives()


def _continuity(inputs: Inputs) -> tuple[Continuity, set[str]]:
    """The ``[continuity]`` settings and which of its keys the objectives file set."""
    section = _objectives(inputs).continuity
    if section is None:
        return Continuity(), set()
    return section, set(section.model_fields_set)


def _priority_key(column: Any) -> Any:
    """:func:`pdca.model.objectives.priority_key` in the engine."""
    digits = column.re_extract(r"[0-9]+", 0)
    return ibis.cases((digits.notnull() & (digits != ""), digits), else_=column.strip().lower())


def members(inputs: Inputs, rule: TicketClass) -> Any:
    """The tickets of the inputs that belong to the class ``rule`` (an Ibis table)."""
    t = inputs.tickets
    if rule.attributes:
        ev = inputs.events
        found = []
        for key, values in rule.attributes.items():
            pattern = '"' + re.escape(key) + r'"\s*:\s*"([^"]*)"'
            value = ev[Col.ATTRIBUTES].re_extract(pattern, 1).strip().lower()
            found.append(value.isin(sorted({v.strip().lower() for v in values})))
        hit = ev.filter(ibis.or_(*found))
        hits = hit.select(**{_LOG: hit[Col.LOG], _CASE: hit[Col.CASE_ID]}).distinct()
        t = t.left_join(hits, [t[Col.LOG] == hits[_LOG], t[Col.CASE_ID] == hits[_CASE]])
    conditions = [t[_CASE].notnull()] if rule.attributes else []
    if rule.priority:
        keys = sorted({priority_key(v) for v in rule.priority})
        conditions.append(_priority_key(t[Col.PRIORITY]).isin(keys))
    for name in CLASS_FIELDS[1:]:
        values = getattr(rule, name)
        if values:
            wanted = sorted({v.strip().lower() for v in values})
            conditions.append(t[name].strip().lower().isin(wanted))
    if not conditions:
        return t.filter(ibis.literal(value=False))
    chosen = t.filter(ibis.or_(*conditions).fill_null(ibis.literal(value=False)))
    return chosen.drop(_LOG, _CASE) if rule.attributes else chosen


_UNSET = {
    MAJOR: (
        (
            "no ticket counts as a major incident: by default a major incident is a ticket of "
            "priority 1, and no ticket here has that priority"
        ),
        (
            "say which tickets are major incidents in the objectives file, e.g. "
            '[continuity.major] impact = ["Major"] (docs/kpis.md)'
        ),
    ),
    SECURITY: (
        (
            "no ticket counts as a security incident: by default a security incident is a ticket "
            "of the category Security, and no ticket here has that category"
        ),
        (
            "say which tickets are security incidents in the objectives file, e.g. "
            '[continuity.security] subcategory = ["Phishing", "Malware"] (docs/kpis.md)'
        ),
    ),
}


NO_SECTION = (
    "the continuity KPIs (availability, major and security incidents) need a [continuity] "
    "section in the objectives file"
)
NO_SECTION_HINT = (
    "add [continuity] to it to take priority 1 tickets as major incidents and category Security "
    'as security incidents, or say which tickets are, e.g. [continuity.major] impact = ["Major"] '
    "(docs/sla.md)"
)


def require_section(inputs: Inputs) -> None:
    """A ConfigError saying what to add when the objectives have no ``[continuity]`` section."""
    if _objectives(inputs).continuity is None:
        raise ConfigError(NO_SECTION, NO_SECTION_HINT)


def _class(inputs: Inputs, which: str) -> Any:
    """The major (or security) incidents; a ConfigError without a ``[continuity]`` section, or
    when the section leaves the class at its default and the default finds none."""
    require_section(inputs)
    section, configured = _continuity(inputs)
    found = members(inputs, getattr(section, which))
    if which not in configured and int(found.count().execute()) == 0:
        raise ConfigError(*_UNSET[which])
    return found


def applicable(inputs: Inputs) -> tuple[str, ...]:
    """The KPIs of this module the scorecard shows for these inputs (one small query).

    None unless the objectives file has a ``[continuity]`` section: a priority 1 ticket is not
    always an outage, and an availability computed from a guess must not reach a governance
    meeting unasked. With the section: major-incident KPIs when ``[continuity.major]`` is set or
    a ticket fits the default; security KPIs likewise, and security_in_target only with
    ``[continuity] security_target``.
    """
    if _objectives(inputs).continuity is None:
        return ()
    section, configured = _continuity(inputs)
    major = members(inputs, section.major).count().as_scalar()
    security = members(inputs, section.security).count().as_scalar()
    row = inputs.tickets.aggregate(major=major, security=security).limit(1).execute()
    counts = row.iloc[0] if len(row) else pd.Series({MAJOR: 0, SECURITY: 0})
    out: list[str] = []
    if MAJOR in configured or int(counts[MAJOR]) > 0:
        out += MAJOR_KPIS
    if SECURITY in configured or int(counts[SECURITY]) > 0:
        out.append("security_mttr")
        if section.security_target is not None:
            out.append("security_in_target")
    return tuple(out)


# -- availability ----------------------------------------------------------------------------------
def agreed_pieces(inputs: Inputs, calendar_name: str) -> list[tuple[datetime, datetime]]:
    """The calendar's working time within the log's span, cut at every midnight (UTC)."""
    goals = _objectives(inputs)
    calendar = goals.calendar(calendar_name)
    span = inputs.span()
    if span is None:
        return []
    out = []
    for a, b in merge_adjacent(working_intervals(calendar, *span)):
        cur = a
        while cur < b:
            midnight = cur.replace(hour=0, minute=0, second=0, microsecond=0) + _DAY
            out.append((cur, min(b, midnight)))
            cur = min(b, midnight)
    return out


def _grid(pieces: list[tuple[datetime, datetime]]) -> Any:
    starts = [a for a, _ in pieces]
    ends = [b for _, b in pieces]
    table = pa.table(
        {
            _FROM: pa.array(starts, type=pa.timestamp("us")),
            _TO: pa.array(ends, type=pa.timestamp("us")),
            _SECS: pa.array([(b - a).total_seconds() for a, b in pieces], type=pa.float64()),
        }
    )
    return ibis.memtable(table)


def outages(majors: Any, until: datetime) -> Any:
    """Per service, the union of its major incidents' intervals: ``service``, ``_s``, ``_e``.

    An interval runs from the ticket's opening to its final resolution, or to ``until`` while
    unresolved. Overlapping or touching intervals merge (gaps and islands, in the engine).
    """
    end = ibis.coalesce(majors[Col.RESOLVED_AT], ibis.literal(until).cast("timestamp"))
    m = majors.select(Col.SERVICE, **{_S: majors[Col.OPENED_AT], _E: end})
    m = m.filter(m[_E] > m[_S])
    order = [m[_S], m[_E]]
    running = ibis.window(group_by=m[Col.SERVICE], order_by=order, preceding=None, following=0)
    m = m.mutate(_reach=m[_E].max().over(running))
    plain = ibis.window(group_by=m[Col.SERVICE], order_by=[m[_S], m[_E]])
    m = m.mutate(_prev=m["_reach"].lag().over(plain))
    m = m.mutate(_new=(m["_prev"].isnull() | (m[_S] > m["_prev"])).cast("int64"))
    cumulative = ibis.window(
        group_by=m[Col.SERVICE], order_by=[m[_S], m[_E]], preceding=None, following=0
    )
    m = m.mutate(_island=m["_new"].sum().over(cumulative))
    return m.group_by([Col.SERVICE, "_island"]).aggregate(**{_S: m[_S].min(), _E: m[_E].max()})


def _availability(inputs: Inputs, options: Any) -> Any:
    majors = _class(inputs, MAJOR)
    pieces = agreed_pieces(inputs, options.calendar)
    grid = _grid(pieces)
    services = inputs.tickets.select(Col.SERVICE).distinct()
    agreed = services.cross_join(grid)
    agreed = agreed.select(
        agreed[Col.SERVICE].cast("string").name(Col.SERVICE),
        agreed[_FROM].cast("timestamp").name(AT),
        agreed[_SECS].name(NUM),
        agreed[_SECS].name(DEN),
    )
    until = pieces[-1][1] if pieces else datetime(1970, 1, 1)  # noqa: DTZ001 (naive UTC)
    down = outages(majors, until)
    j = down.join(grid, (down[_S] < grid[_TO]) & (down[_E] > grid[_FROM]))
    lost = seconds_between(ibis.greatest(j[_S], j[_FROM]), ibis.least(j[_E], j[_TO]))
    lost_rows = j.select(
        j[Col.SERVICE].cast("string").name(Col.SERVICE),
        j[_FROM].cast("timestamp").name(AT),
        (-lost).cast("float64").name(NUM),
        ibis.literal(0.0).cast("float64").name(DEN),
    )
    return agreed.union(lost_rows)


def _agreed_hours(frame: pd.DataFrame, _inputs: Inputs, _period: str | None) -> pd.DataFrame:
    out = frame.copy()
    out["n"] = (out["n"].astype("float64") * HOURS).round().astype("int64")
    return out


# -- major and security incidents -----------------------------------------------------------------
def _opened(which: str) -> Any:
    def units(inputs: Inputs, _: Any) -> Any:
        t = _class(inputs, which)
        return t.mutate(**{AT: t[Col.OPENED_AT]})

    return units


def _resolved(inputs: Inputs, which: str) -> Any:
    t = _class(inputs, which)
    t = t.filter(t[Col.RESOLVED_AT].notnull())
    return t.mutate(
        **{AT: t[Col.RESOLVED_AT], VALUE: seconds_between(t[Col.OPENED_AT], t[Col.RESOLVED_AT])}
    )


def _major_duration(inputs: Inputs, _: Any) -> Any:
    return _resolved(inputs, MAJOR)


def _security_mttr(inputs: Inputs, _: Any) -> Any:
    return _resolved(inputs, SECURITY)


def _security_in_target(inputs: Inputs, _: Any) -> Any:
    require_section(inputs)
    section, _set = _continuity(inputs)
    if section.security_target is None:
        raise ConfigError(
            "security_in_target needs the resolution target of security incidents",
            'add [continuity] security_target = "1d" to the objectives file',
        )
    limit = section.security_target.total_seconds()
    t = _resolved(inputs, SECURITY)
    return t.mutate(**{NUM: (t[VALUE] <= limit).cast("int64"), DEN: 1})


_MAJOR_IS = (
    "A major incident is a ticket that fits [continuity.major] in the objectives file (by "
    "default: priority 1)."
)
_SECURITY_IS = (
    "A security incident is a ticket that fits [continuity.security] in the objectives file (by "
    "default: category Security)."
)

CONTINUITY_KPIS: tuple[Kpi, ...] = (
    Kpi(
        id="availability",
        name="Service availability",
        definition=(
            "Agreed service time minus downtime, over agreed service time, per service: agreed "
            "service time is the working time of the chosen calendar (around the clock by "
            "default) within the log's span, placed in periods by the day (UTC) it falls on; "
            "downtime is the part of it covered by the union of the service's major incidents, "
            "each from its opening to its final resolution (or to the log's last event while "
            "unresolved), so overlapping major incidents count once. Without a breakdown by "
            "service, the services' agreed and down times are added up (the mean over the "
            "services that have tickets). " + _MAJOR_IS
        ),
        formula="(agreed time - union of major incident intervals) ÷ agreed time",
        unit="% of agreed time",
        direction=Direction.HIGHER,
        follows="ITIL availability management ((agreed service time - downtime) ÷ agreed "
        "service time)",
        aggregation=Aggregation.RATIO,
        units=_availability,
        options=AvailabilityOptions,
        scale=PERCENT,
        breakdowns=(Col.SERVICE,),
        finish=_agreed_hours,
        ticket_breakdowns=False,
    ),
    Kpi(
        id="major_incident_count",
        name="Major incidents",
        definition="Number of major incidents opened in the period. " + _MAJOR_IS,
        formula="count(major incidents with opened_at in period)",
        unit="tickets",
        direction=Direction.LOWER,
        follows="ITIL major incident management (number of major incidents)",
        aggregation=Aggregation.COUNT,
        units=_opened(MAJOR),
    ),
    Kpi(
        id="major_incident_duration",
        name="Major incident duration",
        definition=(
            "Time from a major incident's opening to its final resolution, averaged (mean, or "
            "median with statistic=median) over the major incidents resolved in the period, in "
            "hours. " + _MAJOR_IS
        ),
        formula="Σ(resolved_at - opened_at) ÷ resolved major incidents",
        unit="hours",
        direction=Direction.LOWER,
        follows="ITIL major incident management (mean time to restore service)",
        aggregation=Aggregation.MEAN,
        units=_major_duration,
        options=ResolveOptions,
        scale=HOURS,
    ),
    Kpi(
        id="security_mttr",
        name="Mean time to resolve security incidents",
        definition=(
            "Time from a security incident's opening to its final resolution, averaged (mean, or "
            "median with statistic=median) over the security incidents resolved in the period, "
            "in hours. " + _SECURITY_IS
        ),
        formula="Σ(resolved_at - opened_at) ÷ resolved security incidents",
        unit="hours",
        direction=Direction.LOWER,
        follows="ITIL information security management (time to resolve security incidents)",
        aggregation=Aggregation.MEAN,
        units=_security_mttr,
        options=ResolveOptions,
        scale=HOURS,
    ),
    Kpi(
        id="security_in_target",
        name="Security incidents resolved within target",
        definition=(
            "Share of the security incidents resolved in the period whose time from opening to "
            "final resolution is at most [continuity] security_target of the objectives file. "
            + _SECURITY_IS
        ),
        formula="resolved security incidents with resolved_at - opened_at ≤ target ÷ resolved "
        "security incidents",
        unit="%",
        direction=Direction.HIGHER,
        follows="ITIL information security management (security incidents resolved within target)",
        aggregation=Aggregation.RATIO,
        units=_security_in_target,
        scale=PERCENT,
    ),
)
"""The continuity and security KPIs, in catalogue order."""
