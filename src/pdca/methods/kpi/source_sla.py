"""pdca's SLA verdicts beside the verdict the source system recorded (ServiceNow ``made_sla``).

source verdict
    The value of the source's SLA attribute (made_sla) on the ticket's last event that records
    true or false, in the stable event order (time, source sequence, file position).
agreement
    Compared over the tickets whose clock has stopped with a verdict and that have a source
    verdict: both met, both breached, breached by pdca only, breached by the source only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import ibis
import pandas as pd

from pdca.methods.kpi.clock import RESOLUTION, ClockCol, ClockName
from pdca.model.schema import Col

SOURCE_MET = "source_met"
"""Column: the source's verdict, true when it recorded the SLA as met."""
MADE_SLA = "made_sla"
KEPT_VERDICTS = "kpi_source_verdicts"
"""The derived table in which the import keeps :func:`source_verdicts` of each log."""
_KEY = [Col.LOG, Col.CASE_ID]


def source_verdicts(events: Any, attribute: str = MADE_SLA) -> Any:
    """One row per ticket that records ``attribute``: log, case_id, source_met (boolean)."""
    # a regular expression on the JSON text: portable, and several times faster than parsing it
    pattern = '"' + re.escape(attribute) + r'"\s*:\s*"([A-Za-z]+)"'
    flag = events[Col.ATTRIBUTES].re_extract(pattern, 1).lower()
    ev = events.mutate(_flag=flag).filter(flag.isin(["true", "false"]))
    window = ibis.window(
        group_by=[ev[Col.LOG], ev[Col.CASE_ID]],
        order_by=[
            ev[Col.TIMESTAMP].desc(),
            ev[Col.SEQ].desc(),
            ev[Col.IMPORT_ID].desc(),
            ev[Col.ROW].desc(),
        ],
    )
    ev = ev.mutate(_n=ibis.row_number().over(window))
    last = ev.filter(ev["_n"] == 0)
    return last.select(*_KEY, (last["_flag"] == "true").name(SOURCE_MET))


def derivations() -> list[tuple[str, Callable[[Any, Any, str], Any]]]:
    """What the import keeps for the KPIs: the source's verdicts, so that no question has to
    read the events' attribute text again (the slowest part of the SLA-as-recorded KPI)."""
    return [(KEPT_VERDICTS, lambda events, _table, _log: source_verdicts(events))]


def compare_with_source(
    clocks: Any, events: Any, *, clock: ClockName = RESOLUTION, attribute: str = MADE_SLA
) -> Any:
    """Per ticket: pdca's ``breached`` for ``clock`` beside the source's ``source_met``.

    Only tickets whose clock has stopped with a verdict and that carry a source verdict.
    """
    c = clocks.filter(
        (clocks[ClockCol.CLOCK] == clock)
        & ~clocks[ClockCol.RUNNING]
        & clocks[ClockCol.BREACHED].notnull()
    )
    c = c.select(*_KEY, ClockCol.BREACHED)
    j = c.join(source_verdicts(events, attribute), _KEY)
    return j.mutate(agree=j[ClockCol.BREACHED] == ~j[SOURCE_MET])


@dataclass(frozen=True)
class SourceAgreement:
    """Counts of pdca's verdicts against the source's."""

    both_met: int
    both_breached: int
    only_pdca_breached: int
    only_source_breached: int

    @property
    def total(self) -> int:
        """Tickets compared."""
        return (
            self.both_met + self.both_breached + self.only_pdca_breached + self.only_source_breached
        )

    @property
    def agreement(self) -> float:
        """Share of compared tickets with the same verdict (NaN when none were compared)."""
        if self.total == 0:
            return float("nan")
        return (self.both_met + self.both_breached) / self.total

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {**asdict(self), "total": self.total, "agreement": self.agreement}


def source_agreement(
    clocks: Any, events: Any, *, clock: ClockName = RESOLUTION, attribute: str = MADE_SLA
) -> SourceAgreement:
    """How often pdca's verdict for ``clock`` agrees with the source's (runs one small query)."""
    j = compare_with_source(clocks, events, clock=clock, attribute=attribute)
    ours, theirs = j[ClockCol.BREACHED], ~j[SOURCE_MET]
    counts = j.aggregate(
        both_met=(~ours & ~theirs).sum(),
        both_breached=(ours & theirs).sum(),
        only_pdca=(ours & ~theirs).sum(),
        only_source=(~ours & theirs).sum(),
    ).execute()
    row = counts.iloc[0]

    def _n(name: str) -> int:
        value = row[name]
        return 0 if pd.isna(value) else int(value)

    return SourceAgreement(
        both_met=_n("both_met"),
        both_breached=_n("both_breached"),
        only_pdca_breached=_n("only_pdca"),
        only_source_breached=_n("only_source"),
    )


__all__ = [
    "KEPT_VERDICTS",
    "MADE_SLA",
    "SOURCE_MET",
    "SourceAgreement",
    "compare_with_source",
    "derivations",
    "source_agreement",
    "source_verdicts",
]
