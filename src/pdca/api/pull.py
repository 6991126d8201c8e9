"""The pull API: fetch what changed in a helpdesk since the last pull and import it.

``pull`` reads the cursor of (source, URL, log) from the store, asks the tool's REST API for the
tickets updated at or after it (or since ``since``), writes what it fetched as one JSON bundle in
the store's spool folder, imports the bundle with the tool's connector (one transaction), and
only then moves the cursor. See ``docs/pull.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdca.engine.store import Store, check_store_dir, resolve_store_dir
from pdca.ingest.options import LoadOptions
from pdca.pull import PullContext, fetch, source_name
from pdca.pull.cursor import read_cursor, save_cursor, spooled
from pdca.pull.http import Client, Limits, Secret, check_base_url, safe_url

if TYPE_CHECKING:
    import httpx

    from pdca.api.data import ImportReport


def _noop(_: str) -> None:
    return None


@dataclass(frozen=True)
class PullReport:
    """What one pull fetched and imported, and where the next one starts."""

    source: str
    url: str
    log: str
    since: str | None
    """Where this pull started: ``since``, else the stored cursor; None: everything."""
    cursor: str | None
    """The cursor after this pull (unchanged when nothing was fetched)."""
    tickets: int
    history: int
    requests: int
    waited: float
    """Seconds spent waiting for retries and rate limits."""
    imported: ImportReport | None = None
    """The import report of the bundle; None when nothing had changed."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out = asdict(self)
        out["imported"] = None if self.imported is None else self.imported.to_dict()
        return out


def pull(  # noqa: PLR0917 (the documented signature: source, url, token_env, since, store, log)
    source: str,
    url: str,
    token_env: str,
    since: str | None = None,
    store: Path | str | None = None,
    log: str | None = None,
    *,
    user: str | None = None,
    app_token_env: str | None = None,
    timezone: str | None = None,
    limits: Limits | None = None,
    page_size: int = 100,
    progress: Callable[[str], None] = _noop,
    transport: httpx.BaseTransport | None = None,
) -> PullReport:
    """Fetch the tickets of ``source`` at ``url`` updated since the cursor (or ``since``) with
    their histories, import them into ``log`` (default: the source's name) and move the cursor.

    The secret is read from the environment variable ``token_env`` when requests are made;
    ``user`` is the login that goes with it (basic authentication) where the tool has one;
    ``timezone`` is the zone of times the tool writes without an offset (GLPI, Znuny).
    """
    name = source_name(source)
    base = check_base_url(url)
    key_url = safe_url(base)
    log = log or name
    secret = Secret(token_env)
    secret.value()  # a missing variable is said before anything is touched
    app_token = Secret(app_token_env) if app_token_env else None
    if app_token is not None:
        app_token.value()
    root = check_store_dir(resolve_store_dir(store))
    cursor = read_cursor(root, name, key_url, log)
    start = since or cursor
    client = Client(base, limits=limits or Limits(), progress=progress, transport=transport)
    try:
        ctx = PullContext(
            client,
            secret,
            user=user,
            since=start,
            app_token=app_token,
            page_size=page_size,
            progress=progress,
        )
        fetched = fetch(name, ctx)
    finally:
        client.close()
    imported = None
    new_cursor = cursor
    if fetched.tickets:
        from pdca.api.data import ingest  # noqa: PLC0415 (loaded on use)

        progress("importing")
        Store.open(root).close()  # the store exists before its spool folder does
        with spooled(root, name, fetched.bundle) as path:
            imported = ingest(
                path, source=name, store=root, options=LoadOptions(log=log, timezone=timezone)
            )
        if fetched.cursor is not None:
            new_cursor = max(c for c in (cursor, fetched.cursor) if c is not None)
            save_cursor(root, name, key_url, log, new_cursor, imported.import_id)
    return PullReport(
        source=name,
        url=key_url,
        log=log,
        since=start,
        cursor=new_cursor,
        tickets=fetched.tickets,
        history=fetched.history,
        requests=client.requests,
        waited=round(client.waited, 3),
        imported=imported,
    )
