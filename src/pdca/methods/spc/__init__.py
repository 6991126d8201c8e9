"""Statistical process control: control charts, run rules, capability, before/after tests, staffing.

Charts are method objects (``__init__`` stores parameters, ``fit`` returns the chart, results end
in ``_``), registered by id in :data:`CHARTS`. docs/spc.md states every formula word for word.
"""

from pdca.methods.spc.attributes import NP, C, LaneyP, LaneyU, P, U
from pdca.methods.spc.base import ControlChart
from pdca.methods.spc.capability import Capability, Pareto, dpmo, sigma_level
from pdca.methods.spc.compare import (
    Comparison,
    SegmentedRegression,
    interrupted_time_series,
    mann_whitney,
    two_proportions,
    welch,
)
from pdca.methods.spc.erlang import Staffing, erlang_c, performance, staffing, staffing_table
from pdca.methods.spc.rare import GChart, TChart
from pdca.methods.spc.registry import CHARTS, chart
from pdca.methods.spc.rules import RULE_SETS, RULES, Rule, Signal, rule
from pdca.methods.spc.timeweighted import CUSUM, EWMA
from pdca.methods.spc.variables import IMR, XbarR, XbarS

__all__ = [
    "CHARTS",
    "CUSUM",
    "EWMA",
    "IMR",
    "NP",
    "RULES",
    "RULE_SETS",
    "C",
    "Capability",
    "Comparison",
    "ControlChart",
    "GChart",
    "LaneyP",
    "LaneyU",
    "P",
    "Pareto",
    "Rule",
    "SegmentedRegression",
    "Signal",
    "Staffing",
    "TChart",
    "U",
    "XbarR",
    "XbarS",
    "chart",
    "dpmo",
    "erlang_c",
    "interrupted_time_series",
    "mann_whitney",
    "performance",
    "rule",
    "sigma_level",
    "staffing",
    "staffing_table",
    "two_proportions",
    "welch",
]
