"""The `pdca` command: thin wrappers that parse options, call :mod:`pdca.api`, print results.

Each group of commands lives in its own module and registers itself on the shared Typer app
(:mod:`.common`) when imported here.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

from pdca.interfaces.cli.common import app

COMMAND_GROUPS = ("data", "measure", "analyse", "control", "improve", "report", "demo", "simulate")
"""Modules of commands, in the order of the cycle (and of `pdca --help`)."""

for _group in COMMAND_GROUPS:
    import_module(f"pdca.interfaces.cli.{_group}")

__all__ = ["COMMAND_GROUPS", "app", "main"]


def main() -> None:
    """Console-script entry point.

    Once the command has finished and its output is flushed, the process ends at once: tearing
    down the analytics engine's modules at interpreter exit costs a noticeable fraction of a
    second and does no useful work (the store is closed by then).
    """
    try:
        app()
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
