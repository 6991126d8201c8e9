"""Administration (admin role only): users — add, role, visibility scope, disable, password,
API tokens — and the audit log. Every change is written to the audit log by
:mod:`pdca.records.accounts`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdca.errors import InputError
from pdca.records import AuditEntry, Role, accounts
from pdca.web.auth import Admin
from pdca.web.pages import add_page
from pdca.web.state import DbSession
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)
add_page("admin", "Admin", "/admin/users", role=Role.ADMIN)
AUDIT_PAGE = 100
ROLES = [r.value for r in Role]


def lines(text: str) -> list[str]:
    """A textarea's values: one per line (blank lines ignored)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _users_page(
    request: Request, records: Session, *, error: str = "", status: int = 200
) -> HTMLResponse:
    users = [accounts.summary(u) for u in accounts.list_users(records)]
    return page(
        request,
        "admin_users.html",
        status_code=status,
        nav_key="admin",
        title="Users",
        users=users,
        roles=ROLES,
        error=error,
    )


@router.get("/admin", include_in_schema=False)
def admin_home(who: Admin) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, who: Admin, records: DbSession) -> HTMLResponse:
    return _users_page(request, records)


@router.post("/admin/users")
def add_user(
    request: Request,
    who: Admin,
    records: DbSession,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=16)] = "viewer",
    services: Annotated[str, Form(max_length=20000)] = "",
    groups: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    try:
        with records.begin_nested():
            accounts.add_user(
                records,
                name.strip(),
                password,
                role,
                services=lines(services),
                groups=lines(groups),
                who=who.name,
            )
    except InputError as exc:
        return _users_page(request, records, error=str(exc), status=400)
    return RedirectResponse("/admin/users", status_code=303)


def _user_page(
    request: Request, records: Session, name: str, *, error: str = "", status: int = 200
) -> HTMLResponse:
    user = accounts.get_user(records, name)
    tokens = [
        {
            "id": t.id,
            "name": t.name,
            "created_at": t.created_at.isoformat(timespec="seconds"),
            "last_used_at": t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "",
            "revoked": t.revoked_at is not None,
        }
        for t in accounts.tokens_of(records, name)
    ]
    return page(
        request,
        "admin_user.html",
        status_code=status,
        nav_key="admin",
        title=f"User {name}",
        account=accounts.summary(user),
        tokens=tokens,
        roles=ROLES,
        error=error,
    )


@router.get("/admin/users/{name}", response_class=HTMLResponse)
def user(request: Request, who: Admin, records: DbSession, name: str) -> HTMLResponse:
    _known(records, name)
    return _user_page(request, records, name)


def _known(records: Session, name: str) -> None:
    from fastapi import HTTPException  # noqa: PLC0415

    if accounts.find_user(records, name) is None:
        raise HTTPException(404, "There is no such user.")


@router.post("/admin/users/{name}")
def edit_user(
    request: Request,
    who: Admin,
    records: DbSession,
    name: str,
    role: Annotated[str, Form(max_length=16)],
    services: Annotated[str, Form(max_length=20000)] = "",
    groups: Annotated[str, Form(max_length=20000)] = "",
    disabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    _known(records, name)
    try:
        with records.begin_nested():
            accounts.update_user(
                records,
                name,
                who=who.name,
                role=role,
                services=lines(services),
                groups=lines(groups),
                disabled=bool(disabled),
            )
    except InputError as exc:
        return _user_page(request, records, name, error=str(exc), status=400)
    return RedirectResponse(f"/admin/users/{name}", status_code=303)


@router.post("/admin/users/{name}/password")
def set_password(
    request: Request,
    who: Admin,
    records: DbSession,
    name: str,
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    _known(records, name)
    try:
        with records.begin_nested():
            accounts.set_password(records, name, password, who=who.name)
    except InputError as exc:
        return _user_page(request, records, name, error=str(exc), status=400)
    return RedirectResponse(f"/admin/users/{name}", status_code=303)


@router.post("/admin/users/{name}/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, who: Admin, records: DbSession, name: str, token_id: int
) -> Response:
    _known(records, name)
    try:
        with records.begin_nested():
            accounts.revoke_token(records, name, token_id, who=who.name)
    except InputError as exc:
        return _user_page(request, records, name, error=str(exc), status=400)
    return RedirectResponse(f"/admin/users/{name}", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, who: Admin, records: DbSession, page_no: int = 1) -> HTMLResponse:
    """The audit log, newest first, :data:`AUDIT_PAGE` entries a page (``?page_no=N``)."""
    page_no = max(1, min(page_no, 1_000_000))
    total = records.scalar(select(func.count()).select_from(AuditEntry)) or 0
    rows = records.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.id.desc())
        .offset((page_no - 1) * AUDIT_PAGE)
        .limit(AUDIT_PAGE)
    ).all()
    return page(
        request,
        "audit.html",
        nav_key="admin",
        title="Audit log",
        entries=[r.public() for r in rows],
        page_no=page_no,
        more=total > page_no * AUDIT_PAGE,
        total=total,
    )
