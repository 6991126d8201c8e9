"""What an initiative is: its fields, the cycle it moves through, and the tickets it is about.

An initiative of the improvement register (continual service improvement) has a title, a problem
statement, an owner, a **scope** (which tickets it is about), a **CTQ metric** (a KPI of the
catalogue with its options), a **baseline** measured from the data when it is created, a target,
planned actions with dates, the date the change went live and a status in its cycle:

* PDCA: ``plan`` → ``do`` → ``check`` → ``act``;
* DMAIC: ``define`` → ``measure`` → ``analyse`` → ``improve`` → ``control``.

Scope
    A mapping from a column to the values it may take. A ticket is in scope when, for every
    column named, it matches one of the values. Ticket attributes (priority, service,
    category, …, ticket type, highest support level reached) are matched on the ticket's own
    value; ``assignment_group``, ``resource`` and ``support_level`` on its events: the ticket
    matches when any of its events names one of the values. Every KPI is then computed from the
    events and tickets in scope only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from pdca.errors import ConfigError
from pdca.methods.kpi.definition import Inputs
from pdca.model.schema import TICKET_DIMENSIONS, Col

CYCLES: dict[str, tuple[str, ...]] = {
    "pdca": ("plan", "do", "check", "act"),
    "dmaic": ("define", "measure", "analyse", "improve", "control"),
}
"""The statuses of each cycle, in order."""
REOPENED = {"pdca": "act", "dmaic": "improve"}
"""The status an initiative returns to when its control standard signals (the Act step)."""
TICKET_SCOPE = (*TICKET_DIMENSIONS, Col.TICKET_TYPE, Col.SUPPORT_LEVEL_REACHED)
EVENT_SCOPE = (Col.ASSIGNMENT_GROUP, Col.RESOURCE, Col.SUPPORT_LEVEL)
SCOPE_COLUMNS = (*TICKET_SCOPE, *EVENT_SCOPE)
DEFAULT_BASELINE_DAYS = 90

Scope = dict[str, list[str]]


class Action(BaseModel):
    """A planned action of an initiative."""

    model_config = ConfigDict(extra="forbid")

    what: str
    due: date | None = None
    done: bool = False


def check_cycle(cycle: str) -> tuple[str, ...]:
    """The statuses of ``cycle`` (a ConfigError for an unknown cycle)."""
    if cycle not in CYCLES:
        raise ConfigError(f"unknown cycle {cycle!r}", f"use one of: {', '.join(CYCLES)}")
    return CYCLES[cycle]


def check_status(cycle: str, status: str) -> str:
    """``status`` if it is a step of ``cycle``."""
    steps = check_cycle(cycle)
    if status not in steps:
        raise ConfigError(
            f"{status!r} is not a step of the {cycle.upper()} cycle",
            f"use one of: {', '.join(steps)}",
        )
    return status


def check_scope(scope: dict[str, Any] | None) -> Scope:
    """The scope in its normal form: known columns, each with a sorted list of text values."""
    out: Scope = {}
    for column, values in (scope or {}).items():
        if column not in SCOPE_COLUMNS:
            raise ConfigError(
                f"an initiative cannot be scoped by {column!r}",
                f"use one of: {', '.join(SCOPE_COLUMNS)}",
            )
        listed = [values] if isinstance(values, str) else list(values)
        if not listed:
            raise ConfigError(f"the scope of {column} lists no values", "name at least one")
        out[column] = sorted({str(v) for v in listed})
    return out


def parse_scope(pairs: list[str]) -> Scope:
    """``["priority=1 - Critical", "priority=2 - High", "service=Email"]`` → a scope."""
    scope: dict[str, list[str]] = {}
    for pair in pairs:
        column, sep, value = pair.partition("=")
        if not sep or not column.strip() or not value.strip():
            raise ConfigError(f"scope {pair!r} is not COLUMN=VALUE", "e.g. priority=1 - Critical")
        scope.setdefault(column.strip(), []).append(value.strip())
    return check_scope(scope)


def scoped(inputs: Inputs, scope: Scope) -> Inputs:
    """The inputs restricted to the tickets in scope (events, tickets and surveys alike)."""
    if not scope:
        return replace(inputs, extra={k: v for k, v in inputs.extra.items() if k != "_memo"})
    tickets = inputs.tickets
    events = inputs.events
    keys = [Col.LOG, Col.CASE_ID]
    for column, values in scope.items():
        if column in TICKET_SCOPE:
            tickets = tickets.filter(tickets[column].isin(values))
        else:
            hits = events.filter(events[column].isin(values)).select(*keys).distinct()
            tickets = tickets.semi_join(hits, keys)
    chosen = tickets.select(*keys)
    surveys = inputs.surveys
    if surveys is not None:
        surveys = surveys.semi_join(chosen, keys)
    # a memo of the unscoped inputs (SLA clocks) must not be reused for the scoped ones
    extra = {k: v for k, v in inputs.extra.items() if k != "_memo"}
    return Inputs(
        events.semi_join(chosen, keys), tickets, inputs.as_of, extra=extra, surveys=surveys
    )


def naive_utc(instant: datetime | date | None) -> datetime | None:
    """A date or time as a naive UTC datetime (the store's convention)."""
    if instant is None:
        return None
    if not isinstance(instant, datetime):
        return datetime(instant.year, instant.month, instant.day)  # noqa: DTZ001 (naive UTC)
    if instant.tzinfo is not None:
        return instant.astimezone(UTC).replace(tzinfo=None)
    return instant


def to_actions(actions: Sequence[Action | dict[str, Any] | str]) -> list[dict[str, Any]]:
    """Planned actions as stored: ``what``, ``due`` (ISO date or None), ``done``."""
    out = []
    for a in actions:
        action = a if isinstance(a, Action) else Action.model_validate(parse_action(a))
        out.append(action.model_dump(mode="json"))
    return out


def parse_action(text: str | dict[str, Any]) -> dict[str, Any]:
    """``"Train L1 on VPN resets@2016-05-01"`` → what and due date."""
    if isinstance(text, dict):
        return text
    what, sep, due = text.rpartition("@")
    if sep and what.strip():
        try:
            return {"what": what.strip(), "due": date.fromisoformat(due.strip())}
        except ValueError:
            pass
    return {"what": text.strip()}


def _scope_text(scope: dict[str, list[str]] | None) -> str:
    return "; ".join(f"{k}={'|'.join(v)}" for k, v in (scope or {}).items())


def register_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The register as a flat table (one row per initiative), for listing and export."""
    rows = []
    for r in records:
        verdict = r.get("verdict") or {}
        evidence = verdict.get("evidence") or {}
        baseline = r.get("baseline") or {}
        rows.append(
            {
                "id": r["initiative_id"],
                "title": r["title"],
                "owner": r["owner"],
                "cycle": r["cycle"],
                "status": r["status"],
                "kpi": r["kpi"],
                "scope": _scope_text(r["scope"]),
                "baseline": baseline.get("value"),
                "target": r["target"],
                "go_live": r["go_live"],
                "verdict": verdict.get("verdict"),
                "estimate": evidence.get("estimate"),
                "p_value": evidence.get("p_value"),
                "alerts": len(verdict.get("alerts") or []),
                "actions": len(r.get("actions") or []),
                "log": r["log"],
                "problem": r["problem"],
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            }
        )
    return pd.DataFrame(rows, columns=_REGISTER_COLUMNS)


_REGISTER_COLUMNS = [
    "id", "title", "owner", "cycle", "status", "kpi", "scope", "baseline", "target", "go_live",
    "verdict", "estimate", "p_value", "alerts", "actions", "log", "problem", "created_at",
    "updated_at",
]  # fmt: skip
