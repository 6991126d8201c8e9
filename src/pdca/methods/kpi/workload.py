"""KPIs that relate the ticket volume to something configured: the cost of the service desk and
the number of users it supports (both from the objectives file, ``[cost]`` and
``[organisation]``).

The length of a period, for charging the monthly cost, is fixed: a month is one month, a week is
12/52 of a month, a day is 12/365 of a month, and a report without periods covers the months
from the log's first to its last event (days ÷ 30.4375). Periods are charged in full even where
the log starts or ends inside them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.kpi.definition import AT, Aggregation, Direction, Inputs, Kpi
from pdca.model.objectives import Objectives
from pdca.model.schema import Col

DAYS_PER_MONTH = 365.25 / 12
MONTHS_PER_PERIOD: dict[str, float] = {"month": 1.0, "week": 12 / 52, "day": 12 / 365}


def _objectives(inputs: Inputs) -> Objectives:
    goals = inputs.extra.get("objectives")
    return goals if isinstance(goals, Objectives) else Objectives()


def _opened(inputs: Inputs, _: Any) -> Any:
    t = inputs.tickets
    return t.mutate(**{AT: t[Col.OPENED_AT]})


def _months_in_log(inputs: Inputs) -> float:
    ev = inputs.events
    row = ev.aggregate(lo=ev[Col.TIMESTAMP].min(), hi=ev[Col.TIMESTAMP].max()).execute()
    lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
    if pd.isna(lo):
        return 0.0
    return float((pd.Timestamp(hi) - pd.Timestamp(lo)).total_seconds()) / 86400 / DAYS_PER_MONTH


def _months(inputs: Inputs, period: str | None) -> float:
    return MONTHS_PER_PERIOD[period] if period is not None else _months_in_log(inputs)


def cost_of_period(inputs: Inputs, period: str | None) -> float:
    """The operating expense charged to one period (see the module docstring)."""
    cost = _objectives(inputs).cost
    if cost is None:
        raise ConfigError(
            "cost per ticket needs the monthly cost of the service desk",
            'add [cost] per_month = 52000 (and currency = "EUR") to the objectives file',
        )
    return cost.per_month * _months(inputs, period)


def _per_ticket(frame: pd.DataFrame, inputs: Inputs, period: str | None) -> pd.DataFrame:
    cost = cost_of_period(inputs, period)
    out = frame.copy()
    out["value"] = cost / out["n"].astype("float64")
    return out


def _per_user(frame: pd.DataFrame, inputs: Inputs, _period: str | None) -> pd.DataFrame:
    organisation = _objectives(inputs).organisation
    if organisation is None:
        raise ConfigError(
            "tickets per user needs the number of users the service desk supports",
            "add [organisation] users = 1200 to the objectives file",
        )
    out = frame.copy()
    out["value"] = out["n"].astype("float64") / organisation.users
    return out


WORKLOAD_KPIS: tuple[Kpi, ...] = (
    Kpi(
        id="cost_per_ticket",
        name="Cost per ticket",
        definition=(
            "The service desk's operating expense for the period (the monthly cost of the "
            "objectives file, charged by period length) divided by the number of tickets opened "
            "in the period."
        ),
        formula="monthly cost × months in the period ÷ tickets opened",  # noqa: RUF001
        unit="currency",
        direction=Direction.LOWER,
        follows="MetricNet (monthly operating expense ÷ monthly ticket volume)",
        aggregation=Aggregation.COUNT,
        units=_opened,
        finish=_per_ticket,
        ticket_breakdowns=False,
    ),
    Kpi(
        id="tickets_per_user",
        name="Tickets per user",
        definition=(
            "Tickets opened in the period divided by the number of users the service desk "
            "supports (organisation.users in the objectives file)."
        ),
        formula="tickets opened ÷ users",
        unit="tickets per user",
        direction=Direction.NEUTRAL,
        follows="HDI / MetricNet (contacts per user per month)",
        aggregation=Aggregation.COUNT,
        units=_opened,
        finish=_per_user,
    ),
)
"""The workload KPIs, registered in the catalogue."""
