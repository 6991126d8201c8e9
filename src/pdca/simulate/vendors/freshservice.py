"""The simulated desk as Freshservice's API v2 returns it (``pdca simulate --to freshservice``).

One JSON file in the shape of the bundle ``pdca pull freshservice`` writes: ``tickets`` (as
"View a Ticket" ``GET /api/v2/tickets/{id}`` returns them: current ``status`` and ``priority``
codes, ``group_id``, ``responder_id``, ``type``, ``custom_fields``), ``activities`` by ticket id
(as "View a Ticket's Activities" ``GET /api/v2/tickets/{id}/activities``: ``actor{id, name},
content, sub_contents, created_at``), the ``groups`` and ``agents`` lookups and ``pdca_bundle``
(https://api.freshservice.com/).

The first activity is ``created a new ticket`` with the values at creation as sub-contents
(``set Status as Open``, ``set Priority as Medium``, ``set Group as …``, ``set Support Level as
L1``); each later step is one activity whose content is its first change (``set Status as
Pending``, ``set Group as …``, ``set Agent as …``; ``set Agent as None`` when the ticket goes
back to a queue) and whose sub-contents are the others.

Mapping of the simulator's states: new and in_progress -> ``Open`` (new is Open with no agent),
waiting_customer, waiting_vendor and waiting_other -> ``Pending`` (Freshservice has one waiting
status), resolved -> ``Resolved``, closed -> ``Closed``; priorities by rank (1 -> Urgent,
2 -> High, 3 -> Medium, 4 -> Low). The ticket id is a number; the simulator's case id is kept in
the custom field ``external_ref``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.model.objectives import priority_key
from pdca.model.vocab import State

STATUS: dict[str, str] = {
    State.NEW: "Open",
    State.IN_PROGRESS: "Open",
    State.WAITING_CUSTOMER: "Pending",
    State.WAITING_VENDOR: "Pending",
    State.WAITING_OTHER: "Pending",
    State.RESOLVED: "Resolved",
    State.CLOSED: "Closed",
    State.CANCELLED: "Closed",
}
STATUS_CODE = {"Open": 2, "Pending": 3, "Resolved": 4, "Closed": 5}
PRIORITY: dict[str, str] = {"1": "Urgent", "2": "High", "3": "Medium", "4": "Low"}
PRIORITY_CODE = {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}
LABELS = {"status": "Status", "priority": "Priority", "group": "Group", "agent": "Agent",
          "level": "Support Level"}  # fmt: skip


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def _time(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Ids:
    def __init__(self, base: int) -> None:
        self.base = base
        self.ids: dict[str, int] = {}

    def __call__(self, name: str | None) -> int | None:
        return None if name is None else self.ids.setdefault(name, self.base + len(self.ids) + 1)


def _values(row: Any) -> dict[str, str | None]:
    return {
        "status": STATUS.get(str(row.state), "Open"),
        "priority": PRIORITY.get(priority_key(str(row.priority)), "Medium"),
        "group": _text(row.assignment_group),
        "agent": _text(row.resource),
        "level": _text(row.support_level),
    }


def _line(name: str, value: str | None) -> str:
    return f"set {LABELS[name]} as {value if value is not None else 'None'}"


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the simulated ``events`` as a Freshservice bundle (JSON) at ``out``."""
    groups, agents = _Ids(17_000_000_000), _Ids(18_000_000_000)
    system = {"id": 0, "name": "System"}
    tickets: list[dict[str, Any]] = []
    activities: dict[str, list[dict[str, Any]]] = {}
    frame = events.sort_values(["case_id", "timestamp", "seq"], kind="stable")
    for number, (case, rows) in enumerate(frame.groupby("case_id", sort=True), start=1):
        listed: list[dict[str, Any]] = []
        previous: dict[str, str | None] = {}
        for i, row in enumerate(rows.itertuples(index=False)):
            now = _values(row)
            _group_id, agent_id = groups(now["group"]), agents(now["agent"])
            actor = {"id": agent_id, "name": now["agent"]} if agent_id else system
            if i == 0:
                content = " created a new ticket"
                subs = [_line(k, v) for k, v in now.items() if v is not None]
            else:
                lines = [_line(k, v) for k, v in now.items() if v != previous[k]]
                content, subs = " " + lines[0], lines[1:]
            listed.append({"actor": actor, "content": content, "sub_contents": subs,
                           "created_at": _time(row.timestamp)})  # fmt: skip
            previous = now
        first, last = rows.iloc[0], rows.iloc[-1]
        tickets.append(
            {
                "id": number,
                "subject": f"{_text(first.category) or 'Ticket'}: {_text(first.subcategory) or ''}",
                "type": "Incident",
                "status": STATUS_CODE[str(previous["status"])],
                "priority": PRIORITY_CODE[str(previous["priority"])],
                "group_id": groups(previous["group"]),
                "responder_id": agents(previous["agent"]),
                "created_at": _time(first.timestamp),
                "updated_at": _time(last.timestamp),
                "custom_fields": {"external_ref": str(case), "support_level": previous["level"]},
            }
        )
        activities[str(number)] = listed
    bundle = {
        "pdca_bundle": {"source": "freshservice", "version": 1, "written_by": "pdca simulate"},
        "tickets": tickets,
        "activities": activities,
        "groups": [{"id": i, "name": n} for n, i in groups.ids.items()],
        "agents": [
            {"id": i, "first_name": n.partition(" ")[0], "last_name": n.partition(" ")[2]}
            for n, i in agents.ids.items()
        ],
    }
    out.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return [out]
