"""What helpdesk exports call their columns: header names for each canonical field.

Collected from the exports of ServiceNow, Jira / Jira Service Management, Zendesk, Freshdesk,
Freshservice, GLPI, OTRS, osTicket and process-mining CSVs. Names are compared after
normalising (``Created time``, ``created_time`` and ``CreatedTime`` all read ``created time``).
An exact name scores higher than a name that merely contains the words; names with a *reject*
word (``Status Category``, ``Assignee Id``) never match by containment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    """The header names that suggest one canonical field, best first."""

    exact: tuple[str, ...]
    contains: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()


_ID = ("id",)

# fmt: off
ROLES: dict[str, Role] = {
    "timestamp": Role(
        exact=(
            "timestamp", "time timestamp", "event time", "event timestamp", "time stamp",
            "datetime", "date time", "event date", "time", "date", "change date time",
            "sys updated at", "updated at", "updated", "last updated", "last update",
            "last update time", "last updated time", "last modified", "modified", "modified at",
            "changed", "change time", "change date", "create time", "created at", "created",
            "created time", "created date", "created on", "date created", "creation date",
            "opened at", "opened", "opening date", "open date", "date opened", "submitted",
        ),
        contains=("timestamp", "date time", "updated", "modified", "changed", "time", "date",
                  "created", "opened"),
        reject=("due", "sla", "viewed", "estimate", "target", "satisfaction", "response",
                "resolved", "closed", "resolution", "birth", "renewal", "first", "breach",
                "start", "end", "expected", "planned", "archived"),
    ),
    "case_id": Role(
        exact=(
            "case id", "case concept name", "case", "caseid", "ticket id", "ticket number",
            "ticket no", "ticket nr", "ticket", "incident id", "incident number", "incident",
            "issue key", "issue id", "key", "request id", "request number", "sr number",
            "problem number", "change number", "number", "display id", "id", "record id",
            "ref", "reference",
        ),
        contains=("ticket id", "ticket number", "case id", "incident number", "incident id",
                  "request id", "issue key", "problem number", "change number"),
        reject=("parent", "related", "linked", "external", "contact", "company", "customer",
                "requester", "user", "agent", "article", "history", "attachment", "email"),
    ),
    "activity": Role(
        exact=(
            "activity", "concept name", "event", "event name", "event type", "action", "status",
            "state", "incident state", "ticket status", "current status", "new status",
            "to status", "status name", "activity name", "stage", "step", "task",
            "history type", "lifecycle", "phase",
        ),
        contains=("activity", "status", "state"),
        reject=("category", "resolution", "approval", "first", "response", "sla", "every",
                "changed", "satisfaction", "survey", "health", "id"),
    ),
    "seq": Role(
        exact=("seq", "sequence", "sequence number", "sys mod count", "mod count",
               "event number", "history id"),
    ),
    "resource": Role(
        exact=(
            "resource", "assigned to", "assignee", "agent", "owner", "responder", "technician",
            "assigned", "handler", "engineer", "analyst", "org resource", "agent assigned",
            "assigned to technician", "responsible", "worker", "performer", "assigned user",
            "resolver",
        ),
        contains=("assignee", "assigned to", "agent", "technician", "owner", "resource"),
        reject=(*_ID, "email", "group", "team", "interactions", "queue"),
    ),
    "assignment_group": Role(
        exact=(
            "assignment group", "group", "team", "queue", "support group", "assigned group",
            "resolver group", "team assigned", "involved st", "assigned to group",
            "group name", "support team", "department",
        ),
        contains=("assignment group", "group", "team", "queue"),
        reject=(*_ID, "email"),
    ),
    "priority": Role(
        exact=("priority", "prio", "priority name", "priority level", "ticket priority"),
        contains=("priority",),
        reject=(*_ID, "do not edit"),
    ),
    "impact": Role(exact=("impact", "business impact"), contains=("impact",),
                   reject=(*_ID, "score")),
    "urgency": Role(exact=("urgency",), contains=("urgency",), reject=_ID),
    "category": Role(
        exact=("category", "category name", "issue category", "ticket category"),
        contains=("category",),
        reject=(*_ID, "sub", "status", "subcategory"),
    ),
    "subcategory": Role(
        exact=("subcategory", "sub category", "category 2", "sub category name"),
        contains=("subcategory", "sub category"),
        reject=_ID,
    ),
    "service": Role(
        exact=(
            "service", "business service", "affected service", "affected services", "product",
            "service offering", "cmdb ci", "configuration item", "application", "help topic",
            "service name",
        ),
        contains=("service", "product"),
        reject=(*_ID, "level", "servicedesk", "sla"),
    ),
    "channel": Role(
        exact=("channel", "contact type", "source", "origin", "via", "request source",
               "reported via", "medium", "request channel"),
        contains=("channel",),
        reject=_ID,
    ),
    "location": Role(
        exact=("location", "country", "site", "region", "city", "office",
               "requester location"),
        contains=("location",),
        reject=_ID,
    ),
    "caller": Role(
        exact=(
            "caller", "caller id", "requester", "requester name", "reporter", "customer",
            "customer name", "contact", "full name", "from", "opened by", "requested by",
            "requester requester", "client", "end user", "requestor",
        ),
        contains=("requester", "caller", "reporter", "requestor"),
        reject=(*_ID, "email", "domain", "location", "vip", "phone"),
    ),
    "support_level": Role(
        exact=("support level", "level", "tier", "support tier", "st level", "support line",
               "line", "escalation level"),
        contains=("support level", "tier"),
        reject=("security", "service level", "sla"),
    ),
}
# fmt: on
"""Canonical field -> header names, in the order fields are chosen when names compete."""

REQUIRED = ("case_id", "timestamp", "activity")


def words(name: str) -> str:
    """A header name normalised for comparison: ``sys_updated_at`` -> ``sys updated at``."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spaced.lower()).split())


def name_score(role: str, name: str) -> int:
    """How strongly a header name suggests ``role``: 0 (not at all) up to 200 (best name)."""
    spec = ROLES[role]
    normal = words(name)
    if normal in spec.exact:
        return 200 - spec.exact.index(normal)
    padded = f" {normal} "
    if any(f" {w} " in padded for w in spec.reject):
        return 0
    for i, pattern in enumerate(spec.contains):
        if f" {pattern} " in padded:
            return 100 - i
    return 0
