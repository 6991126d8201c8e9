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

from pdca.errors import PdcaError

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
