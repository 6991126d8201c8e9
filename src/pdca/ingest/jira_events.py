"""Jira issues plus their changelogs -> one event per creation and per changelog entry.

Both Jira readers (the REST JSON and the Data Center data pipeline CSV files) bring their data
into two frames and hand them here:

* ``issues``: one row per issue with ``case_id`` (the issue key), ``timestamp`` (created, UTC
  text), the issue's *current* values of the tracked fields (``activity`` = status name,
  ``resource``, ``assignment_group``, ``priority``), ``ticket_type`` and any other columns
  (kept as attributes on every event of the issue);
* ``changes``: one row per changelog item of a tracked field with ``case_id``, ``timestamp``,
  ``event`` (the changelog/history id), ``order`` (a number ordering the histories),
  ``field`` (canonical name), ``value`` (``toString``) and ``previous`` (``fromString``).

Jira's issue record holds the values *now*, not at creation. A field's value at creation is
therefore the ``fromString`` of its first change (even when that is empty: an issue created
unassigned); only a field that never changed takes its value from the issue record.
"""

from __future__ import annotations

import pandas as pd

from pdca.ingest.history import order_times, replay
from pdca.model.schema import Col

TRACKED: tuple[str, ...] = (
    Col.ACTIVITY,
    Col.RESOURCE,
    Col.ASSIGNMENT_GROUP,
    Col.PRIORITY,
    Col.SUPPORT_LEVEL,
)
"""Canonical fields the Jira readers follow through the changelog."""

CLEARED = "\x00cleared"
"""Stands for a value set to empty while events are replayed (never stored)."""


def creation_values(issues: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """``issues`` with each tracked field set to its value at creation."""
    base = issues.copy()
    if not len(changes):
        return base
    ordered = changes.sort_values([Col.CASE_ID, "_t", "order"], kind="stable", na_position="last")
    first = ordered.drop_duplicates([Col.CASE_ID, "field"], keep="first")
    for name in TRACKED:
        if name not in base.columns:
            base[name] = None
        rows = first[first["field"] == name].set_index(Col.CASE_ID)["previous"]
        changed = base[Col.CASE_ID].isin(rows.index)
        old = base[Col.CASE_ID].map(rows)
        base[name] = base[name].where(~changed, old)
    return base


def events_from(issues: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """One event at each issue's creation and one per changelog entry, each carrying every
    tracked field's value at that moment; ``seq`` orders ties (creation first)."""
    changes = changes.copy()
    changes["_t"] = order_times(changes[Col.TIMESTAMP])
    created = creation_values(issues, changes)
    created[Col.SEQ] = 0
    if len(changes):
        changes = changes.sort_values(
            [Col.CASE_ID, "_t", "order"], kind="stable", na_position="last"
        )
        rank = changes.drop_duplicates([Col.CASE_ID, "event"])[[Col.CASE_ID, "event"]]
        rank["seq"] = rank.groupby(Col.CASE_ID, sort=False).cumcount() + 1
        changes = changes.merge(rank, on=[Col.CASE_ID, "event"], how="left")
    else:
        changes["seq"] = pd.Series(dtype="int64")
    deltas = changes[[Col.CASE_ID, Col.TIMESTAMP, "event", "seq", "field", "value"]].copy()
    # a change to an empty value (an issue unassigned) must not be filled from the step before
    deltas["value"] = deltas["value"].astype(object).where(deltas["value"].notna(), CLEARED)
    frame = replay(created, deltas)
    for name in TRACKED:
        if name in frame.columns:
            frame[name] = frame[name].where(frame[name] != CLEARED, None)
    frame[Col.SEQ] = frame[Col.SEQ].astype("Int64").astype(str).where(frame[Col.SEQ].notna())
    return frame


def attach_verdicts(frame: pd.DataFrame, cycles: pd.DataFrame, column: str) -> pd.DataFrame:
    """Give each event the verdict of its issue's last SLA cycle stopped at or before it.

    ``cycles``: ``case_id``, ``stop`` (UTC text), ``met`` ("true"/"false"). Events before the
    first stop carry no verdict.
    """
    frame = frame.copy()
    frame[column] = None
    if not len(cycles) or not len(frame):
        return frame
    stops = cycles.assign(_t=order_times(cycles["stop"]))
    stops = stops.dropna(subset=["_t"]).sort_values("_t", kind="stable")
    times = order_times(frame[Col.TIMESTAMP])
    left = pd.DataFrame({"_i": range(len(frame)), "_t": times, Col.CASE_ID: frame[Col.CASE_ID]})
    known = left.dropna(subset=["_t"]).sort_values("_t", kind="stable")
    joined = pd.merge_asof(
        known, stops[[Col.CASE_ID, "_t", "met"]], on="_t", by=Col.CASE_ID, direction="backward"
    )
    verdict = pd.Series(joined["met"].to_numpy(), index=joined["_i"].to_numpy())
    frame[column] = pd.Series(range(len(frame))).map(verdict).to_numpy()
    frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame
