"""Recognising a JSON document by its first and last few KB (the vendor connectors' ``detect``).

A bundle that ``pdca pull`` writes names its tool in ``"pdca_bundle": {"source": NAME, …}``,
at the start or, when a serialiser sorts keys, at the end; a document the tool's API returned
is told by the keys it starts with. Neither needs the whole (possibly huge) file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES, TAIL_BYTES = 8192, 4096
_BUNDLE = re.compile(r'"pdca_bundle"\s*:\s*\{[^{}]*"source"\s*:\s*"([^"]*)"')


@dataclass(frozen=True)
class Peek:
    """The start of a JSON document (byte-order mark and leading space removed) and its end."""

    head: str
    tail: str

    @property
    def source(self) -> str | None:
        """The ``pdca_bundle.source`` named in the head or the tail, if any."""
        found = _BUNDLE.search(self.head) or _BUNDLE.search(self.tail)
        return found.group(1) if found else None


def peek_json(path: Path, starts: tuple[str, ...] = ("{",)) -> Peek | None:
    """The head and tail of ``path`` when it is a file whose text starts with one of
    ``starts``; None for a folder, an unreadable file or other text."""
    try:
        if path.is_dir():
            return None
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
            size = path.stat().st_size
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read(TAIL_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith(starts):
        return None
    return Peek(text, tail.decode("utf-8", errors="replace"))
