"""Reading any tabular export — CSV/TSV in any encoding and delimiter, or Excel — as text.

What the user did not state (encoding, delimiter) is detected, and :meth:`Table.formats` says
what was detected so the import report can show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdca.errors import InputError
from pdca.ingest.excel import is_excel, read_excel
from pdca.ingest.reader import RawTable, bom_encoding, decode, parse_delimited, read_bytes
from pdca.ingest.sniff import excel_sep_line, sniff_delimiter, sniff_encoding


@dataclass(frozen=True)
class Table:
    """A file read as text, with how it was read."""

    raw: RawTable
    sha256: str
    encoding_detected: bool
    delimiter_detected: bool
    sheet: str | None = None

    def formats(self) -> dict[str, Any]:
        """Facts for the quality report's ``formats`` section, beyond what canonicalising adds."""
        out: dict[str, Any] = {}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        else:
            out["encoding_detected"] = self.encoding_detected
            out["delimiter_detected"] = self.delimiter_detected
        return out


def _check_delimiter(delimiter: str) -> str:
    if len(delimiter) != 1 or delimiter in {'"', "\n", "\r"}:
        raise InputError(
            f"cannot use {delimiter!r} as the field delimiter",
            "give one character such as , ; | or tab",
        )
    return delimiter


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Read ``path`` as a table of text; ``None`` options are detected.

    A byte-order mark always decides the encoding. A first line ``sep=;`` (Excel's way of naming
    the delimiter) is honoured and skipped.
    """
    data = read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if is_excel(path, data):
        raw, name = read_excel(path, data, sheet=sheet)
        return Table(raw, sha256, encoding_detected=False, delimiter_detected=False, sheet=name)
    if not data[:4096].strip() and not data.strip():
        raise InputError(f"{path} is empty")
    chosen = bom_encoding(data) or encoding or sniff_encoding(data)
    text = decode(data, chosen, path)
    announced = excel_sep_line(text)
    if announced:
        text = text.split("\n", 1)[1]
    used = _check_delimiter(delimiter or announced or sniff_delimiter(text))
    raw = parse_delimited(text, used, path=path)
    raw.encoding = chosen
    return Table(
        raw,
        sha256,
        encoding_detected=encoding is None and bom_encoding(data) is None,
        delimiter_detected=delimiter is None and announced is None,
    )
