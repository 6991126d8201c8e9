"""Server-side browser sessions and login attempts (for throttling).

A session row is keyed by the SHA-256 of the random id the cookie carries, so a copy of the
database gives no usable cookie. A session without a user is the anonymous one a visitor gets
with the login form (it carries the login form's CSRF token); logging in replaces it with a new
id (no session fixation).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pdca.records.base import Base, UtcDateTime, utcnow


class WebSession(Base):
    """One browser session."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, index=True)


class LoginAttempt(Base):
    """One login attempt: which account name, from which client address, when, whether it
    succeeded."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
