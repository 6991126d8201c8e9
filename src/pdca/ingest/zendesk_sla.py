"""Zendesk's own SLA clock, read from its ticket metric events (used by :mod:`pdca.ingest.zendesk`).

Documented at developer.zendesk.com: "Ticket Metric Events" API
(https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/) and the
"Ticket metric event types reference"
(https://developer.zendesk.com/documentation/ticketing/reference-guides/
ticket-metric-event-types-reference). Each metric event has ``id, ticket_id, metric,
instance_id, type, time``; ``apply_sla`` events add ``sla{target, target_in_seconds,
business_hours, policy{id, title, description}}``, ``breach`` events add ``deleted`` (true when
Zendesk withdrew the breach) and ``update_status`` events add ``status{calendar, business}``.

The verdict for resolution, per ticket, over the metrics that measure resolution
(:data:`RESOLUTION_METRICS`) to which an SLA was applied (or that breached):

* a breach that was not deleted, with no fulfilment of its metric after it, or at or before the
  metric's last fulfilment -> ``made_sla = "false"``;
* otherwise, a fulfilment of an SLA-measured metric -> ``made_sla = "true"``;
* no SLA applied, or a clock still running -> no verdict (the attribute is absent).

A breach *after* its metric's last fulfilment is not counted (Zendesk deletes such breaches).
The times are kept as attributes too: ``zendesk_<metric>_target_minutes``,
``zendesk_<metric>_breached_at`` (first counted breach) and ``zendesk_<metric>_fulfilled_at``
(last fulfilment), for every metric with an SLA applied, first reply time (``reply_time``)
included; ``zendesk_sla_policy`` names the policy of the last ``apply_sla``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pdca.ingest.history import utc_text

RESOLUTION_METRICS: tuple[str, ...] = ("resolution_time", "agent_work_time", "requester_wait_time")
"""Metrics whose SLA target is a resolution target (full resolution time, agent work time,
requester wait time); ``reply_time`` and the update times are response targets."""

MADE_SLA = "made_sla"


@dataclass
class _Metric:
    applied: bool = False
    target: float | None = None
    breaches: list[str] = field(default_factory=list)
    fulfils: list[str] = field(default_factory=list)

    def counted_breach(self) -> str | None:
        """The first breach that counts (see the module docstring)."""
        last_fulfil = max(self.fulfils) if self.fulfils else None
        counted = [b for b in self.breaches if last_fulfil is None or b <= last_fulfil]
        return min(counted) if counted else None


@dataclass
class MetricSummary:
    """What the metric events of a file say, per ticket id."""

    attributes: dict[str, dict[str, str]]
    """Ticket id -> attribute name -> value (``made_sla`` and the times)."""
    events_read: int = 0
    events_skipped: int = 0
    """Metric events without a ticket id, metric, type or readable time."""


def _target_minutes(sla: Any) -> float | None:
    if not isinstance(sla, dict):
        return None
    if isinstance(sla.get("target_in_seconds"), int | float):
        return float(sla["target_in_seconds"]) / 60
    target = sla.get("target")
    return float(target) if isinstance(target, int | float) else None


def summarise(metric_events: list[Any]) -> MetricSummary:
    """Per ticket, Zendesk's resolution verdict and its SLA times from the metric events."""
    rows = [e for e in metric_events if isinstance(e, dict)]
    skipped = len(metric_events) - len(rows)
    frame = pd.DataFrame(
        {
            "ticket": [_id_text(e.get("ticket_id")) for e in rows],
            "metric": [e.get("metric") for e in rows],
            "type": [e.get("type") for e in rows],
            "time": [e.get("time") for e in rows],
        }
    )
    if not len(frame):
        return MetricSummary(attributes={}, events_read=len(metric_events), events_skipped=skipped)
    frame["time"] = utc_text(frame["time"].astype(object))
    valid = frame["time"].astype("string").str.match(r"^\d{4}-\d\d-\d\d ", na=False)
    valid &= frame["ticket"].notna() & frame["metric"].notna() & frame["type"].notna()
    skipped += int((~valid).sum())
    metrics: dict[str, dict[str, _Metric]] = {}
    policies: dict[str, str] = {}
    for at, event in zip(frame.index[valid], (rows[i] for i in frame.index[valid]), strict=True):
        ticket, metric = str(frame.at[at, "ticket"]), str(frame.at[at, "metric"])
        kind, time = frame.at[at, "type"], str(frame.at[at, "time"])
        m = metrics.setdefault(ticket, {}).setdefault(metric, _Metric())
        if kind == "apply_sla":
            m.applied = True
            m.target = _target_minutes(event.get("sla"))
            sla = event.get("sla")
            policy = sla.get("policy") if isinstance(sla, dict) else None
            if isinstance(policy, dict) and policy.get("title"):
                policies[ticket] = str(policy["title"])
        elif kind == "breach" and event.get("deleted") is not True:
            m.breaches.append(time)
        elif kind == "fulfill":
            m.fulfils.append(time)
    attributes = {t: _verdict(per, policies.get(t)) for t, per in metrics.items()}
    return MetricSummary(
        attributes={t: a for t, a in attributes.items() if a},
        events_read=len(metric_events),
        events_skipped=skipped,
    )


def _verdict(per_metric: dict[str, _Metric], policy: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    measured = False
    breached = False
    fulfilled = False
    for name, m in sorted(per_metric.items()):
        if not (m.applied or m.breaches):
            continue
        breach = m.counted_breach()
        if m.target is not None:
            out[f"zendesk_{name}_target_minutes"] = f"{m.target:g}"
        if breach is not None:
            out[f"zendesk_{name}_breached_at"] = breach
        if m.fulfils:
            out[f"zendesk_{name}_fulfilled_at"] = max(m.fulfils)
        if name in RESOLUTION_METRICS:
            measured = True
            breached |= breach is not None
            fulfilled |= bool(m.fulfils)
    if measured and (breached or fulfilled):
        out[MADE_SLA] = "false" if breached else "true"
    if out and policy:
        out["zendesk_sla_policy"] = policy
    return out


def _id_text(value: Any) -> str | None:
    """A Zendesk id (integer, or its text) as text; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


__all__ = ["MADE_SLA", "RESOLUTION_METRICS", "MetricSummary", "summarise"]
