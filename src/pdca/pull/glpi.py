"""GLPI: tickets modified since the cursor, their logs and actors (REST API ``apirest.php``).

Documented in glpi-project/glpi ``apirest.md``: ``initSession`` (``Authorization: user_token
…`` or ``Basic …``, optional ``App-Token``) → ``session_token``, sent as ``Session-Token``;
``killSession``; ``search/Ticket`` with ``criteria[0][field]=19`` (``date_mod``),
``searchtype=morethan``, ``forcedisplay``, ``sort``, ``order`` and ``range`` (answers
``totalcount``, ``data`` and the ``Content-Range`` header); ``Ticket/{id}`` (getItem) and its
sub-items ``Ticket/{id}/Log``, ``Ticket/{id}/Group_Ticket``, ``Ticket/{id}/Ticket_User``
(getSubItems, paged by ``range``).

Times are the server's local clock without an offset: the cursor is the largest ``date_mod``
as GLPI wrote it, and ``--since`` is read in that clock too (give ``--timezone`` to the import
when it is not UTC). ``morethan`` is strict, so the query asks for ``date_mod`` after the
cursor minus one second.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from pdca.pull.base import Fetched, PullContext, bundle, local_text
from pdca.pull.http import Headers, PullError, basic, json_of, range_pages

SOURCE = "glpi"
DATE_MOD, ID = "19", "2"
"""Search options of ``Ticket``: 19 ``date_mod``, 2 ``id``."""


def _listed(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return list(body["data"])
    return []


def _login(ctx: PullContext) -> Headers:
    token = ctx.secret.value()
    auth = basic(ctx.user, token) if ctx.user else f"user_token {token}"
    return {"Authorization": auth}


def _app_headers(ctx: PullContext) -> Headers:
    return {"App-Token": ctx.app_token.value()} if ctx.app_token is not None else {}


def _criteria(since: str | None) -> list[tuple[str, Any]]:
    params: list[tuple[str, Any]] = [
        ("forcedisplay[0]", ID),
        ("forcedisplay[1]", DATE_MOD),
        ("sort", DATE_MOD),
        ("order", "ASC"),
    ]
    if since is not None:
        text = local_text(since)
        before = datetime.strptime(text + "+0000", "%Y-%m-%d %H:%M:%S%z") - timedelta(seconds=1)
        params += [
            ("criteria[0][field]", DATE_MOD),
            ("criteria[0][searchtype]", "morethan"),
            ("criteria[0][value]", before.strftime("%Y-%m-%d %H:%M:%S")),
        ]
    return params


def pull(ctx: PullContext) -> Fetched:
    """Tickets whose ``date_mod`` is at or after the cursor, with logs and actors."""
    client = ctx.client
    if not client.base_url.endswith("/apirest.php"):
        client.base_url += "/apirest.php"
    client.auth = lambda: _app_headers(ctx)
    answer = json_of(client.get("initSession", headers=_login(ctx)))
    session = answer.get("session_token") if isinstance(answer, dict) else None
    if not session:
        raise PullError("GLPI's initSession gave no session_token", "check --url and the token")
    client.headers["Session-Token"] = str(session)
    try:
        return _fetch(ctx)
    finally:
        with suppress(PullError):  # the session expires by itself if this fails
            client.get("killSession")
        client.headers.pop("Session-Token", None)


def _fetch(ctx: PullContext) -> Fetched:
    client = ctx.client
    found = range_pages(client, "search/Ticket", _criteria(ctx.since), _listed, size=ctx.page_size)
    ids = [str(row.get(ID)) for row in found if isinstance(row, dict) and row.get(ID)]
    tickets: list[Any] = []
    parts: dict[str, list[Any]] = {"logs": [], "groups_tickets": [], "tickets_users": []}
    for number, ident in enumerate(ids, start=1):
        ctx.progress(f"ticket {number} of {len(ids)}")
        tickets.append(client.get_json(f"Ticket/{ident}"))
        for key, sub in (
            ("logs", "Log"),
            ("groups_tickets", "Group_Ticket"),
            ("tickets_users", "Ticket_User"),
        ):
            parts[key] += range_pages(
                client, f"Ticket/{ident}/{sub}", {}, _listed, size=ctx.page_size
            )
    stamps = [str(t["date_mod"]) for t in tickets if isinstance(t, dict) and t.get("date_mod")]
    return Fetched(
        SOURCE,
        bundle(SOURCE, tickets=tickets, **parts),
        max(stamps) if stamps else None,
        tickets=len(tickets),
        history=len(parts["logs"]),
    )
