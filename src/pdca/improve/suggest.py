# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Analyse: candidate initiatives from the mining results, ranked by expected gain.

Expected gain is stated in hours of ticket time per month, so that different findings compare.
A month is 30.4375 days. "Months in the log" are the months its tickets were opened in: from the
first to the last opening date of a ticket (at least one day), not from the first to the last
event — a log's tail of late updates and closures (the ServiceNow log runs eleven months past
its three months of openings) would otherwise divide the gain by months without tickets. A gain
is thus the hours the tickets of one month of intake cost; every suggestion that divides by it
states the span in its evidence (``span``, ``months``).

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
Signal on the worse side
    From the SPC monitor (docs/monitor.md, its default rules and limits): the KPIs mttr, mtta,
    fcr, reopen_rate, escalation_rate and sla_resolution per ISO week and per priority. Each
    current signal whose effect is *worse* gives "signal: <KPI> of <priority> rose (or fell)
    since <week>", rose when the flagged week lies above the centre line, the week being the
    first of the signal's points; tickets without a priority are left out. From that week on:
    units per month = the group's units (the KPI's n) ÷ (weeks × 7 ÷ 30.4375), shift = the
    n-weighted mean of the weekly values − the centre line. Gain = |shift| × units per month for
    a KPI in hours; for a share, |shift| ÷ 100 × units per month × the group's mean time to
    resolve in hours over the same weeks (each ticket that moved to the worse side is valued at
    one resolution time). Accepting it scopes an initiative to the priority, on the same KPI,
    with the centre line as the target.
Low SLA capability
    For each priority with at least 30 stopped resolution clocks of one target (pdca's SLA
    clocks on the objectives' targets, docs/sla.md), the capability of their elapsed times with
    the target as the upper specification limit, by the percentile method (Ppk, docs/spc.md), as
    `pdca.api.sla_capability` computes it. Ppk below 1.0 gives "SLA capability of <priority> is
    Ppk X". Gain = the hours by which the clocks that breached overran their target ÷ months in
    the log. Accepting it scopes an initiative to the priority, on resolution SLA compliance
    (sla_resolution), with the target 99.865 % (the share within target that Ppk 1.0 means).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pdca.errors import PdcaError
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.clock import RESOLUTION, ClockCol, sla_clocks
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.mining.escalation import FRONT_LINE, escalation
from pdca.methods.mining.pingpong import ping_pong
from pdca.model.objectives import BUILT_IN, Objectives, Resolved
from pdca.model.schema import Col

MONTH_DAYS = 30.4375
PUSH_TO_FRONT_TARGET = 0.70
PINGPONG = "pingpong"
PUSH_TO_FRONT = "push-to-front"
SIGNAL = "signal"
CAPABILITY = "capability"
SIGNAL_KPIS = ("mttr", "mtta", "fcr", "reopen_rate", "escalation_rate", "sla_resolution")
"""KPIs whose worse-side SPC signals become suggestions (their gain is stated in hours)."""
CAPABLE_PPK = 1.0
MIN_CLOCKS = 30
PPK_ONE_SHARE = 99.865
"""% within target when Ppk = 1 by the percentile method (P99.865 on the target)."""
WEEK_MONTHS = 7 / MONTH_DAYS


@dataclass(frozen=True)
class Suggestion:
    """A candidate initiative with its evidence."""

    key: str
    """Stable name: ``pingpong/<X>/<Y>``, ``push-to-front``, ``signal/<kpi>/<priority>`` or
    ``capability/<priority>``."""
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


@dataclass(frozen=True)
class Span:
    """The months the data cover: from the first to the last opening date of a ticket."""

    first: pd.Timestamp
    last: pd.Timestamp
    tickets: int

    @property
    def months(self) -> float:
        """The span in months of 30.4375 days (at least one day)."""
        days = (self.last - self.first).total_seconds() / 86400
        return max(days, 1.0) / MONTH_DAYS

    def text(self) -> str:
        """E.g. ``2016-02-29 to 2016-05-13 (2.45 months of openings, 24918 tickets)``."""
        return (
            f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d} ({self.months:.2f} months of "
            f"openings, {self.tickets} tickets)"
        )


def data_span(tickets: Any) -> Span:
    """The span of the tickets' opening dates (see the module docstring), in the engine."""
    opened = tickets[Col.OPENED_AT]
    row = tickets.aggregate(lo=opened.min(), hi=opened.max(), n=opened.count()).execute()
    lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
    if pd.isna(lo) or pd.isna(hi):
        raise PdcaError("no ticket has an opening date", "import a log with tickets first")
    return Span(pd.Timestamp(lo), pd.Timestamp(hi), int(row["n"].iloc[0]))


def months_in(tickets: Any) -> float:
    """Months the tickets were opened in (:func:`data_span`), in months of 30.4375 days."""
    return data_span(tickets).months


def pingpong_suggestions(events: Any, span: Span, top: int) -> list[Suggestion]:
    """The ``top`` team pairs by time away."""
    months = span.months
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
                    f"{away_h:,.0f} hours, {gain:,.1f} hours per month over {span.text()}."
                ),
                gain_hours_per_month=gain,
                evidence={
                    "bounces": int(row["bounces"]),
                    "tickets": int(row["tickets"]),
                    "total_away_hours": away_h,
                    "mean_away_hours": float(row["mean_away"] or 0.0) / 3600,
                    "months": months,
                    "span": span.text(),
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


def push_to_front_suggestion(inputs: Inputs, span: Span, target: float) -> Suggestion | None:
    """A suggestion when the push-to-front share is below ``target`` (a share, 0-1)."""
    months = span.months
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
            f"({gap / months:,.1f} per month over {span.text()}), each about {saved:,.1f} hours "
            "faster."
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
            "span": span.text(),
        },
        kpi="escalation_rate",
        scope={},
        target=(1 - target) * 100,
    )


def _labelled(frame: pd.DataFrame, by: str, group: str) -> pd.DataFrame:
    part = frame[frame[by].astype(str) == group].dropna(subset=["value"])
    part = part[part["n"] > 0].sort_values(PERIOD)
    return part.assign(_label=[_week(p) for p in part[PERIOD]])


def _week(start: Any) -> str:
    year, week, _ = pd.Timestamp(start).isocalendar()
    return f"{year}-W{week:02d}"


def _since(part: pd.DataFrame, first: str) -> pd.DataFrame:
    return part[part["_label"] >= first]


def _weighted(part: pd.DataFrame) -> float | None:
    n = float(part["n"].sum())
    return float((part["value"] * part["n"]).sum() / n) if n else None


def signal_suggestions(inputs: Inputs, *, by: str = Col.PRIORITY) -> list[Suggestion]:
    """One suggestion per current SPC signal on the worse side (see the module docstring)."""
    from pdca.methods.spc.monitor import MISSING, monitor  # noqa: PLC0415 (SciPy loads on use)

    found = monitor(inputs, by=by, period="week").signals
    found = found[(found["effect"] == "worse") & (found["group"] != MISSING)]
    found = found[found["kpi"].isin(SIGNAL_KPIS)]
    if found.empty:
        return []
    frames: dict[str, pd.DataFrame] = {}

    def weekly(kpi_id: str) -> pd.DataFrame:
        if kpi_id not in frames:
            frames[kpi_id] = evaluate(inputs, Query(kpi_id, by=(by,), period="week"))
        return frames[kpi_id]

    out: dict[str, Suggestion] = {}
    for row in found.sort_values(["kpi", "group", "first"]).to_dict("records"):
        kpi = get_kpi(str(row["kpi"]))
        group, first = str(row["group"]), str(row["first"])
        key = f"{SIGNAL}/{kpi.id}/{group}"
        if key in out:  # the earliest signal of a series speaks for it
            continue
        recent = _since(_labelled(weekly(kpi.id), by, group), first)
        level = _weighted(recent)
        if level is None:
            continue
        centre = float(row["centre"])
        shift = level - centre
        weeks = len(recent)
        per_month = float(recent["n"].sum()) / (weeks * WEEK_MONTHS)
        evidence: dict[str, Any] = {
            "rule": row["rule"],
            "first_week": first,
            "last_week": row["period"],
            "flagged_value": float(row["value"]),
            "centre": centre,
            "lcl": float(row["lcl"]),
            "ucl": float(row["ucl"]),
            "level_since": level,
            "shift": shift,
            "weeks": weeks,
            "units_per_month": per_month,
        }
        if kpi.unit == "hours":
            gain = abs(shift) * per_month
        else:
            mttr = _weighted(_since(_labelled(weekly("mttr"), by, group), first))
            evidence["mttr_hours"] = mttr
            gain = abs(shift) / 100 * per_month * (mttr or 0.0)
        moved = "rose" if float(row["value"]) > centre else "fell"
        name = kpi.name.split(" (")[0]
        out[key] = Suggestion(
            key=key,
            finding="spc-signal",
            title=f"signal: {name} of {group} {moved} since {first}",
            problem=(
                f"{row['message']} Since {first} it averages {level:,.3g} {kpi.unit} against a "
                f"centre line of {centre:,.3g} {kpi.unit} ({per_month:,.0f} tickets per month); "
                f"back at the centre line saves about {gain:,.1f} hours per month."
            ),
            gain_hours_per_month=gain,
            evidence=evidence,
            kpi=kpi.id,
            scope={by: [group]},
            target=round(centre, 4),
        )
    return list(out.values())


def capability_suggestions(
    inputs: Inputs, span: Span, *, by: str = Col.PRIORITY
) -> list[Suggestion]:
    """One suggestion per priority whose resolution SLA capability (Ppk) is below 1.0.

    The evidence names the SLA targets used (``targets``: ``inputs.extra["objectives_from"]``,
    the objectives' file or ``built-in defaults``, when the caller says; docs/sla.md)."""
    months = span.months
    goals = inputs.extra.get("objectives")
    goals = goals if isinstance(goals, Objectives) else Objectives()
    source = inputs.extra.get("objectives_from") or (
        BUILT_IN if goals == Objectives() else "the objectives given"
    )
    targets = f"{source} ({Resolved(goals).sla_summary()})"
    from pdca.methods.spc.capability import Capability  # noqa: PLC0415 (SciPy loads on use)

    clocks = sla_clocks(inputs.events, inputs.tickets, goals)
    done = clocks.filter(
        (clocks[ClockCol.CLOCK] == RESOLUTION)
        & ~clocks[ClockCol.RUNNING]
        & clocks[ClockCol.TARGET_S].notnull()
        & clocks[ClockCol.ELAPSED_S].notnull()
        & clocks[by].notnull()
    )
    table = done.select(by, ClockCol.TARGET_S, ClockCol.ELAPSED_S).to_pyarrow().to_pandas()
    out = []
    for (group, target_s), part in table.groupby([by, ClockCol.TARGET_S]):
        values = part[ClockCol.ELAPSED_S].to_numpy(dtype="float64")
        if len(values) < MIN_CLOCKS:
            continue
        target = float(str(target_s))
        try:
            fit = Capability(usl=target, method="percentile").fit(values)
        except (ZeroDivisionError, PdcaError):  # every time equal: no spread to judge
            continue
        if not fit.ppk_ < CAPABLE_PPK:
            continue
        over = values[values > target] - target
        overrun_h = float(over.sum()) / 3600
        gain = overrun_h / months
        met = float((values <= target).mean())
        out.append(
            Suggestion(
                key=f"{CAPABILITY}/{group}",
                finding="sla-capability",
                title=f"SLA capability of {group} is Ppk {fit.ppk_:.2f}",
                problem=(
                    f"{len(values)} resolution clocks of {group} (target {target / 3600:,.3g} h, "
                    f"{source}): "
                    f"{met:.1%} within target, median {fit.median_ / 3600:,.3g} h, Ppk "
                    f"{fit.ppk_:.2f}; the {len(over)} breaches overran by {overrun_h:,.0f} hours, "
                    f"{gain:,.1f} hours per month over {span.text()}."
                ),
                gain_hours_per_month=gain,
                evidence={
                    "clocks": len(values),
                    "target_hours": target / 3600,
                    "median_hours": fit.median_ / 3600,
                    "met_share": met,
                    "ppk": fit.ppk_,
                    "dpmo": fit.dpmo_,
                    "sigma_level": fit.sigma_level_,
                    "breaches": len(over),
                    "overrun_hours": overrun_h,
                    "months": months,
                    "span": span.text(),
                    "targets": targets,
                },
                kpi="sla_resolution",
                scope={by: [str(group)]},
                target=PPK_ONE_SHARE,
            )
        )
    return out


def suggestions(
    inputs: Inputs,
    *,
    push_to_front_target: float = PUSH_TO_FRONT_TARGET,
    top: int = 5,
    spc: bool = True,
) -> list[Suggestion]:
    """Every candidate initiative, the largest expected gain first (``spc``: with the SPC
    signal and SLA capability suggestions)."""
    span = data_span(inputs.tickets)
    found = pingpong_suggestions(inputs.events, span, top)
    push = push_to_front_suggestion(inputs, span, push_to_front_target)
    if push is not None:
        found.append(push)
    if spc:
        found += signal_suggestions(inputs)
        found += capability_suggestions(inputs, span)
    return sorted(found, key=lambda s: (-s.gain_hours_per_month, s.key))
