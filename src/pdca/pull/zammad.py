"""Zammad: tickets updated since the cursor and each one's history (REST API v1).

Documented at https://docs.zammad.org/en/latest/api/ (Ticket: "Search" ``GET
/api/v1/tickets/search?query=…&expand=true&sort_by=…&order_by=…&page=…&per_page=…``, "List"
``GET /api/v1/tickets``; ``GET /api/v1/ticket_history/{id}`` → ``{"history": [...], "assets":
{...}}`` as routed in zammad/zammad ``config/routes/ticket.rb``; lookups ``/api/v1/ticket_states``,
``/api/v1/groups``, ``/api/v1/ticket_priorities``), authentication in "API Introduction"
(``Authorization: Token token=…`` for an access token; basic with ``--user``).

Incremental rule: the search query ``updated_at:["<cursor>" TO *]`` (Elasticsearch syntax, as
Zammad's search uses) ordered by ``updated_at``; the first pull lists every ticket. Pagination:
``page``/``per_page`` until a short page.
"""

from __future__ import annotations

from typing import Any

from pdca.pull.base import Fetched, PullContext, bundle, iso_z, latest, parse_time
from pdca.pull.http import Headers, basic, page_pages

SOURCE = "zammad"
LOOKUPS = {"states": "ticket_states", "groups": "groups", "priorities": "ticket_priorities"}


def _auth(ctx: PullContext) -> Headers:
    token = ctx.secret.value()
    if ctx.user:
        return {"Authorization": basic(ctx.user, token)}
    return {"Authorization": f"Token token={token}"}


def _listed(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):  # a search answered without expand: ids and assets
        tickets = (body.get("assets") or {}).get("Ticket") or {}
        return [tickets[str(i)] for i in body.get("tickets") or [] if str(i) in tickets]
    return []


def pull(ctx: PullContext) -> Fetched:
    """Tickets updated at or after the cursor, their histories and the lookup lists."""
    ctx.client.auth = lambda: _auth(ctx)
    if ctx.since is None:
        path, params = "/api/v1/tickets", {"expand": "true"}
    else:
        since = iso_z(parse_time(ctx.since))
        path = "/api/v1/tickets/search"
        params = {
            "query": f'updated_at:["{since}" TO *]',
            "expand": "true",
            "sort_by": "updated_at",
            "order_by": "asc",
        }
    tickets = [
        t
        for t in page_pages(ctx.client, path, params, _listed, size=ctx.page_size)
        if isinstance(t, dict)
    ]
    histories: dict[str, Any] = {}
    for number, ticket in enumerate(tickets, start=1):
        ctx.progress(f"history {number} of {len(tickets)}")
        histories[str(ticket.get("id"))] = ctx.client.get_json(
            f"/api/v1/ticket_history/{ticket.get('id')}"
        )
    parts: dict[str, Any] = {"tickets": tickets, "histories": histories}
    if tickets:
        for key, endpoint in LOOKUPS.items():
            parts[key] = list(
                page_pages(ctx.client, f"/api/v1/{endpoint}", {}, _listed, size=ctx.page_size)
            )
    rows = sum(len(h.get("history") or []) for h in histories.values() if isinstance(h, dict))
    return Fetched(
        SOURCE,
        bundle(SOURCE, **parts),
        latest([t.get("updated_at") for t in tickets]),
        tickets=len(tickets),
        history=rows,
    )
