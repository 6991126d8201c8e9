"""Zendesk: tickets changed since the cursor, their audits and metric events (REST API v2).

Documented at https://developer.zendesk.com/api-reference/ — "Incremental Exports"
(``GET /api/v2/incremental/tickets/cursor.json?start_time=…`` then ``?cursor=…``: answers
``tickets``, ``after_cursor``, ``end_of_stream``; and the time-based
``GET /api/v2/incremental/ticket_metric_events?start_time=…``: ``ticket_metric_events``,
``next_page``, ``end_time``), "Ticket Audits" (``GET /api/v2/tickets/{ticket_id}/audits``:
``audits``, cursor pagination ``meta.has_more``/``links.next`` or ``next_page``), "Groups"
(``GET /api/v2/groups``), "Users" (``GET /api/v2/users/show_many?ids=…``) and "Custom Ticket
Statuses" (``GET /api/v2/custom_statuses``).

Authentication: ``--user EMAIL`` with an API token (basic ``email/token:TOKEN``), or an OAuth
access token alone (bearer). Incremental rule: the export's ``start_time`` is the cursor (epoch
seconds); the tickets' metric events are read from the creation of the oldest ticket fetched, so
that each ticket's events (and so its SLA verdict) are complete whichever pull fetched them.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pdca.pull.base import Fetched, PullContext, bundle, latest, parse_time
from pdca.pull.http import Headers, PullError, basic, next_url_pages, token_pages

SOURCE = "zendesk"
CHUNK = 100
"""Ids per ``show_many`` request (Zendesk's limit)."""


def _auth(ctx: PullContext) -> Headers:
    token = ctx.secret.value()
    if ctx.user:
        return {"Authorization": basic(f"{ctx.user}/token", token)}
    return {"Authorization": f"Bearer {token}"}


def _next(body: Any) -> str | None:
    """The next page of a Zendesk listing (cursor or offset pagination), or None."""
    if not isinstance(body, dict) or body.get("end_of_stream") is True:
        return None
    meta, links = body.get("meta") or {}, body.get("links") or {}
    if isinstance(meta, dict) and "has_more" in meta:
        return links.get("next") if meta.get("has_more") else None
    listed = [v for v in body.values() if isinstance(v, list)]
    if listed and not any(listed):
        return None  # an empty page ends a time-based export
    nxt = body.get("next_page")
    return str(nxt) if nxt else None


def _listing(ctx: PullContext, path: str, key: str, params: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for body in next_url_pages(ctx.client, path, params, _next):
        out += [x for x in (body.get(key) or []) if isinstance(x, dict)]
    return out


def pull(ctx: PullContext) -> Fetched:
    """Tickets updated at or after the cursor with their audits, metric events and lookups."""
    ctx.client.auth = lambda: _auth(ctx)
    start = 0 if ctx.since is None else int(parse_time(ctx.since).timestamp())
    tickets: list[dict[str, Any]] = []
    for body in token_pages(
        ctx.client,
        "/api/v2/incremental/tickets/cursor.json",
        {"start_time": start, "per_page": ctx.page_size},
        "cursor",
        lambda b: None if b.get("end_of_stream") else b.get("after_cursor"),
    ):
        tickets += [t for t in body.get("tickets") or [] if isinstance(t, dict)]
    tickets = list({str(t.get("id")): t for t in tickets}.values())  # the latest of each
    audits: list[Any] = []
    for number, ticket in enumerate(tickets, start=1):
        ctx.progress(f"audits {number} of {len(tickets)}")
        audits += _listing(
            ctx, f"/api/v2/tickets/{ticket['id']}/audits", "audits", {"page[size]": ctx.page_size}
        )
    parts: dict[str, Any] = {"tickets": tickets, "audits": audits}
    if tickets:
        parts.update(_context(ctx, tickets, audits))
    return Fetched(
        SOURCE,
        bundle(SOURCE, **parts),
        latest([t.get("updated_at") for t in tickets]),
        tickets=len(tickets),
        history=len(audits),
    )


def _context(ctx: PullContext, tickets: list[Any], audits: list[Any]) -> dict[str, Any]:
    """Metric events of the fetched tickets and the names of their groups and people."""
    ids = {str(t.get("id")) for t in tickets}
    oldest = min(
        int(parse_time(str(t["created_at"])).timestamp()) for t in tickets if t.get("created_at")
    )
    metrics = [
        e
        for e in _listing(
            ctx,
            "/api/v2/incremental/ticket_metric_events",
            "ticket_metric_events",
            {"start_time": oldest},
        )
        if str(e.get("ticket_id")) in ids
    ]
    people = {str(t[k]) for t in tickets for k in ("assignee_id",) if t.get(k)}
    for audit in audits:
        for event in audit.get("events") or []:
            if isinstance(event, dict) and event.get("field_name") == "assignee_id":
                people |= {str(v) for k in ("value", "previous_value") if (v := event.get(k))}
    users: list[Any] = []
    ordered = sorted(people)
    for first in range(0, len(ordered), CHUNK):
        users += _listing(
            ctx,
            "/api/v2/users/show_many",
            "users",
            {"ids": ",".join(ordered[first : first + CHUNK])},
        )
    out: dict[str, Any] = {
        "ticket_metric_events": metrics,
        "groups": _listing(ctx, "/api/v2/groups", "groups", {}),
        "users": users,
    }
    with suppress(PullError):  # an account without custom statuses answers 403/404
        out["custom_statuses"] = _listing(ctx, "/api/v2/custom_statuses", "custom_statuses", {})
    return out
