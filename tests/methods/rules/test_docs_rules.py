"""docs/rules.md says word for word what the code does, and its example rule file is valid."""

from __future__ import annotations

import re
from pathlib import Path

from pdca.methods.rules import effects, history, replay
from pdca.methods.rules.schema import ACTIONS, FIELDS, parse_rules

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _blocks(doc: str) -> list[tuple[str, str]]:
    return re.findall(r"^(\S[^\n]*)\n((?:    .*\n?)+)", doc, flags=re.MULTILINE)


def test_definitions_word_for_word() -> None:
    text = _flat(DOC.read_text(encoding="utf-8"))
    count = 0
    for module in (history, effects, replay):
        for name, body in _blocks(module.__doc__ or ""):
            assert _flat(body) in text, f"{module.__name__}: {name} differs from docs/rules.md"
            count += 1
    assert count >= 19
    for assumption in replay.ASSUMPTIONS:
        assert _flat(assumption) in text, assumption
    intervals = (replay.__doc__ or "").split("Intervals:", 1)[1]
    assert _flat("Intervals:" + intervals) in text


def test_example_rule_file_is_valid_and_fields_are_listed() -> None:
    doc = DOC.read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, flags=re.DOTALL)
    assert example is not None
    rules = parse_rules(example.group(1), "docs/rules.md").rule
    assert sorted({r.then.kind for r in rules}) == sorted(ACTIONS)
    for field in FIELDS:
        assert f"`{field}`" in doc, field
    for metric in replay.METRICS:
        assert metric in doc, metric
    servicenow = DOC.parent / "examples" / "rules-servicenow.toml"
    assert len(parse_rules(servicenow.read_text(encoding="utf-8")).rule) == 5
