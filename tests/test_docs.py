"""Docs stay honest: what the code maps, derives and offers is written down."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from pdca.ingest.mapping import ColumnMap, Mapping, ReadOptions, TimestampOptions
from pdca.methods.kpi.catalogue import CATALOGUE
from pdca.model import facts
from pdca.model.schema import EVENT_COLUMNS, TICKET_DIMENSIONS, TICKET_FACT_COLUMNS
from pdca.model.vocab import State

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _rows(markdown: str) -> set[tuple[str, str]]:
    """Two-column table rows as (left, right) pairs."""
    out = set()
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2:
            out.add((cells[0], cells[1]))
    return out


@pytest.mark.parametrize("name", ["servicenow", "bpic2013_incidents", "bpic2013_problems"])
def test_every_builtin_state_mapping_is_documented(name: str) -> None:
    text = (DOCS / "connectors.md").read_text(encoding="utf-8")
    ref = resources.files("pdca.ingest.mappings").joinpath(f"{name}.toml")
    states = tomllib.loads(ref.read_text(encoding="utf-8"))["states"]
    rows = _rows(text)
    for label, state in states.items():
        assert (label, state) in rows, f"{name}: {label} -> {state} missing from connectors.md"


def test_every_mapping_key_is_documented() -> None:
    text = (DOCS / "connectors.md").read_text(encoding="utf-8")
    for model, prefix in [
        (Mapping, ""),
        (ReadOptions, "[read] "),
        (TimestampOptions, "[timestamp] "),
    ]:
        for key in model.model_fields:
            if key in {"read", "columns", "timestamp", "states"}:
                continue
            assert f"`{prefix}{key}`" in text, f"mapping key {prefix}{key} is not documented"
    for key in ColumnMap.model_fields:
        assert re.search(rf"`(\[columns\] )?{key}`", text), f"[columns] {key} is not documented"
    assert "`[states]`" in text


def test_every_state_and_fact_is_documented() -> None:
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    for state in State:
        assert f"| `{state.value}` |" in text, state
    for column in EVENT_COLUMNS:
        assert f"`{column}`" in text, column
    for fact in TICKET_FACT_COLUMNS:
        if fact in TICKET_DIMENSIONS or fact in EVENT_COLUMNS:
            continue
        assert f"**{fact}**" in text, fact


def test_fact_definitions_in_docs_match_the_code() -> None:
    """The definitions in docs/model.md are the docstring of pdca.model.facts, word for word."""
    doc = " ".join((DOCS / "model.md").read_text(encoding="utf-8").split())
    code = facts.__doc__ or ""
    blocks = re.findall(r"^(\w+)(?: \(.*?\))?\n((?:    .*\n?)+)", code, flags=re.MULTILINE)
    assert len(blocks) >= 8
    for name, body in blocks:
        sentence = " ".join(body.split()).replace("``", "`")
        assert sentence in doc, f"definition of {name} differs from docs/model.md"


def test_every_kpi_is_documented_word_for_word() -> None:
    text = (DOCS / "kpis.md").read_text(encoding="utf-8")
    flat = " ".join(text.split())
    for kpi in CATALOGUE.values():
        assert f"## `{kpi.id}`" in text, f"{kpi.id} has no entry in docs/kpis.md"
        assert " ".join(kpi.definition.split()) in flat, f"{kpi.id}: definition differs"
        for option in kpi.options.model_fields:
            assert f"`{option}`" in flat, f"{kpi.id}: option {option} undocumented"


def test_the_connector_table_is_the_registry() -> None:
    """docs/connectors.md lists every built-in connector with the registry's own description,
    every page it links exists, and every simulator format is named."""
    from pdca.ingest.sources import connectors  # noqa: PLC0415
    from pdca.simulate.vendors import names  # noqa: PLC0415

    text = (DOCS / "connectors.md").read_text(encoding="utf-8")
    table = text.split("<!-- connectors:", 1)[1].split("\n\n", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| `") and not line.startswith("| `--source`")
    ]
    listed = {row[0].strip("`"): row for row in rows}
    builtin = [c for c in connectors() if c.origin == "built-in"]
    assert list(listed) == [c.name for c in builtin]
    for c in builtin:
        assert listed[c.name][1].startswith(c.description), c.name
    for target in re.findall(r"\]\(([^)#]+)", table):
        assert (DOCS / target).is_file(), target
    named = {f.strip("` ") for row in rows for f in row[3].split(",")} - {"—"}
    assert set(names()) <= named
