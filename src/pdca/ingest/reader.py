"""Reading delimited text files into a table of strings, losing nothing.

Every data row either becomes a row of the returned table (all values as text, exactly as in the
file) or a :class:`BadRow` with the reason it could not be split into the header's columns.
Compressed files (``.gz``, ``.bz2``, ``.xz``) are read transparently.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pdca.errors import InputError

ROW = "__row__"
"""Name of the column that holds each row's 0-based position among the file's data rows."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class BadRow:
    """A line that could not be read as a row of the table."""

    line: int | None
    reason: str
    text: str


@dataclass
class RawTable:
    """The file's rows as text, plus what had to be set aside and what was detected."""

    frame: pd.DataFrame
    bad_rows: list[BadRow] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    renamed_columns: dict[str, str] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        """Data rows seen in the file: good plus bad."""
        return len(self.frame) + len(self.bad_rows)


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it is gzip, bzip2 or xz."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:3] == b"BZh":
            return bz2.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise InputError(f"{path} looks compressed but cannot be decompressed: {exc}") from None
    return data


def bom_encoding(data: bytes) -> str | None:
    """The encoding announced by a byte-order mark, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def decode(data: bytes, encoding: str, path: Path) -> str:
    """Decode the whole file; a wrong encoding is a clear error, never mojibake."""
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}", "use a name such as utf-8, utf-16, latin-1"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not valid {encoding} "
            f"(byte {exc.start}: {data[exc.start : exc.start + 4]!r})",
            "pass the right encoding with --encoding (e.g. latin-1, utf-16)",
        ) from None
    return text.removeprefix("\ufeff")


def _header(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise InputError(f"the header line cannot be read: {exc}") from None


def _unique_names(names: list[str]) -> tuple[list[str], dict[str, str]]:
    seen: dict[str, int] = {}
    out: list[str] = []
    renamed: dict[str, str] = {}
    for i, raw in enumerate(names):
        name = raw.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            renamed[new] = name
            name = new
        else:
            seen[name] = 0
        if name != raw:
            renamed.setdefault(name, raw)
        out.append(name)
    return out, renamed


def parse_delimited(text: str, delimiter: str, *, path: Path) -> RawTable:
    """Split decoded text into a string table; malformed lines become :class:`BadRow`."""
    header = _header(text, delimiter)
    if not header or all(not h.strip() for h in header):
        raise InputError(f"{path} is empty or has no header line")
    names, renamed = _unique_names(header)
    bad: list[BadRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(
            BadRow(
                line=row.number,
                reason=f"has {row.actual_columns} fields, the header has {row.expected_columns}",
                text=row.text,
            )
        )
        return "skip"

    read_opts = pacsv.ReadOptions(
        column_names=names, skip_rows=1, use_threads=True, block_size=1 << 24
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        newlines_in_values=True,
        invalid_row_handler=on_invalid,
    )
    convert_opts = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=read_opts,
            parse_options=parse_opts,
            convert_options=convert_opts,
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path} cannot be read as delimited text: {exc}") from None
    frame = table.to_pandas()
    frame[ROW] = range(len(frame))
    return RawTable(frame=frame, bad_rows=bad, delimiter=delimiter, renamed_columns=renamed)


def read_delimited(path: Path, *, encoding: str, delimiter: str) -> RawTable:
    """Read a delimited text file with a known encoding and delimiter."""
    data = read_bytes(path)
    text = decode(data, bom_encoding(data) or encoding, path)
    raw = parse_delimited(text, delimiter, path=path)
    raw.encoding = encoding
    return raw
