"""Freshservice: tickets updated since the cursor and their activities (REST API v2).

Documented at https://api.freshservice.com/ — "List All Tickets" (``GET /api/v2/tickets``
with ``updated_since``, ``per_page``, ``page``; the next page in the ``Link`` header),
"View a Ticket's Activities" (``GET /api/v2/tickets/{id}/activities``: ``activities``),
"List All Groups" (``groups``), "List All Agents" (``agents``) and "Authentication" (the API
key as the user name of basic authentication, any password, e.g. ``X``).

Incremental rule: ``updated_since`` = the cursor; the first pull asks for everything updated
since 1970 (without ``updated_since`` Freshservice lists only the last 30 days).
"""

from __future__ import annotations

from typing import Any

from pdca.pull.base import Fetched, PullContext, bundle, iso_z, latest, parse_time
from pdca.pull.http import Headers, basic, page_pages

SOURCE = "freshservice"
EPOCH = "1970-01-01T00:00:00Z"


def _auth(ctx: PullContext) -> Headers:
    secret = ctx.secret.value()
    if ctx.user:
        return {"Authorization": basic(ctx.user, secret)}
    return {"Authorization": basic(secret, "X")}


def _key(name: str) -> Any:
    return lambda body: list(body.get(name) or []) if isinstance(body, dict) else []


def pull(ctx: PullContext) -> Fetched:
    """Tickets updated at or after the cursor, their activities, groups and agents."""
    ctx.client.auth = lambda: _auth(ctx)
    since = EPOCH if ctx.since is None else iso_z(parse_time(ctx.since))
    params = {"updated_since": since, "order_type": "asc"}
    tickets = [
        t
        for t in page_pages(
            ctx.client, "/api/v2/tickets", params, _key("tickets"), size=ctx.page_size
        )
        if isinstance(t, dict)
    ]
    activities: dict[str, Any] = {}
    for number, ticket in enumerate(tickets, start=1):
        ctx.progress(f"activities {number} of {len(tickets)}")
        body = ctx.client.get_json(f"/api/v2/tickets/{ticket['id']}/activities")
        activities[str(ticket["id"])] = _key("activities")(body)
    parts: dict[str, Any] = {"tickets": tickets, "activities": activities}
    if tickets:
        for name in ("groups", "agents"):
            parts[name] = list(
                page_pages(ctx.client, f"/api/v2/{name}", {}, _key(name), size=ctx.page_size)
            )
    return Fetched(
        SOURCE,
        bundle(SOURCE, **parts),
        latest([t.get("updated_at") for t in tickets]),
        tickets=len(tickets),
        history=sum(len(a) for a in activities.values()),
    )
