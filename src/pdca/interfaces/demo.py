"""The demo, a guided tour through every layer: a year of a simulated service desk, analysed
end to end, in one call.

It shows what pdca does without anyone's data: the simulator writes about 50,000 incidents into a
fresh store with two true changes planted — resolution of one service gets slower from a date
(the SPC monitor should notice), and another service's resolution gets faster after an
improvement went live (an initiative in the register verifies it) — then the service review is
written. The SLA targets the simulator judged its tickets by are kept as the store's objectives
file (``objectives.toml`` in the store, docs/sla.md), so the review and every command run on the
demo store measure against them rather than pdca's built-in defaults.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pdca.errors import InputError

DB_FILE = "pdca.duckdb"
"""The store's database file (see :mod:`pdca.engine.store`); this module loads the engine, the
simulator and the statistics only when the demo runs, so that `pdca --help` stays quick."""

DEMO_STORE = Path("pdca-demo")
DEMO_REPORT = Path("pdca-report.html")
TRUTH = "simulation.json"
START = date(2025, 1, 1)
SLOWER = ("Network", 2.0, START + timedelta(days=240))
"""Service, factor and date of the degradation the monitor should find."""
FASTER = ("Email", 0.55, START + timedelta(days=200))
"""Service, factor and date of the improvement the register should verify."""


@dataclass(frozen=True)
class DemoResult:
    """What the demo made."""

    store: Path
    report: Path
    tickets: int
    events: int
    changes: list[str]
    initiative: dict[str, Any]
    verdict: str
    seconds: float
    objectives: Path | None = None
    """The objectives file the demo kept in the store (the simulation's SLA targets)."""


def _fresh(store: Path) -> None:
    """Start from an empty demo store; never delete a store that is not a demo's."""
    if not store.exists():
        return
    if (store / DB_FILE).exists() and not (store / TRUTH).exists():
        raise InputError(
            f"{store} holds a pdca store that the demo did not make",
            "give the demo another --store directory",
        )
    shutil.rmtree(store)


def demo(
    *,
    store: Path | str = DEMO_STORE,
    out: Path | str = DEMO_REPORT,
    tickets: int = 50_000,
    seed: int = 7,
    progress: Callable[[str], None] = lambda _s: None,
) -> DemoResult:
    """Simulate, analyse and report; see the module docstring."""
    # loaded on use (see DB_FILE)
    from pdca.api.common import STORE_OBJECTIVES  # noqa: PLC0415
    from pdca.api.data import keep_mining_traces  # noqa: PLC0415
    from pdca.api.improve import new_initiative, verify_initiative  # noqa: PLC0415
    from pdca.reports.review import build_report  # noqa: PLC0415
    from pdca.simulate import InjectedChange, SimulationConfig, simulate  # noqa: PLC0415
    from pdca.simulate.truth import OBJECTIVES_FILE  # noqa: PLC0415

    began = time.perf_counter()
    root = Path(store)
    _fresh(root)
    config = SimulationConfig(
        seed=seed,
        start=START,
        days=365,
        tickets=tickets,
        log="demo_service_desk",
        inject=(
            InjectedChange(kind="mttr", service=SLOWER[0], factor=SLOWER[1], start=SLOWER[2]),
            InjectedChange(kind="mttr", service=FASTER[0], factor=FASTER[1], start=FASTER[2]),
        ),
    )
    progress("simulating a year of incidents")
    report = simulate(config, store=root)
    # the store's objectives file: every command on this store (and the review) uses these targets
    goals = root / STORE_OBJECTIVES
    shutil.copyfile(root / OBJECTIVES_FILE, goals)
    progress("ordering tickets for process mining")
    keep_mining_traces(root, config.log)
    progress("verifying the improvement initiative")
    record = new_initiative(
        f"Faster {FASTER[0]} resolution (new knowledge articles)",
        kpi="mttr",
        store=root,
        scope={"service": [FASTER[0]]},
        problem=f"{FASTER[0]} incidents took too long to resolve.",
        owner="Service desk lead",
        go_live=FASTER[2],
        target=None,
        who="pdca demo",
    )
    check = verify_initiative(int(record["initiative_id"]), store=root, who="pdca demo")
    progress("writing the service review")
    written = build_report(store=root, out=out, objectives=goals)
    return DemoResult(
        store=root,
        report=written.path,
        tickets=report.tickets,
        events=report.events,
        changes=[c.describe() for c in config.inject],
        initiative=record,
        verdict=str(check.verdict),
        seconds=time.perf_counter() - began,
        objectives=goals,
    )
