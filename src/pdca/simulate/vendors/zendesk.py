"""The simulated desk as Zendesk's REST API returns it (``pdca simulate --to zendesk``).

One JSON file in the shape of the bundle ``pdca pull zendesk`` writes: ``tickets`` (as
``GET /api/v2/tickets/{id}`` returns them, holding the *current* values), ``audits`` (as
``GET /api/v2/tickets/{id}/audits``: a first audit of ``Create`` events, then one audit per
change with ``Change`` events), ``ticket_metric_events`` (as
``GET /api/v2/incremental/ticket_metric_events``), the ``groups`` and ``users`` lookups and
``pdca_bundle``, and ``ticket_fields`` with the custom field "Support level" (a drop-down
whose Create/Change events carry its id as ``field_name``). Field names as developer.zendesk.com
documents them (Ticket Audits API, Ticket audit events reference, Ticket Metric Events API and
its event types reference).

Mapping of the simulator's states: new -> ``new`` at creation and ``open`` without an assignee
later (Zendesk cannot set a ticket back to new: a ticket queued for another group is open and
unassigned), in_progress -> ``open``, waiting_customer -> ``pending``, waiting_vendor and
waiting_other -> ``hold``, resolved -> ``solved``, closed -> ``closed``; priorities by rank
(1 -> urgent, 2 -> high, 3 -> normal, 4 -> low). The ticket id is a number; the simulator's case
id is kept in ``external_id``.

Zendesk's SLA clock: the metric ``agent_work_time`` (paused while pending or on hold, like the
simulator's resolution clock) gets ``activate`` at creation, ``apply_sla`` (the priority's
resolution target of the simulator's default configuration, in minutes), ``pause``/``activate``
around the waits, ``fulfill`` at each resolution (``activate`` again on a reopen), and, when the
simulator's verdict ``made_sla`` is false, a ``breach`` at the moment the clock (elapsed time
minus waits up to the final resolution, as the simulator counts it) reaches the target. Where
the default target does not fit the verdict (a configuration with other targets), the target
written is one that does. Tickets without a verdict (not resolved within the simulated period)
get no breach and no fulfilment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.model.objectives import priority_key
from pdca.model.vocab import State
from pdca.simulate.config import make_config

STATUS: dict[str, str] = {
    State.NEW: "open",
    State.IN_PROGRESS: "open",
    State.WAITING_CUSTOMER: "pending",
    State.WAITING_VENDOR: "hold",
    State.WAITING_OTHER: "hold",
    State.RESOLVED: "solved",
    State.CLOSED: "closed",
    State.CANCELLED: "closed",
}
PRIORITY: dict[str, str] = {"1": "urgent", "2": "high", "3": "normal", "4": "low"}
WAITING = {"pending", "hold"}
LEVEL_FIELD = 360_010_000_001
"""The id of the custom ticket field "Support level" (a drop-down: L1, L2, L3)."""
GROUP_BASE, USER_BASE, AUDIT_BASE, EVENT_BASE = 360_000_000, 900_000_000, 10_000_000, 1


def _level_value(level: Any) -> str | None:
    """A support level as the drop-down field's tag value (``L2`` -> ``support_level_l2``)."""
    if level is None or (isinstance(level, float) and pd.isna(level)):
        return None
    return f"support_level_{str(level).lower()}"


def _time(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _made_sla(attributes: Any) -> str | None:
    try:
        data = json.loads(attributes) if isinstance(attributes, str) else {}
    except json.JSONDecodeError:
        return None
    value = data.get("made_sla") if isinstance(data, dict) else None
    return value if value in ("true", "false") else None


def _default_targets() -> dict[str, float]:
    """Resolution target (hours) per priority key, from the simulator's default settings."""
    config = make_config()
    return {priority_key(p): t.resolution for p, t in config.sla.items()}


class _Ids:
    def __init__(self, base: int) -> None:
        self.base = base
        self.ids: dict[str, int] = {}

    def __call__(self, name: Any) -> int | None:
        if name is None or (isinstance(name, float) and pd.isna(name)):
            return None
        return self.ids.setdefault(str(name), self.base + len(self.ids) + 1)

    def listing(self) -> list[dict[str, Any]]:
        return [{"id": i, "name": n} for n, i in self.ids.items()]


class _Writer:
    def __init__(self) -> None:
        self.groups, self.users = _Ids(GROUP_BASE), _Ids(USER_BASE)
        self.audit_id, self.event_id, self.metric_id = AUDIT_BASE, EVENT_BASE, 5_000_000
        self.targets = _default_targets()
        self.tickets: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []
        self.metrics: list[dict[str, Any]] = []

    def _next_event(self) -> int:
        self.event_id += 1
        return self.event_id

    def values(self, row: Any, first: bool) -> dict[str, Any]:
        state = str(row.state)
        status = "new" if first and state == State.NEW else STATUS.get(state, "open")
        return {
            "status": status,
            "priority": PRIORITY.get(priority_key(str(row.priority)), "normal"),
            "group_id": self.groups(row.assignment_group),
            "assignee_id": self.users(row.resource),
            str(LEVEL_FIELD): _level_value(row.support_level),
        }

    def ticket(self, number: int, case: str, rows: pd.DataFrame) -> None:
        previous: dict[str, Any] = {}
        times: list[tuple[str, str]] = []
        for i, row in enumerate(rows.itertuples(index=False)):
            now = self.values(row, i == 0)
            at = _time(row.timestamp)
            times.append((at, now["status"]))
            self.audit_id += 1
            if i == 0:
                events = [
                    {"id": self._next_event(), "type": "Create", "field_name": k, "value": v}
                    for k, v in [*now.items(), ("type", "incident")]
                    if v is not None
                ]
            else:
                events = [
                    {
                        "id": self._next_event(),
                        "type": "Change",
                        "field_name": k,
                        "value": v,
                        "previous_value": previous[k],
                    }
                    for k, v in now.items()
                    if v != previous[k]
                ]
            events.append({"id": self._next_event(), "type": "Comment", "public": False,
                           "body": f"pdca simulator: {row.activity}"})  # fmt: skip
            self.audits.append(
                {
                    "id": self.audit_id,
                    "ticket_id": number,
                    "created_at": at,
                    "author_id": now["assignee_id"] or -1,
                    "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
                    "events": events,
                }
            )
            previous = now
        first, last = rows.iloc[0], rows.iloc[-1]
        self.tickets.append(
            {
                "id": number,
                "external_id": case,
                "subject": f"{first.category or 'Ticket'}: {first.subcategory or ''}".strip(),
                "created_at": _time(first.timestamp),
                "updated_at": _time(last.timestamp),
                "type": "incident",
                "status": previous["status"],
                "priority": previous["priority"],
                "group_id": previous["group_id"],
                "assignee_id": previous["assignee_id"],
                "custom_fields": [{"id": LEVEL_FIELD, "value": previous[str(LEVEL_FIELD)]}],
            }
        )
        verdicts = [v for v in map(_made_sla, rows["attributes"]) if v is not None]
        self.metric_events(number, rows, times, verdicts[-1] if verdicts else None)

    def _metric(self, ticket: int, kind: str, at: str, **extra: Any) -> None:
        self.metric_id += 1
        self.metrics.append(
            {
                "id": self.metric_id,
                "ticket_id": ticket,
                "metric": "agent_work_time",
                "instance_id": 1,
                "type": kind,
                "time": at,
                **extra,
            }
        )

    def metric_events(
        self, ticket: int, rows: pd.DataFrame, times: list[tuple[str, str]], verdict: str | None
    ) -> None:
        stamps = pd.to_datetime(rows["timestamp"]).reset_index(drop=True)
        states = rows["state"].astype(str).reset_index(drop=True)
        resolved = [i for i, s in enumerate(states) if s == State.RESOLVED]
        target_h = self.targets.get(priority_key(str(rows["priority"].iloc[0])), 24.0)
        clock_h = _clock_hours(stamps, states, resolved[-1]) if resolved else None
        if verdict is not None and clock_h is not None:
            fits = (target_h < clock_h) if verdict == "false" else (target_h >= clock_h)
            if not fits:
                target_h = clock_h / 2 if verdict == "false" else clock_h + 1
        opened = times[0][0]
        self._metric(ticket, "activate", opened)
        policy = {"id": 1, "title": "pdca simulator", "description": "resolution targets"}
        minutes = round(target_h * 60)
        self._metric(ticket, "apply_sla", opened, sla={"target": minutes,
                     "target_in_seconds": minutes * 60, "business_hours": False,
                     "policy": policy})  # fmt: skip
        running = True
        for at, status in times[1:]:
            if status == "solved":
                self._metric(ticket, "fulfill", at)
                running = False
            elif status in WAITING and running:
                self._metric(ticket, "pause", at)
                running = False
            elif status == "closed":
                running = False
            elif status not in WAITING and not running:
                self._metric(ticket, "activate", at)
                running = True
        if verdict == "false" and clock_h is not None:
            self._metric(
                ticket, "breach", _breach_time(stamps, states, minutes / 60), deleted=False
            )


def _running(states: pd.Series, i: int) -> bool:
    return states.iloc[i] not in (State.WAITING_CUSTOMER, State.WAITING_VENDOR, State.WAITING_OTHER)


def _clock_hours(stamps: pd.Series, states: pd.Series, end: int) -> float:
    """The simulator's resolution clock: elapsed time to the final resolution minus waits."""
    total = 0.0
    for i in range(end):
        if _running(states, i):
            total += (stamps.iloc[i + 1] - stamps.iloc[i]).total_seconds()
    return total / 3600


def _breach_time(stamps: pd.Series, states: pd.Series, target_h: float) -> str:
    """When the clock reaches the target (the first second at or after it)."""
    left = target_h * 3600
    for i in range(len(stamps) - 1):
        if not _running(states, i):
            continue
        span = (stamps.iloc[i + 1] - stamps.iloc[i]).total_seconds()
        if span >= left:
            return _time(stamps.iloc[i] + pd.Timedelta(seconds=left).ceil("s"))
        left -= span
    return _time(stamps.iloc[-1])


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the simulated ``events`` as a Zendesk bundle (JSON) at ``out``."""
    writer = _Writer()
    frame = events.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    for number, (case, rows) in enumerate(frame.groupby("case_id", sort=True), start=1):
        writer.ticket(number, str(case), rows)
    bundle = {
        "pdca_bundle": {"source": "zendesk", "version": 1, "written_by": "pdca simulate"},
        "tickets": writer.tickets,
        "audits": writer.audits,
        "ticket_metric_events": sorted(writer.metrics, key=lambda e: (e["time"], e["id"])),
        "groups": writer.groups.listing(),
        "users": writer.users.listing(),
        "ticket_fields": [
            {
                "id": LEVEL_FIELD,
                "type": "tagger",
                "title": "Support level",
                "custom_field_options": [
                    {"name": level, "value": _level_value(level)} for level in ("L1", "L2", "L3")
                ],
            }
        ],
    }
    out.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return [out]
