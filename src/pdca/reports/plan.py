"""The review's "Plan" section: the demand forecast with its backtest, and the staffing it takes.

Asked of the DuckDB store (the forecast reads the ticket facts through the Desk); on Spark the
section says it does not apply. The forecast is daily, four weeks ahead, with the default model
(ETS) next to the seasonal-naive baseline and both backtested; the staffing plan is for the
next week at 80 % answered within 20 minutes (a ticket desk's first response, not a telephone
queue's 20 seconds), from the hourly forecast and the measured handling time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pdca.errors import InputError
from pdca.reports.html import Section, chart, finding, paragraph, table

if TYPE_CHECKING:
    from pdca.reports.review import Context

HORIZON_DAYS = 28
FOLDS = 4
STAFF_FOLDS = 2
"""Backtest origins of the hourly forecast behind the staffing plan."""
SERVICE_LEVEL = "80/1200"
"""80 % of the tickets answered within 1,200 s (20 minutes)."""


def plan(ctx: Context) -> Section:
    """Forecast, its backtest against the baseline, and the agents per hour it takes."""
    from pdca.api.plan import review_plan  # noqa: PLC0415 (statsmodels loads on use)
    from pdca.render.forecast_chart import forecast_svg  # noqa: PLC0415 (loaded on use)
    from pdca.render.staffing_heatmap import heatmap_svg  # noqa: PLC0415
    from pdca.reports.review import NotApplicableError  # noqa: PLC0415 (the review imports us)

    if ctx.engine.name != "duckdb":
        raise NotApplicableError("the plan is computed on the DuckDB store, not on the export")
    try:  # one reading of the store; the daily and the hourly forecast each fitted once
        both = review_plan(
            ctx.store, log=ctx.log, horizon=HORIZON_DAYS, folds=FOLDS,
            service_level=SERVICE_LEVEL, staff_folds=STAFF_FOLDS, objectives=ctx.objectives,
        )  # fmt: skip
    except InputError as exc:  # a log too short to forecast and backtest: said, not a failure
        raise NotApplicableError(f"no forecast: {exc}") from None
    got = both.forecast
    summary = got.summary()
    group = str(got.frame["group"].iloc[0])
    lines = [
        paragraph(
            f"Opened tickets per day, {HORIZON_DAYS} days ahead, from n = {summary['n']:,} "
            f"tickets opened {summary['window'][0]} to {summary['window'][1]}. Model: "
            f"{summary['model']}; baseline: {summary['baseline']}.",
            "note",
        )
    ]
    backtest = got.backtests
    if "group" in backtest.columns:
        backtest = backtest[backtest["group"] == group]
    scores = {row["model"]: row for row in backtest.to_dict(orient="records")}
    if {"ets", "seasonal_naive"} <= set(scores):
        ets, naive = scores["ets"], scores["seasonal_naive"]
        better = ets["mase"] < naive["mase"]
        lines.append(
            finding(
                f"The forecast's backtest error (MASE) is {ets['mase']:.2f} against "
                f"{naive['mase']:.2f} for \u201csame weekday last week\u201d: "
                + ("it is worth more than the baseline." if better else "it is not better.")
            )
        )
    lines.append(
        chart(
            forecast_svg(
                got.history[got.history["group"] == group],
                got.frame[got.frame["group"] == group],
                title="Opened tickets per day: history and forecast",
                subtitle="80 % and 95 % prediction intervals; dashed: the seasonal-naive baseline",
            )
        )
    )
    lines.append(
        table(
            backtest,
            columns={
                "model": "Model",
                "mase": "MASE",
                "coverage80": "80 % interval coverage",
                "coverage95": "95 % interval coverage",
                "points": "Days scored",
            },
            formats={
                "mase": lambda v: f"{v:.3f}",
                "coverage80": lambda v: f"{v:.0%}",
                "coverage95": lambda v: f"{v:.0%}",
            },
        )
    )
    lines += [paragraph(f"Assumption: {a}", "note") for a in summary["assumptions"]]
    staffing = both.staffing
    if staffing is None:
        lines.append(paragraph(f"No staffing plan: {both.staffing_error}", "note"))
        return Section("plan", "Plan: demand and staffing", "".join(lines))
    planned = staffing.plan.summary()
    lines.append(
        finding(
            f"Next week needs {planned['agent_hours_per_week']} agent-hours (peak "
            f"{planned['peak_agents']} agents) to answer 80 % of the tickets within 20 minutes "
            f"({planned['model']}; handling time {planned['aht_s'] / 3600:.1f} h, "
            f"shrinkage {planned['shrinkage']:.0%})."
        )
    )
    lines.append(
        chart(heatmap_svg(staffing.plan.table, title="Agents needed per hour of the week"))
    )
    lines += [paragraph(f"Assumption: {a}", "note") for a in planned["assumptions"]]
    return Section("plan", "Plan: demand and staffing", "".join(lines))
