"""Variants: the distinct paths tickets take, and how long tickets take.

A ticket's *variant* is the sequence of its steps in their stable order, for example
``(Queued-Awaiting Assignment, Accepted-In Progress, Completed-Resolved, Completed-Closed)``.
Tickets that went through the same steps in the same order share a variant.

case duration
    Seconds from a ticket's first step to its last step, in calendar time (a ticket with one
    step takes 0 seconds).
variant count and share
    How many tickets follow the variant, and that number divided by the number of tickets.
variant duration (mean, median)
    Mean and median case duration of the tickets that follow the variant; the median of an even
    number of tickets is the mean of the two middle durations.

The most frequent variants are listed first; variants with equal counts are listed in ascending
order of their step sequences (compared step by step, a shorter sequence before any longer one
that begins with it).

Engine note: inside the engine a variant is a list of whole numbers, one per step: the step's
position times :data:`STRIDE` plus the code of its label (codes sort like labels, see
:mod:`.traces`). Collecting these numbers in any order and sorting the list puts the steps in
order; equal lists are equal variants, and comparing lists compares the label sequences. Labels
are put back only for the (few) variants listed. This needs "collect a list", "sort a list",
"unnest a list" and "transform a list" — all in DuckDB and Spark SQL alike — and no
order-sensitive aggregate, which Spark does not offer; it is also faster in DuckDB than sorting
(position, label) pairs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ibis

from pdca.methods.mining.traces import CASE, CASE_NO, CODE, LABEL, POS, Traces, seconds
from pdca.model.schema import Col

VARIANT = "variant"
LENGTH = "length"
CASES = "cases"
SHARE = "share"
START = "start"
END = "end"
DURATION = "duration"
MEAN_DURATION = "mean_duration"
MEDIAN_DURATION = "median_duration"
_RANK = "_rank"
_AT = "_at"
RANK = "rank"
KEPT_VARIANTS = "variants"
"""Name of the decoded variant table (with ``rank``) an import keeps in :attr:`Traces.kept`."""
KEPT_DURATIONS = "durations"
"""Name of the per-ticket durations an import keeps in :attr:`Traces.kept`."""
STRIDE = 2**32
"""Step ``i`` with code ``c`` is stored in a coded variant as ``i * STRIDE + c``."""


def coded_steps(position: Any, code: Any) -> Any:
    """The element of a coded variant for the step with this position and code."""
    return position.cast("int64") * STRIDE + code.cast("int64")


def ordered_list(value: Any, order: Any) -> Any:
    """Collect ``value`` per group as a list ordered by ``order``, without an ordered aggregate."""
    pairs = ibis.struct({"o": order, "v": value})
    return pairs.collect().sort().map(lambda x: x["v"])


def _per_case(traces: Traces, *, with_variant: bool) -> Any:
    s = traces.steps
    metrics: dict[str, Any] = {
        LENGTH: s.count(),
        START: s[Col.TIMESTAMP].min(),
        END: s[Col.TIMESTAMP].max(),
    }
    if with_variant:
        metrics[VARIANT] = coded_steps(s[POS], s[CODE]).collect().sort()
    per_case = s.group_by(CASE_NO).aggregate(**metrics)
    return per_case.mutate(**{DURATION: seconds(per_case[START], per_case[END])})


def coded_case_variants(traces: Traces) -> Any:
    """One row per ticket: ``case_no``, ``variant`` (coded, see :data:`STRIDE`), ``length``,
    ``start``, ``end`` and ``duration`` (seconds)."""
    return _per_case(traces, with_variant=True)


def case_durations(traces: Traces) -> Any:
    """One row per ticket, in order of log and case id: ``log``, ``case_id``, ``start``, ``end``,
    ``length`` (number of steps) and ``duration`` (seconds)."""
    if traces.kept is not None:
        kept = traces.kept[KEPT_DURATIONS]
        return kept.order_by(CASE_NO).select(*CASE, START, END, LENGTH, DURATION)
    return (
        coded_case_durations(traces).order_by(CASE_NO).select(*CASE, START, END, LENGTH, DURATION)
    )


def coded_case_durations(traces: Traces) -> Any:
    """:func:`case_durations` with the ticket number ``case_no`` kept, in no particular order."""
    per_case = _per_case(traces, with_variant=False)
    return per_case.join(traces.cases, CASE_NO)


def summary(traces: Traces) -> Any:
    """One row per variant, in no particular order, with coded steps: ``variant``, ``length``,
    ``cases``, ``share``, ``mean_duration``, ``median_duration``.

    The process map's counts are read from this table too (see :mod:`.dfg`): it is small — one
    row per distinct path — and :func:`with_summary` keeps it in the engine.
    """
    if traces.summary is not None:
        return traces.summary
    per_case = coded_case_variants(traces)
    grouped = per_case.group_by(VARIANT).aggregate(
        **{
            LENGTH: per_case[LENGTH].max(),
            CASES: per_case.count(),
            MEAN_DURATION: per_case[DURATION].mean(),
            MEDIAN_DURATION: per_case[DURATION].median(),
        }
    )
    grouped = grouped.mutate(
        **{SHARE: grouped[CASES].cast("float64") / grouped[CASES].sum().cast("float64")}
    )
    return grouped.select(VARIANT, LENGTH, CASES, SHARE, MEAN_DURATION, MEDIAN_DURATION)


def with_summary(traces: Traces) -> Traces:
    """The same traces, with their variant summary computed once and kept in the engine."""
    return replace(traces, summary=summary(traces).cache())


def coded_variants(traces: Traces) -> Any:
    """:func:`summary`, most frequent first. Codes sort like their labels, so ties are listed in
    ascending order of the label sequences."""
    return summary(traces).order_by([ibis.desc(CASES), ibis.asc(VARIANT)])


def decode_variants(traces: Traces, coded: Any, *, rank: bool = False) -> Any:
    """Turn the code lists of a (small) variant table into lists of labels, most frequent first
    (with ``rank``, a column ``rank``: 1 for the most frequent)."""
    ranked = coded.mutate(
        **{_RANK: ibis.row_number().over(order_by=[ibis.desc(CASES), ibis.asc(VARIANT)])}
    )
    keep = [_RANK, LENGTH, CASES, SHARE, MEAN_DURATION, MEDIAN_DURATION]
    steps = ranked.select(*keep, **{CODE: ranked[VARIANT]}).unnest(CODE, offset=_AT)
    steps = steps.mutate(**{CODE: steps[CODE] % STRIDE})
    named = steps.join(traces.labels, CODE)
    out = named.group_by(keep).aggregate(**{VARIANT: ordered_list(named[LABEL], named[_AT])})
    out = out.order_by(_RANK)
    if rank:
        return out.select(VARIANT, *keep[1:], **{RANK: out[_RANK] + 1})
    return out.select(VARIANT, *keep[1:])


def variants(traces: Traces, top: int | None = None) -> Any:
    """One row per variant, most frequent first: ``variant`` (list of step labels), ``length``,
    ``cases``, ``share``, ``mean_duration`` and ``median_duration`` (seconds). ``top`` keeps
    the first ``top`` variants."""
    if traces.kept is not None:
        kept = traces.kept[KEPT_VARIANTS]
        kept = kept.order_by(RANK)
        if top is not None:
            kept = kept.filter(kept[RANK] <= top)
        return kept.select(VARIANT, LENGTH, CASES, SHARE, MEAN_DURATION, MEDIAN_DURATION)
    coded = coded_variants(traces)
    if top is not None:
        coded = coded.limit(top)
    return decode_variants(traces, coded)
