"""Logging in and out (``/login``, ``/logout``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pdca.records import audit
from pdca.web.auth import (
    anonymous_csrf,
    check_login,
    current,
    safe_next,
    start_session,
    throttled,
)
from pdca.web.state import DbSession
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)


def _form(
    request: Request, records: Session, *, next_path: str, error: str = "", status: int = 200
) -> Response:
    token, new = anonymous_csrf(records, request)
    response = page(
        request,
        "login.html",
        status_code=status,
        title="Log in",
        csrf=token,
        next_path=safe_next(next_path),
        error=error,
    )
    if new is not None:
        new.apply(response)
    return response


@router.get("/login")
def login_form(request: Request, records: DbSession, next: str = "/") -> Response:
    if current(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, records, next_path=next)


@router.post("/login")
def login(
    request: Request,
    records: DbSession,
    name: Annotated[str, Form(max_length=255)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    wait = throttled(records, request, name)
    if wait is not None:
        response = _form(
            request,
            records,
            next_path=next,
            error=f"Too many failed attempts: try again in {wait // 60 + 1} minutes.",
            status=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = check_login(records, request, name, password)
    if user is None:
        return _form(request, records, next_path=next, error="Wrong name or password.", status=401)
    new = start_session(records, request, user)
    audit(records, user.name, "session.login", f"user:{user.name}", {})
    response = RedirectResponse(safe_next(next), status_code=303)
    new.apply(response)
    return response


@router.post("/logout")
def logout(request: Request, records: DbSession) -> Response:
    who = current(request)
    new = start_session(records, request, None)
    if who is not None:
        audit(records, who.name, "session.logout", f"user:{who.name}", {})
    response = RedirectResponse("/login", status_code=303)
    new.apply(response)
    return response
