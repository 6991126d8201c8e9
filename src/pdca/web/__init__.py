"""The web app (`pdca serve`): server-rendered pages and a REST API over the public API.

- :mod:`.app` — :func:`create_app`, the FastAPI application;
- :mod:`.auth` — sessions, CSRF, API tokens, login throttling, roles (:func:`~.auth.require`);
- :mod:`.desk` — what a request reads the store through (its user's visibility scope applied);
- :mod:`.templating` — Jinja2 (autoescaping on), :func:`~.templating.page` renders a page;
- :mod:`.pages` — one router module per page group, each adding itself to the navigation;
- :mod:`.api` — one router module per REST topic under ``/api/``.

Nothing here is imported by `pdca --help`; `pdca serve` loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pdca.web.app import create_app
    from pdca.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from pdca.web.app import create_app  # noqa: PLC0415 (FastAPI loads on use)

        return create_app
    if name == "WebSettings":
        from pdca.web.settings import WebSettings  # noqa: PLC0415

        return WebSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
