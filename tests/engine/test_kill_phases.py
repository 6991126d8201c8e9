"""kill -9 at every phase of every import path leaves the store as it was (issue 17).

Each case runs an import in its own process, which SIGKILLs itself right after one phase has done
its work (the wrapped function returns, the kill follows before anything else runs): after the
file is read and canonicalised (``read``), after the events are written inside the import's
transaction (``insert``), after the ticket facts are rebuilt (``tickets``), after the import
record is written (``record``), and after the derived tables (``derived``); for survey responses
``insert`` and ``record``; for the simulator's bulk path after each batch (``batch``) and after the
ticket facts (``tickets``). The store must then be exactly as before (events with their keys,
tickets, imports, quarantine, survey responses), and the same import afterwards must complete.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import pdca
import pdca.api
from pdca.engine.store import DB_FILE
from pdca.ingest.options import LoadOptions
from pdca.simulate.config import make_config
from pdca.simulate.run import simulate

pytestmark = pytest.mark.slow

HARNESS = r"""
import json, os, signal, sys
from pathlib import Path

import pdca
import pdca.api
from pdca.engine import bulk, derived, store, surveys
from pdca.ingest import sources

case = json.loads(sys.argv[1])
phase = case["phase"]


def dies_after(owner, name):
    original = getattr(owner, name)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, wrapped)


targets = {
    "read": (sources, "load"),
    "insert": (store.Store, "_insert_batch"),
    "tickets": (store.Store, "_refresh_tickets"),
    "record": (store.Store, "_record_import"),
    "derived": (derived, "refresh"),
    "survey-write": (surveys, "append_in_transaction"),
    "batch": (bulk.BulkAppend, "append"),
    "bulk-tickets": (bulk.BulkAppend, "_tickets"),
}
dies_after(*targets[phase])
kind = case["kind"]
if kind == "ingest":
    opts = pdca.LoadOptions(log=case["log"], mapping=Path(case["map"]) if case["map"] else None)
    pdca.ingest(case["path"], source=case["source"], store=case["store"], options=opts)
elif kind == "surveys":
    pdca.api.ingest_surveys(case["path"], store=case["store"], log=case["log"])
else:
    from pdca.simulate.config import make_config
    from pdca.simulate.run import simulate
    simulate(make_config(seed=5, days=20, tickets=150, log=case["log"]), store=case["store"])
print("finished without being killed")
"""


def _snapshot(root: Path) -> dict[str, Any]:
    con = duckdb.connect(str(root / DB_FILE), read_only=True)
    try:
        out: dict[str, Any] = {}
        for table, order in [
            ("events", "event_key"),
            ("tickets", "log, case_id"),
            ("imports", "import_id"),
            ("quarantine", 'import_id, "row"'),
            ("surveys", "survey_key"),
        ]:
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small desk in each import path's format (and a base store to import into)."""
    root = tmp_path_factory.mktemp("kill")
    config = make_config(seed=11, days=20, tickets=150, log="desk")
    out = {
        "csv": root / "desk.csv",
        "jira": root / "desk-jira",
        "glpi": root / "desk-glpi",
        "ticket-list": root / "desk-list.csv",
    }
    for fmt, path in out.items():
        simulate(config, out=path, fmt=fmt, hidden=False)
    base = root / "base"
    simulate(make_config(seed=2, days=10, tickets=60, log="base"), store=base)
    pdca.api.export("xes", root / "desk.xes", store=base)
    pdca.api.export("ocel", root / "desk.json", store=base)
    out["xes"], out["ocel"], out["base"] = root / "desk.xes", root / "desk.json", base
    out["surveys"] = root / "desk.surveys.csv"
    return out


INGESTS = [
    ("csv", "csv"),
    ("jira", "jira"),
    ("glpi", "glpi"),
    ("ticket-list", "csv"),
    ("xes", "xes"),
    ("ocel", "ocel"),
]
PHASES = ["read", "insert", "tickets", "record", "derived"]


def _store_copy(files: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the base store (one simulated log already in it)."""
    store = tmp_path / "store"
    store.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(files["base"], store)
    return store


def _start(case: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HARNESS, json.dumps(case)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _run(case: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, json.dumps(case)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _check_killed_and_unchanged(store: Path, before: dict[str, Any], done: Any) -> None:
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "finished without being killed" not in done.stdout
    assert _snapshot(store) == before


@pytest.mark.parametrize(("fmt", "source"), INGESTS)
def test_an_import_killed_after_each_phase_leaves_the_store_as_it_was(
    files: dict[str, Path], tmp_path: Path, fmt: str, source: str
) -> None:
    """The phases of one import path run side by side, each on its own copy of the store."""
    cases = []
    for phase in PHASES:
        store = _store_copy(files, tmp_path / phase)
        case = {"kind": "ingest", "phase": phase, "path": str(files[fmt]), "source": source,
                "store": str(store), "log": f"imported-{fmt}", "map": None}  # fmt: skip
        cases.append((store, _snapshot(store), _start(case)))
    for store, before, proc in cases:
        out, err = proc.communicate(timeout=300)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        _check_killed_and_unchanged(store, before, done)
    store = cases[0][0]
    options = LoadOptions(log=f"imported-{fmt}")
    report = pdca.ingest(files[fmt], source=source, store=store, options=options)
    assert report.stored > 0
    assert report.reconciles


def test_a_survey_import_killed_leaves_the_store_as_it_was(
    files: dict[str, Path], tmp_path: Path
) -> None:
    phase = "survey-write"
    store = _store_copy(files, tmp_path)
    pdca.ingest(files["csv"], source="csv", store=store, options=LoadOptions(log="desk"))
    before = _snapshot(store)
    case = {"kind": "surveys", "phase": phase, "path": str(files["surveys"]),
            "store": str(store), "log": "desk"}  # fmt: skip
    _check_killed_and_unchanged(store, before, _run(case))
    report = pdca.api.ingest_surveys(files["surveys"], store=store, log="desk")
    assert report.stored > 0


@pytest.mark.parametrize("phase", ["batch", "bulk-tickets"])
def test_a_simulation_killed_leaves_the_store_as_it_was(
    files: dict[str, Path], tmp_path: Path, phase: str
) -> None:
    store = _store_copy(files, tmp_path)
    before = _snapshot(store)
    case = {"kind": "simulate", "phase": phase, "store": str(store), "log": "sim"}
    _check_killed_and_unchanged(store, before, _run(case))
