"""Errors as pages (HTML) or JSON (``/api/``): never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from pdca.errors import PdcaError
from pdca.web.auth import LoginRequired, is_api, login_url
from pdca.web.security import security_headers
from pdca.web.state import state
from pdca.web.templating import page

LOG = logging.getLogger("pdca.web")

TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Something went wrong",
}


def error_response(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """JSON ``{"detail": …}`` for the API, else the error page."""
    if is_api(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    response = page(
        request,
        "error.html",
        status_code=status,
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is no such page."
    return error_response(request, exc.status_code, detail, dict(exc.headers or {}))


async def _login(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": _jsonable(exc.errors())}, status_code=422)
    return error_response(request, 422, "Some of the input is not valid.")


def _jsonable(errors: object) -> object:
    from fastapi.encoders import jsonable_encoder  # noqa: PLC0415

    return jsonable_encoder(errors, custom_encoder={Exception: str})


async def _pdca(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PdcaError)
    return error_response(request, 400, str(exc).splitlines()[0])


async def _crash(request: Request, exc: Exception) -> Response:
    LOG.error("error answering %s %s", request.method, request.url.path, exc_info=exc)
    response = error_response(request, 500, "pdca could not answer this; the error is logged.")
    secure = state(request).settings.secure_cookies
    for key, value in security_headers(secure=secure).items():  # outside the middleware
        response.headers[key] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(LoginRequired, _login)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(PdcaError, _pdca)
    app.add_exception_handler(Exception, _crash)
