"""docs/improve.md states the rules of pdca.improve word for word."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from pdca.improve import control, design, initiative, stats, suggest, verify

DOC = Path(__file__).resolve().parents[2] / "docs" / "improve.md"


@pytest.mark.parametrize("module", [initiative, verify, design, stats, control, suggest])
def test_every_definition_is_in_the_docs(module: ModuleType) -> None:
    flat = " ".join(DOC.read_text(encoding="utf-8").split())
    blocks = re.findall(r"^(\w[^\n]*)\n((?:    .*\n?)+)", module.__doc__ or "", re.MULTILINE)
    assert blocks
    for name, body in blocks:
        text = " ".join(body.split()).replace("``", "`")
        assert f"**{name}** — {text}" in flat, f"{module.__name__}: {name} differs from the docs"


def test_every_command_is_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    for command in ("new", "list", "show", "update", "verify", "adopt", "suggest"):
        assert f"pdca improve {command}" in text, command
