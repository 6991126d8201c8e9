"""Drafting the parts of a mapping that recode values, and the ``[dates]`` of a ticket list.

Used by :mod:`pdca.ingest.suggest`. Each draft comes from the header words and the values the
file holds, through :mod:`pdca.ingest.lexicon` (seven languages):

* ``[dates]``: a column is a date of the ticket list when its header names one (``Data de
  abertura`` opened, ``Data da solução`` resolved, ``Data de fechamento`` closed, …) and its values
  are dates; a header naming a delay (GLPI's delay to take into account, "Tempo para
  atendimento") whose values read as durations becomes ``{column, after = "opened"}``;
* ``[sla]``: a column whose header speaks of the SLA or its clock and whose values are all yes/no
  words; "exceeded", "excedido", "dépassé", "überschritten" … mean yes = breached;
* ``[values.ticket_type]``, ``[values.priority]`` and ``[values.<status column>]`` from the
  labels seen (priorities numbered 1 … n from the most urgent, kept in their own words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pdca.ingest.durations import read_durations
from pdca.ingest.lexicon import (
    date_kind,
    delay_kind,
    field_of,
    is_duration_header,
    priority_order,
    sla_meaning,
    state_of,
    ticket_type_of,
    yes_no,
)
from pdca.ingest.states import guess_state
from pdca.model.vocab import State

_MAX_LABELS = 200
_DURATION_SHARE = 0.9


@dataclass
class ListDraft:
    """What was drafted for a ticket list (or for value maps of any export)."""

    dates: dict[str, Any] = field(default_factory=dict)
    """Date kind -> column name, or ``{"column": …, "after": "opened"}``."""
    sla: dict[str, str] | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    """Field -> labels the draft could not recode (left for the user)."""
    notes: dict[str, str] = field(default_factory=dict)
    """Column -> why it was chosen."""


def label_state(label: str) -> State | None:
    """A status label's canonical state: the tools' translated labels first, then words."""
    return state_of(label) or guess_state(label)


def _labels(values: pd.Series) -> list[str]:
    present = values.dropna().astype(str).str.strip()
    labels = present[present != ""].unique()
    return sorted(str(v) for v in labels) if len(labels) <= _MAX_LABELS else []


def _durations(values: pd.Series) -> bool:
    present = values.dropna()
    present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        return False
    seconds, _ = read_durations(present.head(500))
    return float(seconds.notna().mean()) >= _DURATION_SHARE


def draft_dates(frame: pd.DataFrame, names: list[str], is_date: dict[str, bool]) -> ListDraft:
    """The ``[dates]`` of a ticket list (empty when the headers name no opening date)."""
    draft = ListDraft()
    for name in names:
        kind = date_kind(name)
        if kind and is_date.get(name) and kind not in draft.dates:
            draft.dates[kind] = name
            draft.notes[name] = f"header names the {kind.replace('_', ' ')} date"
    for name in names:
        kind = delay_kind(name) or (date_kind(name) if not is_date.get(name) else None)
        if kind and kind not in draft.dates and _durations(frame[name]):
            draft.dates[kind] = {"column": name, "after": "opened"}
            draft.notes[name] = f"a duration from the opening: the {kind.replace('_', ' ')}"
    if "opened" not in draft.dates:
        draft.dates = {}
    return draft


def draft_sla(frame: pd.DataFrame, names: list[str], used: set[str]) -> dict[str, str] | None:
    """``[sla]`` for the first yes/no column whose header is about the SLA."""
    for name in names:
        if name in used:
            continue
        means = sla_meaning(name)
        labels = _labels(frame[name])
        if means and labels and all(yes_no(v) is not None for v in labels):
            return {"column": name, "means": means}
    return None


def draft_values(
    frame: pd.DataFrame, columns: dict[str, str], status: str | None
) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """Value maps for ticket type, priority and (ticket lists) the status column."""
    values: dict[str, dict[str, str]] = {}
    unmapped: dict[str, list[str]] = {}
    if "ticket_type" in columns:
        labels = _labels(frame[columns["ticket_type"]])
        found = {label: ticket_type_of(label) for label in labels}
        values["ticket_type"] = {k: v.value for k, v in found.items() if v is not None}
        unmapped["ticket_type"] = [k for k, v in found.items() if v is None]
    if "priority" in columns:
        labels = _labels(frame[columns["priority"]])
        if labels and not all(label[:1].isdigit() for label in labels):
            order = {label: priority_order(label) for label in labels}
            known = sorted((o, label) for label, o in order.items() if o is not None)
            values["priority"] = {label: f"{i} - {label}" for i, (_, label) in enumerate(known, 1)}
            unmapped["priority"] = [k for k, o in order.items() if o is None]
    if status is not None:
        labels = _labels(frame[status])
        states = {label: label_state(label) for label in labels}
        values[status] = {k: v.value for k, v in states.items() if v is not None}
        unmapped[status] = [k for k, v in states.items() if v is None]
    return (
        {k: v for k, v in values.items() if v},
        {k: v for k, v in unmapped.items() if v},
    )


def lexicon_field(name: str) -> str | None:
    """The canonical field a translated header names (see :data:`lexicon.HEADERS`)."""
    return field_of(name)


def duration_column(frame: pd.DataFrame, names: list[str]) -> str | None:
    """A column that holds each ticket's duration: its header says so, or its values read as
    durations (a dateless ticket list, such as "totale minuten open")."""
    for name in names:
        if is_duration_header(name):
            return name
    for name in names:
        if _durations(frame[name]):
            return name
    return None
