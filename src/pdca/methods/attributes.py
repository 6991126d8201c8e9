"""A source attribute of an event, read from the ``attributes`` JSON text the same way on every
engine.

The import keeps the source columns it does not map in ``attributes``, a JSON object of strings
(written by pandas or by DuckDB's ``json_object``). Ibis' JSON access compiles natively for
DuckDB but, for Spark, to a Python function that cannot parse what Spark hands it; so pdca reads
an attribute with a regular expression on the JSON text, which both engines run natively:

* the attribute is the string value of the member whose key is exactly ``key`` (the key as JSON
  writes it: ``/`` may be escaped as ``\\/``); a member that is missing, ``null`` or not a string
  gives NULL, as JSON access does;
* JSON escapes in the value are undone: ``\\"``, ``\\\\``, ``\\/``, ``\\n``, ``\\r``, ``\\t``,
  ``\\b``, ``\\f``. A ``\\uXXXX`` escape is left as written: pandas and DuckDB write one only for
  control characters (other characters are written as they are), and a helpdesk export has none
  in the columns one filters on.

``tests/methods/test_attributes.py`` compares the result with DuckDB's JSON parsing on every
attribute of both real logs and on values made to be awkward.
"""

from __future__ import annotations

from typing import Any

import ibis

_SPECIAL = set(".^$*+?()[]{}|\\")
_HOLD = "\uffff"
"""Stands for an escaped backslash while the other escapes are undone (U+FFFF is a
noncharacter: it is never in interchanged text)."""
_ESCAPES = (
    ('\\"', '"'),
    ("\\/", "/"),
    ("\\n", "\n"),
    ("\\r", "\r"),
    ("\\t", "\t"),
    ("\\b", "\b"),
    ("\\f", "\f"),
)


def _key_pattern(key: str) -> str:
    out = []
    for char in key:
        if char == '"':
            out.append('\\\\"')  # written as \" inside the JSON key
        elif char == "\\":
            out.append("\\\\\\\\")  # written as \\ inside the JSON key
        elif char == "/":
            out.append("\\\\?/")  # pandas writes \/, DuckDB /
        elif char in _SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def member_pattern(key: str) -> str:
    """The regular expression (RE2 and Java alike) of the member ``key`` with a string value;
    group 1 is the value as written (escapes not undone)."""
    return '[{,]\\s*"' + _key_pattern(key) + '"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"'


def attribute_text(attributes: Any, key: str) -> Any:
    """The string value of member ``key`` of the JSON object text ``attributes`` (an engine
    string column), or NULL; see the module's documentation."""
    pattern = member_pattern(key)
    text = attributes.re_extract(pattern, 1).replace("\\\\", _HOLD)
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain)
    text = text.replace(_HOLD, "\\")
    return ibis.ifelse(attributes.re_search(pattern), text, ibis.null("string"))


__all__ = ["attribute_text", "member_pattern"]
