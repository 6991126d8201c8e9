"""Which tickets a scoped desk sees (docs/web.md, "Visibility").

A scope names services and assignment groups. A ticket is visible when ANY of its events names one
of the services (column ``service``) or one of the groups (column ``assignment_group``): the
tickets a department's group worked on at some point, or that were filed under its service, even
when another group resolved them. A visible ticket is visible whole (every event, including the
steps other groups took), so its KPIs, clocks and process are the ticket's own. Several scopes
(a scoped desk scoped again) must all see a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from pdca.errors import InputError
from pdca.model.schema import Col

_NO = ibis.literal(value=False)
"""A missing service or group grants nothing."""


@dataclass(frozen=True)
class Scope:
    """Services and assignment groups that grant sight of a ticket (None: that column grants
    nothing and is not asked; an empty tuple also grants nothing)."""

    services: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None

    @classmethod
    def of(cls, services: Iterable[str] | None, groups: Iterable[str] | None) -> Scope:
        """A scope from any iterables of names (sorted, without repeats); a bare string is
        refused, as it would be read letter by letter."""
        return cls(_names(services, "service"), _names(groups, "assignment_group"))

    def key(self) -> dict[str, list[str] | None]:
        """Plain data naming the scope (for cache keys and the audit trail)."""
        return {
            "service": None if self.services is None else list(self.services),
            "assignment_group": None if self.groups is None else list(self.groups),
        }

    def grants(self, events: Any) -> Any:
        """The Ibis condition on ``events`` of the rows that make their ticket visible."""
        condition: Any = ibis.literal(value=False)
        if self.services:
            condition = condition | events[Col.SERVICE].isin(list(self.services)).fill_null(_NO)
        if self.groups:
            grants = events[Col.ASSIGNMENT_GROUP].isin(list(self.groups)).fill_null(_NO)
            condition = condition | grants
        return condition


def _names(values: Iterable[str] | None, what: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise InputError(
            f"{what} takes a list of names, not the text {values!r}", f"write {what}=[{values!r}]"
        )
    return tuple(sorted({str(v) for v in values}))


def visible(events: Any, scopes: tuple[Scope, ...]) -> Any:
    """The (log, case_id) of the tickets of ``events`` that every scope sees (an Ibis table)."""
    keys: Any = None
    on = [Col.LOG, Col.CASE_ID]
    for scope in scopes:
        seen = events.filter(scope.grants(events)).select(*on).distinct()
        keys = seen if keys is None else keys.semi_join(seen, on)
    return keys


def scoped_status(whole: pd.DataFrame, events: Any, surveys: Any) -> pd.DataFrame:
    """:meth:`pdca.engine.store.Store.logs` counted over the visible events (and survey
    responses) only; imports and quarantined rows are the log's (they belong to no ticket).
    Logs with no visible ticket are left out."""
    counts = (
        events.group_by(Col.LOG)
        .aggregate(
            ticket_type=events[Col.TICKET_TYPE].arbitrary(),
            events=events.count(),
            tickets=events[Col.CASE_ID].nunique(),
            first_event=events[Col.TIMESTAMP].min(),
            last_event=events[Col.TIMESTAMP].max(),
        )
        .to_pandas()
    )
    if surveys is not None:
        answered = surveys.group_by(Col.LOG).aggregate(survey_responses=surveys.count())
        counts = counts.merge(answered.to_pandas(), on=Col.LOG, how="left")
    else:
        counts["survey_responses"] = 0
    counts["survey_responses"] = counts["survey_responses"].fillna(0).astype("int64")
    rest = whole[[Col.LOG, "imports", "quarantined"]]
    out = counts.merge(rest, on=Col.LOG, how="left")[list(whole.columns)]
    ordered: pd.DataFrame = out.sort_values(Col.LOG, ignore_index=True)
    return ordered
