"""Writing a mapping as a TOML file a user can read and edit.

TOML is a small format; pdca writes the few kinds of value a mapping has (text, true/false,
lists of text) itself, so that ``tomllib.loads`` gives back exactly the same mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AnyMapping
from typing import Any

from pdca.ingest.mapping import Mapping

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_SECTIONS = ("read", "columns", "timestamp", "states", "dates", "attributes", "sla")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, every special character escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A key, bare when TOML allows it, quoted otherwise."""
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_value(value: Any) -> str:
    """A mapping value (text, true/false, number or list of those) as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_line(key: str, value: Any, comment: str | None = None, *, quote: bool = False) -> str:
    """``key = value`` with an optional trailing comment; ``quote`` always quotes the key."""
    name = toml_string(key) if quote else toml_key(key)
    line = f"{name} = {toml_value(value)}"
    return f"{line}  # {one_line(comment)}" if comment else line


def one_line(text: str) -> str:
    """Text safe to put in a TOML comment (no line breaks or control characters)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def document(data: AnyMapping[str, Any]) -> str:
    """Top-level keys first, then one table per section; ``None`` values are left out."""
    skip = {*_SECTIONS, "values"}
    lines = [toml_line(k, v) for k, v in data.items() if k not in skip and v is not None]
    for section in _SECTIONS:
        table = data.get(section)
        if not table:
            continue
        lines += ["", f"[{section}]"]
        quote = section == "states"
        lines += [
            toml_line(k, _no_none(v), quote=quote)
            for k, v in table.items()
            if v is not None and v != ""
        ]
    for name, table in (data.get("values") or {}).items():
        lines += ["", f"[values.{toml_key(name)}]"]
        lines += [toml_line(k, v, quote=True) for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _no_none(value: Any) -> Any:
    """An inline table without its empty keys (``after`` not given)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None}
    return value


def mapping_to_toml(mapping: Mapping) -> str:
    """The mapping as TOML text that :func:`pdca.ingest.mapping.parse_mapping` reads back."""
    return document(mapping.model_dump(mode="json", exclude_none=True))
