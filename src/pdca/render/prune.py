"""Which steps and edges of a process map to draw: the activity and path thresholds.

The rules, as docs/process-map.md states them:

1. **Activity counts.** An activity's count is how many times the step occurs: the frequencies
   of its incoming edges plus the tickets that start with it, when the start table is given;
   otherwise the frequencies of its outgoing edges plus the tickets that end with it, when the
   end table is given; otherwise the larger of its incoming and its outgoing frequencies (which
   can be lower than the true count).
2. **Activities.** Activities are ranked by count, most first (ties: by name); with
   ``max_activities`` only that many from the top are kept. An edge from or to a dropped
   activity is dropped too; no edge is made to bridge a dropped step.
3. **Candidate edges.** The edges between kept activities, the start edges (artificial start →
   activity, weighed by the tickets that start there) of kept activities and their end edges
   (activity → artificial end, weighed by the tickets that end there).
4. **Path threshold.** A candidate edge is kept when its frequency is at least
   ``min_edge_share`` times the frequency of the most frequent candidate edge. Start and end
   edges count with their number of tickets. ``min_edge_share=0`` keeps every candidate edge.
5. **No dangling nodes.** Whatever the threshold, every kept activity keeps its most frequent
   incoming and its most frequent outgoing candidate edge, self-loops not counted (ties go to the
   edge whose other end comes first by name, the artificial start and end before any name). So
   every drawn edge joins two drawn nodes, and no drawn activity loses all its incoming or all
   its outgoing edges when it had any among the candidates. The start and end nodes are drawn
   when at least one of their edges is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from pdca.errors import ConfigError, InputError

# The columns of pdca.methods.mining.process_map / start_activities / end_activities.
SOURCE = "source"
TARGET = "target"
FREQUENCY = "frequency"
CASES = "cases"
ACTIVITY = "activity"


@dataclass(frozen=True)
class PrunedMap:
    """What is left to draw after pruning, and how much there was.

    ``activities`` are the kept activities, most frequent first; ``counts`` holds the count of
    every activity in the data (rule 1). ``edges``, ``start`` and ``end`` are the kept rows of
    the given tables, in their given order (``start``/``end`` are ``None`` when not given).
    """

    activities: tuple[str, ...]
    counts: Mapping[str, int]
    edges: pd.DataFrame
    start: pd.DataFrame | None
    end: pd.DataFrame | None
    all_edges: int

    @property
    def all_activities(self) -> int:
        return len(self.counts)


@dataclass(frozen=True)
class _Candidate:
    kind: str  # "flow", "start" or "end"
    row: int
    source: str | None  # None: the artificial start
    target: str | None  # None: the artificial end
    frequency: int


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"the {what} table has no column {', '.join(repr(c) for c in missing)}",
            "pass the tables that pdca.methods.mining.process_map, start_activities and "
            "end_activities return",
        )


def _names(values: pd.Series) -> list[str]:
    return [v if isinstance(v, str) else str(v) for v in values]


def _counts(values: pd.Series) -> list[int]:
    return [int(v) for v in values]


def activity_counts(
    edges: pd.DataFrame, start: pd.DataFrame | None = None, end: pd.DataFrame | None = None
) -> dict[str, int]:
    """How many times each activity occurs (rule 1 above)."""
    incoming: dict[str, int] = defaultdict(int)
    outgoing: dict[str, int] = defaultdict(int)
    for s, t, f in zip(
        _names(edges[SOURCE]), _names(edges[TARGET]), _counts(edges[FREQUENCY]), strict=True
    ):
        outgoing[s] += f
        incoming[t] += f
    starts = _ends(start)
    ends = _ends(end)
    names = sorted(set(incoming) | set(outgoing) | set(starts) | set(ends))
    if start is not None:
        return {a: incoming[a] + starts.get(a, 0) for a in names}
    if end is not None:
        return {a: outgoing[a] + ends.get(a, 0) for a in names}
    return {a: max(incoming[a], outgoing[a]) for a in names}


def _ends(table: pd.DataFrame | None) -> dict[str, int]:
    if table is None:
        return {}
    out: dict[str, int] = defaultdict(int)
    for a, c in zip(_names(table[ACTIVITY]), _counts(table[CASES]), strict=True):
        out[a] += c
    return dict(out)


def prune_process_map(
    edges: pd.DataFrame,
    start: pd.DataFrame | None = None,
    end: pd.DataFrame | None = None,
    *,
    max_activities: int | None = None,
    min_edge_share: float = 0.0,
) -> PrunedMap:
    """Apply the activity and path thresholds (rules 1 to 5 above) to a process map."""
    _require(edges, (SOURCE, TARGET, FREQUENCY), "edge")
    for table, what in ((start, "start"), (end, "end")):
        if table is not None:
            _require(table, (ACTIVITY, CASES), what)
    if max_activities is not None and max_activities < 1:
        raise ConfigError(
            f"max_activities must be at least 1, not {max_activities}", "or None to keep all"
        )
    if not 0.0 <= min_edge_share <= 1.0:
        raise ConfigError(
            f"min_edge_share must be between 0 and 1, not {min_edge_share}",
            "0 keeps every edge, 1 only the busiest (and what each node needs)",
        )
    counts = activity_counts(edges, start, end)
    ranked = sorted(counts, key=lambda a: (-counts[a], a))
    kept = ranked if max_activities is None else ranked[:max_activities]
    keep = set(kept)
    candidates = _candidates(edges, start, end, keep)
    top = max((c.frequency for c in candidates), default=0)
    chosen = {(c.kind, c.row) for c in candidates if c.frequency >= min_edge_share * top}
    for a in kept:
        incoming = [c for c in candidates if c.target == a and c.source != a]
        outgoing = [c for c in candidates if c.source == a and c.target != a]
        if incoming:
            best = min(incoming, key=lambda c: (-c.frequency, _name_key(c.source)))
            chosen.add((best.kind, best.row))
        if outgoing:
            best = min(outgoing, key=lambda c: (-c.frequency, _name_key(c.target)))
            chosen.add((best.kind, best.row))

    def rows(table: pd.DataFrame, kind: str) -> pd.DataFrame:
        picked = [i for i in range(len(table)) if (kind, i) in chosen]
        return table.iloc[picked].reset_index(drop=True)

    return PrunedMap(
        activities=tuple(kept),
        counts=counts,
        edges=rows(edges, "flow"),
        start=None if start is None else rows(start, "start"),
        end=None if end is None else rows(end, "end"),
        all_edges=len(edges),
    )


def _name_key(name: str | None) -> tuple[int, str]:
    return (0, "") if name is None else (1, name)


def _candidates(
    edges: pd.DataFrame, start: pd.DataFrame | None, end: pd.DataFrame | None, keep: set[str]
) -> list[_Candidate]:
    out = [
        _Candidate("flow", i, s, t, f)
        for i, (s, t, f) in enumerate(
            zip(
                _names(edges[SOURCE]),
                _names(edges[TARGET]),
                _counts(edges[FREQUENCY]),
                strict=True,
            )
        )
        if s in keep and t in keep
    ]
    for table, kind in ((start, "start"), (end, "end")):
        if table is None:
            continue
        for i, (a, c) in enumerate(
            zip(_names(table[ACTIVITY]), _counts(table[CASES]), strict=True)
        ):
            if a in keep:
                source, target = (None, a) if kind == "start" else (a, None)
                out.append(_Candidate(kind, i, source, target, c))
    return out
