"""Detecting how a text file is written: encoding, delimiter, header.

Detection is reported in the import's data-quality report, so the user sees what pdca assumed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from charset_normalizer import from_bytes

from pdca.errors import InputError
from pdca.ingest.reader import bom_encoding, read_bytes

_SNIFF_BYTES = 1 << 16
_DELIMITERS = (",", ";", "\t", "|")


def sniff_encoding(data: bytes) -> str:
    """The encoding of ``data``: a BOM wins, then strict UTF-8, then charset detection."""
    bom = bom_encoding(data)
    if bom:
        return bom
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        raise InputError(
            "cannot tell the file's text encoding (it may be binary)",
            "pass --encoding (e.g. latin-1, utf-16)",
        )
    return str(best.encoding)


def sniff_delimiter(text: str) -> str:
    """The field delimiter: the candidate that splits the first lines most consistently."""
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        pass
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_columns(path: Path) -> frozenset[str]:
    """The column names in the first line of a delimited file (empty set if unreadable)."""
    data = read_bytes(path)[:_SNIFF_BYTES]
    encoding = bom_encoding(data) or "utf-8"
    text = data.decode(encoding, errors="replace").removeprefix("\ufeff")
    if not text:
        return frozenset()
    delimiter = sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return frozenset()
    return frozenset(h.strip() for h in header)
