"""Reading delimited text files into a table of strings, losing nothing.

Every data record either becomes a row of the returned table (all values as text, exactly as in
the file) or a :class:`BadRow` with the reason it could not be split into the header's columns.
Compressed files (``.gz``, ``.bz2``, ``.xz``) are decompressed as a stream that stops at the limits
of :mod:`pdca.ingest.limits` (decompressed size, expansion ratio); work that only needs the start
of a file (detection, sniffing) reads only that start (:func:`read_head`).

How malformed records are read (see ``docs/limits.md``):

* a record with the wrong number of fields is set aside on its own, with its file line number;
* a quote that is never closed would swallow the following lines into one value. When a record
  that runs over several lines does not have the header's number of fields, only its first line
  is set aside, with every following line up to the next line from which a record of the right
  width reads; reading resumes there. The set-aside lines count as one record;
* a value longer than the cell limit sets its own record aside the same way;
* each row keeps its position among all the file's records (``__row__``, 0-based, set-aside
  records included), so a malformed line never shifts the positions of the rows after it.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pdca.errors import InputError
from pdca.ingest import limits
from pdca.ingest.limits import CELL, COLUMNS, EXPANDED, RATIO, RATIO_FLOOR, size_text

ROW = "__row__"
"""Name of the column that holds each row's 0-based position among the file's data records."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20
_BAD_TEXT = 1 << 14
"""A set-aside record keeps at most this many characters of its text (the quarantine is not a
copy of a hostile file)."""
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_DECOMPRESS_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


@dataclass
class BadRow:
    """A record that could not be read as a row of the table."""

    line: int | None
    """1-based file line where the record begins (``None`` when not from a line of text)."""
    reason: str
    text: str
    row: int | None = None
    """0-based position of the record among the file's data records, when known."""


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
        """Data records seen in the file: good plus bad."""
        return len(self.frame) + len(self.bad_rows)


def compression(magic: bytes) -> str:
    """``gzip``, ``bzip2``, ``xz`` or ``none``, from the first bytes of a file."""
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic[:3] == b"BZh":
        return "bzip2"
    if magic[:6] == b"\xfd7zXZ\x00":
        return "xz"
    return "none"


class Decompressed:
    """A file's content as a binary stream, decompressed when gzip, bzip2 or xz, that stops with
    a one-line :class:`InputError` at the size and ratio limits instead of filling memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.limits = limits.current()
        try:
            self.handle: IO[bytes] = path.open("rb")
        except FileNotFoundError:
            raise InputError(f"file not found: {path}") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory, not a file") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        self.compression = compression(self.handle.read(6))
        self.handle.seek(0)
        self.stream: Any = self.handle
        if self.compression == "gzip":
            self.stream = gzip.GzipFile(fileobj=self.handle, mode="rb")
        elif self.compression == "bzip2":
            self.stream = bz2.BZ2File(self.handle, mode="rb")
        elif self.compression == "xz":
            self.stream = lzma.LZMAFile(self.handle, mode="rb")  # noqa: SIM115
        else:
            size = path.stat().st_size
            if size > self.limits.expanded_bytes:
                self.close()
                raise InputError(
                    f"{path.name} is {size_text(size)}, over the limit of "
                    f"{size_text(self.limits.expanded_bytes)} for one file ({EXPANDED.env})",
                    limits.hint(EXPANDED),
                )
        self.out = 0

    def __enter__(self) -> Decompressed:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the decompressor and the file."""
        if self.stream is not self.handle:
            self.stream.close()
        self.handle.close()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all when negative), checked against the limits."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        try:
            data: bytes = self.stream.read(size)
        except _DECOMPRESS_ERRORS as exc:
            raise InputError(
                f"{self.path} looks compressed ({self.compression}) but cannot be read or "
                f"decompressed: {str(exc) or type(exc).__name__}"
            ) from None
        self.out += len(data)
        self._check()
        return data

    def _check(self) -> None:
        cap = self.limits.expanded_bytes
        if self.out > cap:
            raise InputError(
                f"{self.path.name} holds more than {size_text(cap)} once decompressed "
                f"({EXPANDED.env}); stopped reading it",
                limits.hint(EXPANDED),
            )
        if self.compression != "none" and self.out > RATIO_FLOOR:
            consumed = max(self.handle.tell(), 1)
            if self.out / consumed > self.limits.ratio:
                raise InputError(
                    f"{self.path.name} expands more than {self.limits.ratio:g} times "
                    f"({size_text(self.out)} from {size_text(consumed)} so far, {RATIO.env}): "
                    "it looks like a decompression bomb; stopped reading it",
                    limits.hint(RATIO),
                )


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it is gzip, bzip2 or xz (within the limits)."""
    with Decompressed(path) as stream:
        return stream.read()


def read_head(path: Path, size: int, *, whole_line: bool = False) -> bytes:
    """The first ``size`` bytes of the (decompressed) file; nothing more is decompressed.

    With ``whole_line``, reading goes on until the first line break (a very wide header), up to
    the cell limit times the column limit's share of a line, at most the size limit.
    """
    with Decompressed(path) as stream:
        head = stream.read(size)
        if not whole_line or b"\n" in head or len(head) < size:
            return head
        cap = min(stream.limits.expanded_bytes, max(size, 64 * stream.limits.columns))
        chunks = [head]
        total = len(head)
        while total < cap:
            chunk = stream.read(min(_CHUNK, cap - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if b"\n" in chunk:
                break
        return b"".join(chunks)


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


class _Lines:
    """The physical lines of a text (line breaks kept), fed to :mod:`csv` from any position;
    ``pos`` is the index of the next line to hand out."""

    def __init__(self, lines: list[str], pos: int = 0) -> None:
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The first record's fields and the number of physical lines it spans."""
    used: list[str] = []

    def feed() -> Iterator[str]:
        for found in _LINE.finditer(text):
            used.append(found.group())
            yield used[-1]

    reader = csv.reader(feed(), delimiter=delimiter)
    try:
        with _field_limit(max(limits.current().cell_bytes, 1 << 17)):
            names = next(reader)
    except StopIteration:
        return [], 0
    except csv.Error as exc:
        raise InputError(f"the header line cannot be read: {exc}") from None
    if len(used) > 1 and not _strict(used, delimiter):
        raise InputError(
            f"the header has an unterminated quote (it runs over {len(used):,} lines)",
            "close the quote in the first line of the file",
        )
    return names, len(used)


class _field_limit:  # noqa: N801 - used as a context manager, like a function
    """Set :mod:`csv`'s (process-wide) field size limit for the duration of a read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.before = 0

    def __enter__(self) -> None:
        self.before = csv.field_size_limit(self.size)

    def __exit__(self, *_: object) -> None:
        csv.field_size_limit(self.before)


def _unique_names(names: list[str]) -> tuple[list[str], dict[str, str]]:
    seen: dict[str, int] = {}
    out: list[str] = []
    renamed: dict[str, str] = {}
    taken = set(names)
    for i, raw in enumerate(names):
        name = raw.strip() or f"column_{i + 1}"
        if name in seen:
            n = seen[name] + 1
            while f"{name}.{n}" in seen or f"{name}.{n}" in taken:
                n += 1
            seen[name] = n
            new = f"{name}.{n}"
            renamed[new] = name
            name = new
        seen.setdefault(name, 0)
        if name != raw:
            renamed.setdefault(name, raw)
        out.append(name)
    return out, renamed


def check_columns(count: int, path: Path) -> None:
    """Refuse a header wider than the column limit."""
    cap = limits.current().columns
    if count > cap:
        raise InputError(
            f"{path.name} has {count:,} columns, more than the limit of {cap:,} ({COLUMNS.env})",
            limits.hint(COLUMNS),
        )


def _clip(text: str) -> str:
    if len(text) <= _BAD_TEXT:
        return text
    return f"{text[:_BAD_TEXT]}… [{len(text) - _BAD_TEXT:,} more characters not kept]"


def parse_delimited(text: str, delimiter: str, *, path: Path) -> RawTable:
    """Split decoded text into a string table; malformed records become :class:`BadRow`."""
    header, header_lines = _header(text, delimiter)
    if not header or all(not h.strip() for h in header):
        raise InputError(f"{path} is empty or has no header line")
    check_columns(len(header), path)
    names, renamed = _unique_names(header)
    table = _fast(text, names, delimiter)
    bad: list[BadRow] = []
    if table is None:
        table, bad = _careful(text, names, delimiter, header_lines)
    else:
        table = table.append_column(ROW, pa.array(range(table.num_rows), pa.int64()))
    frame = table.to_pandas()
    return RawTable(frame=frame, bad_rows=bad, delimiter=delimiter, renamed_columns=renamed)


def _fast(text: str, names: list[str], delimiter: str) -> pa.Table | None:
    """The whole table read by Arrow in parallel when every record is well-formed and within
    the cell limit; ``None`` when any is not (then :func:`_careful` reads it)."""
    invalid: list[int] = []

    def on_invalid(_row: pacsv.InvalidRow) -> str:
        invalid.append(1)
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
        column_types=dict.fromkeys(names, pa.large_string()),  # what pandas keeps: no cast
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
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    cap = limits.current().cell_bytes
    if len(text) > cap and table.num_rows:
        for column in table.columns:
            longest = pc.max(pc.utf8_length(column)).as_py()
            if longest is not None and longest > cap:
                return None
    if table.num_rows and '"' in text:  # only a quoted value can hold a line break
        for column in table.columns:
            if pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                return None  # values with line breaks: check their quotes (see _careful)
    return table


def _careful(
    text: str, names: list[str], delimiter: str, header_lines: int
) -> tuple[pa.Table, list[BadRow]]:
    """Read record by record, setting aside malformed ones with their line numbers and
    resynchronising after an unterminated quote (see the module's docstring)."""
    lines = _LINE.findall(text)
    width = len(names)
    rows: list[list[str]] = []
    positions: list[int] = []
    bad: list[BadRow] = []
    cap = limits.current().cell_bytes
    source = _Lines(lines, header_lines)
    position = 0
    with _field_limit(cap):
        while source.pos < len(lines):
            start = source.pos
            failure: str | None = None
            try:
                fields = next(csv.reader(source, delimiter=delimiter))
            except StopIteration:
                break
            except csv.Error as exc:
                fields, failure = [], str(exc)
            if failure is None:
                if not fields:
                    continue  # a blank line is no record
                if len(fields) == width and (
                    source.pos - start == 1 or _strict(lines[start : source.pos], delimiter)
                ):
                    rows.append(fields)
                    positions.append(position)
                    position += 1
                    continue
                if source.pos - start == 1 and len(fields) != width:
                    reason = f"has {len(fields)} fields, the header has {width}"
                    text = _clip(lines[start].rstrip("\r\n"))
                    bad.append(BadRow(start + 1, reason, text, position))
                    position += 1
                    continue
            spanned = source.pos - start
            resume = _resync(lines, start, max(source.pos, start + 1), delimiter, width)
            reason = _broken(failure, spanned, resume - start, width)
            text = _clip("".join(lines[start:resume]).rstrip("\r\n"))
            bad.append(BadRow(start + 1, reason, text, position))
            position += 1
            source.pos = resume
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [pa.array(column, pa.large_string()) for column in columns]
    arrays.append(pa.array(positions, pa.int64()))
    return pa.Table.from_arrays(arrays, names=[*names, ROW]), bad


def _broken(failure: str | None, spanned: int, set_aside: int, width: int) -> str:
    """Why a record that had to be resynchronised was set aside."""
    cap = limits.current().cell_bytes
    resumed = (
        f"{set_aside} line(s) set aside, up to the next line that reads as a record of "
        f"{width} fields"
    )
    if failure and "field larger than field limit" in failure:
        if spanned > 1:
            return (
                f"unterminated quote: a quoted value runs on for more than {size_text(cap)} "
                f"({CELL.env}); {resumed}"
            )
        return f"a value is longer than {size_text(cap)} ({CELL.env})"
    if failure:
        return f"cannot be read as delimited text: {failure}"
    return f"unterminated quote: {resumed}"


def _strict(lines: list[str], delimiter: str) -> bool:
    """Whether a record that runs over several lines closes every quote where a value ends
    (a closing quote followed by anything but a delimiter or a line break is a broken quote)."""
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


def _resync(lines: list[str], start: int, end: int, delimiter: str, width: int) -> int:
    """The first line after ``start`` (and before ``end``, the end of the broken record) from
    which a record of ``width`` fields reads; ``end`` when none does."""
    for m in range(start + 1, end):
        source = _Lines(lines, m)
        try:
            fields = next(csv.reader(source, delimiter=delimiter), None)
        except csv.Error:
            continue
        if (
            fields is not None
            and len(fields) == width
            and (source.pos - m == 1 or _strict(lines[m : source.pos], delimiter))
        ):
            return m
    return end


def read_delimited(path: Path, *, encoding: str, delimiter: str) -> RawTable:
    """Read a delimited text file with a known encoding and delimiter."""
    data = read_bytes(path)
    text = decode(data, bom_encoding(data) or encoding, path)
    raw = parse_delimited(text, delimiter, path=path)
    raw.encoding = encoding
    return raw
