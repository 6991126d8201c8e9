"""The drivers API: which ticket attributes explain an outcome (docs/drivers.md).

:func:`drivers` opens the store read-only, builds one row per ticket of the chosen log
(:func:`pdca.methods.drivers.ticket_table`, in the engine) and ranks the attributes' levels as a
Pareto of what they make avoidable (:func:`pdca.methods.drivers.analyse`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pdca.api.common import choose_log, resolve_objectives
from pdca.engine.choice import EngineSettings, open_for_analysis
from pdca.errors import InputError
from pdca.methods.drivers import DriverResult, analyse, ticket_table
from pdca.methods.drivers.features import WAIT_PREFIX
from pdca.model.objectives import Resolved
from pdca.model.vocab import State

Goals = Path | str | Resolved | None


def _waits(by: Sequence[str]) -> tuple[str, ...]:
    """The states of the ``wait:STATE`` attributes named in ``by``, checked."""
    states = []
    known = [s.value for s in State]
    for name in by:
        if name.startswith(WAIT_PREFIX):
            state = name.removeprefix(WAIT_PREFIX)
            if state not in known:
                raise InputError(
                    f"unknown state {state!r} in {name!r}",
                    f"use a canonical state: {', '.join(known)}",
                )
            states.append(state)
    return tuple(states)


def drivers(
    outcome: str,
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    by: Sequence[str] = (),
    adjust: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    resolution: Literal["final", "first"] | None = None,
    threshold: float | None = None,
    min_n: int = 30,
    alpha: float = 0.05,
    draws: int = 1000,
    seed: int = 0,
    objectives: Goals = None,
) -> DriverResult:
    """Rank the levels of the attributes ``by`` (default
    :data:`pdca.methods.drivers.DEFAULT_BY`) by what they make avoidable in ``outcome``
    (``hours``, ``long``, ``breach``, ``reopen``, ``reassigned``, ``escalated``, or a KPI id such
    as ``mttr``, ``sla_resolution``, ``reopen_rate``), adjusted for each other and for
    ``adjust`` (attributes held equal but not ranked, such as priority).

    Tickets opened in ``[since, until)`` count (naive UTC). ``resolution`` is the resolution the
    hours run to (default: the objectives' ``[clock] resolution``); ``threshold`` the hours above
    which a resolution is long (default: the 80th percentile). The result's ``frame`` has one row
    per level, ranked; its ``metadata`` says n, the model, the references, what was pooled and
    left out, the censoring and the objectives (``metadata["objectives"]``).
    """
    if since is not None and until is not None and until <= since:
        raise InputError("--until must come after --since", "give a window that is not empty")
    resolved = resolve_objectives(objectives, store=store)
    goals = resolved.objectives
    which = resolution or goals.clock.resolution
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        table = ticket_table(
            st.events(name),
            st.tickets(name),
            goals,
            resolution=which,
            waits=_waits([*by, *adjust]),
            since=since,
            until=until,
        )
    if table.empty:
        raise InputError(
            f"no tickets of log {name!r} were opened in the window",
            "widen --since/--until or leave them out",
        )
    result = analyse(
        table,
        outcome,
        by=by,
        adjust=adjust,
        threshold=threshold,
        min_n=min_n,
        alpha=alpha,
        draws=draws,
        seed=seed,
    )
    result.metadata.update(
        log=name, resolution=which, objectives=resolved.metadata(), since=since, until=until
    )
    result.metadata["censoring"] += f"; hours run to the {which} resolution"
    return result


__all__ = ["drivers"]
