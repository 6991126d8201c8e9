"""What every `pdca` command shares: the Typer app, common options, error and progress handling."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer._click import exceptions as click_exceptions

from pdca.errors import PdcaError
from pdca.interfaces.cli import failures

if TYPE_CHECKING:
    from pdca.interfaces.cli.output import Format

app = typer.Typer(
    name="pdca",
    help="Continuous quality improvement for IT service management.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
T = TypeVar("T")
SETTINGS: dict[str, bool] = {"raw_csv": False}
"""Process-wide choices made by `pdca`'s own options (``pdca --raw …``)."""

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", envvar="PDCA_STORE", help="Store directory (default ./.pdca)."),
]


class Engine(StrEnum):
    """Engines the analysis commands run on (docs/spark.md)."""

    DUCKDB = "duckdb"
    SPARK = "spark"


EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        envvar="PDCA_ENGINE",
        # help is Rich markup: a bracketed word is escaped (\\[) or Rich takes it for a style
        help="duckdb: the store; spark: a Parquet export (--store DIR) or what pdca.toml's "
        "\\[engine.spark] names (default: pdca.toml's \\[engine], else duckdb).",
    ),
]


def engine_name(engine: Engine | None) -> str | None:
    return engine.value if engine is not None else None


if TYPE_CHECKING:
    FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def __getattr__(name: str) -> Any:
    # FormatOpt is built when a command module asks for it: output.py (and pandas with it) is
    # not imported for `pdca --help` (app.py)
    if name != "FormatOpt":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from pdca.interfaces.cli.output import Format  # noqa: PLC0415 (loaded on use)

    value = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
    globals()[name] = value
    return value


DayfirstOpt = Annotated[
    bool | None,
    typer.Option("--dayfirst/--monthfirst", help="How to read dates like 03/04/2021."),
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding (default: detect).")]
DelimiterOpt = Annotated[
    str | None, typer.Option(help="Field delimiter (default: detect); 'tab' for tabs.")
]


def delimiter_of(value: str | None) -> str | None:
    return "\t" if value in {"\\t", "tab"} else value


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except PdcaError as exc:
        # the message may quote the user's data or name a section such as [continuity]: literal
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; the store is unchanged")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, click_exceptions.ClickException):
        raise
    except OSError as exc:
        _one_line(failures.os_error_line(exc))
        raise typer.Exit(failures.EXIT_USER) from None
    except Exception as exc:  # the one place every other failure becomes one line
        if failures.is_out_of_memory(exc):
            _one_line(failures.memory_line())
            raise typer.Exit(failures.EXIT_USER) from None
        _one_line(failures.internal_line(exc))
        raise typer.Exit(failures.EXIT_INTERNAL) from None


def _one_line(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def with_progress(label: str, work: Callable[[Callable[[str], None]], T]) -> T:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label)

        def step(name: str) -> None:
            bar.update(task, description=f"{label}: {name}")

        return work(step)


class Period(StrEnum):
    """Periods KPIs are reported and charted by."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
