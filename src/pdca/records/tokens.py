"""API tokens for scripts: only a SHA-256 of each token is kept; a token can be revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pdca.records.base import Base, UtcDateTime, utcnow

TOKEN_PREFIX = "pdca_"  # noqa: S105 (a prefix, not a secret)


def new_token() -> str:
    """A fresh random token (shown once; only its digest is stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a token or a session id (a 256-bit random value needs no salt)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiToken(Base):
    """A named bearer token of a user; ``revoked_at`` set means it no longer works."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
