"""Users of the web app: role, visibility scope, password hash, disabled flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pdca.records.base import Base, UtcDateTime, utcnow


class Role(StrEnum):
    """Roles, each allowed what the ones before it are: viewer < analyst < owner < admin.

    - viewer: reads pages and the API, changes nothing;
    - analyst: also runs analyses that write (imports, drafts);
    - owner: also owns improvement initiatives and the objectives of a service;
    - admin: also manages users and reads the audit log.
    """

    VIEWER = "viewer"
    ANALYST = "analyst"
    OWNER = "owner"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Scope:
    """What a user sees: tickets of these services and/or these assignment groups.

    Both empty: everything. Both given: tickets matching either list.
    """

    services: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.services and not self.groups

    def describe(self) -> str:
        if self.everything:
            return "everything"
        parts = []
        if self.services:
            parts.append("services " + ", ".join(self.services))
        if self.groups:
            parts.append("groups " + ", ".join(self.groups))
        return "; ".join(parts)


NAME_MAX = 64


class User(Base):
    """A local account. ``name`` is unique and compared as given (case-sensitive)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.VIEWER.value)
    services: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    groups: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow
    )

    @property
    def role_value(self) -> Role:
        return Role(self.role)

    @property
    def scope(self) -> Scope:
        return Scope(tuple(self.services or ()), tuple(self.groups or ()))

    def public(self) -> dict[str, Any]:
        """What the API and the audit log show of a user (never the hash)."""
        return {
            "name": self.name,
            "role": self.role,
            "services": list(self.services or ()),
            "groups": list(self.groups or ()),
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
