"""What a ticket says, as one document for text clustering.

A document is the ticket's free text (short description, description, …) followed by its coded
attributes as single tokens: ``category=Network`` becomes ``category_network``, so that tickets
sharing a category or a configuration item share a word even when their text differs, and a log
with codes only (the ServiceNow log: ``Category 55``, ``Symptom 72``) still clusters by its codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

_NOT_WORD = re.compile(r"[^0-9a-z]+")

TEXT_KEYS: tuple[str, ...] = (
    "short_description",
    "short description",
    "description",
    "summary",
    "subject",
    "title",
    "text",
    "problem",
    "details",
)
"""Source attributes taken as free text (compared case-insensitively)."""

CODE_KEYS: tuple[str, ...] = (
    "cmdb_ci",
    "configuration_item",
    "configuration item",
    "ci",
    "u_symptom",
    "symptom",
    "component",
    "components",
)
"""Source attributes taken as codes: one token each (the configuration item above all)."""


def code_token(field: str, value: object) -> str:
    """``category``, ``Category 55`` → ``category_category_55``: one word for one coded value."""
    text = _NOT_WORD.sub("_", str(value).lower()).strip("_")
    return f"{_NOT_WORD.sub('_', field.lower()).strip('_')}_{text}" if text else ""


def documents(
    frame: pd.DataFrame, text_columns: Sequence[str], code_columns: Sequence[str] = ()
) -> pd.Series:
    """One document per row: the text columns joined by blanks, then one token per code column
    (missing values left out)."""
    parts: list[pd.Series] = [frame[col].fillna("").astype(str) for col in text_columns]
    for col in code_columns:
        values = frame[col]
        tokens = [code_token(col, v) if pd.notna(v) and str(v) != "" else "" for v in values]
        parts.append(pd.Series(tokens, index=frame.index, dtype=object))
    if not parts:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.str.cat(part, sep=" ")
    return joined.str.strip()
