# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Analyse: candidate initiatives from the mining results, ranked by expected gain.

Expected gain is stated in hours of ticket time per month, so that different findings compare.
A month is 30.4375 days; the log's span runs from its first to its last event.

Ping-pong between two teams
    For the ``top`` ordered pairs X → Y → X of the ping-pong analysis (docs/mining-itsm.md,
    holders = assignment groups) with the most time away: their bounces, tickets and total
    time away (the Y stints in between). Gain = total time away in hours ÷ months in the log.
    Accepting it scopes an initiative to tickets that either team held, with the share of tickets
    reassigned two or more times (``multi_hop_rate``) as the CTQ metric and half its baseline
    as the target.
Low push-to-front
    From the escalation analysis (docs/mining-itsm.md): the push-to-front
    share (resolved at L1 without ever reaching another level ÷ resolved tickets with a level)
    against a target (70 % by default). The gap is target × resolved − push-to-front tickets;
    gain = gap per month × (mean time to resolve of tickets whose highest level is not L1 −
    that of tickets that stayed at L1), the mean MTTR from the KPI engine (``mttr`` by
    ``support_level_reached``). Accepting it creates an initiative on the escalation rate with
    the target 100 % − the push-to-front target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import Query, evaluate
from pdca.methods.mining.escalation import FRONT_LINE, escalation
from pdca.methods.mining.pingpong import ping_pong
from pdca.model.schema import Col

MONTH_DAYS = 30.4375
PUSH_TO_FRONT_TARGET = 0.70
PINGPONG = "pingpong"
PUSH_TO_FRONT = "push-to-front"


@dataclass(frozen=True)
class Suggestion:
    """A candidate initiative with its evidence."""

    key: str
    """Stable name: ``pingpong/<X>/<Y>`` or ``push-to-front``."""
    finding: str
    title: str
    problem: str
    gain_hours_per_month: float
    evidence: dict[str, Any]
    kpi: str
    scope: dict[str, list[str]]
    target_factor: float | None = None
    """Target as a multiple of the measured baseline (None: ``target`` is absolute)."""
    target: float | None = None

    def row(self) -> dict[str, Any]:
        """A flat row for a table."""
        evidence = "; ".join(f"{k}={_short(v)}" for k, v in self.evidence.items())
        return {
            "key": self.key,
            "finding": self.finding,
            "gain_hours_per_month": self.gain_hours_per_month,
            "title": self.title,
            "kpi": self.kpi,
            "evidence": evidence,
        }


def _short(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def months_in(events: Any) -> float:
    """The log's span from its first to its last event, in months of 30.4375 days."""
    row = events.aggregate(lo=events[Col.TIMESTAMP].min(), hi=events[Col.TIMESTAMP].max())
    span = row.execute()
    lo, hi = pd.Timestamp(span["lo"].iloc[0]), pd.Timestamp(span["hi"].iloc[0])
    days = (hi - lo).total_seconds() / 86400
    return max(days, 1.0) / MONTH_DAYS


def pingpong_suggestions(events: Any, months: float, top: int) -> list[Suggestion]:
    """The ``top`` team pairs by time away."""
    pairs = ping_pong(events).pairs
    if pairs.empty:
        return []
    pairs = pairs.sort_values(["total_away", "bounces"], ascending=False).head(top)
    out = []
    for row in pairs.to_dict("records"):
        x, y = str(row["holder"]), str(row["via"])
        away_h = float(row["total_away"] or 0.0) / 3600
        gain = away_h / months
        out.append(
            Suggestion(
                key=f"{PINGPONG}/{x}/{y}",
                finding="ping-pong",
                title=f"Stop the ping-pong between {x} and {y}",
                problem=(
                    f"Tickets went {x} → {y} → {x} {int(row['bounces'])} times "
                    f"({int(row['tickets'])} tickets); the time away at {y} adds up to "
                    f"{away_h:,.0f} hours, {gain:,.1f} hours per month."
                ),
                gain_hours_per_month=gain,
                evidence={
                    "bounces": int(row["bounces"]),
                    "tickets": int(row["tickets"]),
                    "total_away_hours": away_h,
                    "mean_away_hours": float(row["mean_away"] or 0.0) / 3600,
                    "months": months,
                },
                kpi="multi_hop_rate",
                scope={Col.ASSIGNMENT_GROUP: sorted({x, y})},
                target_factor=0.5,
            )
        )
    return out


def _mttr_hours(inputs: Inputs) -> tuple[float | None, float | None]:
    """Mean time to resolve (hours) of tickets that stayed at L1, and of the others."""
    frame = evaluate(inputs, Query("mttr", by=(Col.SUPPORT_LEVEL_REACHED,)))
    frame = frame.dropna(subset=[Col.SUPPORT_LEVEL_REACHED, "value"])
    front = frame[frame[Col.SUPPORT_LEVEL_REACHED] == FRONT_LINE]
    other = frame[frame[Col.SUPPORT_LEVEL_REACHED] != FRONT_LINE]
    l1 = float(front["value"].iloc[0]) if len(front) else None
    n = float(other["n"].sum())
    esc = float((other["value"] * other["n"]).sum() / n) if n else None
    return l1, esc


def push_to_front_suggestion(inputs: Inputs, months: float, target: float) -> Suggestion | None:
    """A suggestion when the push-to-front share is below ``target`` (a share, 0-1)."""
    summary = escalation(inputs.events).summary
    if summary.empty or not summary["resolved"].iloc[0]:
        return None
    resolved = int(summary["resolved"].iloc[0])
    pushed = int(summary["push_to_front"].iloc[0])
    share = float(summary["push_to_front_share"].iloc[0])
    if share >= target:
        return None
    gap = target * resolved - pushed
    l1, esc = _mttr_hours(inputs)
    saved = max(0.0, esc - l1) if l1 is not None and esc is not None else 0.0
    gain = gap / months * saved
    return Suggestion(
        key=PUSH_TO_FRONT,
        finding="push-to-front",
        title=f"Resolve more at {FRONT_LINE} (push-to-front {share:.0%}, target {target:.0%})",
        problem=(
            f"{pushed} of {resolved} resolved tickets ({share:.1%}) were resolved at {FRONT_LINE} "
            f"without escalation; reaching {target:.0%} means {gap:,.0f} more tickets "
            f"({gap / months:,.1f} per month), each about {saved:,.1f} hours faster."
        ),
        gain_hours_per_month=gain,
        evidence={
            "push_to_front": pushed,
            "resolved": resolved,
            "push_to_front_share": share,
            "target_share": target,
            "gap_tickets": gap,
            "gap_tickets_per_month": gap / months,
            "mttr_l1_hours": l1,
            "mttr_escalated_hours": esc,
            "months": months,
        },
        kpi="escalation_rate",
        scope={},
        target=(1 - target) * 100,
    )


def suggestions(
    inputs: Inputs, *, push_to_front_target: float = PUSH_TO_FRONT_TARGET, top: int = 5
) -> list[Suggestion]:
    """Every candidate initiative, the largest expected gain first."""
    months = months_in(inputs.events)
    found = pingpong_suggestions(inputs.events, months, top)
    push = push_to_front_suggestion(inputs, months, push_to_front_target)
    if push is not None:
        found.append(push)
    return sorted(found, key=lambda s: (-s.gain_hours_per_month, s.key))
