"""What the app holds for every request: the store, the records database, settings, templates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pdca.records import Records
from pdca.web.settings import WebSettings


@dataclass
class WebState:
    """Shared by every request of one app (``request.app.state.web``)."""

    store: Path
    records: Records
    settings: WebSettings
    desk: Any = None
    """The store's shared handle (``pdca.open``) once that API exists; None until then."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Room for page modules to keep app-wide objects (keyed by the module's name)."""


def state(request: Request) -> WebState:
    """The app's :class:`WebState` (a FastAPI dependency, or call it with the request)."""
    web: WebState = request.app.state.web
    return web


def db(request: Request) -> Iterator[Session]:
    """A records-database session for one request: committed when the handler returns,
    rolled back when it raises (use it as :data:`DbSession`)."""
    with state(request).records.session() as session:
        yield session


DbSession = Annotated[Session, Depends(db, scope="function")]
"""A handler parameter ``records: DbSession`` gets a records session that is committed BEFORE
the response is sent (``scope="function"``): a client that follows a redirect at once finds the
change (a new session, a new user) already there, and a failed commit is a 500, not a success."""
