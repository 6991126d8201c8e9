"""The Analyse API: process-mining views of a log, and the process map as a picture.

Every view gives one or more tables (*parts*); :func:`mine` returns one part (the view's main one
unless ``part`` names another), :func:`mine_parts` all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.methods import mining
from pdca.methods.mining.bottlenecks import bottlenecks
from pdca.methods.mining.chains import reassignment_chains
from pdca.methods.mining.conformance import check_conformance
from pdca.methods.mining.escalation import escalation
from pdca.methods.mining.filter_spec import parse_filters
from pdca.methods.mining.materialize import KEY, kept_traces
from pdca.methods.mining.pingpong import ping_pong
from pdca.methods.mining.rework import rework
from pdca.methods.mining.traces import EventFilter
from pdca.model.schema import Col
from pdca.render import EDGE_LABELS, EdgeLabel, process_map_svg


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


def _traced(ask: _Ask) -> mining.Traces:
    if ask.kept is not None and ask.key == KEY and not ask.filters:
        return ask.kept
    return mining.prepare(ask.events, ask.key, ask.filters)


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
    "dfg": lambda a: {"edges": mining.process_map(_traced(a))},
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


def mine_parts(
    view: str,
    *,
    store: Path | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
    filters: Sequence[str] = (),
    model: Path | str | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of a view, main one first. ``filters`` are texts like ``priority=1 - Critical``
    (see :mod:`pdca.methods.mining.filter_spec`); ``model`` is a process-model TOML file for
    ``conformance`` (default: the ITIL incident model)."""
    build = _VIEWS.get(view)
    if build is None:
        raise InputError(f"unknown mining view {view!r}", f"use one of: {', '.join(_VIEWS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    parsed = parse_filters(filters, key)
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        events = st.events(name)
        kept = kept_traces(events, lambda table: st.derived(table, name))
        ask = _Ask(events, key, parsed, by, top, Path(model) if model else None, kept)
        return build(ask)


def mine(
    view: str,
    *,
    part: str | None = None,
    store: Path | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
    filters: Sequence[str] = (),
    model: Path | str | None = None,
) -> pd.DataFrame:
    """One table of a process-mining view of one log: ``dfg`` (edges with frequency and waiting
    times), ``variants``, ``durations`` (per case), ``handover`` (between ``by`` values),
    ``start``/``end`` activities, ``pingpong``, ``escalation``, ``chains``, ``rework``,
    ``bottlenecks`` and ``conformance``. ``activity`` names one or more canonical columns that
    label each step; ``part`` chooses a table other than the main one (e.g. ``summary``)."""
    parts = mine_parts(
        view,
        store=store,
        log=log,
        activity=activity,
        by=by,
        top=top,
        filters=filters,
        model=model,
    )
    if part is None:
        return next(iter(parts.values()))
    if part not in parts:
        raise InputError(f"the {view} view has no part {part!r}", f"use one of: {', '.join(parts)}")
    return parts[part]


def process_map(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    filters: Sequence[str] = (),
    label: str = "frequency",
    max_activities: int | None = None,
    min_edge_share: float = 0.0,
    title: str | None = None,
) -> str:
    """The process map of a log as a standalone SVG document (see docs/process-map.md)."""
    if label not in EDGE_LABELS:
        raise InputError(f"unknown edge label {label!r}", f"use one of: {', '.join(EDGE_LABELS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    parsed = parse_filters(filters, key)
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        events = st.events(name)
        kept = kept_traces(events, lambda table: st.derived(table, name))
        traces = (
            kept
            if kept is not None and key == KEY and not parsed
            else mining.prepare(events, key, parsed)
        )
        edges = mining.process_map(traces)
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
