"""A realistic, seeded service-desk simulator (see docs/simulator.md).

``simulate(SimulationConfig(...), store=...)`` writes a year of incidents with survey responses
into a store (or CSV / Parquet), with the ground truth next to it; :class:`InjectedChange`
plants a true change of the process for the analyses to find.
"""

from pdca.simulate.config import SimulationConfig
from pdca.simulate.generator import Chunk, Simulator, generate
from pdca.simulate.injected import InjectedChange, parse_change
from pdca.simulate.run import SimulationProgress, SimulationReport, simulate
from pdca.simulate.truth import SimulationTruth

__all__ = [
    "Chunk",
    "InjectedChange",
    "SimulationConfig",
    "SimulationProgress",
    "SimulationReport",
    "SimulationTruth",
    "Simulator",
    "generate",
    "parse_change",
    "simulate",
]
