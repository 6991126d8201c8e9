"""What a request reads the store through, with its user's visibility scope applied.

Handlers call :func:`desk_for` (or take the :data:`DeskDep` dependency) and then the public API's
functions as methods: ``desk.scorecard(log=…)``, ``desk.logs()``, ``desk.status()``. The app
opens ``pdca.open(store)`` (:class:`pdca.api.desk.Desk`) once, on first use, and a request
gets it as is (a user who sees everything) or ``desk.scoped(service=…, assignment_group=…)``.
Where ``pdca.open`` is missing, :class:`ApiDesk` calls :mod:`pdca.api` with the store bound
and refuses a user whose scope is not "everything" (it cannot filter, and it must not show
another department's tickets).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from pdca.web.auth import Principal, Viewer
from pdca.web.state import WebState, state


class ApiDesk:
    """The public API with ``store=`` bound (for every user who sees everything)."""

    def __init__(self, store: Path) -> None:
        self.store = store

    def status(self) -> Any:
        """:func:`pdca.api.status`: one row per log (ticket type, events, tickets, time span)."""
        from pdca import api  # noqa: PLC0415 (the analytics stack loads on first use)

        return api.status(store=self.store)

    def logs(self) -> list[str]:
        """The names of the logs in the store."""
        return [str(name) for name in self.status()["log"]]

    def __getattr__(self, name: str) -> Any:
        from pdca import api  # noqa: PLC0415

        function = getattr(api, name)
        return functools.partial(function, store=self.store)


def open_desk(store: Path) -> Any:
    """The store's shared handle (``pdca.open``), or None while that API does not exist."""
    import pdca  # noqa: PLC0415

    opener = getattr(pdca, "open", None)
    return opener(store) if callable(opener) else None


def shared_desk(request: Request) -> Any:
    """The app's one desk, opened on first use (then kept until the app stops)."""
    return open_shared(state(request))


def open_shared(web: WebState) -> Any:
    """``web``'s one desk, opened now unless it is open already."""
    if web.desk is None:
        with _OPENING:
            if web.desk is None:
                web.desk = open_desk(web.store) or ApiDesk(web.store)
    return web.desk


_OPENING = threading.Lock()


def desk_for(request: Request, who: Principal) -> Any:
    """The store as ``who`` may see it: the shared desk, scoped to ``who``'s services and
    groups unless they see everything."""
    desk = shared_desk(request)
    if not isinstance(desk, ApiDesk):
        scope = who.scope
        if scope.everything:
            return desk
        return desk.scoped(
            service=list(scope.services) or None, assignment_group=list(scope.groups) or None
        )
    if not who.scope.everything:  # ApiDesk cannot filter: show nothing rather than too much
        raise HTTPException(
            403,
            f"your account sees only {who.scope.describe()}, and this version of pdca cannot "
            "show a part of the desk yet: ask an admin",
        )
    return desk


def _desk(request: Request, who: Viewer) -> Any:
    return desk_for(request, who)


DeskDep = Annotated[Any, Depends(_desk)]
"""A handler parameter ``desk: DeskDep`` gets the store as the logged-in user may see it."""
