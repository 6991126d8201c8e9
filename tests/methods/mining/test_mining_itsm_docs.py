"""docs/mining-itsm.md states the definitions the ITSM analyses implement, word for word."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pdca.methods.mining import bottlenecks, chains, escalation, pingpong, rework, runs

DOC = Path(__file__).resolve().parents[3] / "docs" / "mining-itsm.md"
MODULES = [runs, pingpong, escalation, chains, rework, bottlenecks]
FUNCTIONS: list[Callable[..., Any]] = [
    pingpong.ping_pong,
    escalation.escalation,
    chains.reassignment_chains,
    rework.rework,
    bottlenecks.bottlenecks,
]
_DEFINITION = re.compile(r"^(\S[^\n]*)\n((?:    .*\n?)+)", flags=re.MULTILINE)


def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


@pytest.fixture(scope="module")
def doc() -> str:
    return _flat(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_paragraph_of_the_module_definitions_is_in_the_doc(
    module: ModuleType, doc: str
) -> None:
    paragraphs = (module.__doc__ or "").strip().split("\n\n")[1:]  # after the title line
    assert paragraphs
    for paragraph in paragraphs:
        lines = paragraph.strip("\n").split("\n")
        if len(lines) > 1 and lines[1].startswith("    "):  # a block of definitions
            blocks = _DEFINITION.findall(paragraph.strip("\n") + "\n")
            assert blocks
            for name, body in blocks:
                assert f"**{name}** — {_flat(body)}" in doc, f"{name} differs from the doc"
        else:
            assert _flat(paragraph) in doc, f"{module.__name__}: {paragraph[:60]!r}…"


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_the_definition_in_each_docstring_is_in_the_doc(
    function: Callable[..., Any], doc: str
) -> None:
    definition = (function.__doc__ or "").split("\n\n")[1]
    assert f"In short (`{function.__name__}`): {_flat(definition)}" in doc


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_every_function_is_listed(function: Callable[..., Any], doc: str) -> None:
    assert f"`{function.__name__}(events" in doc
