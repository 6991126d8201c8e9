"""The ticket-level outcomes a driver analysis explains, and the KPI names that ask for them.

=============  =============================================================  ===========
outcome        the ticket's value                                             model
=============  =============================================================  ===========
``hours``      calendar hours from opening to resolution                      log-link mean
``long``       hours above a threshold (default: the desk's 80th percentile)  logistic
``breach``     the SLA resolution clock exceeded its target                   logistic
``reopen``     reopened at least once                                         logistic
``reassigned`` reassigned at least once                                       logistic
``escalated``  reached a support level other than L1                          logistic
=============  =============================================================  ===========

Censoring: every outcome is measured on the tickets that have the resolution it counts to
(final by default, or first); tickets still open at the end of the log and tickets cancelled
without a resolution are left out, and the result says how many. ``breach`` also leaves out
the tickets no SLA row gives a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pdca.errors import InputError
from pdca.methods.drivers import features as f


class Family(StrEnum):
    """How an outcome is modelled."""

    LOG_LINEAR = "linear regression of log hours (least squares, HC1 robust errors)"
    LOGISTIC = "logistic regression (maximum likelihood, HC1 robust errors)"


@dataclass(frozen=True)
class Outcome:
    """One outcome: its id, the ticket column, the model and what it counts."""

    id: str
    column: str
    family: Family
    text: str
    unit: str
    """What "avoidable" counts: ``hours`` or ``tickets`` (events that would not have happened)."""


OUTCOMES: dict[str, Outcome] = {
    o.id: o
    for o in (
        Outcome("hours", f.HOURS, Family.LOG_LINEAR, "hours from opening to resolution", "hours"),
        Outcome("long", "long", Family.LOGISTIC, "resolution took longer than the threshold",
                "tickets"),
        Outcome("breach", f.BREACHED, Family.LOGISTIC, "SLA resolution target breached",
                "tickets"),
        Outcome("reopen", f.REOPENED, Family.LOGISTIC, "reopened at least once", "tickets"),
        Outcome("reassigned", f.REASSIGNED, Family.LOGISTIC, "reassigned at least once",
                "tickets"),
        Outcome("escalated", f.ESCALATED, Family.LOGISTIC, "reached a support level beyond L1",
                "tickets"),
    )
}  # fmt: skip
ALIASES: dict[str, str] = {
    "mttr": "hours",
    "resolution_time": "hours",
    "long_resolution": "long",
    "sla_resolution": "breach",
    "sla_breach": "breach",
    "reopen_rate": "reopen",
    "reassignments": "reassigned",
    "multi_hop_rate": "reassigned",
    "escalation_rate": "escalated",
}
"""pdca KPI ids (:mod:`pdca.methods.kpi.catalogue`) and other names → outcome id."""
EXCLUDED_WITH: dict[str, tuple[str, ...]] = {
    "reassigned": (f.HOPS, f.FIRST_GROUP, "assignment_group"),
    "escalated": (f.HOPS, "assignment_group"),
}
"""Attributes that are the outcome itself in another form, left out of its model."""


def get_outcome(name: str) -> Outcome:
    """The outcome ``name`` (an outcome id or a KPI id of :data:`ALIASES`)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    found = OUTCOMES.get(key)
    if found is None:
        names = sorted({*OUTCOMES, *ALIASES})
        raise InputError(f"no driver analysis for {name!r}", f"choose one of: {', '.join(names)}")
    return found


__all__ = ["ALIASES", "EXCLUDED_WITH", "OUTCOMES", "Family", "Outcome", "get_outcome"]
