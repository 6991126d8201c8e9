"""``/api/audit`` (admin): the audit log, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from pdca.records import AuditEntry
from pdca.web.api.models import AuditOut
from pdca.web.auth import Admin
from pdca.web.state import DbSession

router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    who: Admin,
    records: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditOut]:
    """Entries newest first; ``action`` keeps one kind (``user.add``, ``user.update``…)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    rows = records.scalars(query.offset(offset).limit(limit)).all()
    return [AuditOut.model_validate(r.public()) for r in rows]
