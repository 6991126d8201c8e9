"""A newcomer's walk: after the README's set-up, the commands a new user tries, as they type them.

Each command runs in a subprocess (the console script, as installed) in a fresh working folder,
first on the demo's store (`pdca demo --tickets 2000`), then on the public ServiceNow log imported
into a store of its own (skipped, with the reason, when ../shared/data is absent). The checks are
what a newcomer would notice: an exit code other than 0, a Python traceback, a bracketed word the
terminal swallowed, a duration without its unit, an empty result that does not say why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SERVICENOW, VOLVO, shared_file

pytestmark = pytest.mark.slow

WALK: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("scorecard",),
    ("kpi",),
    ("kpi", "mttr", "--period", "month"),
    ("sla",),
    ("mine", "dfg"),
    ("monitor",),
    ("improve", "list"),
    ("report", "--out", "review.html"),
)
"""What a newcomer runs on a store (each with ``--store``); every one should exit with 0."""

SWALLOWED = (
    "no  section",  # [continuity]
    "no  per_month",  # [cost]
    "no  users",  # [organisation]
    "pdca.toml's  names",  # [engine.spark]
    "pdca.toml's , else",  # [engine]
    "fits  in the objectives",  # [continuity.major]
    "in  of a mapping file",  # [states]
)
"""What known texts look like when the terminal takes their bracketed word for markup."""

DURATION_COLUMNS = ("mean", "median", "min", "max", "p90", "stdev", "total")
"""The waiting-time columns of `pdca mine dfg`."""
UNIT_IN_CELL = re.compile(r"^$|\d\s*(ms|s|min|h|d|w)\b")


def _pdca() -> list[str]:
    script = Path(sys.executable).with_name("pdca")  # the console script beside this Python
    return [str(script)] if script.exists() else [sys.executable, "-m", "pdca.interfaces.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDCA_")}
    env["PDCA_CACHE_DIR"] = os.environ.get("PDCA_CACHE_DIR", "")  # the test run's (conftest)
    env.update(COLUMNS="200", TERMINAL_WIDTH="200")  # a wide terminal: no word cut at a margin
    return env


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_pdca(), *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass
class Walk:
    """The outputs of the walk on one store."""

    cwd: Path
    store: str
    steps: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def pdca(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run(self.cwd, *args, "--store", self.store)


def _walk(cwd: Path, store: str) -> Walk:
    walk = Walk(cwd, store)
    for step in WALK:
        walk.steps[" ".join(step)] = walk.pdca(*step)
    return walk


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("newcomer")


@pytest.fixture(scope="module")
def demo_run(newcomer: Path) -> subprocess.CompletedProcess[str]:
    return run(newcomer, "demo", "--tickets", "2000")


@pytest.fixture(scope="module", params=["demo", "servicenow", "volvo"])
def walk(
    request: pytest.FixtureRequest,
    newcomer: Path,
    demo_run: subprocess.CompletedProcess[str],
) -> Walk:
    if request.param == "demo":
        assert demo_run.returncode == 0, demo_run.stderr
        return _walk(newcomer, "pdca-demo")
    log = shared_file(SERVICENOW if request.param == "servicenow" else VOLVO)  # skips, saying why
    imported = run(newcomer, "ingest", str(log), "--store", request.param)
    assert imported.returncode == 0, imported.stderr
    return _walk(newcomer, request.param)


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """The tables Rich drew in ``text``: header cells and the rows' cells (one per line)."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            tables.append(([c.strip() for c in line.strip().strip("┃").split("┃")], []))
        elif line.startswith("│") and tables:
            tables[-1][1].append([c.strip() for c in line.strip().strip("│").split("│")])
    return tables


def test_the_demo_runs_and_says_where_the_review_is(
    newcomer: Path, demo_run: subprocess.CompletedProcess[str]
) -> None:
    assert demo_run.returncode == 0, demo_run.stderr
    assert "Traceback" not in demo_run.stdout + demo_run.stderr
    assert "Simulated 2,000 incidents" in demo_run.stdout
    assert (newcomer / "pdca-demo" / "review.html").is_file()


def test_every_step_exits_0_without_a_traceback(walk: Walk) -> None:
    failed = {
        step: (done.returncode, done.stderr[-500:])
        for step, done in walk.steps.items()
        if done.returncode != 0 or "Traceback" in done.stdout + done.stderr
    }
    assert not failed
    assert (walk.cwd / "review.html").is_file()


def test_no_bracketed_word_is_swallowed(walk: Walk) -> None:
    for step, done in walk.steps.items():
        text = done.stdout + done.stderr
        assert not [s for s in SWALLOWED if s in text], f"pdca {step}:\n{text}"
        if "Left out" in text:  # the KPIs needing a section of the objectives say which
            assert "[continuity]" in text or "[cost]" in text or "[organisation]" in text


def test_the_kpi_table_names_the_unit_of_every_value(walk: Walk) -> None:
    for step in ("kpi", "kpi mttr --period month"):
        tables = _tables(walk.steps[step].stdout)
        assert tables, walk.steps[step].stdout
        for header, rows in tables:
            assert "unit" in header, header
            at = header.index("unit")
            assert rows
            assert all(row[at] for row in rows if row[0]), rows  # continuation lines: row[0] ""


def test_the_process_map_table_names_the_unit_of_every_duration(walk: Walk) -> None:
    ((header, rows),) = _tables(walk.steps["mine dfg"].stdout)
    for name in DURATION_COLUMNS:
        (column,) = [h for h in header if h.split(" ")[0] == name]
        assert "(" in column, f"{column!r} names no unit"
        at = header.index(column)
        cells = [row[at] for row in rows]
        assert all(UNIT_IN_CELL.search(cell) for cell in cells), (column, cells[:5])
    assert not [h for h in header if h.endswith("_s")]  # raw seconds left in a table


def test_no_table_shows_raw_seconds(walk: Walk) -> None:
    for step, done in walk.steps.items():
        for header, _ in _tables(done.stdout):
            raw = [h for h in header if h.endswith("_s") or h in ("seconds", "duration")]
            assert not raw, f"pdca {step}: {raw}"


def test_sla_leads_with_a_summary_with_compliance(walk: Walk) -> None:
    tables = _tables(walk.steps["sla"].stdout)
    assert tables
    header, rows = tables[0]
    assert "compliance (%)" in header, header
    assert rows


def test_a_kpi_window_outside_the_log_says_the_logs_span(walk: Walk) -> None:
    done = walk.pdca("kpi", "mttr", "--from", "2030-01-01")
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: --from 2030-01-01")
    assert "events span" in lines[0]
    status = walk.pdca("status", "-f", "csv").stdout.splitlines()[1].split(",")
    first, last = status[4][:10], status[5][:10]  # first_event, last_event
    assert f"span {first}" in lines[0]
    assert f"to {last}" in lines[0]
    inside = walk.pdca("kpi", "volume", "--from", first, "-f", "csv")
    assert inside.returncode == 0, inside.stderr


def test_a_filter_that_keeps_nothing_names_the_values_there_are(walk: Walk) -> None:
    done = walk.pdca("mine", "dfg", "--filter", "priority=no such priority")
    assert done.returncode == 0, done.stderr
    assert len(_tables(done.stdout)[0][1]) == 0  # the empty table
    hint = done.stderr.strip()
    assert hint.startswith("nothing kept by --filter priority=no such priority:")
    if walk.store == "servicenow":
        assert "'1 - Critical'" in hint  # what `--filter priority=1` should have said
        done = walk.pdca("mine", "dfg", "--filter", "priority=1 - Critical", "-f", "csv")
        assert done.returncode == 0
        assert len(done.stdout.splitlines()) > 1
        assert "nothing kept" not in done.stderr


def test_the_readme_set_up_is_what_is_walked_and_tested() -> None:
    """The README's two set-up commands: the first runs the demo this walk runs (with the
    `pdca` of the venv it makes), the second is the test command `.ci/run` runs verbatim."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in setup.split("```bash")[1:]]
    commands = [
        line for block in blocks for line in block.splitlines() if line and not line.startswith("#")
    ]
    assert len(commands) == 2, commands
    assert commands[0].endswith("&& .venv/bin/pdca demo")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci


def test_kpi_with_no_arguments_lists_what_it_left_out_and_how_to_enable_it(walk: Walk) -> None:
    done = walk.steps["kpi"]
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    # no objectives file gives these parts: each KPI that needs one is named with the fix
    assert "Left out cost_per_ticket: no [cost] per_month in the objectives" in flat
    assert "Left out tickets_per_user: no [organisation] users" in flat
    assert "Left out availability" in flat  # no [continuity] section (the demo's file has none)
    assert "[continuity]" in flat
