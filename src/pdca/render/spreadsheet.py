"""CSV cells a spreadsheet would run as a formula, made inert (OWASP "CSV Injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``).
pdca writes such a cell with a leading apostrophe (``'=HYPERLINK(…)``), which every spreadsheet
shows as text, as OWASP recommends. Numbers are left alone, and so is a text cell that is a plain
number (``-5``, ``+3.2e4``): a spreadsheet reads those as numbers, not formulas. ``--raw`` (on
``pdca export`` and as ``pdca --raw …`` for every ``-f csv``) writes cells exactly as stored.
"""

from __future__ import annotations

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell."""
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def inert(value: str) -> str:
    """The cell as a spreadsheet will show it as text, not run it."""
    if value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are :func:`inert`; numbers, dates and missing values unchanged."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype != object and not pd.api.types.is_string_dtype(column.dtype):
            continue
        out[name] = column.map(lambda v: inert(v) if isinstance(v, str) else v)
    renamed = {c: inert(c) for c in out.columns if isinstance(c, str) and inert(c) != c}
    return out.rename(columns=renamed) if renamed else out
