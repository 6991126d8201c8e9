"""Bracketed words in help, tables and errors are printed as written (issue 15).

Typer renders help as Rich markup, where ``[engine]`` is a style tag and vanishes: a help string
writes it ``\\[engine]``. These tests collect every help string from the click commands the app
builds and check that ``--help`` shows each bracketed word with the word before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer._click import Command
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app, load_all

runner = CliRunner()
WIDE = {"COLUMNS": "400", "TERMINAL_WIDTH": "400"}  # nothing wraps: words stay on one line
BRACKETED = re.compile(r"(?:\S+\s+)?\[[^\[\]\s]+\]")
"""A bracketed word without spaces inside (``[engine]``, ``[:SERVICE]``), with the word before."""


def _commands() -> Iterator[tuple[list[str], Command]]:
    load_all()  # the groups register their commands lazily, as `pdca CMD` would load them
    root = typer.main.get_command(app)

    def walk(cmd: Command, path: list[str]) -> Iterator[tuple[list[str], Command]]:
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(root, [])


def _help_strings(cmd: Command) -> list[str]:
    texts = [cmd.help or "", cmd.epilog or ""]
    texts += [str(getattr(p, "help", None) or "") for p in cmd.params]
    return [t for t in texts if t]


def _bracketed(text: str) -> list[str]:
    literal = text.replace("\\[", "[")  # what the author means the reader to see
    return [" ".join(m.split()) for m in BRACKETED.findall(literal)]


def _squeeze(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


WITH_BRACKETS = [
    (path, words)
    for path, cmd in _commands()
    if (words := sorted({w for t in _help_strings(cmd) for w in _bracketed(t)}))
]


def test_the_known_bracketed_help_words_are_collected() -> None:
    # the walk must find them, else the parametrized test below checks nothing
    by_command = {" ".join(path): words for path, words in WITH_BRACKETS}
    assert "pdca.toml's [engine]" in by_command["kpi"]
    assert "pdca.toml's [engine.spark]" in by_command["mine"]
    assert "with [kpi_targets]" in by_command["scorecard"]
    assert {"report", "monitor", "sla", "simulate"} <= set(by_command)


@pytest.mark.parametrize(
    ("path", "words"), WITH_BRACKETS, ids=[" ".join(p) or "pdca" for p, _ in WITH_BRACKETS]
)
def test_help_prints_every_bracketed_word(path: list[str], words: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    shown = _squeeze(result.stdout)
    missing = [w for w in words if w not in shown]
    assert not missing, f"`pdca {' '.join(path)} --help` swallowed {missing}:\n{result.stdout}"


def test_engine_help_has_no_gap_where_a_section_was() -> None:
    result = runner.invoke(app, ["scorecard", "--help"], env=WIDE)
    assert "pdca.toml's  names" not in result.stdout
    assert "pdca.toml's , else" not in result.stdout
    assert "with (default" not in _squeeze(result.stdout)


def test_kpi_list_keeps_the_sections_its_definitions_name() -> None:
    catalogue = api.kpi_catalogue()
    words = {
        w
        for col in catalogue.columns
        for v in catalogue[col].astype(str)
        for w in re.findall(r"\[[^\[\]\s]+\]", v)
    }
    assert "[continuity.major]" in words  # the catalogue does name sections
    result = runner.invoke(app, ["kpi", "--list"], env=WIDE)
    assert result.exit_code == 0, result.output
    shown = _squeeze(result.stdout)
    missing = sorted(w for w in words if w not in shown)
    assert not missing, f"`pdca kpi --list` swallowed {missing}"
    assert "fits  in the objectives file" not in result.stdout


def test_a_table_cell_with_brackets_is_printed_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import pandas as pd  # noqa: PLC0415 (as the CLI: only where a table is printed)

    from pdca.interfaces.cli.output import Format, emit_frame  # noqa: PLC0415

    emit_frame(pd.DataFrame({"[col]": ["[cost] per ticket", "[bold]x[/]"]}), Format.TABLE)
    out = capsys.readouterr().out
    assert "[col]" in out
    assert "[cost] per ticket" in out
    assert "[bold]x[/]" in out


def test_an_error_message_prints_its_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    from pdca.errors import ConfigError  # noqa: PLC0415
    from pdca.interfaces.cli.common import user_errors  # noqa: PLC0415

    with pytest.raises(typer.Exit), user_errors():
        raise ConfigError("no [cost] per_month in [kpi_targets]", "add [bold] to the file")
    err = capsys.readouterr().err
    assert "no [cost] per_month in [kpi_targets]" in err
    assert "add [bold] to the file" in err


def test_a_usage_error_prints_the_value_as_given() -> None:
    result = runner.invoke(app, ["kpi", "--period", "[month]"], env=WIDE)
    assert result.exit_code == 2
    assert "'[month]'" in result.output, result.output
