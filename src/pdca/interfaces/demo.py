"""The demo, a guided tour through every layer: a year of a simulated service desk, analysed
end to end, in one call.

It shows what pdca does without anyone's data: the simulator writes about 50,000 incidents into a
fresh store with two true changes planted — resolution of one service gets slower from a date
(the SPC monitor should notice), and another service's resolution gets faster after an
improvement went live (an initiative in the register verifies it) — then the service review is
written into the demo's folder (``pdca-demo/review.html``). The SLA targets the simulator
judged its tickets by are kept as the store's objectives file (``objectives.toml`` in the store,
docs/sla.md), so the review and every command run on the demo store measure against them rather
than pdca's built-in defaults.

The demo's folder is recognised by its marker file (:data:`MARKER`, written first). The demo
replaces a folder only when it holds that marker and nothing but the files a demo writes
(:data:`DEMO_FILES`, and those the marker lists); a missing or empty folder is used as it is;
anything else — a folder without the marker, or with other files in it — is refused before
anything is written or deleted.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pdca.errors import InputError

RECORDS_FILES = ("records.sqlite", "records.sqlite-wal", "records.sqlite-shm")
"""The records database beside the store (:data:`pdca.records.db.RECORDS_FILES`, named here so
that this module loads no database library)."""
DB_FILE = "pdca.duckdb"
"""The store's database file (see :mod:`pdca.engine.store`); this module loads the engine, the
simulator and the statistics only when the demo runs, so that `pdca --help` stays quick."""

DEMO_STORE = Path("pdca-demo")
DEMO_REPORT = "review.html"
"""The review's name inside the demo's folder (unless ``out`` says otherwise)."""
MARKER = "pdca-demo.json"
"""The file that marks a folder as the demo's: ``{"made_by": "pdca demo", "files": [...]}``."""
MADE_BY = "pdca demo"
TRUTH = "simulation.json"
DEMO_FILES = frozenset(
    {
        MARKER,
        DB_FILE,
        f"{DB_FILE}.wal",
        TRUTH,
        "simulation_objectives.toml",
        "simulation_tickets.parquet",
        "_simulation_surveys.tmp.parquet",
        "objectives.toml",
        "cache",
        DEMO_REPORT,
        *RECORDS_FILES,
    }
)
"""What a demo folder holds (the store, the simulation's files, the store's cache, the review,
the records database holding the demo's initiative)."""
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


def _refuse(store: Path, why: str) -> InputError:
    return InputError(
        f"{store} {why}; pdca demo did not make it and left it as it is",
        "give the demo a new or empty --store directory",
    )


def _marked(store: Path) -> set[str] | None:
    """The files the demo's marker lists, or None when ``store`` has no demo marker."""
    try:
        mark = json.loads((store / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(mark, dict) or mark.get("made_by") != MADE_BY:
        return None
    return {str(name) for name in mark.get("files") or ()}


def _fresh(store: Path) -> None:
    """Start from an empty demo folder; never delete a folder (or a file in it) the demo did
    not make (see the module docstring)."""
    if not store.exists():
        return
    if not store.is_dir():
        raise _refuse(store, "is a file")
    names = sorted(p.name for p in store.iterdir())
    if not names:
        return
    listed = _marked(store)
    if listed is None:
        what = "a pdca store" if DB_FILE in names else names[0]
        raise _refuse(store, f"holds {what} and no {MARKER}")
    foreign = [n for n in names if n not in DEMO_FILES and n not in listed]
    if foreign:
        raise _refuse(store, f"holds {foreign[0]}, which the demo did not write")
    shutil.rmtree(store)


def _mark(store: Path, review: Path) -> None:
    """Make the (empty) store and write the marker before the simulation, so that an interrupted
    demo can be re-run."""
    from pdca.engine.store import Store  # noqa: PLC0415 (loaded on use, see DB_FILE)

    Store.open(store).close()
    files = sorted(DEMO_FILES | ({review.name} if review.parent == store else set()))
    text = json.dumps({"made_by": MADE_BY, "files": files}, indent=2)
    (store / MARKER).write_text(text + "\n", encoding="utf-8")


def demo(
    *,
    store: Path | str = DEMO_STORE,
    out: Path | str | None = None,
    tickets: int = 50_000,
    seed: int = 7,
    progress: Callable[[str], None] = lambda _s: None,
) -> DemoResult:
    """Simulate, analyse and report into ``store`` (the review: ``store/review.html`` unless
    ``out`` says otherwise); see the module docstring."""
    # loaded on use (see DB_FILE)
    from pdca.api.common import STORE_OBJECTIVES  # noqa: PLC0415
    from pdca.api.data import keep_mining_traces  # noqa: PLC0415
    from pdca.api.improve import new_initiative, verify_initiative  # noqa: PLC0415
    from pdca.reports.review import build_report, check_out  # noqa: PLC0415
    from pdca.simulate import InjectedChange, SimulationConfig, simulate  # noqa: PLC0415
    from pdca.simulate.truth import OBJECTIVES_FILE  # noqa: PLC0415

    began = time.perf_counter()
    root = Path(store)
    review = Path(out) if out is not None else root / DEMO_REPORT
    if review.parent.resolve() != root.resolve():
        # a review outside the folder: replaced only if a demo wrote it (checked before any work)
        check_out(review, generator=MADE_BY)
    else:
        review = root / review.name
    _fresh(root)
    _mark(root, review)
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
    written = build_report(store=root, out=review, objectives=goals, generator=MADE_BY)
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
