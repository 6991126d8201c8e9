"""The registry of control charts by id (the ids the CLI and the reports use)."""

from __future__ import annotations

from typing import Any

from pdca.errors import ConfigError
from pdca.methods.spc.attributes import NP, C, LaneyP, LaneyU, P, U
from pdca.methods.spc.base import ControlChart
from pdca.methods.spc.rare import GChart, TChart
from pdca.methods.spc.timeweighted import CUSUM, EWMA
from pdca.methods.spc.variables import IMR, XbarR, XbarS

CHARTS: dict[str, type[ControlChart]] = {
    c.id: c for c in (IMR, XbarR, XbarS, P, NP, C, U, LaneyP, LaneyU, EWMA, CUSUM, TChart, GChart)
}
"""Every chart class by id."""


def chart(chart_id: str, **params: Any) -> ControlChart:
    """A chart by id, with the given parameters (for example ``chart("p", nsigmas=2)``)."""
    try:
        cls = CHARTS[chart_id.lower()]
    except KeyError:
        raise ConfigError(
            f"unknown chart {chart_id!r}", hint=f"use one of {', '.join(CHARTS)}"
        ) from None
    try:
        return cls(**params)
    except TypeError as err:
        raise ConfigError(f"chart {chart_id}: {err}") from None
