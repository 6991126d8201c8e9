"""The limits that keep a hostile or broken input file bounded in memory and time.

Every reader checks these before it holds or parses more than a file can reasonably need, and stops
with a one-line :class:`~pdca.errors.InputError` that names the limit and the environment variable
that raises it. The store is never touched when a limit stops an import. See ``docs/limits.md``.

=========================  ==========  =====================================================
environment variable       default     what it bounds
=========================  ==========  =====================================================
``PDCA_MAX_EXPANDED_BYTES``  256 MiB   the text of one file once decompressed (plain files too)
``PDCA_MAX_RATIO``           200       decompressed / compressed size, checked once more than
                                       :data:`RATIO_FLOOR` (16 MiB) has come out
``PDCA_MAX_CELL_BYTES``      16 MiB    one value (cell) of a delimited file or a workbook
``PDCA_MAX_COLUMNS``         4096      the columns of a header
``PDCA_MAX_DEPTH``           100       nesting of XES attributes (elements inside elements)
=========================  ==========  =====================================================

Sizes accept a plain number of bytes or a unit: ``500MB``, ``2GiB``, ``64k``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pdca.errors import ConfigError

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
RATIO_FLOOR = 16 * MIB
"""The expansion ratio is only checked once this much has been decompressed: small files can
compress very well without being bombs."""

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", re.IGNORECASE)
_UNITS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


@dataclass(frozen=True)
class Setting:
    """One limit: its environment variable, default and what it is in words."""

    env: str
    default: float
    what: str
    size: bool


EXPANDED = Setting("PDCA_MAX_EXPANDED_BYTES", 256 * MIB, "decompressed size", size=True)
RATIO = Setting("PDCA_MAX_RATIO", 200, "expansion ratio", size=False)
CELL = Setting("PDCA_MAX_CELL_BYTES", 16 * MIB, "value size", size=True)
COLUMNS = Setting("PDCA_MAX_COLUMNS", 4096, "number of columns", size=False)
DEPTH = Setting("PDCA_MAX_DEPTH", 100, "nesting depth", size=False)
SETTINGS = (EXPANDED, RATIO, CELL, COLUMNS, DEPTH)


@dataclass(frozen=True)
class Limits:
    """The limits in force (read from the environment by :func:`current`)."""

    expanded_bytes: int
    ratio: float
    cell_bytes: int
    columns: int
    depth: int


def _parse(setting: Setting, text: str) -> float:
    found = _SIZE.fullmatch(text) if setting.size else None
    if found:
        number, unit, suffix = found.groups()
        base = 1000 if suffix.lower() == "b" else 1024  # 500MB decimal; 2GiB, 64k binary
        value = float(number) * float(base ** _UNITS[unit.lower()])
    else:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
    if not 0 < value < float("inf"):
        example = "a size such as 2GiB or 500MB" if setting.size else "a positive number"
        raise ConfigError(f"{setting.env}={text!r} is not a valid {setting.what}", f"use {example}")
    return value


def value(setting: Setting) -> float:
    """The limit's value: the environment variable when set (and valid), else the default."""
    text = os.environ.get(setting.env, "").strip()
    return _parse(setting, text) if text else float(setting.default)


def current() -> Limits:
    """The limits in force now (the environment is read on every call, so tests can set it)."""
    return Limits(
        expanded_bytes=int(value(EXPANDED)),
        ratio=value(RATIO),
        cell_bytes=int(value(CELL)),
        columns=int(value(COLUMNS)),
        depth=int(value(DEPTH)),
    )


def size_text(n: float) -> str:
    """A byte count for a message: ``1 GiB``, ``16 MiB``, ``512 KiB``, ``300 bytes``."""
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= size:
            amount = n / size
            return f"{amount:.0f} {unit}" if amount == int(amount) else f"{amount:.1f} {unit}"
    return f"{int(n)} bytes"


def hint(setting: Setting) -> str:
    """What to do when a genuine file hits ``setting``."""
    return f"if the file is genuine, raise the limit with {setting.env} (see docs/limits.md)"
