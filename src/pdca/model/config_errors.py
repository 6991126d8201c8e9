"""One readable line for a configuration file that cannot be read or that pydantic rejected
(objectives, process models, pdca.toml).

The first problem is reported — an unknown key first, since it explains more than the "missing"
errors it often causes — as ``SOURCE: key.path: what is wrong``, with a hint where one helps.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pdca.errors import ConfigError

Skip = Callable[[tuple[int | str, ...], int], bool]
"""Whether the location part at an index is not a key of the file (e.g. a union's branch)."""
Explain = Callable[[dict[str, Any], str], "tuple[str, str, str | None] | None"]
"""A file kind's own wording for an error: (key path, what, hint), or None for the default."""


def key_path(loc: tuple[int | str, ...], skip: Skip | None = None) -> str:
    """``sla[2].priority`` from pydantic's location (1-based list positions)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif part == "[key]" or (skip is not None and skip(loc, i)):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def config_error(
    source: str,
    exc: ValidationError,
    *,
    docs: str,
    skip: Skip | None = None,
    explain: Explain | None = None,
    count_more: bool = False,
) -> ConfigError:
    """The first of ``exc``'s problems as a :class:`ConfigError`; ``docs`` is the page listing
    every key; ``count_more`` adds how many other problems there are."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    path = key_path(tuple(first["loc"]), skip)
    kind = first["type"]
    hint = None
    own = explain(dict(first), path) if explain is not None else None
    if own is not None:
        path, what, hint = own
    elif kind == "extra_forbidden":
        what = "unknown key"
        hint = f"check the spelling; {docs} lists every key"
    elif kind == "value_error":
        what = str(first.get("ctx", {}).get("error", first["msg"]))
    elif kind == "missing":
        what = "is missing"
    else:
        what = f"{first['msg'][0].lower()}{first['msg'][1:]} (got {first['input']!r})"
    if count_more and len(errors) > 1:
        what += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    location = f"{source}: {path}: " if path else f"{source}: "
    return ConfigError(f"{location}{what}", hint)


def read_toml(path: Path, kind: str, missing_hint: str) -> dict[str, Any]:
    """The TOML file ``path`` (a ``kind`` file, e.g. "objectives") as a dict; a missing,
    unreadable or malformed file is one :class:`ConfigError` naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {kind} file", missing_hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {kind} file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", "fix the syntax there") from None


__all__ = ["Explain", "Skip", "config_error", "key_path", "read_toml"]
