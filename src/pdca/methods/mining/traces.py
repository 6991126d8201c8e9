"""Traces: the steps of each ticket in their stable order, with what follows each step.

Every process-mining result (process map, waiting times, variants, durations) starts from the same
picture: the events of one ticket, put in order — by time, then the source's own sequence number,
then the import, then the position in the file — each labelled by the chosen
:class:`~pdca.methods.mining.activity.ActivityKey`. A :class:`Traces` object holds that ordered
picture as engine expressions. Building it is the costly part (one sort of all events), so
:meth:`Traces.cache` keeps it in the engine when several analyses follow.

To keep that sort and the counting after it cheap, tickets and step labels are numbered:

* ``cases`` numbers the tickets (``case_no``) in ascending order of (log, case id);
* ``labels`` numbers the step labels (``code``) in ascending order of the label text, so that
  comparing codes compares labels;
* ``steps`` holds one row per step with numbers only.

Numbers are assigned by sorting, never by arrival, so two expressions built from the same events
always agree on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import ibis

from pdca.methods.mining.activity import ActivityKey
from pdca.model.schema import Col

CASE = (Col.LOG, Col.CASE_ID)
"""What identifies a ticket across logs."""
CASE_NO = "case_no"
"""Number of the ticket (1, 2, …) in ascending order of (log, case id)."""
LABEL = "label"
"""Label of a step under the activity key."""
CODE = "code"
"""Number of a step label (1, 2, …) in ascending order of the label."""
POS = "pos"
"""0-based position of the step within its ticket."""
NEXT_CODE = "next_code"
"""Code of the step that directly follows (empty for the ticket's last step)."""
NEXT_TIMESTAMP = "next_timestamp"
"""Time of the step that directly follows (empty for the ticket's last step)."""


class EventFilter(Protocol):
    """Anything that narrows an events table (see :mod:`pdca.methods.mining.filters`)."""

    def apply(self, events: Any) -> Any:
        """Return the events that pass, as an engine expression of the same shape."""
        ...


def apply_filters(events: Any, filters: Sequence[EventFilter]) -> Any:
    """Apply filters one after another, in the order given."""
    for f in filters:
        events = f.apply(events)
    return events


def stable_order(events: Any) -> list[Any]:
    """The stable order of events within a ticket: time, source sequence, import, file row."""
    return [events[Col.TIMESTAMP], events[Col.SEQ], events[Col.IMPORT_ID], events[Col.ROW]]


@dataclass(frozen=True)
class Traces:
    """Ordered steps of every ticket, as engine tables.

    ``steps`` has one row per step: ``case_no``, ``timestamp``, ``code``, ``pos``, ``next_code``
    and ``next_timestamp``. ``cases`` maps ``case_no`` to ``log`` and ``case_id``; ``labels``
    maps ``code`` to ``label``. Events with no label under the key are not steps.
    """

    steps: Any
    cases: Any
    labels: Any
    key: ActivityKey
    events: Any
    """The events the traces were built from (after filters), with their ``label``."""
    summary: Any = None
    """The per-variant summary, once kept in the engine (see ``variants.with_summary``)."""
    kept: Mapping[str, Any] | None = None
    """Results the import computed for these traces (see :mod:`.materialize`): ``edges``,
    ``start``, ``end`` (with step codes) and ``durations``; used instead of recomputing."""

    def cache(self) -> Traces:
        """Compute the ordering once and keep it in the engine for the analyses that follow."""
        cases = self.cases.cache()
        labels = self.labels.cache()
        steps = _steps(self.events, cases, labels).cache()
        return Traces(steps, cases, labels, self.key, self.events)

    def decode(self, table: Any, code: str, name: str) -> Any:
        """Replace the code column ``code`` of ``table`` by its label, named ``name``."""
        label, number = f"_label_{code}", f"_code_{code}"
        labels = self.labels.rename({label: LABEL, number: CODE})
        joined = table.join(labels, table[code] == labels[number], how="left")
        return joined.drop(code, number).rename({name: label})


def _labelled(events: Any, key: ActivityKey) -> Any:
    labelled = events.filter(key.present(events))
    return labelled.mutate(**{LABEL: key.label(labelled)})


def _numbered(table: Any, order: list[str], name: str) -> Any:
    distinct = table.select(*order).distinct()
    number = ibis.row_number().over(order_by=[distinct[c] for c in order]) + 1
    return distinct.mutate(**{name: number.cast("int64")})


def _steps(labelled: Any, cases: Any, labels: Any) -> Any:
    coded = labelled.join(cases, list(CASE)).join(labels, LABEL)
    window = ibis.window(group_by=coded[CASE_NO], order_by=stable_order(coded))
    return coded.select(
        CASE_NO,
        Col.TIMESTAMP,
        CODE,
        **{
            POS: ibis.row_number().over(window),
            NEXT_CODE: coded[CODE].lead().over(window),
            NEXT_TIMESTAMP: coded[Col.TIMESTAMP].lead().over(window),
        },
    )


def traces(
    events: Any,
    activity: ActivityKey | str | Sequence[str] = Col.ACTIVITY,
    filters: Sequence[EventFilter] = (),
) -> Traces:
    """The ordered steps of every ticket in ``events`` (after ``filters``)."""
    key = ActivityKey.of(activity)
    labelled = _labelled(apply_filters(events, filters), key)
    cases = _numbered(labelled, list(CASE), CASE_NO)
    labels = _numbered(labelled, [LABEL], CODE)
    return Traces(_steps(labelled, cases, labels), cases, labels, key, labelled)


def seconds(start: Any, end: Any) -> Any:
    """Seconds from ``start`` to ``end`` (engine timestamps), as a float."""
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64")
