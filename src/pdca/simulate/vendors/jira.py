"""The simulated desk as a Jira Cloud search response with ``expand=changelog,names``.

Written as ``GET /rest/api/3/search/jql?expand=changelog,names`` returns issues (Jira Cloud
REST v3, "Search for issues using JQL (enhanced search)" and "Get changelogs"), plus the
``pdca_bundle`` marker of ``pdca pull``. As in a real response, ``fields`` holds each issue's
*current* (final) values; the changelog records only changes, so a field's value at creation
is the ``fromString`` of its first change. Times carry a ``+0100`` offset (a site in Central
European time) so that the reader's conversion to UTC is exercised. The team is a group-picker
custom field "Assignment group"; the JSM SLA "Time to resolution" holds one completed cycle
per resolution with ``breached`` set from the simulated verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.model.schema import Col
from pdca.simulate.vendors import jira_common as jc

OFFSET_HOURS = 1
_USER_FIELDS = {Col.RESOURCE}


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``events`` as one Jira JSON bundle at ``out``."""
    issues = [_issue(t) for t in jc.tickets(events)]
    doc = {
        "pdca_bundle": {"source": "jira", "version": 1},
        "names": {
            jc.GROUP_FIELD_ID: jc.GROUP_FIELD_NAME,
            jc.LEVEL_FIELD_ID: jc.LEVEL_FIELD_NAME,
            jc.SLA_RESOLUTION_ID: "Time to resolution",
        },
        "issues": issues,
        "isLast": True,
    }
    out.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return [out]


def _user(name: str | None) -> dict[str, Any] | None:
    if name is None:
        return None
    return {"accountId": jc.account_id(name), "displayName": name, "active": True}


def _status(row: dict[str, Any]) -> dict[str, Any]:
    name, category, ident = jc.status_of(str(row[Col.ACTIVITY]), str(row[Col.STATE]))
    return {"id": str(ident), "name": name, "statusCategory": {"key": category}}


def _group(name: str | None) -> dict[str, Any] | None:
    return None if name is None else {"name": name, "groupId": f"g-{jc.number(name)}"}


def _option(name: str | None) -> dict[str, Any] | None:
    return None if name is None else {"value": name, "id": str(jc.number(name, 20000))}


def _item(name: str, before: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    old, new = jc.value(before, name), jc.value(row, name)
    if name == Col.ACTIVITY:
        a, b = _status(before), _status(row)
        return _entry("status", "jira", "status", a["id"], a["name"], b["id"], b["name"])
    if name == Col.RESOURCE:
        return _entry(
            "assignee",
            "jira",
            "assignee",
            None if old is None else jc.account_id(old),
            old,
            None if new is None else jc.account_id(new),
            new,
        )
    if name == Col.PRIORITY:
        return _entry(
            "priority",
            "jira",
            "priority",
            None if old is None else str(jc.number(old, 1)),
            old,
            None if new is None else str(jc.number(new, 1)),
            new,
        )
    if name == Col.SUPPORT_LEVEL:
        return _entry(
            jc.LEVEL_FIELD_NAME,
            "custom",
            jc.LEVEL_FIELD_ID,
            None if old is None else str(jc.number(old, 20000)),
            old,
            None if new is None else str(jc.number(new, 20000)),
            new,
        )
    return _entry(
        jc.GROUP_FIELD_NAME,
        "custom",
        jc.GROUP_FIELD_ID,
        None if old is None else f"g-{jc.number(old)}",
        old,
        None if new is None else f"g-{jc.number(new)}",
        new,
    )


def _entry(  # noqa: PLR0917 (the seven keys of a changelog item, in the documented order)
    field: str,
    fieldtype: str,
    field_id: str,
    old_id: str | None,
    old: str | None,
    new_id: str | None,
    new: str | None,
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": fieldtype,
        "fieldId": field_id,
        "from": old_id,
        "fromString": old,
        "to": new_id,
        "toString": new,
    }


def _sla(ticket: jc.Ticket) -> dict[str, Any]:
    cycles = []
    for start, stop, met in ticket.resolution_cycles():
        elapsed = int((stop - start).total_seconds() * 1000)
        goal = elapsed + 3_600_000 if met else max(elapsed - 3_600_000, 60_000)
        cycles.append(
            {
                "startTime": {"iso8601": jc.jira_time(start, OFFSET_HOURS)},
                "stopTime": {"iso8601": jc.jira_time(stop, OFFSET_HOURS)},
                "breached": not met,
                "goalDuration": {"millis": goal},
                "elapsedTime": {"millis": elapsed},
                "remainingTime": {"millis": goal - elapsed},
            }
        )
    return {"id": "1", "name": "Time to resolution", "completedCycles": cycles}


def _issue(ticket: jc.Ticket) -> dict[str, Any]:
    histories = []
    for position, (before, row, changed) in enumerate(ticket.steps()):
        author = jc.value(row, Col.RESOURCE) or "Automation for Jira"
        histories.append(
            {
                "id": str(ticket.number * 100 + position),
                "author": _user(author),
                "created": jc.jira_time(row[Col.TIMESTAMP], OFFSET_HOURS),
                "items": [_item(name, before, row) for name in changed],
            }
        )
    last = ticket.last
    resolved = ticket.resolved_at()
    fields: dict[str, Any] = {
        "summary": f"Simulated ticket {ticket.key}",
        "issuetype": {"name": jc.ISSUE_TYPE.get(str(last[Col.TICKET_TYPE]), "Incident")},
        "created": jc.jira_time(ticket.first[Col.TIMESTAMP], OFFSET_HOURS),
        "updated": jc.jira_time(last[Col.TIMESTAMP], OFFSET_HOURS),
        "resolutiondate": None if resolved is None else jc.jira_time(resolved, OFFSET_HOURS),
        "status": _status(last),
        "priority": {"name": jc.value(last, Col.PRIORITY)},
        "assignee": _user(jc.value(last, Col.RESOURCE)),
        jc.GROUP_FIELD_ID: _group(jc.value(last, Col.ASSIGNMENT_GROUP)),
        jc.LEVEL_FIELD_ID: _option(jc.value(last, Col.SUPPORT_LEVEL)),
        jc.SLA_RESOLUTION_ID: _sla(ticket),
    }
    return {
        "id": str(ticket.number),
        "key": ticket.key,
        "fields": fields,
        "changelog": {
            "startAt": 0,
            "maxResults": max(len(histories), 100),
            "total": len(histories),
            "histories": histories,
        },
    }
