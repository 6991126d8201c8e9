"""The simulated desk as Jira Data Center's data pipeline export (a folder of CSV files).

Atlassian "Data pipeline export schema" (Jira Data Center): ``issue_history_job1_<time>.csv``
(``issue_id, changelog_id, author_id, author_key, created_date, field, field_type, from,
from_string, to, to_string``: one row per changed field, changes only), ``issues_job1_<time>.csv``
(the issue *now*: ``id, instance_url, url, key, project_key, …, status, status_category,
priority_sequence, priority_name, …, created_date, resolution_date, updated_date``) and the
custom fields file ``fields_job1_<time>.csv`` (``issue_id, field_id, field_name, field_value``:
current "Assignment group" and "Support level"). Times are UTC ISO text with seconds, as the
schema's own example (``2021-05-12T23:01:42Z``); RFC 4180 quoting, CRLF line ends.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.model.schema import Col
from pdca.simulate.vendors import jira_common as jc

STAMP = "20250101000000"
ISSUE_COLUMNS = (
    "id", "instance_url", "url", "key", "project_key", "project_name", "project_type",
    "project_category", "issue_type", "summary", "description", "creator_id", "reporter_id",
    "assignee_id", "assignee_name", "status", "status_category", "priority_sequence",
    "priority_name", "resolution", "watcher_count", "vote_count", "created_date",
    "resolution_date", "updated_date", "due_date",
)  # fmt: skip
HISTORY_COLUMNS = (
    "issue_id", "changelog_id", "author_id", "author_key", "created_date", "field",
    "field_type", "from", "from_string", "to", "to_string",
)  # fmt: skip
FIELD_COLUMNS = ("issue_id", "field_id", "field_name", "field_value")
_SITE = "https://jira.example.com"
_CATEGORY = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}


def _time(when: Any) -> str:
    return pd.Timestamp(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user_key(name: str | None) -> str | None:
    return None if name is None else f"JIRAUSER{jc.number(name)}"


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``events`` as a data pipeline export folder at ``out``."""
    out.mkdir(parents=True)
    issues: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    changelog = 20000
    for ticket in jc.tickets(events):
        issues.append(_issue(ticket))
        for name, fid in (
            (jc.GROUP_FIELD_NAME, jc.GROUP_FIELD_ID),
            (jc.LEVEL_FIELD_NAME, jc.LEVEL_FIELD_ID),
        ):
            column = Col.ASSIGNMENT_GROUP if fid == jc.GROUP_FIELD_ID else Col.SUPPORT_LEVEL
            current = jc.value(ticket.last, column)
            if current is not None:
                fields.append(dict(zip(FIELD_COLUMNS, (ticket.number, fid, name, current),
                                       strict=True)))  # fmt: skip
        for before, row, changed in ticket.steps():
            changelog += 1
            author = jc.value(row, Col.RESOURCE) or "automation"
            history.extend(
                {
                    "issue_id": ticket.number,
                    "changelog_id": changelog,
                    "author_id": jc.number(author),
                    "author_key": _user_key(author),
                    "created_date": _time(row[Col.TIMESTAMP]),
                    **_item(name, before, row),
                }
                for name in changed
            )
    return [
        _csv(out / f"issues_job1_{STAMP}.csv", ISSUE_COLUMNS, issues),
        _csv(out / f"issue_history_job1_{STAMP}.csv", HISTORY_COLUMNS, history),
        _csv(out / f"fields_job1_{STAMP}.csv", FIELD_COLUMNS, fields),
    ]


def _item(name: str, before: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    old, new = jc.value(before, name), jc.value(row, name)
    if name == Col.ACTIVITY:
        a = jc.status_of(str(before[Col.ACTIVITY]), str(before[Col.STATE]))
        b = jc.status_of(str(row[Col.ACTIVITY]), str(row[Col.STATE]))
        return _entry("status", "jira", a[2], a[0], b[2], b[0])
    if name == Col.RESOURCE:
        return _entry("assignee", "jira", _user_key(old), old, _user_key(new), new)
    if name == Col.PRIORITY:
        return _entry(
            "priority",
            "jira",
            None if old is None else jc.number(old, 1),
            old,
            None if new is None else jc.number(new, 1),
            new,
        )
    label = jc.GROUP_FIELD_NAME if name == Col.ASSIGNMENT_GROUP else jc.LEVEL_FIELD_NAME
    return _entry(label, "custom", old, old, new, new)


def _entry(  # noqa: PLR0917 (the six columns of a history row, in the documented order)
    field: str, kind: str, old_id: Any, old: Any, new_id: Any, new: Any
) -> dict[str, Any]:
    return {
        "field": field,
        "field_type": kind,
        "from": old_id,
        "from_string": old,
        "to": new_id,
        "to_string": new,
    }


def _issue(ticket: jc.Ticket) -> dict[str, Any]:
    last = ticket.last
    status, category, _ = jc.status_of(str(last[Col.ACTIVITY]), str(last[Col.STATE]))
    assignee = jc.value(last, Col.RESOURCE)
    resolved = ticket.resolved_at()
    return {
        "id": ticket.number,
        "instance_url": _SITE,
        "url": f"{_SITE}/browse/{ticket.key}",
        "key": ticket.key,
        "project_key": "ITSM",
        "project_name": "IT service desk",
        "project_type": "service_desk",
        "issue_type": jc.ISSUE_TYPE.get(str(last[Col.TICKET_TYPE]), "Incident"),
        "summary": f"Simulated ticket {ticket.key}",
        "creator_id": jc.number(str(jc.value(ticket.first, Col.CALLER))),
        "reporter_id": jc.number(str(jc.value(ticket.first, Col.CALLER))),
        "assignee_id": None if assignee is None else jc.number(assignee),
        "assignee_name": assignee,
        "status": status,
        "status_category": _CATEGORY.get(category, "In Progress"),
        "priority_sequence": jc.number(str(jc.value(last, Col.PRIORITY)), 1),
        "priority_name": jc.value(last, Col.PRIORITY),
        "resolution": None if resolved is None else "Done",
        "watcher_count": 1,
        "vote_count": 0,
        "created_date": _time(ticket.first[Col.TIMESTAMP]),
        "resolution_date": None if resolved is None else _time(resolved),
        "updated_date": _time(last[Col.TIMESTAMP]),
    }


def _csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
