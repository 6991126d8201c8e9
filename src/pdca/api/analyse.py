"""The Analyse API: process-mining views of a log."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.methods import mining
from pdca.model.schema import Col

MINING_VIEWS = ("dfg", "variants", "durations", "handover", "start", "end")


def mine(
    view: str,
    *,
    store: Path | str | None = None,
    log: str | None = None,
    activity: Sequence[str] = (Col.ACTIVITY,),
    by: str = Col.ASSIGNMENT_GROUP,
    top: int | None = None,
) -> pd.DataFrame:
    """A process-mining view of one log: ``dfg`` (edges with frequency and waiting times),
    ``variants``, ``durations`` (per case), ``handover`` (between ``by`` values), ``start``/``end``
    activities. ``activity`` names one or more canonical columns that label each step.
    """
    if view not in MINING_VIEWS:
        raise InputError(f"unknown mining view {view!r}", f"use one of: {', '.join(MINING_VIEWS)}")
    key = mining.ActivityKey(columns=tuple(activity))
    with Store.open(store, read_only=True) as st:
        events = st.events(choose_log(st, log))
        if view == "handover":
            return mining.handover(events, by=by)
        traces = mining.prepare(events, key)
        if view == "dfg":
            return mining.process_map(traces)
        if view == "variants":
            return mining.variant_table(traces, top=top)
        if view == "durations":
            return mining.case_durations(traces)
        if view == "start":
            return mining.start_activities(traces)
        return mining.end_activities(traces)
