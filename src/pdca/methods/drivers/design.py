"""The design matrix of a driver model: one-hot levels, rare levels pooled, nested attributes
coded within their parent, aliased columns left out.

* Missing values are a level of their own, ``(missing)``.
* A level with fewer than ``min_n`` tickets (or, for a yes/no outcome, fewer than ``min_events``
  tickets with the outcome or fewer than ``min_events`` without it) is pooled into ``(other)``
  with the attribute's other rare levels; a pooled level that is still rare joins the
  attribute's largest level (its parent level's largest, for a nested attribute).
* Attributes enter in the order given. An attribute whose every level lies within one level of
  an attribute entered before it is *nested* in it (a service within its category): its rare
  levels are pooled per parent (``(other) in Hardware``) and its levels are coded as deviations
  from their parent's ticket-weighted average (the parent keeps the effect the levels share).
  A nested attribute with no more levels than its parent repeats it and is left out.
* Any other attribute is coded against its largest level (the *reference*): one column for each
  other level, plus the model's intercept.
* A column that is a linear combination of the columns before it is *aliased*: it is left out
  and its level is reported as such, with no estimate of its own — its effect is carried by the
  attributes entered before it.
* An attribute left with a single level after pooling is left out (it cannot explain anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

MISSING = "(missing)"
OTHER = "(other)"
_ALIAS_TOL = 1e-8

Floats = npt.NDArray[np.float64]


@dataclass
class Attribute:
    """One attribute of the design: its levels (after pooling) and how they are coded."""

    name: str
    levels: list[str]
    counts: dict[str, int]
    reference: str | None
    """The level the others are coded against (None for a nested attribute)."""
    pooled: list[str] = field(default_factory=list)
    """Original levels pooled into an ``(other)`` level."""
    effects: dict[str, dict[int, float]] = field(default_factory=dict)
    """Level → its effect as weights of design columns (empty: the reference's 0)."""
    aliased: list[str] = field(default_factory=list)
    parent: str | None = None
    """The attribute this one is nested in."""
    parent_level: dict[str, str] = field(default_factory=dict)
    """Level → the parent's level it lies in (nested attributes only)."""
    parent_counts: dict[str, int] = field(default_factory=dict)
    absorbed: dict[str, str] = field(default_factory=dict)
    """A pooled level still rare → the level it joined."""


@dataclass
class Design:
    """The matrix, its column names and the attributes it was built from."""

    matrix: Floats
    names: list[str]
    attributes: list[Attribute]
    values: pd.DataFrame
    """Each ticket's level (after pooling) of each attribute."""
    dropped: dict[str, str]
    """Attribute → why it is not in the model."""


def _levels(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), MISSING).astype(str)


def _rare(values: pd.Series, y: pd.Series | None, min_n: int, min_events: int) -> set[str]:
    counts = values.value_counts()
    rare = set(counts[counts < min_n].index)
    if y is not None:
        events = y.groupby(values).sum()
        without = counts[events.index] - events
        rare |= set(events[(events < min_events) | (without < min_events)].index)
    return rare


def _absorb(
    values: pd.Series,
    parents: pd.Series | None,
    y: pd.Series | None,
    min_n: int,
    min_events: int,
) -> tuple[pd.Series, dict[str, str]]:
    """A pooled level that is still rare joins the largest level (of its parent level, for a
    nested attribute): too few tickets, or too few with or without the outcome, give no
    estimate (a yes/no model would not converge)."""
    still = [v for v in _rare(values, y, min_n, min_events) if str(v).startswith(OTHER)]
    joined: dict[str, str] = {}
    if not still:
        return values, joined
    out = values.copy()
    groups = parents if parents is not None else pd.Series("", index=values.index)
    for level in still:
        where = out == level
        inside = out[groups == groups[where].iloc[0]]
        kept = inside[~inside.isin(still)].value_counts()
        if len(kept):
            out[where] = kept.index[0]
            joined[str(level)] = str(kept.index[0])
    return out, joined


class _Builder:
    """Adds columns one by one, leaving out those the earlier ones already span."""

    def __init__(self, n: int) -> None:
        one = np.ones(n)
        self.columns: list[Floats] = [one]
        self.names = ["(intercept)"]
        self.basis: list[Floats] = [one / np.linalg.norm(one)]

    def add(self, col: Floats, name: str) -> int | None:
        resid = col.copy()
        for _ in range(2):  # twice: Gram-Schmidt loses orthogonality once is not enough
            for b in self.basis:
                resid -= b * (b @ resid)
        norm = float(np.linalg.norm(resid))
        if norm <= _ALIAS_TOL * max(float(np.linalg.norm(col)), 1.0):
            return None
        self.basis.append(resid / norm)
        self.columns.append(col)
        self.names.append(name)
        return len(self.columns) - 1


def _parent(values: pd.Series, kept: list[Attribute], table: pd.DataFrame) -> str | None:
    for attr in kept:
        if attr.parent is not None:
            continue
        spread = table[attr.name].groupby(values).nunique()
        if int(spread.max()) == 1:
            return attr.name
    return None


def _treatment(attr: Attribute, values: pd.Series, build: _Builder) -> None:
    for level in attr.levels:
        if level == attr.reference:
            attr.effects[level] = {}
            continue
        col: Floats = np.asarray(values == level, dtype=np.float64)
        index = build.add(col, f"{attr.name}={level}")
        if index is None:
            attr.aliased.append(level)
        else:
            attr.effects[level] = {index: 1.0}


def _nested(attr: Attribute, values: pd.Series, build: _Builder) -> None:
    for members in _children(attr).values():
        if len(members) < 2:
            continue
        base = members[0]
        n_base = attr.counts[base]
        is_base = (values == base).to_numpy(dtype=np.float64)
        base_effect: dict[int, float] = {}
        for level in members[1:]:
            share = attr.counts[level] / n_base
            col = (values == level).to_numpy(dtype=np.float64) - share * is_base
            index = build.add(col, f"{attr.name}={level}")
            if index is None:
                attr.aliased.append(level)
                continue
            attr.effects[level] = {index: 1.0}
            base_effect[index] = -share
        if base_effect:
            attr.effects[base] = base_effect


def _children(attr: Attribute) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for level in attr.levels:  # largest first
        out.setdefault(attr.parent_level[level], []).append(level)
    return out


def build_design(
    frame: pd.DataFrame,
    attributes: Sequence[str],
    *,
    binary: pd.Series | None = None,
    min_n: int = 30,
    min_events: int = 5,
) -> Design:
    """The design of ``attributes`` (columns of ``frame``) as described in the module docstring.

    ``binary`` is the yes/no outcome (for the pooling rule on events), or None.
    """
    build = _Builder(len(frame))
    kept: list[Attribute] = []
    dropped: dict[str, str] = {}
    values = pd.DataFrame(index=frame.index)
    for name in attributes:
        raw = _levels(frame[name])
        parent = _parent(raw, kept, values)
        rare = _rare(raw, binary, min_n, min_events)
        if parent is not None:
            parents = values[parent]
            if raw.nunique() <= parents.nunique():
                dropped[name] = f"the same grouping as {parent}"
                continue
            other = OTHER + " in " + parents
            pooled_values = raw.where(~raw.isin(rare), other)
        else:
            parents = None
            pooled_values = raw.where(~raw.isin(rare), OTHER)
        pooled_values, joined = _absorb(pooled_values, parents, binary, min_n, min_events)
        counts = pooled_values.value_counts()
        if len(counts) < 2:
            dropped[name] = "a single level after pooling rare levels"
            continue
        order = sorted(counts.index, key=lambda v: (-int(counts[v]), str(v)))
        attr = Attribute(
            name,
            order,
            {str(k): int(v) for k, v in counts.items()},
            None if parent is not None else order[0],
            sorted(rare),
            parent=parent,
            absorbed=joined,
        )
        if parents is not None:
            first = parents.groupby(pooled_values).first()
            attr.parent_level = {str(k): str(v) for k, v in first.items()}
            attr.parent_counts = {str(k): int(v) for k, v in parents.value_counts().items()}
            _nested(attr, pooled_values, build)
        else:
            _treatment(attr, pooled_values, build)
        if not any(attr.effects.values()):
            dropped[name] = "every level is determined by the attributes entered before it"
            continue
        values[name] = pooled_values
        kept.append(attr)
    return Design(np.column_stack(build.columns), build.names, kept, values, dropped)


__all__ = ["MISSING", "OTHER", "Attribute", "Design", "build_design"]
