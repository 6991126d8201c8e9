# ruff: noqa: RUF001, RUF002  (mathematical notation is meant)
"""Agents per hour of the week: Erlang C or Erlang A on each hour's forecast arrivals.

Each hour of the week is staffed on its own as a stationary queue (the usual practice of
workforce-management tools; the plan is checked against a simulation that is not stationary,
:mod:`.capacity`). Positions to roster = ⌈agents / (1 − shrinkage)⌉.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.methods.spc import erlang
from pdca.methods.staffing import erlang_a

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODELS = ("erlang_a", "erlang_c")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_service_level(text: str) -> tuple[float, float]:
    """``80/20`` → (0.8, 20 s); the time may carry a unit: ``90/30m``, ``80/4h``."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not found:
        raise InputError(
            f"service level {text!r}", "write PERCENT/TIME, e.g. 80/20 (seconds) or 90/4h"
        )
    share = float(found[1]) / 100
    if not 0 < share < 1:
        raise InputError(f"service level {text!r}", "the percentage is between 0 and 100")
    return share, float(found[2]) * _UNITS[found[3] or "s"]


@dataclass
class StaffPlan:
    """Agents per hour of the week and what they achieve."""

    table: pd.DataFrame
    """weekday (0-6), day, hour, arrivals, agents, positions, service_level, p_abandon,
    occupancy."""
    model: str
    target: float
    answer_time_s: float
    aht_s: float
    patience_s: float | None
    shrinkage: float
    assumptions: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The totals and the inputs."""
        t = self.table
        return {
            "model": self.model,
            "service_level_target": self.target,
            "answer_time_s": self.answer_time_s,
            "aht_s": round(self.aht_s, 1),
            "patience_s": None if self.patience_s is None else round(self.patience_s, 1),
            "shrinkage": self.shrinkage,
            "agent_hours_per_week": int(t["agents"].sum()),
            "position_hours_per_week": int(t["positions"].sum()),
            "peak_agents": int(t["agents"].max()),
            "arrivals_per_week": round(float(t["arrivals"].sum()), 1),
            "assumptions": list(self.assumptions),
        }


def plan_week(
    arrivals: pd.Series,
    *,
    aht_s: float,
    target: float,
    answer_time_s: float,
    model: str = "erlang_a",
    patience_s: float | None = None,
    shrinkage: float = 0.0,
    min_agents: int = 0,
) -> StaffPlan:
    """Staff each hour of the week for ``arrivals`` (expected tickets per hour, indexed by
    timestamps; averaged per hour of the week when it spans several weeks)."""
    if model not in MODELS:
        raise InputError(f"staffing model {model!r}", f"use one of: {', '.join(MODELS)}")
    if model == "erlang_a" and not patience_s:
        raise InputError("Erlang A needs a patience", "give patience_s or use erlang_c")
    if not 0 <= shrinkage < 1:
        raise InputError(f"shrinkage {shrinkage!r}", "a share from 0 to below 1")
    index = pd.DatetimeIndex(arrivals.index)
    per = arrivals.groupby([index.day_of_week, index.hour]).mean()
    rows = []
    for day in range(7):
        for hour in range(24):
            lam = float(per.get((day, hour), 0.0))
            solved = _solve(round(lam, 6), aht_s, target, answer_time_s, model, patience_s)
            rows.append({"weekday": day, "day": DAYS[day], "hour": hour, "arrivals": lam} | solved)
    table = pd.DataFrame(rows)
    table["agents"] = table["agents"].clip(lower=min_agents)
    table["positions"] = [
        math.ceil(a / (1 - shrinkage) - 1e-9) if a else 0 for a in table["agents"]
    ]
    notes = [
        "each hour staffed on its own as a stationary queue (Poisson arrivals, exponential "
        "handling" + (" and patience)" if model == "erlang_a" else ")"),
        f"positions = agents / (1 − shrinkage {shrinkage:.0%}), rounded up",
        "an hour with no expected arrival gets no agent",
    ]
    return StaffPlan(table, model, target, answer_time_s, aht_s, patience_s, shrinkage, notes)


@lru_cache(maxsize=4096)
def _solve(  # noqa: PLR0917 (positional: the arguments are the cache key)
    lam: float,
    aht: float,
    target: float,
    answer_time: float,
    model: str,
    patience: float | None,
) -> dict[str, Any]:
    if lam <= 1e-9:
        return {"agents": 0, "service_level": 1.0, "p_abandon": 0.0, "occupancy": 0.0}
    if model == "erlang_c":
        got = erlang.staffing(
            contacts=lam, period=3600, aht=aht, answer_time=answer_time, service_level=target
        )
        return {
            "agents": got.agents,
            "service_level": got.service_level,
            "p_abandon": 0.0,
            "occupancy": got.occupancy,
        }
    assert patience is not None
    res = erlang_a.staffing(
        contacts=lam,
        period=3600,
        aht=aht,
        patience=patience,
        answer_time=answer_time,
        service_level=target,
    )
    return {
        "agents": res.agents,
        "service_level": res.service_level,
        "p_abandon": res.p_abandon,
        "occupancy": res.occupancy,
    }
