"""Shaping API results for pages and JSON (no analytics here: values pass through as they are)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

V = TypeVar("V")

SCORECARD_COLUMNS = (
    "kpi",
    "name",
    "period",
    "value",
    "unit",
    "target",
    "status",
    "previous",
    "trend",
    "benchmark",
)


def plain(value: Any) -> Any:
    """A cell as JSON has it: NaN/NaT → None, timestamps → ISO text, numpy → Python."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: Any, columns: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """A DataFrame as a list of plain dicts (only ``columns`` when given and present)."""
    keep = [c for c in (columns or tuple(frame.columns)) if c in frame.columns]
    return [
        {c: plain(v) for c, v in zip(keep, row, strict=True)}
        for row in frame[keep].itertuples(index=False, name=None)
    ]


def kept_view(desk: Any, name: str, args: Sequence[Any], compute: Callable[[], V]) -> V:
    """A page's view of the desk's answers, kept by the desk like its answers
    (:meth:`pdca.api.desk.Desk.remember`): shaping results and drawing charts (tens of
    milliseconds for a KPI page) is done once per desk, not per request."""
    remember = getattr(desk, "remember", None)
    if remember is None:
        return compute()
    kept: V = remember(name, tuple(args), compute)
    return kept


def scorecard_view(desk: Any, log: str) -> dict[str, Any]:
    """``desk.scorecard(log=…)`` as rows plus what it declares: the objectives in force (their
    source, which parts come from a file and which are pdca's defaults) and the KPIs left out."""
    return kept_view(desk, "scorecard_view", (log,), lambda: _scorecard_view(desk, log))


def _scorecard_view(desk: Any, log: str) -> dict[str, Any]:
    frame = desk.scorecard(log=log)
    objectives = dict(frame.attrs.get("objectives") or {})
    left_out = dict(frame.attrs.get("left_out") or {})
    by_reason: dict[str, list[str]] = {}
    for kpi, reason in left_out.items():
        by_reason.setdefault(str(reason), []).append(str(kpi))
    parts = objectives.get("parts") or {}
    return {
        "log": log,
        "rows": records(frame, SCORECARD_COLUMNS),
        "objectives": objectives,
        "left_out": left_out,
        "left_out_by_reason": by_reason,
        "defaults": [p for p, origin in parts.items() if origin != "file"],
        "from_file": [p for p, origin in parts.items() if origin == "file"],
        "all_defaults": objectives.get("found_by") == "built-in",
    }
