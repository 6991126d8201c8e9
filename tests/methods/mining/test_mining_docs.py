"""docs/mining.md states the definitions the code implements, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pdca.methods import mining
from pdca.methods.mining import dfg, variants

DOC = Path(__file__).resolve().parents[3] / "docs" / "mining.md"


def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _definitions(module_doc: str) -> list[tuple[str, str]]:
    """``name`` / indented body blocks of a module docstring."""
    return re.findall(r"^(\S[^\n]*)\n((?:    .*\n?)+)", module_doc, flags=re.MULTILINE)


@pytest.mark.parametrize("module", [dfg, variants])
def test_definitions_match_the_code(module: object) -> None:
    doc = _flat(DOC.read_text(encoding="utf-8"))
    blocks = _definitions(module.__doc__ or "")
    assert len(blocks) >= 3
    for name, body in blocks:
        assert f"**{name}** — {_flat(body)}" in doc, f"{name} differs from docs/mining.md"


def test_listing_order_and_handover_rules_match_the_code() -> None:
    doc = _flat(DOC.read_text(encoding="utf-8"))
    listing = (variants.__doc__ or "").split("\n\n")[3]
    assert listing.startswith("The most frequent variants")
    assert _flat(listing) in doc
    handover = next(p for p in (dfg.__doc__ or "").split("\n\n") if "Handover" in p)
    assert _flat(handover) in doc


def test_every_public_name_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for name in mining.__all__:
        if name in {"Traces", "ActivityKey"}:
            continue
        assert f"`{name}" in doc, f"{name} is not in docs/mining.md"
