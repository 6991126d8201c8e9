# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, × are meant)
"""Calibration study: do the verdicts of `pdca improve verify` and the SPC monitor hold?

    .venv/bin/python benchmarks/bench_calibration.py [--nulls 200] [--planted 200] [--seeds 0]
        [--families plain,seasonal,drift] [--monitor-desks 4] [--jobs 2] [--quick]
        [--out docs/calibration.md] [--csv rows.csv]

On simulated desks whose truth is known (docs/simulator.md), per scenario family:

* **null initiatives** — nothing planted; an initiative on one service (KPI ``mttr``, scope
  ``{"service": [name]}``, 90-day baseline, go-live spread over the simulated window, 8 to 14
  weeks after it). Several null initiatives share a desk (different services, different
  go-lives); no desk with a null initiative has a planted change, so no comparison group is
  contaminated.
* **planted initiatives** — one desk each, with ``InjectedChange(kind="mttr", service=...,
  factor=0.8, start=go_live)``: the initiative's service really got 20 % faster at go-live.

Families: ``plain`` (the default simulator: arrivals have weekday, hour and month profiles, which
change the volume only); ``seasonal`` (plus a seasonal resolution time: tickets opened late in
the week, in summer and in December take longer — ``timing.resolution_weekday_factor`` and
``resolution_month_factor``); ``drift`` (plus a desk-wide drift: every service 15 % slower by the
end of the log, linearly from its start — ``InjectedChange(kind="drift")``). Desks start in
every month of the year (by seed), so go-lives fall in every season. A verification desk is 188
days (90-day baselines, go-lives spread over 42 days, 8 to 14 weeks after them; ``--warmup``
adds days before the baselines).

Each initiative is verified with :func:`pdca.improve.verify.verify` once per design: with and
without the comparison group (``comparison="rest"`` and ``None``) when ``verify`` takes the
``comparison`` keyword, else the plain before/after comparison. Reported: false verdicts on the
nulls, detection and wrong-sign verdicts on the planted, and how often the effect's interval
covers the truth, each with its count and a 95 % Clopper–Pearson interval.

**The monitor**: on null desks of a year (plain and seasonal families), every default KPI per
service and week with the Western Electric rules; the signals anywhere in the series per
chart-year against what the rules promise for independent normal points (Champ & Woodall 1987:
WE 1–4 together ARL 91.75, rule 1 alone 370.4) and against pdca's own chart on independent normal
series of the same length (retrospective limits, signals merged as the monitor merges them).

Runs in ``--jobs`` processes (one desk per task). ``--quick`` is a tiny run (minutes).
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"

BASELINE_DAYS = 90
AFTER_DAYS = 56
"""Shortest period after go-live (8 weeks)."""
SPREAD_DAYS = 42
"""Go-lives are spread uniformly over this many days (so the after period is 8 to 14 weeks)."""
WARMUP_DAYS = 0
"""Days simulated before the first baseline begins (verification compares opening cohorts,
which a log's start does not truncate)."""
MONITOR_WARMUP_DAYS = 180
"""Days simulated before a monitor desk's year: KPIs placed at a resolution lack, in a log's
first months, the long tickets opened before it (the median hours of the tickets resolved in a
90-day window rises by a third over the first five months; docs/calibration.md)."""
PLANTED_FACTOR = 0.8
DRIFT_FACTOR = 1.15
NULLS_PER_DESK = 5
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.05, 1.2, 1.4, 1.3)
"""Seasonal family: tickets opened on Thursday … Sunday wait longer (Monday … Sunday)."""
MONTH_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.2, 1.05, 1.0, 1.0, 1.1)
"""Seasonal family: a slower summer and December (January … December)."""
FAMILIES = ("plain", "seasonal", "drift")
NULL = "no-change"
"""The role of a null initiative's desk (not "null": CSV readers take that for missing)."""
MONITOR_FAMILIES = ("plain", "seasonal")
MONITOR_DAYS = 365
STEADY = "after the warm-up"
WHOLE = "whole log"
MONITOR_VARIANTS = (STEADY, WHOLE)
WEEKS_PER_YEAR = 365.25 / 7
INCONCLUSIVE = "inconclusive"
"""The verdict when the per-ticket effect and the weekly series disagree (no verdict)."""
ARL_WE = 91.75
"""In-control ARL of Western Electric rules 1–4 together, normal data (Champ & Woodall 1987)."""
ARL_WE1 = 370.4
"""In-control ARL of rule 1 alone (3σ limits)."""
UNIT_AT = {
    "volume": "opened_at",
    "mtta": "first_response_at",
    "mttr": "resolved_at",
    "fcr": "resolved_at",
    "reopen_rate": "first_resolved_at",
    "escalation_rate": "opened_at",
    "sla_resolution": "resolved_at",
}
"""The ticket instant that places a unit of each default KPI in a period (docs/kpis.md); the
monitor's desks are cut there after their warm-up."""


# -- tasks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Initiative:
    """One initiative on a desk."""

    service: str
    go_live: datetime
    planted: bool


@dataclass(frozen=True)
class DeskTask:
    """One simulated desk and the initiatives verified on it."""

    family: str
    role: str
    """:data:`NULL`, ``planted`` or ``monitor``."""
    seed: int
    start: date
    days: int
    warmup: int
    initiatives: tuple[Initiative, ...] = ()
    n_boot: int = 2000
    tickets_per_day: float = 137.0


def _start(seed: int) -> date:
    """Desks begin on the first of a month, every month of the year in turn (by seed)."""
    return date(2023 + (seed // 12) % 3, seed % 12 + 1, 1)


def _services() -> list[str]:
    from pdca.simulate import SimulationConfig  # noqa: PLC0415
    from pdca.simulate.catalog import build_catalog  # noqa: PLC0415

    return list(build_catalog(SimulationConfig()).services)


def service_sizes(tickets_per_day: float = 137.0) -> dict[str, float]:
    """Expected tickets a day per service at the demo's volume."""
    from pdca.simulate import SimulationConfig  # noqa: PLC0415
    from pdca.simulate.catalog import build_catalog  # noqa: PLC0415

    catalog = build_catalog(SimulationConfig())
    weights = np.asarray(catalog.service_weights, dtype=np.float64)
    shares = weights / weights.sum()
    return {s: float(w * tickets_per_day) for s, w in zip(catalog.services, shares, strict=True)}


def band(per_day: float) -> str:
    """Service size band by expected tickets a day."""
    if per_day >= 8:
        return "large (≥ 8/day)"
    if per_day >= 3:
        return "medium (3-8/day)"
    return "small (< 3/day)"


def plan(
    families: Sequence[str],
    nulls: int,
    planted: int,
    seed0: int,
    *,
    per_desk: int = NULLS_PER_DESK,
    monitor_desks: int = 0,
    warmup: int = WARMUP_DAYS,
    n_boot: int = 2000,
    tickets_per_day: float = 137.0,
) -> list[DeskTask]:
    """Every desk of the study: ``nulls`` and ``planted`` initiatives per family."""
    services = _services()
    tasks: list[DeskTask] = []
    for f_index, family in enumerate(families):
        w = warmup
        days = w + BASELINE_DAYS + SPREAD_DAYS + AFTER_DAYS
        base = seed0 + 100_000 * f_index

        def go_live(rng: np.random.Generator, start: date, w: int = w) -> datetime:
            offset = w + BASELINE_DAYS + int(rng.integers(0, SPREAD_DAYS + 1))
            return datetime.combine(start, datetime.min.time()) + timedelta(days=offset)

        left, k = nulls, 0
        while left > 0:
            seed = base + k
            rng = np.random.default_rng([seed, 1])
            start = _start(seed)
            take = min(per_desk, left, len(services))
            chosen = rng.choice(len(services), size=take, replace=False)
            inits = tuple(
                Initiative(services[int(i)], go_live(rng, start), planted=False) for i in chosen
            )
            tasks.append(
                DeskTask(family, NULL, seed, start, days, w, inits, n_boot, tickets_per_day)
            )
            left -= take
            k += 1
        for j in range(planted):
            seed = base + 50_000 + j
            rng = np.random.default_rng([seed, 2])
            start = _start(seed)
            service = services[int(rng.integers(len(services)))]
            init = Initiative(service, go_live(rng, start), planted=True)
            tasks.append(
                DeskTask(family, "planted", seed, start, days, w, (init,), n_boot, tickets_per_day)
            )
        if family in MONITOR_FAMILIES:
            for j in range(monitor_desks):
                seed = base + 90_000 + j
                tasks.append(
                    DeskTask(
                        family,
                        "monitor",
                        seed,
                        _start(seed),
                        MONITOR_WARMUP_DAYS + MONITOR_DAYS,
                        MONITOR_WARMUP_DAYS,
                        tickets_per_day=tickets_per_day,
                    )
                )
    return tasks


# -- one desk ---------------------------------------------------------------------------------


def desk_config(task: DeskTask) -> Any:
    """The simulation of a desk."""
    from pdca.simulate import InjectedChange, SimulationConfig  # noqa: PLC0415
    from pdca.simulate.config import Arrivals, Timing  # noqa: PLC0415

    start_at = datetime.combine(task.start, datetime.min.time())
    inject: list[Any] = [
        InjectedChange(kind="mttr", service=i.service, factor=PLANTED_FACTOR, start=i.go_live)
        for i in task.initiatives
        if i.planted
    ]
    timing = Timing()
    if task.family == "seasonal":
        timing = Timing(
            resolution_weekday_factor=WEEKDAY_FACTOR, resolution_month_factor=MONTH_FACTOR
        )
    if task.family == "drift":
        inject.append(
            InjectedChange(
                kind="drift",
                factor=DRIFT_FACTOR,
                start=start_at + timedelta(days=task.warmup),
                end=start_at + timedelta(days=task.days),
            )
        )
    return SimulationConfig(
        seed=task.seed,
        start=task.start,
        days=task.days,
        arrivals=Arrivals(tickets_per_day=task.tickets_per_day),
        timing=timing,
        inject=tuple(inject),
    )


def _quiet_threads(store: Any) -> None:
    con = getattr(store, "_con", None)
    if con is not None:
        try:
            con.execute("SET threads TO 1")
        except Exception:  # a benchmark's nicety: leave DuckDB as it is
            return


def _inputs(store: Any, log: str) -> Any:
    """As ``pdca.api.improve._inputs`` builds them."""
    from pdca.methods.kpi.definition import Inputs  # noqa: PLC0415
    from pdca.model.objectives import load_objectives  # noqa: PLC0415

    return Inputs(
        store.events(log),
        store.tickets(log),
        extra={"objectives": load_objectives(None)},
        surveys=store.surveys(log),
    )


def designs() -> list[tuple[str, dict[str, Any]]]:
    """The verification designs ``verify`` offers: with and without a comparison group."""
    from pdca.improve.verify import verify  # noqa: PLC0415

    if "comparison" in inspect.signature(verify).parameters:
        return [
            ("comparison: rest of desk", {"comparison": "rest"}),
            ("no comparison", {"comparison": None}),
        ]
    return [("before/after", {})]


def _truth(hidden: pd.DataFrame, init: Initiative, check: Any) -> float:
    """The planted change's true effect on what the verification estimates, from the ground
    truth: over the after cohort (tickets of the service opened from go-live to the end of the
    after window), the mean of the hours to resolve capped at the design's horizon H, minus the
    same with each ticket's hours without the planted change (÷ 0.8; related tickets of a major
    incident follow it only approximately so). First resolutions (the KPI counts the final one;
    1 % of the tickets are reopened). NaN when the check states no horizon or window."""
    facts = getattr(check, "design", None) or {}
    horizon, after = facts.get("horizon_hours"), facts.get("after")
    if not horizon or not after:
        return math.nan
    end = pd.Timestamp(after[1])
    mine = hidden[(hidden["service"] == init.service) & (hidden["opened_at"] >= init.go_live)]
    mine = mine[mine["opened_at"] < end]
    if mine.empty:
        return math.nan
    hours = mine["resolution_hours"].to_numpy()
    touched = (mine["affected_by"].to_numpy() >> 0) & 1 == 1
    without = np.where(touched, hours / PLANTED_FACTOR, hours)
    cap = float(horizon)
    return float(np.minimum(hours, cap).mean() - np.minimum(without, cap).mean())


def run_desk(task: DeskTask) -> list[dict[str, Any]]:
    """Simulate a desk into a temporary store and verify (or monitor) it; one row per result."""
    from pdca.engine.store import Store  # noqa: PLC0415
    from pdca.simulate import simulate  # noqa: PLC0415

    config = desk_config(task)
    tmp = Path(tempfile.mkdtemp(prefix="pdca-calibration-"))
    began = time.perf_counter()
    try:
        report = simulate(config, store=tmp / "store", hidden=task.role == "planted")
        simulated = time.perf_counter() - began
        with Store.open(tmp / "store", read_only=True) as st:
            _quiet_threads(st)
            inputs = _inputs(st, config.log)
            if task.role == "monitor":
                rows = _monitor_desk(task, inputs, config)
            else:
                hidden = None
                if task.role == "planted":
                    hidden = pd.read_parquet(tmp / "store" / "simulation_tickets.parquet")
                rows = _verify_desk(task, inputs, hidden)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for row in rows:
        row.update(simulate_s=round(simulated, 2), tickets=report.tickets)
    return rows


def _verify_desk(task: DeskTask, inputs: Any, hidden: pd.DataFrame | None) -> list[dict[str, Any]]:
    from pdca.improve.verify import verify  # noqa: PLC0415

    sizes = service_sizes(task.tickets_per_day)
    rows = []
    for init in task.initiatives:
        for design, kw in designs():
            began = time.perf_counter()
            row: dict[str, Any] = {
                "family": task.family,
                "role": task.role,
                "design": design,
                "seed": task.seed,
                "service": init.service,
                "band": band(sizes[init.service]),
                "go_live": init.go_live.date().isoformat(),
                "truth": 0.0,
            }
            try:
                check = verify(
                    inputs,
                    kpi="mttr",
                    scope={"service": [init.service]},
                    go_live=init.go_live,
                    baseline_days=BASELINE_DAYS,
                    seed=task.seed,
                    n_boot=task.n_boot,
                    **kw,
                )
                ev = check.evidence
                if init.planted and hidden is not None:
                    row["truth"] = _truth(hidden, init, check)
                details = getattr(ev, "details", None) or {}
                row.update(
                    verdict=str(check.verdict),
                    method=str(ev.method),
                    estimate=float(ev.estimate),
                    ci_low=float(ev.ci_low),
                    ci_high=float(ev.ci_high),
                    before=float(getattr(ev, "before", math.nan)),
                    after=float(getattr(ev, "after", math.nan)),
                    n_before=int(getattr(ev, "n_before", 0)),
                    n_after=int(getattr(ev, "n_after", 0)),
                    relative=float(details.get("relative", math.nan)),
                    horizon_h=float(
                        (getattr(check, "design", None) or {}).get("horizon_hours") or math.nan
                    ),
                    reason=str(getattr(check, "reason", "") or ""),
                    error="",
                )
            except Exception as exc:  # a failed verification is a result too
                where = traceback.extract_tb(exc.__traceback__)[-1]
                row.update(
                    verdict="error",
                    method="",
                    error=f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:"
                    f"{where.lineno})",
                )
            row["verify_s"] = round(time.perf_counter() - began, 3)
            rows.append(row)
    return rows


def cut_inputs(inputs: Any, column: str, cut: datetime) -> Any:
    """The inputs restricted to the tickets whose ``column`` instant is at or after ``cut`` (with
    all their events): the log as if it had no warm-up, for KPIs placed at that instant."""
    from pdca.methods.kpi.definition import Inputs  # noqa: PLC0415
    from pdca.model.schema import Col  # noqa: PLC0415

    keys = [Col.LOG, Col.CASE_ID]
    tickets = inputs.tickets.filter(inputs.tickets[column] >= cut)
    kept = tickets.select(*keys)
    events = inputs.events.semi_join(kept, keys)
    surveys = None if inputs.surveys is None else inputs.surveys.semi_join(kept, keys)
    return Inputs(
        events, tickets, extra={"objectives": inputs.extra.get("objectives")}, surveys=surveys
    )


def _monitor_desk(task: DeskTask, inputs: Any, config: Any) -> list[dict[str, Any]]:
    from pdca.methods.kpi.catalogue import get_kpi  # noqa: PLC0415
    from pdca.methods.spc import monitor as spc_monitor  # noqa: PLC0415

    cut = config.start_at + timedelta(days=task.warmup)
    params = inspect.signature(spc_monitor.monitor).parameters
    kw: dict[str, Any] = {"current": 100_000} if "current" in params else {}
    rows = []
    variants = [(v, k) for v in MONITOR_VARIANTS for k in spc_monitor.DEFAULT_KPIS]
    for variant, kpi in variants:
        began = time.perf_counter()
        sub = inputs
        if variant == STEADY:
            sub = cut_inputs(inputs, UNIT_AT.get(kpi, "opened_at"), cut)
        found = spc_monitor.monitor(sub, [kpi], by="service", period="week", **kw)
        charts = found.charts
        signals = found.signals
        kind = spc_monitor.family(get_kpi(kpi))
        for chart in charts.to_dict("records"):
            status = str(chart.get("status") or "")
            mine = signals[(signals["kpi"] == kpi) & (signals["group"] == chart["group"])]
            rules = mine["rule"].astype(str).tolist()
            rows.append(
                {
                    "family": task.family,
                    "role": "monitor",
                    "variant": variant,
                    "seed": task.seed,
                    "kpi": kpi,
                    "kind": kind,
                    "group": chart["group"],
                    "chart": str(chart.get("chart") or ""),
                    "charted": not status.startswith("skipped"),
                    "status": status,
                    "points": 0 if pd.isna(chart.get("points")) else int(chart["points"]),
                    "signals": len(rules),
                    "signals_we1": sum(r in ("WE1", "N1") for r in rules),
                    "rules": ",".join(rules),
                    "all_signals": bool(kw),
                    "monitor_s": round(time.perf_counter() - began, 2),
                }
            )
    return rows


# -- statistics -------------------------------------------------------------------------------


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval of a binomial proportion k / n."""
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415

    if n == 0:
        return math.nan, math.nan
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


def rate(k: int, n: int) -> str:
    """``k/n = p % [lo, hi]``."""
    if n == 0:
        return "–"
    lo, hi = clopper_pearson(k, n)
    return f"{k}/{n} = {100 * k / n:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]"


def _covers(frame: pd.DataFrame) -> pd.Series:
    """Whether the effect's interval contains the truth (0 for a null; for a planted change its
    true effect, where the check states the horizon it capped at); NA where unknown."""
    truth = frame["truth"]
    inside = (frame["ci_low"] <= truth) & (truth <= frame["ci_high"])
    return inside.where(truth.notna() & frame["ci_low"].notna())


def verdict_table(rows: pd.DataFrame) -> str:
    """Markdown: per family and design, the false verdicts, detection and coverage."""
    from pdca.improve.stats import IMPROVED, WORSENED  # noqa: PLC0415

    if rows.empty:
        return "(no initiatives)\n"
    out = [
        (
            "| family | design | nulls: false improved | nulls: false worsened "
            "| nulls: any verdict | nulls: interval covers 0 | planted: detected (improved) "
            "| planted: wrong sign (worsened) | planted: interval covers truth "
            "| inconclusive (nulls, planted) | errors |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (family, design), g in rows.groupby(["family", "design"], sort=False):
        ok = g[g["verdict"] != "error"]
        nulls, planted = ok[ok["role"] == NULL], ok[ok["role"] == "planted"]
        cov_n, cov_p = _covers(nulls).dropna(), _covers(planted).dropna()
        n_n, n_p = len(nulls), len(planted)
        out.append(
            f"| {family} | {design} "
            f"| {rate(int((nulls['verdict'] == IMPROVED).sum()), n_n)} "
            f"| {rate(int((nulls['verdict'] == WORSENED).sum()), n_n)} "
            f"| {rate(int(nulls['verdict'].isin([IMPROVED, WORSENED]).sum()), n_n)} "
            f"| {rate(int(cov_n.sum()), len(cov_n))} "
            f"| {rate(int((planted['verdict'] == IMPROVED).sum()), n_p)} "
            f"| {rate(int((planted['verdict'] == WORSENED).sum()), n_p)} "
            f"| {rate(int(cov_p.sum()), len(cov_p))} "
            f"| {int((nulls['verdict'] == INCONCLUSIVE).sum())}, "
            f"{int((planted['verdict'] == INCONCLUSIVE).sum())} "
            f"| {int((g['verdict'] == 'error').sum())} |"
        )
    return "\n".join(out) + "\n"


def band_table(rows: pd.DataFrame) -> str:
    """Markdown: detection and false verdicts by the size of the initiative's service."""
    from pdca.improve.stats import IMPROVED, WORSENED  # noqa: PLC0415

    ok = rows[rows["verdict"] != "error"]
    if ok.empty:
        return "(no initiatives)\n"
    out = [
        (
            "| family | design | service size | nulls: any verdict | planted: detected "
            "| median n after (planted) |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for (family, design, size), g in ok.groupby(["family", "design", "band"], sort=True):
        nulls, planted = g[g["role"] == NULL], g[g["role"] == "planted"]
        n_after = planted["n_after"].median() if len(planted) else math.nan
        out.append(
            f"| {family} | {design} | {size} "
            f"| {rate(int(nulls['verdict'].isin([IMPROVED, WORSENED]).sum()), len(nulls))} "
            f"| {rate(int((planted['verdict'] == IMPROVED).sum()), len(planted))} "
            f"| {'–' if math.isnan(n_after) else f'{n_after:.0f}'} |"
        )
    return "\n".join(out) + "\n"


def normal_reference(points: int, reps: int = 2000, seed: int = 12345) -> dict[str, float]:
    """pdca's individuals chart (Western Electric rules, limits from all points) on independent
    standard normal series of ``points`` points: signals per series, rule 1 alone, and the
    share of series with any signal."""
    from pdca.methods.spc.registry import chart as make_chart  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    total = we1 = anyone = 0
    for _ in range(reps):
        fitted = make_chart("imr", rules="western-electric")
        fitted.fit(rng.standard_normal(points))
        primary = [s for s in fitted.signals_ if s.panel == fitted.panels[0]]
        total += len(primary)
        we1 += sum(s.rule in ("WE1", "N1") for s in primary)
        anyone += bool(primary)
    return {"signals": total / reps, "we1": we1 / reps, "any": anyone / reps}


def monitor_table(rows: pd.DataFrame) -> str:
    """Markdown: the monitor's signals per chart-year on null desks, per KPI and family."""
    if rows.empty:
        return "(no monitor desks)\n"
    charted = rows[rows["charted"]]
    if charted.empty:
        return "(no chart was drawn)\n"
    steady = charted[charted["variant"] == STEADY]
    points = int((steady if len(steady) else charted)["points"].median())
    ref = normal_reference(points)
    per_year = WEEKS_PER_YEAR / points
    out = [
        (
            f"Reference for independent normal points, {points} weeks a chart: Western Electric "
            f"rules 1–4 promise {WEEKS_PER_YEAR / ARL_WE:.2f} signals per chart-year (ARL "
            f"{ARL_WE}), rule 1 alone {WEEKS_PER_YEAR / ARL_WE1:.2f} (ARL {ARL_WE1}); pdca's "
            f"individuals chart on 2,000 such series (limits from all points, overlapping patterns "
            f"merged) gives {ref['signals'] * per_year:.2f} signals per chart-year, rule 1 "
            f"{ref['we1'] * per_year:.2f}, and a signal somewhere on {100 * ref['any']:.0f} % of "
            "the charts."
        ),
        "",
        (
            "| series | family | KPI | kind | charts (skipped) | chart types | weeks a chart "
            "| signals per chart-year | rule 1 per chart-year | charts with a signal |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def line(label: tuple[Any, ...], g: pd.DataFrame, skipped: int) -> str:
        c = g[g["charted"]]
        years = c["points"].sum() / WEEKS_PER_YEAR
        kinds = ", ".join(f"{k} {v}" for k, v in c["chart"].value_counts().items())
        sig = c["signals"].sum() / years if years else math.nan
        we1 = c["signals_we1"].sum() / years if years else math.nan
        weeks = f"{c['points'].median():.0f}" if len(c) else "–"
        return (
            f"| {' | '.join(str(x) for x in label)} | {len(c)} ({skipped}) | {kinds} | {weeks} "
            f"| {sig:.2f} "
            f"| {we1:.2f} | {rate(int((c['signals'] > 0).sum()), len(c))} |"
        )

    keys = ["variant", "family", "kpi"]
    for (variant, family, kpi), g in rows.groupby(keys, sort=False):
        skipped = int((~g["charted"]).sum())
        out.append(line((variant, family, kpi, str(g["kind"].iloc[0])), g, skipped))
    for (variant, family, kind), g in charted.groupby(["variant", "family", "kind"], sort=False):
        out.append(line((variant, family, f"**all {kind} KPIs**", kind), g, 0))
    if not bool(rows["all_signals"].all()):
        out += ["", "(The monitor listed only current signals: counts are a lower bound.)"]
    return "\n".join(out) + "\n"


# -- running ----------------------------------------------------------------------------------


def _worker_init() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import pyarrow as pa  # noqa: PLC0415

        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
    except ImportError:  # pragma: no cover
        pass


def run_tasks(
    tasks: Sequence[DeskTask], jobs: int, progress: Callable[[int, int, float], None] | None = None
) -> list[dict[str, Any]]:
    """Run every desk, in ``jobs`` processes (1: in this process)."""
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    order = sorted(tasks, key=lambda t: t.role != "monitor")  # the longest first
    if jobs <= 1:
        for i, task in enumerate(order, 1):
            rows += run_desk(task)
            if progress:
                progress(i, len(order), time.perf_counter() - began)
        return rows
    with ProcessPoolExecutor(
        jobs, mp_context=get_context("spawn"), initializer=_worker_init
    ) as pool:
        for i, result in enumerate(pool.map(run_desk, order, chunksize=1), 1):
            rows += result
            if progress:
                progress(i, len(order), time.perf_counter() - began)
    return rows


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def report(
    rows: list[dict[str, Any]],
    *,
    command: str,
    args: argparse.Namespace,
    seconds: float,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    tasks: Sequence[DeskTask],
) -> str:
    """The whole study as markdown."""
    frame = pd.DataFrame(rows)
    verify_rows = frame[frame["role"].isin([NULL, "planted"])] if len(frame) else frame
    monitor_rows = frame[frame["role"] == "monitor"] if len(frame) else frame
    if len(monitor_rows):
        monitor_rows = monitor_rows.astype({"charted": bool, "all_signals": bool})
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    commit = _git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else "")
    desks = pd.Series([t.role for t in tasks]).value_counts().to_dict() if tasks else {}
    verifies = 0 if verify_rows.empty else len(verify_rows)
    mean_sim = float(frame["simulate_s"].mean()) if len(frame) else math.nan
    lines = [
        "## Run",
        "",
        f"- command: `{command}`",
        f"- commit: {commit}; date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        (
            f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; load average (1, 5, 15 min) before "
            f"{', '.join(f'{x:.2f}' for x in load[0])}, "
            f"after {', '.join(f'{x:.2f}' for x in load[1])}"
        ),
        (
            f"- sizes: {args.nulls} null and {args.planted} planted initiatives per family, "
            f"{args.per_desk} nulls per desk, {args.monitor_desks} monitor desks per family "
            f"({', '.join(MONITOR_FAMILIES)}); desks: "
            f"{', '.join(f'{v} {k}' for k, v in desks.items())}; {verifies} verifications; "
            f"families {', '.join(args.families)}; designs: "
            f"{', '.join(d for d, _ in designs())}"
        ),
        (
            f"- seeds: from {args.seeds} (family i adds 100,000 × i; nulls +k, "
            "planted +50,000 + j, monitor +90,000 + j); desk start month = seed mod 12"
        ),
        (
            f"- desks: {args.tickets_per_day:g} tickets a day; warm-up {args.warmup} days "
            f"(monitor desks {MONITOR_WARMUP_DAYS}), baseline {BASELINE_DAYS} days, go-live "
            f"spread over {SPREAD_DAYS} days, at least {AFTER_DAYS} days after it; monitor desks "
            f"{MONITOR_DAYS} days after the warm-up; bootstrap {args.n_boot} resamples"
        ),
        (
            f"- wall time {seconds / 60:.1f} min with {args.jobs} job(s); mean simulation "
            f"{mean_sim:.1f} s a desk"
        ),
        "",
        "## Verification of initiatives (KPI mttr, one service)",
        "",
        (
            "Rates with their count and a 95 % Clopper–Pearson interval. Goals: a false verdict on "
            "≤ 5 % of the nulls (for each of improved and worsened the test's α/2 = 2.5 %), "
            "detection of the planted 20 % improvement ≥ 80 %, wrong-sign verdicts never. "
            "*Covers*: the effect's interval (hours) contains the truth — 0 for a null (the "
            "initiative did nothing, whatever the desk did), for a planted change its effect on "
            "the after cohort's mean hours capped at the design's horizon, from the ground truth; "
            "counted where the check states its horizon. *Inconclusive* verdicts count as no "
            "verdict; they are listed in their own column."
        ),
        "",
        verdict_table(verify_rows),
        "By the size of the initiative's service (expected tickets a day):",
        "",
        band_table(verify_rows),
        "## The SPC monitor on null desks (weekly, by service, Western Electric rules)",
        "",
        (
            "Signals anywhere in the series (not only current ones), per chart-year = signals ÷ "
            "(weeks charted ÷ 52.18). The KPIs are placed by their own instant and the desks cut "
            "after their warm-up, so no chart starts in a log's incomplete first months."
        ),
        "",
        monitor_table(monitor_rows),
    ]
    return "\n".join(lines)


def _doc(body: str) -> str:
    head = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8") if DOC.exists() else ""
    marker = "<!-- results -->"
    intro = head.split(marker)[0] if marker in head else "# Calibration study\n\n"
    return f"{intro}{marker}\n\n{body}"


def parse(argv: Iterable[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nulls", type=int, help="null initiatives per family (200)")
    parser.add_argument("--planted", type=int, help="planted initiatives per family (200)")
    parser.add_argument("--seeds", type=int, default=0, help="first seed")
    parser.add_argument(
        "--families", default="plain,seasonal,drift", help=f"comma-separated, of {FAMILIES}"
    )
    parser.add_argument("--per-desk", type=int, default=NULLS_PER_DESK, help="nulls per desk")
    parser.add_argument("--monitor-desks", type=int, help="per monitor family (4)")
    parser.add_argument("--warmup", type=int, default=WARMUP_DAYS, help="days before baselines")
    parser.add_argument("--tickets-per-day", type=float, default=137.0)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a tiny run (overrides the sizes)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="markdown file (default: docs/calibration.md, not for --quick)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--csv", type=Path, default=None, help="also write every row here")
    args = parser.parse_args(list(argv) if argv is not None else None)
    quick = {"nulls": 10, "planted": 10, "monitor_desks": 1}
    full = {"nulls": 200, "planted": 200, "monitor_desks": 4}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = set(args.families) - set(FAMILIES)
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; use {', '.join(FAMILIES)}")
    return args


def main(argv: Iterable[str] | None = None) -> None:
    """Run the study; print the tables and write them to docs/calibration.md."""
    args = parse(argv)
    command = "python benchmarks/bench_calibration.py " + " ".join(
        sys.argv[1:] if argv is None else list(argv)
    )
    tasks = plan(
        args.families,
        args.nulls,
        args.planted,
        args.seeds,
        per_desk=args.per_desk,
        monitor_desks=args.monitor_desks,
        warmup=args.warmup,
        n_boot=args.n_boot,
        tickets_per_day=args.tickets_per_day,
    )
    load_before = os.getloadavg()

    def progress(i: int, n: int, elapsed: float) -> None:
        print(f"\r{i}/{n} desks, {elapsed:.0f} s", end="", file=sys.stderr, flush=True)

    began = time.perf_counter()
    rows = run_tasks(tasks, args.jobs, progress)
    seconds = time.perf_counter() - began
    print(file=sys.stderr)
    body = report(
        rows,
        command=command.strip(),
        args=args,
        seconds=seconds,
        load=(load_before, os.getloadavg()),
        tasks=tasks,
    )
    print(body)
    if args.csv:
        pd.DataFrame(rows).to_csv(args.csv, index=False)
    out = args.out or (None if args.quick else DOC)
    if out is not None and not args.no_write:
        out.write_text(_doc(body) if out == DOC else body, encoding="utf-8")
        print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
