"""Jira Cloud / Jira Service Management: issues with their complete changelogs (REST v3).

Documented at https://developer.atlassian.com/cloud/jira/platform/rest/v3/ —
"Search for issues using JQL enhanced search (GET)" ``GET /rest/api/3/search/jql`` (``jql``,
``fields``, ``expand=changelog,names``, ``maxResults``, ``nextPageToken``; answers ``issues``,
``nextPageToken``, ``isLast``), "Get changelogs" ``GET /rest/api/3/issue/{issueIdOrKey}/changelog``
(``startAt``, ``maxResults``; answers ``values``, ``total``, ``isLast``) and "Get current user"
``GET /rest/api/3/myself`` (``timeZone``).

Authentication: ``--user EMAIL`` with an API token in ``--token-env`` (basic), or an OAuth 2.0
access token alone (bearer). Incremental rule: JQL ``updated >= "yyyy/MM/dd HH:mm" ORDER BY
updated ASC``; JQL reads times in the API user's time zone (``myself.timeZone``) to the minute,
so the cursor is converted to that zone and rounded down (the overlap comes again and is
skipped by the store).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pdca.pull.base import Fetched, PullContext, basic_or_bearer, bundle, latest, parse_time
from pdca.pull.http import start_at_pages, token_pages

SOURCE = "jira"
EPOCH = "1970/01/01 00:00"


def _zone(ctx: PullContext) -> ZoneInfo:
    me = ctx.client.get_json("/rest/api/3/myself")
    name = me.get("timeZone") if isinstance(me, dict) else None
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def jql(since: str | None, zone: ZoneInfo) -> str:
    """The incremental JQL: issues updated at or after ``since`` (to the minute, in ``zone``)."""
    when = EPOCH if since is None else parse_time(since).astimezone(zone).strftime("%Y/%m/%d %H:%M")
    return f'updated >= "{when}" ORDER BY updated ASC'


def _changelog(ctx: PullContext, issue: dict[str, Any]) -> None:
    """Make the issue's changelog complete (the search embeds only its first page)."""
    log = issue.get("changelog")
    if not isinstance(log, dict):
        log = {}
    histories = list(log.get("histories") or [])
    total = log.get("total")
    if isinstance(total, int) and total <= len(histories):
        return
    key = issue.get("key") or issue.get("id")
    histories = list(
        start_at_pages(
            ctx.client,
            f"/rest/api/3/issue/{key}/changelog",
            {},
            lambda body: list(body.get("values") or []),
            size=ctx.page_size,
        )
    )
    issue["changelog"] = {
        "startAt": 0,
        "maxResults": len(histories),
        "total": len(histories),
        "histories": histories,
    }


def pull(ctx: PullContext) -> Fetched:
    """Issues updated at or after the cursor, each with its whole changelog."""
    ctx.client.auth = basic_or_bearer(ctx)
    query = jql(ctx.since, _zone(ctx))
    issues: list[dict[str, Any]] = []
    names: dict[str, Any] = {}
    params = {
        "jql": query,
        "fields": "*all",
        "expand": "changelog,names",
        "maxResults": ctx.page_size,
    }
    for page in token_pages(
        ctx.client,
        "/rest/api/3/search/jql",
        params,
        "nextPageToken",
        lambda body: None if body.get("isLast") else body.get("nextPageToken"),
    ):
        issues += [i for i in page.get("issues") or [] if isinstance(i, dict)]
        names.update(page.get("names") or {})
        ctx.progress(f"{len(issues)} issues")
    for number, issue in enumerate(issues, start=1):
        ctx.progress(f"changelog {number} of {len(issues)}")
        _changelog(ctx, issue)
    histories = sum(len(i["changelog"]["histories"]) for i in issues)
    return Fetched(
        SOURCE,
        bundle(SOURCE, issues=issues, names=names),
        latest([(i.get("fields") or {}).get("updated") for i in issues]),
        tickets=len(issues),
        history=histories,
    )
