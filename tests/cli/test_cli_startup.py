"""`pdca --help`, `pdca --version` and usage errors answer without the analytics stack, and a
usage error is one line. Timings live in benchmarks/bench_startup.py, not here."""

from __future__ import annotations

import subprocess
import sys

import typer

from pdca.interfaces.cli.app import COMMAND_GROUPS, COMMANDS, app, load_all
from pdca.version import __version__

HEAVY = ("pandas", "numpy", "ibis", "duckdb", "scipy", "pyarrow", "statsmodels")

# runs the CLI as the console script does, then says which heavy modules it imported
PROBE = """
import sys
sys.argv = ["pdca", *sys.argv[1:]]
from pdca.interfaces.cli.app import app
try:
    app()
except SystemExit:
    pass
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


def _pdca(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdca.interfaces.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _heavy_after(*args: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(x for x in run.stderr.splitlines() if x.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m], run


def test_version_prints_the_version() -> None:
    run = _pdca("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"pdca {__version__}"


def test_help_lists_every_command_without_the_analytics_stack() -> None:
    heavy, run = _heavy_after("--help")
    assert heavy == []
    for name in COMMANDS:
        assert name in run.stdout


def test_version_and_usage_errors_import_nothing_heavy() -> None:
    assert _heavy_after("--version")[0] == []
    assert _heavy_after("--no-such-option")[0] == []
    assert _heavy_after("no-such-command")[0] == []


def test_a_usage_error_is_one_line_on_stderr_with_exit_code_2() -> None:
    for args, said in [
        (["--no-such-option"], "No such option: --no-such-option"),
        (["kpi", "--no-such-option"], "see 'pdca kpi --help'"),
        (["improve", "new"], "Missing argument"),
        (["ingets"], "Did you mean 'ingest'?"),
    ]:
        run = _pdca(*args)
        assert run.returncode == 2, args
        assert run.stdout == "", args
        lines = run.stderr.splitlines()
        assert len(lines) == 1, run.stderr
        assert lines[0].startswith("error: "), lines
        assert said in lines[0], lines


def test_pdca_alone_prints_its_help_not_an_error() -> None:
    run = _pdca()
    assert run.returncode == 2  # click's code for "no command given"
    assert "COMMAND" in run.stdout + run.stderr
    assert "error:" not in run.stderr


def test_a_subcommand_still_prints_its_help() -> None:
    run = _pdca("mine", "--help")
    assert run.returncode == 0
    assert "--store" in run.stdout


def test_the_listing_is_the_commands_the_groups_register() -> None:
    """:data:`COMMANDS` (what `pdca --help` lists before loading) says what the groups say."""
    load_all()
    group = typer.main.get_group(app)
    registered = {}
    for name, command in group.commands.items():
        callback = getattr(command, "callback", None)
        module = callback.__module__.rsplit(".", 1)[1] if callback else name
        first = (command.help or "").split("\n\n")[0]
        registered[name] = (module, getattr(command, "rich_help_panel", None), first)
    assert registered == COMMANDS
    assert list(registered) == list(COMMANDS)  # the order of the help
    assert {module for module, _, _ in COMMANDS.values()} == set(COMMAND_GROUPS)
