"""``/api/me`` (anyone logged in) and ``/api/users`` (admin): accounts, audited changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from pdca.errors import InputError
from pdca.records import accounts
from pdca.web.api.models import Me, UserChange, UserIn, UserOut
from pdca.web.auth import Admin, Viewer
from pdca.web.state import DbSession

router = APIRouter(prefix="/api", tags=["users"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid input"},
    404: {"description": "No such user"},
}


@router.get("/me", response_model=Me)
def me(who: Viewer) -> Me:
    """Who the request acts for: name, role, visibility scope (empty lists: everything)."""
    return Me(
        name=who.name,
        role=who.role.value,
        services=list(who.scope.services),
        groups=list(who.scope.groups),
        via=who.via,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(who: Admin, records: DbSession) -> list[UserOut]:
    """Every account (never a password hash)."""
    return [UserOut.model_validate(u.public()) for u in accounts.list_users(records)]


@router.post("/users", response_model=UserOut, status_code=201, responses=ERRORS)
def add_user(who: Admin, records: DbSession, body: UserIn) -> UserOut:
    """Add an account (audited)."""
    try:
        with records.begin_nested():
            user = accounts.add_user(
                records,
                body.name,
                body.password,
                body.role,
                services=body.services,
                groups=body.groups,
                who=who.name,
            )
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    return UserOut.model_validate(user.public())


@router.patch("/users/{name}", response_model=UserOut, responses=ERRORS)
def change_user(who: Admin, records: DbSession, name: str, body: UserChange) -> UserOut:
    """Change an account's role, scope or disabled flag (audited)."""
    if accounts.find_user(records, name) is None:
        raise HTTPException(404, "there is no such user")
    try:
        with records.begin_nested():
            user = accounts.update_user(
                records,
                name,
                who=who.name,
                role=body.role,
                services=body.services,
                groups=body.groups,
                disabled=body.disabled,
            )
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    return UserOut.model_validate(user.public())
