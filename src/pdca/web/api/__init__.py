"""The REST API under ``/api/``: one router module per topic (OpenAPI at /api/openapi.json).

A module here with a ``router = APIRouter(prefix="/api", tags=["topic"])`` is included by
:func:`pdca.web.app.create_app`. Handlers take the same role dependencies as pages
(:data:`pdca.web.auth.Viewer` …); scripts authenticate with ``Authorization: Bearer TOKEN``
(`pdca user token NAME`), a browser session with its cookie plus the ``X-CSRF-Token`` header on
a change. Give every handler a ``response_model`` so the OpenAPI document says what it returns.
"""

from __future__ import annotations

from fastapi import APIRouter

from pdca.web.pages import routers as _routers


def routers() -> list[APIRouter]:
    """Every REST router of this package."""
    return _routers(__name__)
