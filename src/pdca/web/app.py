"""The FastAPI application: :func:`create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from pdca.records import open_records
from pdca.version import __version__
from pdca.web import errors
from pdca.web.api import routers as api_routers
from pdca.web.auth import csrf_guard
from pdca.web.pages import routers as page_routers
from pdca.web.security import SecurityHeaders
from pdca.web.settings import WebSettings
from pdca.web.state import WebState

STATIC = Path(__file__).with_name("static")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On shutdown: close the store's desk and the records database."""
    yield
    web: WebState = app.state.web
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
