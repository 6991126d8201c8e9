"""What names a step of a ticket's journey: the *activity key*.

Process maps count how often one step directly follows another. What counts as "a step" is a
choice: the source's own label (``activity``), the canonical state, the support team, or a
combination such as state and support level (``in_progress | L2``). An :class:`ActivityKey`
records that choice.

Events for which the key has no value (for example events that name no assignment group) are
left out of the analysis by default, so the step before and the step after them become direct
neighbours. Give ``missing`` a label to keep them under that label instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis

from pdca.errors import ConfigError
from pdca.model.schema import EVENT_COLUMNS, Col

_NOT_KEYS = frozenset({Col.ATTRIBUTES, Col.EVENT_KEY})
KEY_COLUMNS: tuple[str, ...] = tuple(c for c in EVENT_COLUMNS if c not in _NOT_KEYS)
"""Canonical event columns that may name a step."""


@dataclass(frozen=True)
class ActivityKey:
    """One canonical column, or several joined with ``separator``, names each step.

    ``missing`` is the label used for an empty part; ``None`` (the default) leaves out events
    whose key is incomplete.
    """

    columns: tuple[str, ...] = (Col.ACTIVITY,)
    separator: str = " | "
    missing: str | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            raise ConfigError("an activity key needs at least one column")
        unknown = [c for c in self.columns if c not in KEY_COLUMNS]
        if unknown:
            raise ConfigError(
                f"cannot name steps by {', '.join(map(repr, unknown))}",
                f"use canonical event columns: {', '.join(KEY_COLUMNS)}",
            )

    @classmethod
    def of(cls, value: ActivityKey | str | Sequence[str]) -> ActivityKey:
        """Accept a key, one column name, or a sequence of column names."""
        if isinstance(value, ActivityKey):
            return value
        if isinstance(value, str):
            return cls((value,))
        return cls(tuple(value))

    @property
    def name(self) -> str:
        """A readable name of the key, e.g. ``state | support_level``."""
        return self.separator.join(self.columns)

    def _parts(self, events: Any) -> list[Any]:
        return [events[c].cast("string") for c in self.columns]

    def present(self, events: Any) -> Any:
        """Boolean expression: the event has a label under this key."""
        if self.missing is not None:
            return ibis.literal(value=True)
        parts = self._parts(events)
        cond = parts[0].notnull()
        for part in parts[1:]:
            cond &= part.notnull()
        return cond

    def label(self, events: Any) -> Any:
        """String expression: the step label of each event (null when it has none)."""
        parts = self._parts(events)
        if self.missing is not None:
            parts = [p.fill_null(self.missing) for p in parts]
        if len(parts) == 1:
            return parts[0]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined + self.separator + part
        return ibis.ifelse(self.present(events), joined, ibis.null("string"))
