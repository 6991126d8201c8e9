"""Process-mining traces kept at import, so analyses on the whole log skip the ordering step.

Ordering every ticket's events (see :mod:`.traces`) is the costly step of every process-mining
result. For the default step — the source's own label, ``activity`` — it does not depend on the
question asked, so the import computes it once (:func:`derivations`, handed to the store) and
keeps four derived tables per log:

* ``mining_labels`` — the step labels and their codes;
* ``mining_cases`` — the tickets and their numbers;
* ``mining_steps`` — one row per step, with the step that follows;
* ``mining_variants`` — the per-variant summary (counts and durations);
* ``mining_edges``, ``mining_starts``, ``mining_ends``, ``mining_durations``,
  ``mining_ranked_variants`` — the process map with its waiting times, the first and last
  steps, the per-ticket durations and the variants with their labels, most frequent first.

They hold exactly what :func:`.traces.traces` and :func:`.variants.summary` compute for that key
(the same expressions produce them), so every analysis gives the same answer either way; only a
question with another activity key, or with filters, orders the events again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ibis

from pdca.engine.derived import Derivation, Table
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.dfg import (
    KEPT_EDGES,
    KEPT_END,
    KEPT_START,
    edges,
    end_activities,
    start_activities,
)
from pdca.methods.mining.traces import CASE, CODE, LABEL, Traces, _labelled, _numbered, _steps
from pdca.methods.mining.variants import (
    KEPT_DURATIONS,
    KEPT_VARIANTS,
    coded_case_durations,
    coded_variants,
    decode_variants,
    summary,
)
from pdca.model.schema import Col

LABELS = "mining_labels"
CASES = "mining_cases"
STEPS = "mining_steps"
VARIANTS = "mining_variants"
EDGES = "mining_edges"
STARTS = "mining_starts"
ENDS = "mining_ends"
DURATIONS = "mining_durations"
RANKED = "mining_ranked_variants"
_KEPT = {
    EDGES: KEPT_EDGES,
    RANKED: KEPT_VARIANTS,
    STARTS: KEPT_START,
    ENDS: KEPT_END,
    DURATIONS: KEPT_DURATIONS,
}
KEY = ActivityKey()
"""The activity key the kept traces are built for."""


def _with_log(expr: Any, log: str) -> Any:
    if Col.LOG in expr.columns:
        return expr
    return expr.mutate(**{Col.LOG: ibis.literal(log, "string")})


def _labels(events: Any, _: Table, log: str) -> Any:
    return _with_log(_numbered(_labelled(events, KEY), [LABEL], CODE), log)


def _cases(events: Any, _: Table, log: str) -> Any:
    return _with_log(_numbered(_labelled(events, KEY), list(CASE), "case_no"), log)


def _step_rows(events: Any, table: Table, log: str) -> Any:
    labels = table(LABELS).drop(Col.LOG)
    return _with_log(_steps(_labelled(events, KEY), table(CASES), labels), log)


def _variant_rows(events: Any, table: Table, log: str) -> Any:
    return _with_log(summary(_kept(events, table)), log)


def _kept(events: Any, table: Table, *, summarised: bool = False) -> Traces:
    return Traces(
        steps=table(STEPS).drop(Col.LOG),
        cases=table(CASES),
        labels=table(LABELS).drop(Col.LOG),
        key=KEY,
        events=_labelled(events, KEY),
        summary=table(VARIANTS).drop(Col.LOG) if summarised else None,
    )


def _edge_rows(events: Any, table: Table, log: str) -> Any:
    return _with_log(edges(_kept(events, table, summarised=True)), log)


def _start_rows(events: Any, table: Table, log: str) -> Any:
    return _with_log(start_activities(_kept(events, table, summarised=True)), log)


def _end_rows(events: Any, table: Table, log: str) -> Any:
    return _with_log(end_activities(_kept(events, table, summarised=True)), log)


def _ranked_variants(events: Any, table: Table, log: str) -> Any:
    t = _kept(events, table, summarised=True)
    return _with_log(decode_variants(t, coded_variants(t), rank=True), log)


def _duration_rows(events: Any, table: Table, log: str) -> Any:
    return _with_log(coded_case_durations(_kept(events, table)), log)


def derivations() -> list[Derivation]:
    """What the import keeps for process mining, in the order it must be built."""
    return [
        (LABELS, _labels),
        (CASES, _cases),
        (STEPS, _step_rows),
        (VARIANTS, _variant_rows),
        (EDGES, _edge_rows),
        (STARTS, _start_rows),
        (ENDS, _end_rows),
        (DURATIONS, _duration_rows),
        (RANKED, _ranked_variants),
    ]


def kept_traces(events: Any, derived: Callable[[str], Any]) -> Traces | None:
    """The traces kept at import for ``events`` (one whole log), or None when there are none.

    ``derived(name)`` gives the store's derived table for the log, or None (see
    :meth:`pdca.engine.store.Store.derived`).
    """
    tables = {name: derived(name) for name in (LABELS, CASES, STEPS, VARIANTS, *_KEPT)}
    if any(t is None for t in tables.values()):
        return None
    traces = _kept(events, lambda name: tables[name], summarised=True)
    kept = {short: tables[name].drop(Col.LOG) for name, short in _KEPT.items()}
    kept[KEPT_DURATIONS] = tables[DURATIONS]  # keeps log: it is part of the ticket's identity
    return replace(traces, kept=kept)


__all__ = [
    "CASES",
    "DURATIONS",
    "EDGES",
    "ENDS",
    "KEY",
    "LABELS",
    "STARTS",
    "STEPS",
    "VARIANTS",
    "derivations",
    "kept_traces",
]
