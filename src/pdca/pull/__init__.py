"""Live pulls: fetch tickets and their change histories from a helpdesk's REST API.

One shared client (:mod:`.http`: retries, rate limits, pagination, secret hygiene), one small
module per tool that knows its endpoints, authentication and incremental query, and the cursor
kept in the store (:mod:`.cursor`). A puller returns a *bundle* (the vendor's own response objects
under documented keys, see ``docs/pull.md``) that the tool's connector imports.
"""

from __future__ import annotations

from importlib import import_module

from pdca.pull.base import Fetched, PullContext
from pdca.pull.http import PullError

PULLERS: dict[str, str] = {
    "jira": "Jira Cloud / Jira Service Management (REST v3 search + changelog)",
    "zendesk": "Zendesk (incremental ticket export, ticket audits, ticket metric events)",
    "glpi": "GLPI (REST apirest.php: search on date_mod, Ticket, Ticket/{id}/Log)",
    "zammad": "Zammad (REST v1 ticket search and ticket_history)",
    "znuny": "Znuny / OTRS (GenericInterface TicketSearch, TicketGet, TicketHistoryGet)",
    "freshservice": "Freshservice (REST v2 tickets updated_since and activities)",
    "servicenow": "ServiceNow (Table API: incident and sys_audit)",
}
"""Sources ``pdca pull`` knows, with what it reads from each."""
ALIASES = {"otrs": "znuny"}

__all__ = ["ALIASES", "PULLERS", "Fetched", "PullContext", "PullError", "fetch", "source_name"]


def source_name(source: str) -> str:
    """The puller's name for ``source`` (``otrs`` is ``znuny``); a PullError if unknown."""
    name = ALIASES.get(source.lower(), source.lower())
    if name not in PULLERS:
        raise PullError(
            f"pdca pull cannot pull from {source!r}", f"use one of: {', '.join(PULLERS)}"
        )
    return name


def fetch(source: str, ctx: PullContext) -> Fetched:
    """Run the puller of ``source``."""
    module = import_module(f"pdca.pull.{source_name(source)}")
    fetched: Fetched = module.pull(ctx)
    return fetched
