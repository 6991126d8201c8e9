"""docs/spc.md states the formulas, rules and conventions the code implements, word for word."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from pdca.methods.spc import CHARTS, RULE_SETS, RULES, base, capability, compare, erlang, rules
from pdca.methods.spc import sigma as sigma_module

DOC = Path(__file__).resolve().parents[3] / "docs" / "spc.md"


def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _doc() -> str:
    return _flat(DOC.read_text(encoding="utf-8"))


def _blocks(module: ModuleType) -> list[tuple[str, str]]:
    return re.findall(r"^(\S[^\n]*)\n((?:    .*\n?)+)", module.__doc__ or "", flags=re.MULTILINE)


@pytest.mark.parametrize("chart_id", sorted(CHARTS))
def test_every_chart_formula_is_documented(chart_id: str) -> None:
    cls = CHARTS[chart_id]
    text = DOC.read_text(encoding="utf-8")
    assert f"## `{chart_id}`" in text
    assert _flat(cls.definition) in _doc(), f"{chart_id}: formulas differ from docs/spc.md"
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name != "self":
            shown = "1/3.6" if name == "exponent" else repr(param.default).replace("'", '"')
            assert f"`{name}={shown}`" in text, f"{chart_id}: parameter {name} undocumented"


@pytest.mark.parametrize("module", [capability, compare, erlang, sigma_module])
def test_definitions_match_the_code(module: ModuleType) -> None:
    doc = _doc()
    blocks = _blocks(module)
    assert len(blocks) >= 3
    for name, body in blocks:
        assert f"**{name}** — {_flat(body)}" in doc, f"{name} differs from docs/spc.md"


def test_conventions_match_the_code() -> None:
    doc = _doc()
    ((_, phases),) = _blocks(base)
    assert _flat(phases) in doc
    for paragraph in (rules.__doc__ or "").split("\n\n")[1:]:
        assert _flat(paragraph) in doc
    assert _flat((compare.__doc__ or "").split("\n\n")[1]) in doc


def test_every_rule_and_rule_set_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule_id, rule in RULES.items():
        assert f"| `{rule_id}` | {rule.describe()} |" in text
    for name, ids in RULE_SETS.items():
        assert f"`{name}` = {', '.join(ids)}" in text
