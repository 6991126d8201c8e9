"""Handling time and patience measured from a log (what the staffing models take as inputs).

A ticket log records states, not effort. pdca reads:

* **handling time (AHT)** — per ticket the time spent in the work state (``in_progress``) before
  its first resolution, for the tickets handled in one sitting (more than 0 and at most
  :data:`SITTING_HOURS` hours of work); their median. Without such tickets:
  :data:`DEFAULT_AHT_S`, and the plan says so.
* **patience** — tickets cancelled before anyone responded abandoned; with exponential patience
  its mean is the total time waited (to the first response, or to the cancellation) over the
  number of abandonments (the maximum-likelihood estimate; Mandelbaum & Zeltyn). Without a
  cancelled ticket: :data:`DEFAULT_PATIENCE_S`, said as an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SITTING_HOURS = 8.0
DEFAULT_AHT_S = 1800.0
"""Handling time used when the log shows none: 30 minutes."""
DEFAULT_PATIENCE_S = 4 * 3600.0
"""Mean patience used when the log shows no abandonment: 4 hours (a ticket, not a phone call)."""


@dataclass(frozen=True)
class Measured:
    """Handling time and patience, with how each was found."""

    aht_s: float
    aht_from: str
    patience_s: float
    patience_from: str
    n_handled: int
    n_abandoned: int


def handling_seconds(events: pd.DataFrame) -> pd.Series:
    """Seconds each ticket spent in ``in_progress`` before its first resolution."""
    ev = events[["case_id", "timestamp", "state"]].dropna(subset=["timestamp"])
    ev = ev.sort_values(["case_id", "timestamp"], kind="stable")
    nxt = ev.groupby("case_id")["timestamp"].shift(-1)
    spent = (nxt - ev["timestamp"]).dt.total_seconds()
    done = ev["state"].isin(["resolved", "closed"])
    before = done.groupby(ev["case_id"]).cumsum() == 0
    work = spent.where((ev["state"] == "in_progress") & before, 0.0).fillna(0.0)
    return work.groupby(ev["case_id"]).sum()


def measure(events: pd.DataFrame, tickets: pd.DataFrame) -> Measured:
    """AHT and patience of a log (see the module docstring)."""
    work = handling_seconds(events)
    sitting = work[(work > 0) & (work <= SITTING_HOURS * 3600)]
    if len(sitting):
        aht, aht_from = (
            float(sitting.median()),
            (
                f"median time in progress of {len(sitting):,} tickets worked in one sitting "
                f"(≤ {SITTING_HOURS:g} h)"
            ),
        )
    else:
        aht, aht_from = DEFAULT_AHT_S, "default 30 min (the log shows no time in progress)"
    opened = pd.to_datetime(tickets["opened_at"])
    response = pd.to_datetime(tickets["first_response_at"])
    last = pd.to_datetime(tickets["last_event_at"])
    abandoned = (tickets["last_state"] == "cancelled") & response.isna()
    seconds = np.where(
        abandoned, (last - opened).dt.total_seconds(), (response - opened).dt.total_seconds()
    )
    waited = pd.Series(seconds).fillna(0.0).clip(lower=0)
    n_ab = int(abandoned.sum())
    if n_ab > 0 and waited.sum() > 0:
        patience = float(waited.sum()) / n_ab
        patience_from = f"{n_ab:,} tickets cancelled before a response (exponential MLE)"
    else:
        patience = DEFAULT_PATIENCE_S
        patience_from = "default 4 h (no ticket was cancelled before a response)"
    return Measured(aht, aht_from, patience, patience_from, len(sitting), n_ab)
