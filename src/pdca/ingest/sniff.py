"""Detecting how a text file is written: encoding, delimiter, header.

Detection is reported in the import's data-quality report, so the user sees what pdca assumed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from pdca.errors import InputError
from pdca.ingest.reader import bom_encoding, read_head

_SNIFF_BYTES = 1 << 16
_SNIFF_RECORDS = 200
_DELIMITERS = (",", ";", "\t", "|")
_OTHER_DELIMITERS = ("^", "~", ":", "#")
_CONSISTENT = 0.9
_WESTERN = "cp1252"
_DETECT_BYTES = 1 << 20
_SEP_LINE = re.compile(r"\A\"?sep=(.)\"?\r?\n", re.IGNORECASE)


def _utf16_32_without_bom(data: bytes) -> str | None:
    """UTF-16/32 text without a byte-order mark shows a regular pattern of zero bytes."""
    sample = data[:4096]
    if b"\x00" not in sample or len(sample) < 8:
        return None
    zeros = [sample[i::4].count(0) / max(len(sample[i::4]), 1) for i in range(4)]
    guesses: list[str] = []
    if min(zeros[1:]) > 0.9 and zeros[0] < 0.1:
        guesses.append("utf-32-le")
    if min(zeros[:3]) > 0.9 and zeros[3] < 0.1:
        guesses.append("utf-32-be")
    even = (zeros[0] + zeros[2]) / 2
    odd = (zeros[1] + zeros[3]) / 2
    if odd > 0.4 and even < 0.05:
        guesses.append("utf-16-le")
    if even > 0.4 and odd < 0.05:
        guesses.append("utf-16-be")
    for name in guesses:
        try:
            codecs.getincrementaldecoder(name)().decode(data, final=False)
        except UnicodeDecodeError:
            continue
        return name
    return None


def _is_utf8(data: bytes, *, partial: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(data: bytes, *, partial: bool = False) -> str:
    """The encoding of ``data``.

    A byte-order mark wins; then UTF-16/32 without a mark; then strict UTF-8; then a single-byte
    code page: Windows-1252 (a superset of Latin-1 in practice) unless the text is clearly in
    another script. ``partial`` says ``data`` is only the beginning of the file.
    """
    bom = bom_encoding(data)
    if bom:
        return bom
    wide = _utf16_32_without_bom(data)
    if wide:
        return wide
    if _is_utf8(data, partial=partial):
        return "utf-8"
    return _single_byte(data)


def _other_script(text: str) -> bool:
    """Whether a good share (20 %) of the letters of ``text`` are of a non-Latin script."""
    letters = other = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            other += ord(ch) > 0x24F and not unicodedata.name(ch, "").startswith("LATIN")
    return letters > 0 and other >= 0.2 * letters


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _single_byte(data: bytes) -> str:
    """Windows-1252 unless the text is clearly in another script (Cyrillic, Greek, CJK, …).

    Charset detection is unreliable on short Western exports (a few accented names can look
    like Shift-JIS or Central European), and Windows-1252 (Latin-1 with curly quotes and the
    euro sign) is what Western tools write. Another guess must read the whole file, and a good
    share of its letters must be of that other script.
    """
    sample = data[:_DETECT_BYTES]
    best = from_bytes(sample).best()
    western = _decodes(data, _WESTERN)
    if (
        best is not None
        and (not western or _other_script(str(best)))
        and _decodes(data, best.encoding)
    ):
        return str(best.encoding)
    if western:
        return _WESTERN
    if b"\x00" in sample:
        raise InputError(
            "cannot tell the file's text encoding (it may be binary)",
            "pass --encoding (e.g. latin-1, utf-16)",
        )
    return "latin-1"


def _records(text: str, delimiter: str) -> list[int]:
    """Field counts of the first records of ``text`` (a cut-off last record is dropped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    counts: list[int] = []
    try:
        for row in reader:
            if row:
                counts.append(len(row))
            if len(counts) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if len(text) >= _SNIFF_BYTES and len(counts) > 1 and len(counts) <= _SNIFF_RECORDS:
        counts.pop()
    return counts


def _score(text: str, delimiter: str) -> tuple[float, int] | None:
    counts = _records(text, delimiter)
    if not counts or counts[0] < 2:
        return None
    rows = counts[1:]
    consistency = sum(c == counts[0] for c in rows) / len(rows) if rows else 1.0
    return consistency, counts[0]


def excel_sep_line(text: str) -> str | None:
    """The delimiter announced by a ``sep=;`` first line (written by Excel), if any."""
    found = _SEP_LINE.match(text)
    return found.group(1) if found else None


def sniff_delimiter(text: str) -> str:
    """The field delimiter: the candidate that splits the first records most consistently.

    Quoted fields (with delimiters or line breaks inside) are understood. The common delimiters
    (comma, semicolon, tab, pipe) are preferred; ``^ ~ : #`` are tried when none of them splits
    the header. A file with a single column is read with a comma.
    """
    sample = text[:_SNIFF_BYTES]
    announced = excel_sep_line(sample)
    if announced:
        return announced
    for group in (_DELIMITERS, _OTHER_DELIMITERS):
        scored = {d: s for d in group if (s := _score(sample, d)) is not None}
        if scored:
            best = max(scored, key=lambda d: (scored[d][0] >= _CONSISTENT, *scored[d]))
            if group is _DELIMITERS or scored[best][0] >= _CONSISTENT:
                return best
    return ","


def header_columns(path: Path) -> frozenset[str]:
    """The column names in the first line of a delimited file (empty set if unreadable).

    Only the start of the file is read (and decompressed): the first 64 KiB, or up to the first
    line break for a wider header (within the limits of :mod:`pdca.ingest.limits`).
    """
    data = read_head(path, _SNIFF_BYTES, whole_line=True)
    try:
        encoding = sniff_encoding(data, partial=True)
    except InputError:
        return frozenset()
    text = data.decode(encoding, errors="replace").removeprefix("\ufeff")
    if not text:
        return frozenset()
    delimiter = sniff_delimiter(text)
    if excel_sep_line(text):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return frozenset()
    return frozenset(h.strip() for h in header)
