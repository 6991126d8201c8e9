"""What every puller gets and gives back, and the time helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pdca.pull.http import Client, Headers, PullError, Secret, basic

BUNDLE_VERSION = 1


@dataclass
class PullContext:
    """One pull's settings: the client on the tool's URL, the credentials, where to start."""

    client: Client
    secret: Secret
    user: str | None = None
    """A login name (Jira/Zendesk e-mail, GLPI/Znuny login, ServiceNow user) or None."""
    since: str | None = None
    """Fetch what changed at or after this time (the cursor, or ``--since``); None: all."""
    app_token: Secret | None = None
    """GLPI's App-Token (an environment variable), when the instance asks for one."""
    page_size: int = 100
    progress: Callable[[str], None] = lambda _: None


@dataclass
class Fetched:
    """What a puller fetched: the bundle (see ``docs/pull.md``) and the new cursor."""

    source: str
    bundle: dict[str, Any]
    cursor: str | None
    """The largest "updated" time among the fetched tickets, in the notation the next query
    uses; None when nothing was fetched (the old cursor stays)."""
    tickets: int = 0
    history: int = 0
    """History rows fetched (changelog entries, audits, log rows, activities …)."""
    counts: dict[str, int] = field(default_factory=dict)


def bundle(source: str, **parts: Any) -> dict[str, Any]:
    """A bundle: the vendor's objects under their keys, plus ``pdca_bundle``."""
    return {"pdca_bundle": {"source": source, "version": BUNDLE_VERSION}, **parts}


def basic_or_bearer(ctx: PullContext) -> Callable[[], Headers]:
    """``Authorization: Basic user:token`` when a user is given, else ``Bearer token``."""

    def headers() -> Headers:
        token = ctx.secret.value()
        if ctx.user:
            return {"Authorization": basic(ctx.user, token)}
        return {"Authorization": f"Bearer {token}"}

    return headers


def parse_time(text: str, what: str = "--since") -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime (no offset: UTC)."""
    value = text.strip().replace(" ", "T", 1)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise PullError(
            f"{what} {text!r} is not a date or time",
            "write it like 2024-03-01 or 2024-03-01T10:00:00Z (UTC unless an offset is given)",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def iso_z(when: datetime) -> str:
    """``2024-03-01T10:00:00Z`` (UTC, whole seconds)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest(values: list[Any]) -> str | None:
    """The latest of the vendor's time stamps (with offsets) as ``iso_z`` text, or None."""
    times = []
    for value in values:
        if value:
            try:
                times.append(parse_time(str(value), "time"))
            except PullError:
                continue
    return iso_z(max(times)) if times else None


def local_text(value: str) -> str:
    """A naive ``YYYY-MM-DD HH:MM:SS`` time (the tool's own clock), checked."""
    text = value.strip().replace("T", " ")
    try:
        datetime.strptime(text[:19] + "+0000", "%Y-%m-%d %H:%M:%S%z")
    except ValueError:
        try:
            datetime.strptime(text[:10] + "+0000", "%Y-%m-%d%z")
        except ValueError:
            raise PullError(
                f"--since {value!r} is not a date or time",
                "write it like 2024-03-01 or 2024-03-01 10:00:00 (the tool's own time zone)",
            ) from None
        return text[:10] + " 00:00:00"
    return text[:19]
