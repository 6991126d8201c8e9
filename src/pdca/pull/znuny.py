"""Znuny / OTRS: tickets changed since the cursor and their history (GenericInterface REST).

Documented in znuny/Znuny: the REST web service ``development/webservices/
GenericTicketConnectorREST.yml`` (routes ``POST /Session`` SessionCreate, ``GET /Ticket``
TicketSearch, ``GET /Ticket/:TicketID`` TicketGet, ``GET /TicketHistory/:TicketID``
TicketHistoryGet) and the operations ``Kernel/GenericInterface/Operation/Session/
SessionCreate.pm`` (``UserLogin``, ``Password`` → ``SessionID``), ``…/Ticket/TicketSearch.pm``
(``TicketChangeTimeNewerDate``; answers ``TicketID``), ``TicketGet.pm`` (``Ticket[…]``; ids
comma-separated) and ``TicketHistoryGet.pm`` (``TicketHistory[{TicketID, History[…]}]``).
Errors come back as ``{"Error": {"ErrorCode", "ErrorMessage"}}``.

``--url`` is the web service's address, e.g.
``https://znuny.example.com/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST``.
Authentication: ``--user LOGIN`` with the password in ``--token-env`` (a session is created
first, so the password is sent once, in a POST body), or a ``SessionID`` in ``--token-env``.
Incremental rule: ``TicketChangeTimeNewerDate`` = the cursor (the largest ``Changed`` of the
tickets fetched last time, in the server's clock).
"""

from __future__ import annotations

from typing import Any

from pdca.pull.base import Fetched, PullContext, bundle, local_text
from pdca.pull.http import PullError, json_of, safe_url

SOURCE = "znuny"
CHUNK = 20
"""Ticket ids per TicketGet / TicketHistoryGet request."""


def _checked(body: Any, what: str) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("Error"), dict):
        error = body["Error"]
        code = error.get("ErrorCode", "Error")
        hint = "check --user and --token-env" if "Auth" in str(code) else "check --url"
        raise PullError(f"Znuny refused {what}: {code}: {error.get('ErrorMessage', '')}", hint)
    return body if isinstance(body, dict) else {}


def _session(ctx: PullContext) -> str:
    if not ctx.user:
        return ctx.secret.value()  # a SessionID
    body = json_of(
        ctx.client.request(
            "POST", "Session", json={"UserLogin": ctx.user, "Password": ctx.secret.value()}
        )
    )
    session = _checked(body, "the login (SessionCreate)").get("SessionID")
    if not session:
        raise PullError(f"{safe_url(ctx.client.url('Session'))} gave no SessionID", "check --url")
    return str(session)


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def pull(ctx: PullContext) -> Fetched:
    """Tickets changed at or after the cursor, with their whole history."""
    session = _session(ctx)
    params: dict[str, Any] = {"SessionID": session, "Limit": 1_000_000}
    if ctx.since is not None:
        params["TicketChangeTimeNewerDate"] = local_text(ctx.since)
    found = _checked(ctx.client.get_json("Ticket", params=params), "TicketSearch")
    ids = sorted(set(_ids(found.get("TicketID"))), key=lambda i: (len(i), i))
    tickets: list[Any] = []
    history: list[Any] = []
    for first in range(0, len(ids), CHUNK):
        chunk = ",".join(ids[first : first + CHUNK])
        ctx.progress(f"tickets {first + 1}-{min(first + CHUNK, len(ids))} of {len(ids)}")
        got = _checked(
            ctx.client.get_json(f"Ticket/{chunk}", params={"SessionID": session}), "TicketGet"
        )
        tickets += [t for t in got.get("Ticket") or [] if isinstance(t, dict)]
        past = _checked(
            ctx.client.get_json(f"TicketHistory/{chunk}", params={"SessionID": session}),
            "TicketHistoryGet",
        )
        history += [h for h in past.get("TicketHistory") or [] if isinstance(h, dict)]
    stamps = [str(t["Changed"]) for t in tickets if t.get("Changed")]
    rows = sum(len(h.get("History") or []) for h in history)
    return Fetched(
        SOURCE,
        bundle(SOURCE, tickets=tickets, history=history),
        max(stamps) if stamps else None,
        tickets=len(tickets),
        history=rows,
    )
