"""Published industry reference values, shown beside a KPI as context — never as targets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    """A published range or reference value for a KPI, with its source."""

    low: float | None
    high: float | None
    text: str
    source: str


BANDS: dict[str, Band] = {
    "fcr": Band(
        66.0, 74.0, "typical 66-74 % (range 41-94 %)", "HDI 2015 (~66 %); MetricNet (~74 %)"
    ),
    "escalation_rate": Band(
        None, 15.0, "~15 % (about 85 % resolved at L1)", "MetricNet, North America"
    ),
    "csat": Band(70.0, 90.0, "< 70 % weak, > 90 % very good", "HDI / MetricNet interpretation"),
    "tickets_per_user": Band(
        None, None, "~1.95 contacts per user per month", "MetricNet, North America"
    ),
    "cost_per_ticket": Band(None, None, "~$22 per L1 ticket", "MetricNet, North America"),
}
