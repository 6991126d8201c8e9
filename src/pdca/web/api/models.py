"""Response and request bodies of the REST API (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from pdca.records.users import NAME_MAX


class LogInfo(BaseModel):
    log: str
    ticket_type: str | None = None
    events: int | None = None
    tickets: int | None = None
    first_event: str | None = None
    last_event: str | None = None


class ScorecardRow(BaseModel):
    kpi: str
    name: str | None = None
    period: str | None = None
    value: float | None = None
    unit: str | None = None
    target: str | None = None
    status: str | None = None
    previous: float | None = None
    trend: str | None = None
    benchmark: str | None = None


class Scorecard(BaseModel):
    log: str
    objectives: dict[str, Any] = Field(
        description="The objectives in force: source, found_by, parts (file or built-in), note."
    )
    left_out: dict[str, str] = Field(description="KPIs left out, with the reason.")
    rows: list[ScorecardRow]


class UserOut(BaseModel):
    name: str
    role: str
    services: list[str]
    groups: list[str]
    disabled: bool
    created_at: str | None = None


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    password: str = Field(min_length=8, max_length=1024)
    role: str = Field("viewer", max_length=16)
    services: list[str] = Field(default_factory=list, max_length=500)
    groups: list[str] = Field(default_factory=list, max_length=500)


class UserChange(BaseModel):
    role: str | None = Field(None, max_length=16)
    services: list[str] | None = Field(None, max_length=500)
    groups: list[str] | None = Field(None, max_length=500)
    disabled: bool | None = None


class Me(BaseModel):
    name: str
    role: str
    services: list[str]
    groups: list[str]
    via: str


class AuditOut(BaseModel):
    id: int
    at: str
    who: str
    action: str
    object: str
    details: dict[str, Any]
