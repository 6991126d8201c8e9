"""How close a simulated log is to a real one, measured with pdca's own engines.

:func:`measure` computes the statistics of one log in a store through pdca's public API only —
the mining API (variants of the canonical states), the KPI API (volume, MTTR, reopen rate,
reassignments, …) and the ticket facts the store derives — never by reading files with pandas.
:func:`compare` puts two measurements side by side with the tolerance of each statistic:
``docs/simulator.md`` ("How close the simulated log is to the real one") shows the table.

Every statistic in :data:`STATISTICS` says how it is compared:

* ``pp``: both are percentages; the simulated value must be within ``tolerance`` percentage
  points of the real one;
* ``ratio``: both are positive; simulated / real must lie within 1 / ``tolerance`` and
  ``tolerance``;
* ``report``: shown, not checked — the simulator does not reproduce it (the ``note`` says why).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

import pdca
import pdca.api as api
from pdca.model.schema import Col

STATES = ("new", "in_progress", "waiting_customer", "waiting_vendor", "resolved", "closed")
"""The canonical states both logs hold (ServiceNow also has a few waiting_other / unknown)."""
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
QUANTILES = (0.25, 0.5, 0.75, 0.9)
AUTO_CLOSE_HOURS = 120.0


@dataclass(frozen=True)
class Statistic:
    """One compared statistic: how it is compared and why."""

    name: str
    kind: Literal["pp", "ratio", "report"]
    """How it is compared (see the module docstring)."""
    tolerance: float | None = None
    note: str = ""


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


def _mix(store: Path, log: str | None) -> dict[str, float]:
    """Activity mix from the variants of the canonical states (mining API)."""
    variants = api.mine("variants", store=store, log=log, activity=(Col.STATE,))
    events: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    starts_new = 0
    for variant, cases in zip(variants["variant"], variants["cases"], strict=True):
        labels = [str(v) for v in variant]
        for label in labels:
            events[label] += int(cases)
        for label in set(labels):
            visits[label] += int(cases)
        if labels and labels[0] == "new":
            starts_new += int(cases)
    total_events = sum(events.values())
    tickets = int(variants["cases"].sum())
    out = {f"events in {s} (%)": _pct(events[s], total_events) for s in STATES}
    for state in ("in_progress", "waiting_customer", "waiting_vendor"):
        out[f"tickets through {state} (%)"] = _pct(visits[state], tickets)
    out["tickets starting in new (%)"] = _pct(starts_new, tickets)
    out["events per ticket"] = total_events / tickets
    return out


def _kpis(store: Path, log: str | None) -> dict[str, float]:
    """Ticket-level KPIs for the whole log (KPI API, no period: one figure each)."""
    out: dict[str, float] = {}
    volume = api.kpi(["volume"], store=store, log=log, by=[Col.PRIORITY])
    counts = dict(zip(volume[Col.PRIORITY], volume["value"], strict=True))
    total = sum(counts.values())
    for prio in PRIORITIES:
        out[f"tickets of priority {prio} (%)"] = _pct(counts.get(prio, 0.0), total)
    first = {"mttr": {"resolution": "first", "statistic": "median"}}
    mttr = api.kpi(["mttr"], store=store, log=log, by=[Col.PRIORITY], options=first)
    for prio, value in zip(mttr[Col.PRIORITY], mttr["value"], strict=True):
        if prio in PRIORITIES:
            out[f"median hours to first resolution, {prio}"] = float(value)
    plain = api.kpi(
        ["mttr", "mtta", "reopen_rate", "reassignments", "multi_hop_rate"],
        store=store,
        log=log,
        options={"mtta": {"statistic": "median"}},
    )
    value = dict(zip(plain["kpi"], plain["value"], strict=True))
    out["mean hours to final resolution (MTTR)"] = float(value["mttr"])
    out["median hours to first response"] = float(value["mtta"])
    out["reopen rate (%)"] = float(value["reopen_rate"])
    out["mean reassignments per ticket"] = float(value["reassignments"])
    out["tickets with 2+ reassignments (%)"] = float(value["multi_hop_rate"])
    return out


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600.0


def _facts(store: Path, log: str | None) -> dict[str, float]:
    """Resolution-time quantiles and closure from the store's ticket facts."""
    tickets = pdca.tickets(store=store, log=log)
    # a ticket never resolved counts as slower than any resolved one
    hours = _hours(tickets[Col.FIRST_RESOLVED_AT], tickets[Col.OPENED_AT]).fillna(np.inf)
    out = {
        f"p{round(q * 100)} hours to first resolution": float(np.quantile(hours, q))
        for q in QUANTILES
    }
    out["resolved within 2 h (%)"] = 100.0 * float((hours < 2).mean())
    out["resolved within 1 week (%)"] = 100.0 * float((hours < 24 * 7).mean())
    close = _hours(tickets[Col.CLOSED_AT], tickets[Col.RESOLVED_AT]).dropna()
    auto = (close >= AUTO_CLOSE_HOURS) & (close < AUTO_CLOSE_HOURS + 2)
    out["closed 120-122 h after the resolution (%)"] = 100.0 * float(auto.mean())
    durations = api.mine("durations", store=store, log=log)["duration"] / 3600.0
    out["median case duration, first to last event (h)"] = float(durations.median())
    return out


def measure(store: Path, log: str | None = None) -> dict[str, float]:
    """Every statistic of :data:`STATISTICS` for one log of a store."""
    return {**_mix(store, log), **_kpis(store, log), **_facts(store, log)}


def _within(stat: Statistic, real: float, simulated: float) -> bool | None:
    if stat.kind == "report" or stat.tolerance is None:
        return None
    if stat.kind == "pp":
        return bool(abs(simulated - real) <= stat.tolerance)
    if real <= 0 or simulated <= 0:
        return False
    ratio = simulated / real
    return bool(1 / stat.tolerance <= ratio <= stat.tolerance)


def tolerance_text(stat: Statistic) -> str:
    """The tolerance as the table in docs/simulator.md writes it."""
    if stat.kind == "pp":
        return f"± {stat.tolerance:g} pp"
    if stat.kind == "ratio":
        return f"ratio {1 / stat.tolerance:.2f} to {stat.tolerance:g}"
    return "not checked"


def compare(
    real: dict[str, float],
    simulated: dict[str, float],
    statistics: tuple[Statistic, ...] | None = None,
) -> pd.DataFrame:
    """One row per statistic: ``statistic, real, simulated, tolerance, within, note``.

    ``within`` is True or False for checked statistics and None for those only reported.
    """
    rows = []
    for stat in statistics or STATISTICS:
        r, s = real[stat.name], simulated[stat.name]
        rows.append(
            {
                "statistic": stat.name,
                "real": r,
                "simulated": s,
                "tolerance": tolerance_text(stat),
                "within": _within(stat, r, s),
                "note": stat.note,
            }
        )
    return pd.DataFrame(rows)


def render(table: pd.DataFrame) -> str:
    """The comparison as text (for the test output), with why the unchecked rows are not."""
    shown = table.assign(
        real=table["real"].map(lambda v: f"{v:.2f}"),
        simulated=table["simulated"].map(lambda v: f"{v:.2f}"),
        within=table["within"].map(lambda v: "-" if v is None else ("yes" if v else "NO")),
    ).drop(columns="note")
    unchecked = table[table["within"].isna()]
    notes = [
        f"  {name}: {note}"
        for name, note in zip(unchecked["statistic"], unchecked["note"], strict=True)
    ]
    return "\n".join([shown.to_string(index=False), "not checked:", *notes])


_SMALL = "few tickets and a bimodal time: the median jumps between the modes from seed to seed"

STATISTICS: tuple[Statistic, ...] = (
    # activity mix: share of events per canonical state (mining API, variants of the states)
    Statistic("events in new (%)", "pp", 4.0, "New and Queued: a queue step per team"),
    Statistic("events in in_progress (%)", "pp", 4.0, "a work step per team"),
    Statistic("events in resolved (%)", "pp", 2.0, "about one per ticket in both"),
    Statistic("events in closed (%)", "pp", 2.0, "about one per ticket in both"),
    Statistic(
        "events in waiting_customer (%)",
        "report",
        note="not reproduced: ServiceNow records every update during a wait (2.5 per wait)",
    ),
    Statistic("events in waiting_vendor (%)", "report", note="not reproduced: as above"),
    Statistic(
        "events per ticket",
        "report",
        note="not calibrated: ServiceNow's updates without a state change vs the simulated steps",
    ),
    # which states a ticket goes through
    Statistic("tickets through waiting_customer (%)", "pp", 3.0, "calibrated (timing.wait_share)"),
    Statistic("tickets through waiting_vendor (%)", "pp", 0.5, "calibrated (vendor_share)"),
    Statistic(
        "tickets through in_progress (%)",
        "report",
        note="not reproduced: 39.5 % of the real tickets are never Active",
    ),
    Statistic(
        "tickets starting in new (%)",
        "report",
        note="not reproduced: the real first audit row is often already Active or Resolved",
    ),
    # priorities (KPI volume by priority)
    *(
        Statistic(f"tickets of priority {p} (%)", "pp", 1.0, "calibrated (impact x urgency)")
        for p in PRIORITIES
    ),
    # time to resolve: ticket facts and the MTTR KPI
    Statistic("p25 hours to first resolution", "ratio", 1.25, "calibrated quantile tables"),
    Statistic("p50 hours to first resolution", "ratio", 1.25, "calibrated quantile tables"),
    Statistic("p75 hours to first resolution", "ratio", 1.15, "calibrated quantile tables"),
    Statistic("p90 hours to first resolution", "ratio", 1.15, "calibrated quantile tables"),
    Statistic("resolved within 2 h (%)", "pp", 2.0, "calibrated (the fast mode)"),
    Statistic("resolved within 1 week (%)", "pp", 2.0, "calibrated quantile tables"),
    Statistic(
        "median hours to first resolution, 3 - Moderate",
        "ratio",
        1.25,
        "calibrated quantile table (MTTR KPI, first resolution, median)",
    ),
    Statistic("median hours to first resolution, 1 - Critical", "report", note=_SMALL),
    Statistic("median hours to first resolution, 2 - High", "report", note=_SMALL),
    Statistic("median hours to first resolution, 4 - Low", "report", note=_SMALL),
    Statistic(
        "mean hours to final resolution (MTTR)",
        "ratio",
        1.1,
        "calibrated tables, reopens and rework (MTTR KPI)",
    ),
    Statistic(
        "median case duration, first to last event (h)",
        "ratio",
        1.15,
        "resolution plus the 5-day auto-close (mining durations view)",
    ),
    Statistic(
        "closed 120-122 h after the resolution (%)", "pp", 2.0, "calibrated (auto_close_share)"
    ),
    Statistic(
        "median hours to first response",
        "report",
        note="not reproduced: a simulated response never comes after the fix, so it is sooner",
    ),
    # reopens and reassignments (KPI API)
    Statistic("reopen rate (%)", "pp", 0.4, "calibrated (timing.reopen_share)"),
    Statistic(
        "mean reassignments per ticket",
        "report",
        note="not reproduced: fewer hand-overs (none between L1 teams, no dispatch queue)",
    ),
    Statistic(
        "tickets with 2+ reassignments (%)",
        "report",
        note="close, but not by design: routing is calibrated on Volvo's support levels",
    ),
)
"""The compared statistics, in the order of the table in docs/simulator.md."""
