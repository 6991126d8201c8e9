"""The audit log: who changed what, when (users, objectives, initiatives, imports…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pdca.records.base import Base, UtcDateTime, utcnow


class AuditEntry(Base):
    """One change. ``action`` is a dotted verb (``user.add``, ``user.role``, ``initiative.new``);
    ``object`` names what changed (``user:alice``); ``details`` holds the values (JSON)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "who": self.who,
            "action": self.action,
            "object": self.object,
            "details": self.details,
        }


def audit(
    session: Session, who: str, action: str, obj: str, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Add an entry to the audit log in ``session`` (committed with the change it records)."""
    entry = AuditEntry(at=utcnow(), who=who, action=action, object=obj, details=details or {})
    session.add(entry)
    return entry
