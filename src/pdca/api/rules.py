"""Automation rules: replay a rule file over a store's history (docs/rules.md).

:func:`replay_rules` reads and checks the rule file before it opens the store, then reads the
history of the tickets opened in the window (:mod:`pdca.methods.rules.history`) and replays
the rules (:mod:`pdca.methods.rules.replay`). The result is one row per rule and figure, then
the total, with a 95 % bootstrap interval; ``DataFrame.attrs`` carries the sample sizes, the
pass-on time, the objectives used and every counterfactual assumption in words.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.api.common import choose_log, resolve_objectives
from pdca.engine.choice import EngineSettings, open_for_analysis
from pdca.errors import InputError
from pdca.methods.rules.history import load_history
from pdca.methods.rules.replay import Replay, Unit, replay
from pdca.methods.rules.schema import RuleSet, load_rules, parse_rules
from pdca.model.objectives import Resolved

__all__ = ["check_rules", "replay_result", "replay_rules"]


def _rules(rules: Path | str | RuleSet) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, str) and "[[rule]]" in rules:
        return parse_rules(rules, "the rules")
    return load_rules(rules)


def check_rules(rules: Path | str | RuleSet) -> pd.DataFrame:
    """The rules of a file (or TOML text) once checked: one row per rule, in file order, with
    ``rule``, ``when`` (the conditions in words, ``every ticket`` without any) and ``then``."""
    ruleset = _rules(rules)
    rows = [
        (
            r.name,
            "; ".join(f"{field} {c.describe()}" for field, c in r.when.items()) or "every ticket",
            r.then.describe(),
        )
        for r in ruleset.rule
    ]
    return pd.DataFrame(rows, columns=["rule", "when", "then"])


def replay_result(
    rules: Path | str | RuleSet,
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    objectives: Path | str | Resolved | None = None,
    resamples: int = 1000,
    seed: int = 0,
    pass_on_hours: float | None = None,
    unit: Unit = "day",
) -> tuple[Replay, Resolved]:
    """The :class:`~pdca.methods.rules.replay.Replay` of ``rules`` (a file, TOML text or a
    :class:`RuleSet`) over the tickets of ``log`` opened in [``since``, ``until``)."""
    ruleset = _rules(rules)
    if since is not None and until is not None and until <= since:
        raise InputError("--until is not after --since", "give a window that is not empty")
    if pass_on_hours is not None and not pass_on_hours >= 0:
        raise InputError(
            f"pass-on time {pass_on_hours} h is negative",
            "give the hours, e.g. 4 (or leave it out)",
        )
    if unit not in ("day", "ticket"):
        raise InputError(f"unknown resampling unit {unit!r}", "use day or ticket")
    if resamples < 0:
        raise InputError(f"resamples {resamples} is negative", "give 0 or more, e.g. 1000")
    resolved = resolve_objectives(objectives, store=store)
    with open_for_analysis(store, engine) as st:
        name = choose_log(st, log)
        history = load_history(
            st.events(name), st.tickets(name), resolved.objectives, since=since, until=until
        )
    found = replay(
        history, ruleset, resamples=resamples, seed=seed, pass_on=pass_on_hours, unit=unit
    )
    return found, resolved


def replay_rules(
    rules: Path | str | RuleSet,
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    objectives: Path | str | Resolved | None = None,
    resamples: int = 1000,
    seed: int = 0,
    pass_on_hours: float | None = None,
    unit: Unit = "day",
) -> pd.DataFrame:
    """What the rules would have changed on history, per rule and in total (one row per rule
    and figure: ``rule``, ``action``, ``metric``, ``value``, ``ci_low``, ``ci_high``,
    ``per_changed``). ``attrs`` holds ``tickets``, ``resolved``, ``pass_on_hours``,
    ``resamples``, ``assumptions`` and ``objectives``. ``pass_on_hours`` replaces the measured
    pass-on time (the cost of a wrong group, see docs/rules.md); ``unit`` is what the bootstrap
    resamples: days of opening (default) or single tickets."""
    result, resolved = replay_result(
        rules,
        store=store,
        engine=engine,
        log=log,
        since=since,
        until=until,
        objectives=objectives,
        resamples=resamples,
        seed=seed,
        pass_on_hours=pass_on_hours,
        unit=unit,
    )
    frame = result.table
    frame.attrs.update(about(result, resolved, since, until))
    return frame


def about(
    result: Replay, resolved: Resolved, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """What a replay's output declares: sample sizes, window, pass-on time, assumptions."""
    window = f"{since or 'start'} to {until or 'end'} (opening time)"
    return {
        "tickets": result.tickets,
        "resolved": result.resolved,
        "window": window,
        "pass_on_hours": round(result.pass_on_hours, 3),
        "pass_on": "given" if result.pass_on_given else "measured (mean)",
        "pass_on_median_hours": round(result.pass_on_median_hours, 3),
        "resamples": result.resamples,
        "interval": (
            "95 % percentile bootstrap over days of opening (each with its tickets)"
            if result.unit == "day"
            else "95 % percentile bootstrap over tickets"
        ),
        "assumptions": list(result.assumptions),
        "warnings": list(result.notes),
        "objectives": {"source": resolved.source, "note": resolved.note()},
    }
