"""The Analyse API: process-mining views of a log, and the process map as a picture.

Every view gives one or more tables (*parts*); :func:`mine` returns one part (the view's main one
unless ``part`` names another), :func:`mine_parts` all of them. Both read a log of the store, or,
with ``file``, a CSV export directly, without importing it (the *direct path*: see
:func:`file_events` and docs/mining.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from pdca.engine.choice import EngineSettings, resolve
from pdca.engine.csvscan import CsvFile, open_csv
from pdca.errors import InputError
from pdca.ingest import direct
from pdca.ingest.options import LoadOptions
from pdca.methods import mining
from pdca.methods.mining.bottlenecks import bottlenecks
from pdca.methods.mining.chains import reassignment_chains
from pdca.methods.mining.conformance import check_conformance
from pdca.methods.mining.dfg import business_time
from pdca.methods.mining.escalation import escalation
from pdca.methods.mining.filter_spec import parse_filters
from pdca.methods.mining.materialize import KEY, kept_traces
from pdca.methods.mining.pingpong import ping_pong
from pdca.methods.mining.rework import rework
from pdca.methods.mining.traces import EventFilter
from pdca.model.objectives import Objectives, Resolved, load_objectives
from pdca.model.schema import Col
from pdca.render import EDGE_LABELS, EdgeLabel, process_map_svg

if TYPE_CHECKING:
    from pdca.api.desk import Desk


@dataclass(frozen=True)
class _Ask:
    """What a view is asked: the events and the options of :func:`mine`."""

    events: Any
    key: mining.ActivityKey
    filters: list[EventFilter]
    by: str
    top: int | None
    model: Path | None
    kept: mining.Traces | None = None
    """The traces kept at import for the whole log (default activity key), if any."""
    calendar: str | None = None
    """Waiting times in this calendar's working hours (``dfg``), from ``objectives``."""
    objectives: Path | None = None
    business: mining.BusinessTime | None = None
    """The working hours of ``calendar``, when the caller has them already."""


def _traced(ask: _Ask) -> mining.Traces:
    if ask.kept is not None and ask.key == KEY and not ask.filters:
        return ask.kept
    return mining.prepare(ask.events, ask.key, ask.filters)


def _business(ask: _Ask) -> mining.BusinessTime | None:
    if ask.calendar is None:
        return None
    if ask.business is not None:
        return ask.business
    calendar = load_objectives(ask.objectives).calendar(ask.calendar)
    return business_time(ask.events, calendar)


def _pingpong(ask: _Ask) -> dict[str, pd.DataFrame]:
    r = ping_pong(ask.events, ask.by, filters=ask.filters)
    return {"pairs": r.pairs, "summary": r.summary, "tickets": r.tickets}


def _escalation(ask: _Ask) -> dict[str, pd.DataFrame]:
    r = escalation(ask.events, filters=ask.filters)
    return {"paths": r.paths, "summary": r.summary, "tickets": r.tickets}


def _chains(ask: _Ask) -> dict[str, pd.DataFrame]:
    r = reassignment_chains(ask.events, ask.by, top=ask.top, filters=ask.filters)
    return {"chains": r.chains, "distribution": r.distribution, "tickets": r.tickets}


def _rework(ask: _Ask) -> dict[str, pd.DataFrame]:
    r = rework(ask.events, filters=ask.filters)
    return {"loops": r.loops, "summary": r.summary, "tickets": r.tickets}


def _conformance(ask: _Ask) -> dict[str, pd.DataFrame]:
    r = check_conformance(ask.events, ask.model, filters=ask.filters)
    return {
        "top": r.top(ask.top or 10),
        "summary": r.summary,
        "deviations": r.deviations,
        "tickets": r.tickets,
    }


def _bottlenecks(ask: _Ask) -> dict[str, pd.DataFrame]:
    return {
        "steps": bottlenecks(ask.events, ask.key, top=ask.top, filters=ask.filters),
        "edges": bottlenecks(ask.events, ask.key, edges=True, top=ask.top, filters=ask.filters),
    }


_VIEWS: dict[str, Callable[[_Ask], dict[str, pd.DataFrame]]] = {
    "dfg": lambda a: {"edges": mining.process_map(_traced(a), business=_business(a))},
    "variants": lambda a: {"variants": mining.variant_table(_traced(a), top=a.top)},
    "durations": lambda a: {"cases": mining.case_durations(_traced(a))},
    "handover": lambda a: {"pairs": mining.handover(a.events, by=a.by, filters=a.filters)},
    "start": lambda a: {"activities": mining.start_activities(_traced(a))},
    "end": lambda a: {"activities": mining.end_activities(_traced(a))},
    "pingpong": _pingpong,
    "escalation": _escalation,
    "chains": _chains,
    "rework": _rework,
    "bottlenecks": _bottlenecks,
    "conformance": _conformance,
}
MINING_VIEWS = tuple(_VIEWS)
"""Every view of :func:`mine`; the first part of each is its main table."""
_TRACE_VIEWS = frozenset({"dfg", "variants", "durations", "start", "end"})
"""Views that read only the steps of each ticket and their order."""


@contextmanager
def file_events(
    file: Path | str,
    *,
    source: str = "auto",
    options: LoadOptions | None = None,
    columns: Iterable[str] | None = None,
    settings: dict[str, str | int | bool] | None = None,
) -> Iterator[Any]:
    """The canonical events of a CSV export, read directly (no store): an engine table, valid
    inside the ``with`` block, that every mining function accepts like ``store.events(log)``.

    ``source`` is ``auto`` (ServiceNow or BPIC 2013, told by the header), ``servicenow``,
    ``bpic2013`` or ``csv`` (with ``options.mapping``, a mapping file that states the timestamp
    format). ``columns`` limits the canonical columns filled from the file (faster; the others
    are empty); the ones that decide which rows are events and their order are always filled.
    ``settings`` are DuckDB settings (``threads``, ``memory_limit``) for the private engine.
    What the direct path does and does not do: :mod:`pdca.ingest.direct`.
    """
    read = direct.plan(file, source, options)
    spec = CsvFile(
        path=read.path,
        columns=read.columns,
        delimiter=read.delimiter,
        encoding=read.encoding,
        compression=read.compression,
        missing=read.missing,
        timestamp_format=read.timestamp_format,
        settings=dict(settings or {}),
    )
    with open_csv(spec, direct.source_columns(read, columns)) as raw:
        yield direct.canonical_events(raw, read)


def _needed(view: str, key: mining.ActivityKey, filters: Sequence[EventFilter]) -> list[str] | None:
    """The canonical columns a view needs, when it is known to need few (else None: all)."""
    if view in _TRACE_VIEWS and not filters:
        return list(key.columns)
    return None


def mine_parts(
    view: str,
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
    filters: Sequence[str] = (),
    model: Path | str | None = None,
    file: Path | str | None = None,
    source: str = "auto",
    options: LoadOptions | None = None,
    calendar: str | None = None,
    objectives: Path | str | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of a view, main one first. ``filters`` are texts like ``priority=1 - Critical``
    (see :mod:`pdca.methods.mining.filter_spec`); ``model`` is a process-model TOML file for
    ``conformance`` (default: the ITIL incident model). ``file`` reads a CSV export directly
    instead of a store (``source`` and ``options`` as in :func:`file_events`; ``log`` then names
    the file's log). ``calendar`` (a calendar of the ``objectives`` file, or a built-in one such
    as ``business``) counts the ``dfg`` waiting times in its working hours only."""
    build = _VIEWS.get(view)
    if build is None:
        raise InputError(f"unknown mining view {view!r}", f"use one of: {', '.join(_VIEWS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    parsed = parse_filters(filters, key)
    path = Path(model) if model else None
    goals = Path(objectives) if objectives else None
    if calendar is not None:
        load_objectives(goals).calendar(calendar)  # a wrong name fails before any work
    if file is not None:
        if engine is not None and resolve(engine).name != "duckdb":
            raise InputError(
                "a file given with --file is read by the embedded engine, not Spark",
                "leave out --engine spark, or export a store to Parquet for Spark",
            )
        if store is not None:
            raise InputError(
                "give a file to read directly or a store, not both", "leave out the store"
            )
        if log is not None:  # the name of the file's log
            options = replace(options or LoadOptions(), log=log)
        needed = _needed(view, key, parsed)
        with file_events(file, source=source, options=options, columns=needed) as events:
            return build(_Ask(events, key, parsed, by, top, path, None, calendar, goals))
    with _desk(store, engine, goals if calendar is not None else None) as desk:
        return desk.mine_parts(
            view,
            log=log,
            activity=activity,
            by=by,
            top=top,
            filters=filters,
            model=model,
            calendar=calendar,
        )


def _desk(store: Path | str | None, engine: Any, objectives: Path | None) -> Desk:
    """A desk for one question; a calendar comes from ``objectives`` (else pdca's defaults)."""
    from pdca.api.desk import open as open_desk  # noqa: PLC0415 (the desk imports this module)

    if objectives is None:
        resolved = Resolved(load_objectives(None))
    else:
        resolved = Resolved(load_objectives(objectives), objectives, "--objectives")
    return open_desk(store, objectives=resolved, engine=engine)


def ask_view(
    view: str,
    events: Any,
    kept: Callable[[str], Any] | None,
    *,
    activity: Sequence[str],
    by: str,
    top: int | None,
    filters: Sequence[str],
    model: Path | str | None,
    calendar: str | None,
    objectives: Objectives | None,
) -> dict[str, pd.DataFrame]:
    """Every table of a view of ``events`` (:func:`mine_parts`); ``kept(name)`` gives the tables
    the import kept when ``events`` are a whole log (else None); ``calendar`` is one of
    ``objectives``."""
    build = _VIEWS.get(view)
    if build is None:
        raise InputError(f"unknown mining view {view!r}", f"use one of: {', '.join(_VIEWS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    parsed = parse_filters(filters, key)
    path = Path(model) if model else None
    business = None
    if calendar is not None:
        chosen = (objectives or load_objectives(None)).calendar(calendar)
        business = business_time(events, chosen) if view == "dfg" else None
    traces = kept_traces(events, kept) if kept is not None else None
    return build(_Ask(events, key, parsed, by, top, path, traces, calendar, None, business))


def mine(
    view: str,
    *,
    part: str | None = None,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
    filters: Sequence[str] = (),
    model: Path | str | None = None,
    file: Path | str | None = None,
    source: str = "auto",
    options: LoadOptions | None = None,
    calendar: str | None = None,
    objectives: Path | str | None = None,
) -> pd.DataFrame:
    """One table of a process-mining view of one log: ``dfg`` (edges with frequency and waiting
    times), ``variants``, ``durations`` (per case), ``handover`` (between ``by`` values),
    ``start``/``end`` activities, ``pingpong``, ``escalation``, ``chains``, ``rework``,
    ``bottlenecks`` and ``conformance``. ``activity`` names one or more canonical columns that
    label each step; ``part`` chooses a table other than the main one (e.g. ``summary``).
    ``file`` mines a CSV export directly, without a store (see :func:`file_events`);
    ``calendar`` counts the ``dfg`` waiting times in a calendar's working hours."""
    parts = mine_parts(
        view,
        store=store,
        engine=engine,
        log=log,
        activity=activity,
        by=by,
        top=top,
        filters=filters,
        model=model,
        file=file,
        source=source,
        options=options,
        calendar=calendar,
        objectives=objectives,
    )
    return pick_part(view, parts, part)


def pick_part(view: str, parts: dict[str, pd.DataFrame], part: str | None) -> pd.DataFrame:
    """The table ``part`` of a view's tables (None: the main one)."""
    if part is None:
        return next(iter(parts.values()))
    if part not in parts:
        raise InputError(f"the {view} view has no part {part!r}", f"use one of: {', '.join(parts)}")
    return parts[part]


def process_map(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    filters: Sequence[str] = (),
    label: str = "frequency",
    max_activities: int | None = None,
    min_edge_share: float = 0.0,
    title: str | None = None,
    calendar: str | None = None,
    objectives: Path | str | None = None,
) -> str:
    """The process map of a log as a standalone SVG document (see docs/process-map.md)."""
    if label not in EDGE_LABELS:
        raise InputError(f"unknown edge label {label!r}", f"use one of: {', '.join(EDGE_LABELS)}")
    parse_filters(filters, mining.ActivityKey(columns=tuple(activity)))
    goals = Path(objectives) if objectives and calendar is not None else None
    with _desk(store, engine, goals) as desk:
        return desk.process_map(
            log=log,
            activity=activity,
            filters=filters,
            label=label,
            max_activities=max_activities,
            min_edge_share=min_edge_share,
            title=title,
            calendar=calendar,
        )


def draw_map(
    name: str,
    events: Any,
    kept: Callable[[str], Any] | None,
    *,
    activity: Sequence[str],
    filters: Sequence[str],
    label: str,
    max_activities: int | None,
    min_edge_share: float,
    title: str | None,
    calendar: str | None,
    objectives: Objectives | None,
) -> str:
    """:func:`process_map` of log ``name``'s ``events`` (``kept`` as in :func:`ask_view`)."""
    if label not in EDGE_LABELS:
        raise InputError(f"unknown edge label {label!r}", f"use one of: {', '.join(EDGE_LABELS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    parsed = parse_filters(filters, key)
    whole = kept_traces(events, kept) if kept is not None else None
    traces = (
        whole
        if whole is not None and key == KEY and not parsed
        else mining.prepare(events, key, parsed)
    )
    business = None
    if calendar is not None:
        chosen = (objectives or load_objectives(None)).calendar(calendar)
        business = business_time(events, chosen)
    edges = mining.process_map(traces, business=business)
    start = mining.start_activities(traces)
    end = mining.end_activities(traces)
    return process_map_svg(
        edges,
        start,
        end,
        label=cast(EdgeLabel, label),
        max_activities=max_activities,
        min_edge_share=min_edge_share,
        title=title or f"Process map of {name} ({key.name})",
    )


def column_values(
    column: str,
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    limit: int = 12,
) -> list[str]:
    """The values an event column takes in a log, most frequent first (at most ``limit``): what
    a ``--filter COLUMN=…`` that keeps nothing could have named."""
    with _desk(store, engine, None) as desk:
        return desk.column_values(column, log=log, limit=limit)
