"""Writing canonical events as XES (see :mod:`pdca.ingest.xes` for the mapping).

The file is written in chunks of events straight to disk (gzip-compressed when the name ends
with ``.gz``), into a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.ingest.interchange import (
    ATTR_PREFIX,
    CARRIED_FIELDS,
    INT_FIELDS,
    PDCA_PREFIX,
    case_names,
    compile_xml_escape,
    format_times,
    grouped_by_case,
    open_target,
    source_attributes,
)
from pdca.model.schema import Col

CHUNK = 20_000
"""Events formatted and written at a time."""

STANDARD_ATTRIBUTE_KEYS = frozenset(
    {
        "lifecycle:transition",
        "lifecycle:state",
        "lifecycle:model",
        "org:role",
        "concept:instance",
    }
)
"""Source attributes written under their own (standard XES) name instead of ``attr:NAME``."""

NULL_MARK = f"{PDCA_PREFIX}type"
"""Meta-attribute that marks a source attribute whose value is missing (``null``) or not text."""

EXTENSIONS = {
    "concept": ("Concept", "http://www.xes-standard.org/concept.xesext"),
    "time": ("Time", "http://www.xes-standard.org/time.xesext"),
    "org": ("Organizational", "http://www.xes-standard.org/org.xesext"),
    "lifecycle": ("Lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
}

_NEEDS_ESCAPE, _ESCAPES = compile_xml_escape()
_EV = "\t\t\t"  # indentation of an event's attributes


def xml_text(value: str) -> str:
    """``value`` ready to sit between double quotes in an XML attribute."""
    if _NEEDS_ESCAPE.search(value):
        return value.translate(_ESCAPES)
    return value


def _pdca_version() -> str:
    try:
        return version("pdca")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _column_fragments(values: pd.Series, tag: str, key: str) -> np.ndarray[Any, Any]:
    """One XML element per event for a column ('' where the value is missing)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [f'{_EV}<{tag} key="{key}" value="{xml_text(str(u))}"/>\n' for u in uniques]
    table = np.array([*texts, ""], dtype=object)
    return table[codes]  # code -1 picks the trailing ''


class _AttributeWriter:
    """Formats the source attributes (the ``attributes`` JSON) of events."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._cache: dict[str, str] = {}

    def key(self, name: str) -> str:
        out = self._keys.get(name)
        if out is None:
            plain = name if name in STANDARD_ATTRIBUTE_KEYS else ATTR_PREFIX + name
            out = self._keys[name] = xml_text(plain)
        return out

    def fragment(self, text: Any) -> str:
        if not isinstance(text, str):
            return ""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        attrs = source_attributes(text)
        if attrs is None:  # not a JSON object: keep the text as it is
            out = f'{_EV}<string key="{PDCA_PREFIX}attributes" value="{xml_text(text)}"/>\n'
        else:
            parts = []
            for name, value in attrs.items():
                key = self.key(name)
                if isinstance(value, str):
                    parts.append(f'{_EV}<string key="{key}" value="{xml_text(value)}"/>\n')
                elif value is None:
                    parts.append(
                        f'{_EV}<string key="{key}" value="">'
                        f'<string key="{NULL_MARK}" value="null"/></string>\n'
                    )
                else:
                    dumped = xml_text(json.dumps(value, ensure_ascii=False))
                    parts.append(
                        f'{_EV}<string key="{key}" value="{dumped}">'
                        f'<string key="{NULL_MARK}" value="json"/></string>\n'
                    )
            out = "".join(parts)
        if len(self._cache) < 100_000:
            self._cache[text] = out
        return out


def _event_texts(chunk: pd.DataFrame, attributes: _AttributeWriter) -> list[str]:
    columns: list[np.ndarray[Any, Any]] = [
        _column_fragments(chunk[Col.ACTIVITY], "string", "concept:name"),
        _column_fragments(
            pd.Series(format_times(chunk[Col.TIMESTAMP], "+00:00"), dtype=object),
            "date",
            "time:timestamp",
        ),
        _column_fragments(chunk[Col.RESOURCE], "string", "org:resource"),
        _column_fragments(chunk[Col.ASSIGNMENT_GROUP], "string", "org:group"),
    ]
    for name in CARRIED_FIELDS:
        if name in chunk.columns:
            tag = "int" if name in INT_FIELDS else "string"
            columns.append(_column_fragments(chunk[name], tag, PDCA_PREFIX + name))
    if Col.ATTRIBUTES in chunk.columns:
        columns.append(
            np.array([attributes.fragment(t) for t in chunk[Col.ATTRIBUTES]], dtype=object)
        )
    return [f"\t\t<event>\n{''.join(parts)}\t\t</event>\n" for parts in zip(*columns, strict=True)]


def _header(frame: pd.DataFrame, names: pd.Series, *, multi: bool) -> str:
    uses_lifecycle = Col.ATTRIBUTES in frame.columns and bool(
        frame[Col.ATTRIBUTES].str.contains('"lifecycle:', regex=False).fillna(value=False).any()
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (
            f"<!-- Written by pdca {_pdca_version()}: one trace per ticket. pdca:* attributes "
            "are pdca's canonical fields, attr:* the source's own fields. -->"
        ),
        '<log xes.version="1849-2016" xes.features="nested-attributes">',
    ]
    for prefix, (name, uri) in EXTENSIONS.items():
        if prefix != "lifecycle" or uses_lifecycle:
            lines.append(f'\t<extension name="{name}" prefix="{prefix}" uri="{uri}"/>')
    if len(frame) and names.notna().all():
        lines.append('\t<global scope="trace">')
        lines.append('\t\t<string key="concept:name" value="__INVALID__"/>')
        lines.append("\t</global>")
    if len(frame) and frame[Col.ACTIVITY].notna().all() and frame[Col.TIMESTAMP].notna().all():
        lines.append('\t<global scope="event">')
        lines.append('\t\t<string key="concept:name" value="__INVALID__"/>')
        lines.append('\t\t<date key="time:timestamp" value="1970-01-01T00:00:00+00:00"/>')
        lines.append("\t</global>")
    lines.append('\t<classifier name="Activity" keys="concept:name"/>')
    both = f"concept:name {PDCA_PREFIX}state"
    lines.append(f'\t<classifier name="Activity and state" keys="{both}"/>')
    logs = frame[Col.LOG].dropna().unique()
    if len(logs) == 1 and not multi:
        lines.append(f'\t<string key="concept:name" value="{xml_text(str(logs[0]))}"/>')
    elif len(logs) > 1:
        label = xml_text(", ".join(str(x) for x in logs))
        lines.append(f'\t<string key="concept:name" value="{label}"/>')
    lines.append(f'\t<string key="{PDCA_PREFIX}exported_by" value="pdca {_pdca_version()}"/>')
    return "\n".join(lines) + "\n"


def write_xes(events: pd.DataFrame, target: Path) -> Path:
    """Write canonical events to an XES file (one trace per ticket, events in the given order)."""
    frame, codes, multi = grouped_by_case(events)
    names = case_names(frame, multi=multi)
    attributes = _AttributeWriter()
    with open_target(target) as out:
        out.write(_header(frame, names, multi=multi))
        current = -1
        for start in range(0, len(frame), CHUNK):
            chunk = frame.iloc[start : start + CHUNK]
            texts = _event_texts(chunk, attributes)
            parts: list[str] = []
            for i, code in enumerate(codes[start : start + CHUNK]):
                if code != current:
                    if current >= 0:
                        parts.append("\t</trace>\n")
                    parts.append("\t<trace>\n")
                    name = names.iat[start + i]
                    if isinstance(name, str):
                        parts.append(f'\t\t<string key="concept:name" value="{xml_text(name)}"/>\n')
                    current = int(code)
                parts.append(texts[i])
            out.write("".join(parts))
        if current >= 0:
            out.write("\t</trace>\n")
        out.write("</log>\n")
    return target
