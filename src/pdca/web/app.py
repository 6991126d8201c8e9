"""The FastAPI application: :func:`create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from pdca.errors import PdcaError
from pdca.records import open_records
from pdca.version import __version__
from pdca.web import errors
from pdca.web.api import routers as api_routers
from pdca.web.api.imports import upload_limit
from pdca.web.auth import csrf_guard
from pdca.web.bodylimit import BodyLimit
from pdca.web.pages import routers as page_routers
from pdca.web.security import SecurityHeaders
from pdca.web.settings import WebSettings
from pdca.web.state import WebState

STATIC = Path(__file__).with_name("static")
LOG = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On start, with the ``warm`` setting: open the store's desk and ask it the usual pages'
    questions in the background (:mod:`pdca.web.warm`). On shutdown: close the store's desk and
    the records database."""
    web: WebState = app.state.web
    if web.settings.warm:
        from pdca.web.desk import open_shared  # noqa: PLC0415
        from pdca.web.warm import warm_in_background  # noqa: PLC0415

        try:
            desk = open_shared(web)
        except PdcaError as exc:  # no store yet: the pages say so; nothing to warm
            LOG.info("nothing to warm: %s", exc)
        else:
            warm_in_background(desk)
    yield
    close = getattr(web.desk, "close", None)
    if callable(close):
        close()
    web.records.close()


def create_app(
    store: Path, *, records_url: str | None = None, settings: WebSettings | None = None
) -> FastAPI:
    """The web app on ``store`` (its records database opened and migrated now).

    ``records_url``: see :func:`pdca.records.open_records` (default SQLite in the store).
    """
    settings = settings or WebSettings()
    store = Path(store)
    records = open_records(store, records_url)
    app = FastAPI(
        title="pdca",
        version=__version__,
        description="The pdca web app's REST API: scripts send `Authorization: Bearer TOKEN` "
        "(`pdca user token NAME`).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
        lifespan=_lifespan,
    )
    app.state.web = WebState(store=store, records=records, settings=settings)
    errors.install(app)
    app.add_middleware(BodyLimit, limit=upload_limit)
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (*page_routers(), *api_routers()):
        app.include_router(router)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        """Liveness: the app answers and its records database is reachable."""
        with records.engine.connect():
            pass
        return {"status": "ok", "version": __version__}

    return app
