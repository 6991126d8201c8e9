"""Who is asking: browser sessions, CSRF tokens, API tokens, login throttling, roles.

- Passwords: Argon2id (:mod:`pdca.records.passwords`).
- Browser sessions are server-side (:class:`~pdca.records.WebSession`); the cookie
  (:data:`SESSION_COOKIE`) carries a random 256-bit id, HttpOnly, SameSite=Lax, and Secure when
  ``settings.secure_cookies``. The database keeps only the id's SHA-256. A visitor gets an
  anonymous session with the login form; logging in and logging out each issue a NEW id and
  delete the old one, so an id planted before login is never honoured after it.
- CSRF: every POST/PUT/PATCH/DELETE made with a session cookie must carry the session's token in
  the form field :data:`CSRF_FIELD` or the header :data:`CSRF_HEADER` (checked by
  :func:`csrf_guard`, installed on the whole app); else 403. Requests with
  ``Authorization: Bearer …`` (scripts) carry no cookie and are exempt.
- Login throttling: see :class:`~pdca.web.settings.WebSettings` (defaults: 5 failures per
  account name or 20 per client address within 15 minutes → HTTP 429).
- Roles: :func:`require` (viewer < analyst < owner < admin); the type aliases
  :data:`Viewer`, :data:`Analyst`, :data:`Owner`, :data:`Admin` are ready-made dependencies.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pdca.records import ApiToken, LoginAttempt, Role, Scope, User, WebSession, utcnow
from pdca.records.passwords import HASHER, needs_rehash, verify_password
from pdca.records.tokens import digest
from pdca.web.state import state

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "HASHER",
    "SESSION_COOKIE",
    "Admin",
    "Analyst",
    "LoginRequired",
    "Owner",
    "Principal",
    "Viewer",
    "csrf_guard",
    "current",
    "require",
]

SESSION_COOKIE = "pdca_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOUCH_EVERY = timedelta(minutes=1)
"""An API token's ``last_used_at`` is written at most this often."""


@dataclass(frozen=True)
class Principal:
    """The user a request acts for (detached from the database session)."""

    name: str
    role: Role
    scope: Scope
    via: Literal["session", "token"]
    csrf: str | None = None
    """The session's CSRF token (forms put it in a hidden field); None for API tokens."""

    def allows(self, needed: Role) -> bool:
        return self.role.allows(needed)


@dataclass(frozen=True)
class SessionInfo:
    id_hash: str
    user_id: int | None
    csrf: str


class LoginRequired(Exception):  # noqa: N818 (a signal, handled by a redirect to /login)
    """Raised by :func:`require` on a page when nobody is logged in: the app redirects."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


# -- sessions -------------------------------------------------------------------------------------
def _session_info(request: Request) -> SessionInfo | None:
    """The request's valid session (cached on the request), or None."""
    if hasattr(request.state, "pdca_session"):
        cached: SessionInfo | None = request.state.pdca_session
        return cached
    found: SessionInfo | None = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw and len(raw) <= 128:
        with state(request).records.session() as db:
            row = db.get(WebSession, digest(raw))
            if row is not None and row.expires_at > utcnow():
                found = SessionInfo(row.id_hash, row.user_id, row.csrf_token)
    request.state.pdca_session = found
    return found


@dataclass(frozen=True)
class NewSession:
    """A session just created: :meth:`apply` sets its cookie on the response."""

    raw_id: str
    csrf: str
    max_age: int | None
    secure: bool

    def apply(self, response: Response) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.raw_id,
            max_age=self.max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )


def start_session(db: Session, request: Request, user: User | None) -> NewSession:
    """A new session (for ``user``, or anonymous) with a new id and CSRF token; the request's
    old session, if any, is deleted (no fixation). Set its cookie with ``.apply(response)``."""
    settings = state(request).settings
    old = _session_info(request)
    if old is not None:
        db.execute(delete(WebSession).where(WebSession.id_hash == old.id_hash))
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.expires_at < now))  # housekeeping
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(hours=settings.session_hours)
        if user is not None
        else timedelta(minutes=settings.anonymous_session_minutes)
    )
    db.add(
        WebSession(
            id_hash=digest(raw),
            user_id=user.id if user is not None else None,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    request.state.pdca_session = SessionInfo(digest(raw), user.id if user else None, csrf)
    request.state.pdca_principal = (
        _principal_of(user, "session", csrf) if user is not None else None
    )
    max_age = int(lifetime.total_seconds()) if user is not None else None
    return NewSession(raw, csrf, max_age, settings.secure_cookies)


def anonymous_csrf(db: Session, request: Request) -> tuple[str, NewSession | None]:
    """The CSRF token for a form shown to a visitor (the login form): the visitor's valid
    session's, or a new anonymous session's (returned too: its cookie must be set)."""
    info = _session_info(request)
    if info is not None:
        return info.csrf, None
    new = start_session(db, request, None)
    return new.csrf, new


# -- CSRF -----------------------------------------------------------------------------------------
def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_guard(request: Request) -> None:
    """Refuse (403) a state-changing browser request without its session's CSRF token."""
    if request.method not in UNSAFE or _bearer(request) is not None:
        return
    info = _session_info(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form(max_files=2, max_fields=50)
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if info is None or not sent or not hmac.compare_digest(sent, info.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


# -- who is asking --------------------------------------------------------------------------------
def _principal_of(user: User, via: Literal["session", "token"], csrf: str | None) -> Principal:
    return Principal(user.name, Role(user.role), user.scope, via, csrf)


def current(request: Request) -> Principal | None:
    """The logged-in user (bearer token first, else the session cookie), or None.

    A bearer token that is unknown, revoked or of a disabled user is a 401 at once.
    """
    if hasattr(request.state, "pdca_principal"):
        cached: Principal | None = request.state.pdca_principal
        return cached
    found: Principal | None = None
    token = _bearer(request)
    if token is not None:
        found = _from_token(request, token)
        if found is None:
            raise HTTPException(
                401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"}
            )
    else:
        info = _session_info(request)
        if info is not None and info.user_id is not None:
            with state(request).records.session() as db:
                user = db.get(User, info.user_id)
                if user is not None and not user.disabled:
                    found = _principal_of(user, "session", info.csrf)
    request.state.pdca_principal = found
    return found


def _from_token(request: Request, token: str) -> Principal | None:
    if len(token) > 256:
        return None
    with state(request).records.session() as db:
        row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        if row is None or row.revoked_at is not None:
            return None
        user = db.get(User, row.user_id)
        if user is None or user.disabled:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = now
        return _principal_of(user, "token", None)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def require(role: Role) -> Callable[[Request], Principal]:
    """A dependency: the current user if their role allows ``role``.

    Nobody logged in: a page redirects to the login form, the API answers 401. A role too low:
    403 for both.
    """

    def dependency(request: Request) -> Principal:
        who = current(request)
        if who is None:
            if is_api(request):
                raise HTTPException(
                    401,
                    "log in or send Authorization: Bearer TOKEN",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target)
        if not who.allows(role):
            raise HTTPException(403, f"this needs the {role.value} role (you are {who.role.value})")
        return who

    dependency.__name__ = f"require_{role.value}"
    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Analyst = Annotated[Principal, Depends(require(Role.ANALYST))]
Owner = Annotated[Principal, Depends(require(Role.OWNER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


# -- login ----------------------------------------------------------------------------------------
def client_address(request: Request) -> str:
    """The client's address (behind a proxy: what uvicorn's --forwarded-allow-ips trusts)."""
    return (request.client.host if request.client else "unknown")[:64]


def throttled(db: Session, request: Request, name: str) -> int | None:
    """Seconds to wait when this name or address has failed too often lately, else None."""
    settings = state(request).settings
    window = timedelta(minutes=settings.login_window_minutes)
    since = utcnow() - window
    checks = (
        (LoginAttempt.name == name, settings.login_failures_per_user),
        (LoginAttempt.address == client_address(request), settings.login_failures_per_address),
    )
    for where, limit in checks:
        failed = select(LoginAttempt.at).where(where, LoginAttempt.ok.is_(False))
        failed = failed.where(LoginAttempt.at > since)
        count = db.scalar(select(func.count()).select_from(failed.subquery())) or 0
        if count >= limit:
            oldest: datetime | None = db.scalar(
                select(func.min(LoginAttempt.at)).where(
                    where, LoginAttempt.ok.is_(False), LoginAttempt.at > since
                )
            )
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=since.tzinfo)
            wait = (oldest + window - utcnow()).total_seconds() if oldest else window.seconds
            return max(1, int(wait) + 1)
    return None


def check_login(db: Session, request: Request, name: str, password: str) -> User | None:
    """The user whose name and password these are (and enabled), else None; the attempt is
    recorded for throttling (old attempts are purged)."""
    name = name[:255]
    user = db.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and not user.disabled
    now = utcnow()
    db.add(LoginAttempt(name=name, address=client_address(request), at=now, ok=ok))
    keep = timedelta(minutes=state(request).settings.login_window_minutes) * 4
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < now - keep))
    if not ok or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def safe_next(value: str | None) -> str:
    """Where to go after login: a local path only (no other site, no ``javascript:``)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 for c in value):
        return "/"
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")
