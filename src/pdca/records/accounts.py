"""Managing accounts: every change goes to the audit log with who made it.

Shared by `pdca user …` and the web app's admin pages and API (no interface holds this logic).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdca.errors import InputError
from pdca.records.audit import audit
from pdca.records.base import utcnow
from pdca.records.passwords import hash_password
from pdca.records.tokens import ApiToken, digest, new_token
from pdca.records.users import NAME_MAX, Role, User

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
"""Account names: letters, digits and ``. _ @ -`` (they appear in URLs and the audit log)."""
SCOPE_MAX = 200


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown role {value!r}", f"use one of: {', '.join(r.value for r in Role)}"
        ) from None


def check_name(name: str) -> str:
    if not name or len(name) > NAME_MAX or not NAME_PATTERN.match(name):
        raise InputError(
            f"invalid account name {name!r}",
            f"use up to {NAME_MAX} letters, digits and . _ @ - (starting with a letter or digit)",
        )
    return name


def clean_scope(values: Iterable[str] | None) -> list[str]:
    """Scope values as given, stripped, without blanks or repeats (order kept)."""
    out: list[str] = []
    for value in values or ():
        text = value.strip()
        if len(text) > SCOPE_MAX:
            raise InputError(f"scope value longer than {SCOPE_MAX} characters", "shorten it")
        if text and text not in out:
            out.append(text)
    return out


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def get_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise InputError(f"there is no user {name!r}", "see `pdca user list`")
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.name)).all()


def add_user(
    session: Session,
    name: str,
    password: str,
    role: Role | str,
    *,
    services: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    who: str,
) -> User:
    """Create an account (``InputError`` if the name is taken or invalid)."""
    check_name(name)
    if find_user(session, name) is not None:
        raise InputError(f"user {name!r} exists already", "choose another name")
    chosen = role if isinstance(role, Role) else parse_role(role)
    user = User(
        name=name,
        password_hash=hash_password(password),
        role=chosen.value,
        services=clean_scope(services),
        groups=clean_scope(groups),
        disabled=False,
        created_at=utcnow(),
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit(session, who, "user.add", f"user:{name}", user.public())
    return user


def update_user(
    session: Session,
    name: str,
    *,
    who: str,
    role: Role | str | None = None,
    services: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    disabled: bool | None = None,
) -> User:
    """Change an account's role, scope or disabled flag (``None``: unchanged); one audit entry
    with the values before and after. Disabling ends the account's sessions."""
    user = get_user(session, name)
    before = user.public()
    new_role = (role if isinstance(role, Role) else parse_role(role)).value if role else None
    stays_admin = (new_role or user.role) == Role.ADMIN.value and not (
        user.disabled if disabled is None else disabled
    )
    if user.role == Role.ADMIN.value and not user.disabled and not stays_admin:
        _keep_an_admin(session, user)  # checked before anything changes
    new_services = clean_scope(services) if services is not None else None
    new_groups = clean_scope(groups) if groups is not None else None
    if new_role is not None:
        user.role = new_role
    if new_services is not None:
        user.services = new_services
    if new_groups is not None:
        user.groups = new_groups
    if disabled is not None:
        user.disabled = disabled
    after = user.public()
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit(session, who, "user.update", f"user:{name}", changed)
    if disabled:
        end_sessions(session, user)
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse a change that takes ``user`` out of the enabled admins when no other is left
    (nobody could manage users any more)."""
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.disabled.is_(False), User.id != user.id)
    )
    if not others:
        raise InputError(
            f"{user.name!r} is the last enabled admin", "make another user admin first"
        )


def set_password(session: Session, name: str, password: str, *, who: str) -> User:
    """A new password; the account's browser sessions end (audit: that it changed, not what)."""
    user = get_user(session, name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(session, user)
    audit(session, who, "user.password", f"user:{name}", {})
    return user


def end_sessions(session: Session, user: User) -> None:
    from pdca.records.sessions import WebSession  # noqa: PLC0415 (avoid a cycle at import)

    for row in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
        session.delete(row)


def issue_token(session: Session, name: str, token_name: str, *, who: str) -> str:
    """A new API token for ``name``; returned once (only its digest is kept)."""
    user = get_user(session, name)
    label = token_name.strip() or "token"
    if len(label) > 64:
        raise InputError("the token's name is longer than 64 characters", "shorten it")
    secret = new_token()
    session.add(
        ApiToken(user_id=user.id, name=label, token_hash=digest(secret), created_at=utcnow())
    )
    audit(session, who, "token.add", f"user:{name}", {"token": label})
    return secret


def tokens_of(session: Session, name: str) -> Sequence[ApiToken]:
    user = get_user(session, name)
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()


def revoke_token(session: Session, name: str, token_id: int, *, who: str) -> None:
    user = get_user(session, name)
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise InputError(f"user {name!r} has no token {token_id}", "see the user's tokens")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(session, who, "token.revoke", f"user:{name}", {"token": token.name})


def summary(user: User) -> dict[str, Any]:
    """A user as `pdca user list` prints it."""
    return {**user.public(), "scope": user.scope.describe()}
