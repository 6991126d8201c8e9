"""docs/process-map.md says what the code does, word for word where it states rules."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pdca.render import format as fmt
from pdca.render import process_map, prune

DOC = Path(__file__).resolve().parents[2] / "docs" / "process-map.md"


def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def test_pruning_rules_word_for_word() -> None:
    doc = _flat(DOC.read_text(encoding="utf-8"))
    rules = re.findall(r"^\d\. \*\*.*?(?=^\d\. |\Z)", prune.__doc__ or "", re.M | re.S)
    assert len(rules) == 5
    for rule in rules:
        assert _flat(rule) in doc, rule[:40]


def test_duration_format_word_for_word() -> None:
    doc = _flat(DOC.read_text(encoding="utf-8"))
    body = (fmt.format_duration.__doc__ or "").split("\n\n", 1)[1]
    assert _flat(body) in doc


def test_every_label_and_option_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key, meaning in process_map.EDGE_LABELS.items():
        assert f"| `{key}` | {meaning} |" in text, key
    for name in inspect.signature(process_map.process_map_svg).parameters:
        assert f"`{name}`" in text, name
