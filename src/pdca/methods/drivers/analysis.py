"""A driver analysis from start to end: the tickets, the design, the model, the ranked levels.

:func:`analyse` takes the per-ticket table of :func:`pdca.methods.drivers.features.ticket_table`
and gives a :class:`DriverResult`: one row per level of every attribute, ranked as a Pareto of
what is avoidable (hours, or tickets with the outcome), with the evidence and the assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import InputError
from pdca.methods.drivers import features as f
from pdca.methods.drivers.design import build_design
from pdca.methods.drivers.fit import effects, fit_model, floor
from pdca.methods.drivers.outcomes import EXCLUDED_WITH, Family, Outcome, get_outcome
from pdca.model.schema import Col

DEFAULT_BY: tuple[str, ...] = (
    Col.PRIORITY,
    Col.CATEGORY,
    Col.SERVICE,
    Col.CHANNEL,
    f.FIRST_GROUP,
    Col.ASSIGNMENT_GROUP,
    f.OPENED_HOUR,
    f.OPENED_WEEKDAY,
    f.HOPS,
)
"""The attributes used when none are named, in the order they enter the model (those a log does
not record are left out)."""
LONG_QUANTILE = 0.8
MIN_TICKETS = 50
MIN_EVENTS = 10
COLUMNS = (
    "rank", "attribute", "level", "n", "observed", "unadjusted", "effect", "effect_low",
    "effect_high", "p_value", "q_value", "flagged", "avoidable", "avoidable_low",
    "avoidable_high", "share", "note",
)  # fmt: skip


@dataclass
class DriverResult:
    """The ranked levels (``frame``) and what they rest on (``metadata``)."""

    frame: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def assumptions(self) -> list[str]:
        """The lines a reader needs next to the table: n, model, references, pooling,
        censoring, multiple testing."""
        m = self.metadata
        lines = [
            (
                f"outcome: {m['outcome']} ({m['outcome_text']}); n = {m['n']:,} tickets "
                f"(opened {m['window'][0]} to {m['window'][1]}); {m['events_text']}"
            ),
            f"model: {m['model']}; adjusted for each other: {', '.join(m['attributes'])}"
            + (
                f" ({', '.join(m['adjusted_only'])} adjusted for, not ranked)"
                if m["adjusted_only"]
                else ""
            ),
            (
                "effect: ratio against the rest of the same attribute (ticket-weighted), the "
                "other attributes held equal, with a 95 % interval; unadjusted: the same ratio "
                "without the model"
            ),
            (
                f"avoidable: {m['avoidable_text']}; 95 % interval from {m['draws']} draws of the "
                "coefficients (parametric bootstrap); rows of different attributes overlap (the "
                "same tickets), so they do not add up"
            ),
            f"flagged: Benjamini-Hochberg q ≤ {m['alpha']} over {m['tested']} levels",
            "censoring: " + m["censoring"],
            "references (largest level): "
            + "; ".join(f"{a} = {r}" for a, r in m["references"].items()),
        ]
        if m["pooled"]:
            lines.append(
                f"pooled into (other) (fewer than {m['min_n']} tickets, or fewer than "
                f"{m['min_events']} with or without the outcome): "
                + "; ".join(
                    f"{a}: {', '.join(v[:5])}{' …' if len(v) > 5 else ''} ({len(v)})"
                    for a, v in m["pooled"].items()
                )
            )
        if m["pooled_joined"]:
            lines.append(
                "still too small once pooled, so joined the largest level: "
                + "; ".join(
                    f"{a}: {k} into {v}"
                    for a, d in m["pooled_joined"].items()
                    for k, v in d.items()
                )
            )
        if m["nested"]:
            lines.append(
                "nested (compared with the other levels of the same parent level): "
                + "; ".join(f"{a} within {p}" for a, p in m["nested"].items())
            )
        if m["aliased"]:
            lines.append(
                "aliased (no estimate of their own): "
                + "; ".join(f"{a}: {', '.join(v)}" for a, v in m["aliased"].items())
            )
        if m["dropped"]:
            lines.append(
                "left out: " + "; ".join(f"{a} ({why})" for a, why in m["dropped"].items())
            )
        if m.get("threshold_hours") is not None:
            lines.append(f"long: more than {m['threshold_hours']:.1f} h ({m['threshold_text']})")
        return lines


def _outcome_values(
    table: pd.DataFrame, outcome: Outcome, threshold: float | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    total = len(table)
    resolved = table[table[f.RESOLVED]]
    info: dict[str, Any] = {
        "tickets_in_window": total,
        "unresolved_left_out": total - len(resolved),
    }
    censoring = (
        f"{total - len(resolved):,} of {total:,} tickets opened in the window have no resolution "
        "(still open at the end of the log, or cancelled) and are left out"
    )
    if outcome.id == "long":
        hours = resolved[f.HOURS]
        if threshold is None:
            threshold = float(hours.quantile(LONG_QUANTILE))
            info["threshold_text"] = f"the {LONG_QUANTILE:.0%} quantile of the analysed tickets"
        else:
            info["threshold_text"] = "given"
        info["threshold_hours"] = threshold
        resolved = resolved.assign(long=hours > threshold)
    if outcome.id == "breach":
        judged = resolved[resolved[f.BREACHED].notna()]
        censoring += (
            f"; {len(resolved) - len(judged):,} more have no SLA resolution target and are left out"
        )
        resolved = judged
    if outcome.id == "escalated":
        judged = resolved[resolved[f.ESCALATED].notna()]
        if judged.empty:
            raise InputError(
                "this log records no support level, so escalation cannot be analysed",
                "analyse reassigned instead",
            )
        censoring += f"; {len(resolved) - len(judged):,} more record no support level"
        resolved = judged
    info["censoring"] = censoring
    return resolved, info


def _usable(
    table: pd.DataFrame, by: Sequence[str], outcome: Outcome
) -> tuple[list[str], dict[str, str]]:
    dropped: dict[str, str] = {}
    use = []
    for name in by:
        if name not in table.columns:
            known = ", ".join([*f.ATTRIBUTES, f"{f.WAIT_PREFIX}STATE"])
            raise InputError(f"unknown attribute {name!r}", f"use one of: {known}")
        if name in EXCLUDED_WITH.get(outcome.id, ()):
            dropped[name] = f"it is part of the outcome {outcome.id}"
        elif table[name].notna().sum() == 0:
            dropped[name] = "not recorded in this log"
        elif name not in use:
            use.append(name)
    return use, dropped


def analyse(
    table: pd.DataFrame,
    outcome: str,
    *,
    by: Sequence[str] = (),
    adjust: Sequence[str] = (),
    threshold: float | None = None,
    min_n: int = 30,
    min_events: int = 5,
    alpha: float = 0.05,
    draws: int = 1000,
    seed: int = 0,
) -> DriverResult:
    """Rank the levels of ``by`` (default :data:`DEFAULT_BY`) by what they make avoidable in
    ``outcome`` (:mod:`pdca.methods.drivers.outcomes`), adjusted for each other and for the
    attributes ``adjust`` (which enter the model first and are not ranked: reasons a lead
    accepts, such as priority)."""
    target = get_outcome(outcome)
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha} is not a rate", "give a number between 0 and 1")
    if min_n < 1 or min_events < 1:
        raise InputError("min_n and min_events count tickets", "give numbers of 1 or more")
    rows, info = _outcome_values(table, target, threshold)
    if len(rows) < MIN_TICKETS:
        raise InputError(
            f"only {len(rows)} tickets have the outcome {target.id} measured",
            f"a driver analysis needs at least {MIN_TICKETS}: widen --since/--until",
        )
    held, dropped = _usable(rows, list(adjust), target)
    wanted = [a for a in (list(by) or list(DEFAULT_BY)) if a not in held]
    ranked, more = _usable(rows, wanted, target)
    dropped.update(more)
    attrs = [*held, *ranked]
    raw = rows[target.column].to_numpy(dtype=np.float64)
    binary = None
    if target.family is Family.LOGISTIC:
        events = int(raw.sum())
        if min(events, len(raw) - events) < MIN_EVENTS:
            raise InputError(
                f"{events} of {len(raw)} tickets have the outcome {target.id}",
                f"a logistic model needs at least {MIN_EVENTS} with and without it",
            )
        binary = pd.Series(raw, index=rows.index)
    design = build_design(rows, attrs, binary=binary, min_n=min_n, min_events=min_events)
    dropped.update(design.dropped)
    if not design.attributes:
        raise InputError(
            "no attribute has two levels with enough tickets to compare",
            "name other attributes with --by, or lower --min-n",
        )
    fitted = fit_model(design, raw, target.family)
    frame = effects(
        design, fitted, raw, target.family, alpha=alpha, draws=draws, seed=seed, ranked=ranked
    )
    if frame.empty:
        raise InputError(
            "none of the attributes to rank is left in the model",
            "name other attributes with --by",
        )
    total = float(raw.sum())
    frame["share"] = frame["avoidable"] / total if total > 0 else np.nan
    # the Pareto's order: the hours (tickets) avoidable at least, with 97.5 % confidence
    frame = frame.sort_values(
        ["avoidable_low", "avoidable", "attribute", "level"],
        ascending=[False, False, True, True],
        na_position="last",
    ).reset_index(drop=True)  # fmt: skip
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame = frame[list(COLUMNS)]
    opened = pd.to_datetime(rows["opened_at"])
    meta: dict[str, Any] = {
        "outcome": target.id,
        "outcome_text": target.text,
        "model": target.family.value,
        "n": len(rows),
        "window": (str(opened.min().date()), str(opened.max().date())),
        "attributes": [a.name for a in design.attributes],
        "adjusted_only": [a for a in held if a in design.values.columns],
        "nested": {a.name: a.parent for a in design.attributes if a.parent},
        "references": {a.name: a.reference for a in design.attributes if a.reference},
        "pooled": {a.name: a.pooled for a in design.attributes if a.pooled},
        "pooled_joined": {a.name: a.absorbed for a in design.attributes if a.absorbed},
        "aliased": {a.name: a.aliased for a in design.attributes if a.aliased},
        "dropped": dropped,
        "alpha": alpha,
        "tested": int(frame["p_value"].notna().sum()),
        "flagged": int(frame["flagged"].sum()),
        "min_n": min_n,
        "min_events": min_events,
        "draws": draws,
        "seed": seed,
        "unit": target.unit,
        "total": total,
        "columns": len(design.names),
        **info,
    }
    if target.family is Family.LOG_LINEAR:
        low = floor(raw) * 3600
        meta["floor_seconds"] = low
        meta["events_text"] = (
            f"{total:,.0f} hours in all (a resolution under {low:.3g} s counts as {low:.3g} s "
            "in the log)"
        )
        meta["avoidable_text"] = (
            "hours L's tickets would have taken less had L performed like the rest"
        )
    else:
        meta["events_text"] = f"{total:,.0f} tickets with the outcome ({total / len(raw):.1%})"
        meta["avoidable_text"] = (
            "tickets of L with the outcome that would not have had it had L performed like the rest"
        )
    return DriverResult(frame, meta)


__all__ = ["COLUMNS", "DEFAULT_BY", "DriverResult", "analyse"]
