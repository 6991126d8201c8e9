"""The bulk import path's reading half: a delimited file with a fixed shape, streamed.

The usual import (:mod:`pdca.ingest.delimited`) reads the whole file into memory, splits it
(:mod:`pdca.ingest.reader`) and canonicalises it with pandas (:mod:`pdca.ingest.canonical`).
The bulk path reads the same files — the ServiceNow audit log, the BPI Challenge 2013 logs and any
CSV with a mapping file (``--map``) — as a stream of bounded Arrow record batches that the engine
stores and canonicalises in SQL (:mod:`pdca.engine.bulk_import`). It makes the same decisions as
the usual path, by the same rules:

* **Splitting** — the stream is read by Arrow with the options the usual path's fast reader uses
  (``reader._fast``); when that reader would give up on the file (a line with the wrong number of
  fields, a value with a line break, a value over the cell limit, an unterminated quote), the
  bulk path starts over with a streaming copy of the careful reader (``reader._careful``): the
  same record rules, the same resynchronisation after a broken quote, the same line numbers,
  holding only the lines of the record being read.
* **Values** — what depends on a value's text in Python (timestamp formats and parsing,
  ``pandas.to_numeric`` for the sequence number, ticket types, the ``repr`` of a value in a
  quarantine reason, the JSON of a quarantined row) is computed by the usual path's own functions
  on each *distinct* text, in chunks, and joined back in the engine.
* **Limits** — the file is decompressed through :class:`~pdca.ingest.reader.Decompressed`, so the
  size and ratio limits stop a bomb as before; the column limit and the cell limit hold (a value
  over the cell limit cannot fit an Arrow block, which sends the file to the careful reader).

:func:`plan` says whether a file can take the bulk path (``None`` when not: a mapping with value
maps or a ticket list, a suggested mapping, an Excel workbook, a ``sep=`` line…).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pdca.errors import InputError
from pdca.ingest import limits
from pdca.ingest.canonical import (
    EARLIEST,
    LATEST,
    SEQ_LIMIT,
    _check_columns,
    _given_by,
    _row_json,
    _timezone,
)
from pdca.ingest.dates import DateFormat, check_order, detect_format, parse_with
from pdca.ingest.delimited import apply_options
from pdca.ingest.mapping import Mapping, builtin_mapping, load_mapping
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.reader import (
    _LINE,
    ROW,
    BadRow,
    Decompressed,
    _broken,
    _clip,
    _field_limit,
    _header,
    _strict,
    _unique_names,
    bom_encoding,
    check_columns,
    read_head,
)
from pdca.ingest.sniff import excel_sep_line, sniff_delimiter, sniff_encoding
from pdca.model.vocab import State, TicketType

BULK_ENV = "PDCA_BULK"
"""``PDCA_BULK=1`` takes the bulk path for every file that supports it (as ``--bulk``)."""
CAREFUL_BATCH = 50_000
"""Rows per batch when the careful reader reads a file."""
_HEAD = 1 << 20
_READ = 1 << 20
_BLOCK = 16 << 20
_TICKET_TYPES = {t.value for t in TicketType}


def wanted(flag: bool | None = None) -> bool:
    """Whether the bulk path was asked for: ``flag`` (``--bulk``) or ``PDCA_BULK=1``."""
    if flag is not None:
        return flag
    return os.environ.get(BULK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


class NotBulk(Exception):  # noqa: N818 - a signal, not an error a user sees
    """The file turned out not to fit the bulk path (e.g. it is not UTF-8 after all); the caller
    imports it the usual way. Raised before anything is stored."""


# -- the text stream ----------------------------------------------------------------------------
class _Text:
    """The decompressed file decoded as ``encoding`` (strictly, as the usual path decodes it),
    in chunks; hashes the bytes on the way (the import record's ``sha256``)."""

    def __init__(self, path: Path, encoding: str, *, fallback: bool) -> None:
        self.path = path
        self.encoding = encoding
        self.fallback = fallback
        self.hash = hashlib.sha256()
        self.quote = False
        try:
            self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        except LookupError:
            raise InputError(
                f"unknown encoding {encoding!r}", "use a name such as utf-8, utf-16, latin-1"
            ) from None

    def chunks(self) -> Iterator[str]:
        """The decoded text, chunk by chunk (a leading byte-order mark removed)."""
        first = True
        offset = 0
        with Decompressed(self.path) as stream:
            while True:
                data = stream.read(_READ)
                final = not data
                self.hash.update(data)
                try:
                    text = self.decoder.decode(data, final=final)
                except UnicodeDecodeError as exc:
                    if self.fallback:
                        raise NotBulk(f"not {self.encoding}") from None
                    pending = len(self.decoder.getstate()[0]) if not final else 0
                    at = offset - pending + exc.start
                    raise InputError(
                        f"{self.path} is not valid {self.encoding} "
                        f"(byte {at}: {exc.object[exc.start : exc.start + 4]!r})",
                        "pass the right encoding with --encoding (e.g. latin-1, utf-16)",
                    ) from None
                offset += len(data)
                if first and text:
                    text = text.removeprefix("\ufeff")
                    first = False
                if text:
                    self.quote = self.quote or '"' in text
                    yield text
                if final:
                    return


class _Utf8:
    """A binary file object over :class:`_Text` re-encoded as UTF-8 (what Arrow reads)."""

    def __init__(self, text: _Text) -> None:
        self.chunks = text.chunks()
        self.buffer = b""
        self.closed = False
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes."""
        try:
            while size < 0 or len(self.buffer) < size:
                chunk = next(self.chunks, None)
                if chunk is None:
                    break
                self.buffer += chunk.encode("utf-8")
        except BaseException as exc:  # handed back by :meth:`BulkFile.batches`
            self.error = exc
            raise
        if size < 0:
            size = len(self.buffer)
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    def close(self) -> None:
        """Nothing to release (the decompressor closes at the end of the stream)."""
        self.closed = True


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """Physical lines with their line breaks, as ``reader._LINE`` splits the whole text."""
    rest = ""
    for chunk in chunks:
        text = rest + chunk
        found = _LINE.findall(text)
        # the last piece may go on in the next chunk (no break yet, or a "\r" before a "\n")
        rest = found.pop() if found and (not found[-1].endswith("\n")) else ""
        yield from found
    if rest:
        yield from _LINE.findall(rest)


class _Lazy:
    """Lines read on demand, addressed by their index in the file; old ones are dropped."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.source = lines
        self.lines: list[str] = []
        self.base = 0
        self.done = False

    def has(self, i: int) -> bool:
        while i - self.base >= len(self.lines) and not self.done:
            nxt = next(self.source, None)
            if nxt is None:
                self.done = True
            else:
                self.lines.append(nxt)
        return i - self.base < len(self.lines)

    def get(self, i: int) -> str:
        return self.lines[i - self.base]

    def span(self, a: int, b: int) -> list[str]:
        self.has(b - 1)
        return self.lines[a - self.base : b - self.base]

    def forget_before(self, i: int) -> None:
        if i > self.base:
            del self.lines[: i - self.base]
            self.base = i


class _Feed:
    """Lines handed to :mod:`csv` from index ``pos`` on (``reader._Lines`` over a stream)."""

    def __init__(self, lazy: _Lazy, pos: int) -> None:
        self.lazy = lazy
        self.pos = pos

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if not self.lazy.has(self.pos):
            raise StopIteration
        self.pos += 1
        return self.lazy.get(self.pos - 1)


def _resync(lazy: _Lazy, start: int, end: int, delimiter: str, width: int) -> int:
    """``reader._resync`` over a stream."""
    for m in range(start + 1, end):
        source = _Feed(lazy, m)
        try:
            fields = next(csv.reader(source, delimiter=delimiter), None)
        except csv.Error:
            continue
        if (
            fields is not None
            and len(fields) == width
            and (source.pos - m == 1 or _strict(lazy.span(m, source.pos), delimiter))
        ):
            return m
    return end


# -- the plan -----------------------------------------------------------------------------------
@dataclass
class BulkFile:
    """One file on the bulk path: how it is written and how its rows become events.

    The engine (:func:`pdca.engine.bulk_import.import_file`) reads the attributes below and calls
    the methods; nothing here touches the store.
    """

    path: Path
    log: str
    source: str
    mapping: Mapping
    names: list[str]
    renamed: dict[str, str]
    encoding: str
    delimiter: str
    header_lines: int
    absent: list[str]
    extra_formats: dict[str, Any] = field(default_factory=dict)
    extra_details: dict[str, Any] = field(default_factory=dict)
    fallback_on_decode: bool = False
    bad_rows: list[BadRow] = field(default_factory=list)
    rows_read: int = 0
    sha256: str = ""
    lane: str = ""
    encoding_reported: str = ""
    """The encoding as the usual path reports it."""
    generic: bool = False
    """A CSV with a mapping file (``generic.load``): a file without rows is refused."""
    """``arrow`` or ``careful``: which reader read the file (in the report's ``bulk`` section)."""
    _format: DateFormat | None = None
    _swap_example: str | None = None
    _swap_blocked: bool = False

    # -- what the engine reads ------------------------------------------------------------------
    @property
    def missing(self) -> list[str]:
        """Texts that mean "missing"."""
        return list(self.mapping.read.missing_values)

    @property
    def case_column(self) -> str:
        """The ticket id's column."""
        return self.mapping.columns.case_id

    @property
    def timestamp_column(self) -> str:
        """The event time's column."""
        return self.mapping.columns.timestamp

    @property
    def seq_column(self) -> str | None:
        """The sequence number's column, if mapped."""
        return self.mapping.columns.seq or None

    @property
    def ticket_type_column(self) -> str | None:
        """The ticket type's column, if mapped."""
        return self.mapping.columns.ticket_type or None

    @property
    def ticket_type_default(self) -> str:
        """The ticket type of rows without one."""
        return self.mapping.ticket_type.value

    @property
    def activity_columns(self) -> list[str]:
        """The columns that make the activity label."""
        return self.mapping.columns.activity_columns()

    @property
    def activity_separator(self) -> str:
        """What joins several activity columns."""
        return self.mapping.activity_separator

    @property
    def states(self) -> dict[str, str]:
        """Activity label -> canonical state."""
        return {label: state.value for label, state in self.mapping.states.items()}

    @property
    def unknown_state(self) -> str:
        """The state of an activity outside the map."""
        return State.UNKNOWN.value

    @property
    def text_fields(self) -> dict[str, str]:
        """Canonical text field -> source column."""
        return self.mapping.columns.text_fields()

    @property
    def attributes(self) -> list[tuple[str, str]]:
        """(attribute name, source column): the unmapped columns in file order, then the renamed
        ones (``[attributes]``), as ``canonical.canonicalize`` orders them."""
        mapped = self.mapping.source_columns()
        out = [(c, c) for c in self.names if c not in mapped]
        out += list(self.mapping.attribute_columns().items())
        return out

    @property
    def path_text(self) -> str:
        """The file's path as the import record keeps it."""
        return str(self.path)

    def check_rows(self, rows: int) -> None:
        """``generic._check_rows``: a mapped CSV needs at least one row that reads."""
        if rows or not self.generic:
            return
        if self.bad_rows:
            first = self.bad_rows[0]
            where = "" if first.line is None else f"line {first.line}: "
            raise InputError(
                f"no row of {self.path.name} could be read ({len(self.bad_rows)} malformed, "
                f"e.g. {where}{first.reason})",
                "check the delimiter (--delimiter) and the quoting of the file",
            )
        raise InputError(f"{self.path.name} has a header line but no data rows")

    # -- reading --------------------------------------------------------------------------------
    def batches(self) -> Iterator[pa.RecordBatch | None]:
        """The file's rows as record batches (every column as text, plus ``__row__``).

        ``None`` means: forget the batches so far, the file is read again by the careful reader
        (which the usual path would have used for the whole file). After the iterator ends,
        :attr:`bad_rows`, :attr:`rows_read` and :attr:`sha256` are set.
        """
        rows = 0
        try:
            for batch in self._arrow():
                rows += batch.num_rows
                yield batch
        except _Dirty:
            yield None
            rows = 0
            for batch in self._careful():
                rows += batch.num_rows
                yield batch
        else:
            self.lane = "arrow"
        self.rows_read = rows + len(self.bad_rows)

    def _arrow(self) -> Iterator[pa.RecordBatch]:
        text = _Text(self.path, self.encoding, fallback=self.fallback_on_decode)
        stream = _Utf8(text)
        invalid: list[int] = []

        def on_invalid(_row: pacsv.InvalidRow) -> str:
            invalid.append(1)
            return "skip"

        cap = limits.current().cell_bytes
        read_opts = pacsv.ReadOptions(
            column_names=self.names,
            skip_rows=1,
            use_threads=True,
            block_size=max(min(_BLOCK, cap), 1 << 10),
        )
        parse_opts = pacsv.ParseOptions(
            delimiter=self.delimiter,
            quote_char='"',
            double_quote=True,
            newlines_in_values=True,
            invalid_row_handler=on_invalid,
        )
        convert_opts = pacsv.ConvertOptions(
            column_types=dict.fromkeys(self.names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        position = 0
        try:
            reader = pacsv.open_csv(
                stream,  # any object with read() is a file for Arrow
                read_options=read_opts,
                parse_options=parse_opts,
                convert_options=convert_opts,
            )
            for batch in reader:
                if invalid:
                    raise _Dirty
                if batch.num_rows and text.quote and _line_breaks(batch):
                    raise _Dirty
                rows = pa.array(np.arange(position, position + batch.num_rows), pa.int64())
                position += batch.num_rows
                yield pa.RecordBatch.from_arrays([*batch.columns, rows], [*self.names, ROW])
        except pa.ArrowInvalid:
            if stream.error is not None:
                raise stream.error from None
            raise _Dirty from None
        except OSError:
            if stream.error is not None:
                raise stream.error from None
            raise
        if invalid:
            raise _Dirty
        self.sha256 = text.hash.hexdigest()

    def _careful(self) -> Iterator[pa.RecordBatch]:
        """``reader._careful`` over a stream, in batches of :data:`CAREFUL_BATCH` rows."""
        self.lane = "careful"
        self.bad_rows = []
        text = _Text(self.path, self.encoding, fallback=self.fallback_on_decode)
        lazy = _Lazy(_lines(text.chunks()))
        delimiter, width = self.delimiter, len(self.names)
        rows: list[list[str]] = []
        positions: list[int] = []
        cap = limits.current().cell_bytes
        source = _Feed(lazy, self.header_lines)
        position = 0
        with _field_limit(cap):
            while lazy.has(source.pos):
                lazy.forget_before(source.pos)
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
                        continue
                    if len(fields) == width and (
                        source.pos - start == 1 or _strict(lazy.span(start, source.pos), delimiter)
                    ):
                        rows.append(fields)
                        positions.append(position)
                        position += 1
                        if len(rows) >= CAREFUL_BATCH:
                            yield self._rows_batch(rows, positions)
                            rows, positions = [], []
                        continue
                    if source.pos - start == 1 and len(fields) != width:
                        reason = f"has {len(fields)} fields, the header has {width}"
                        line = _clip(lazy.get(start).rstrip("\r\n"))
                        self.bad_rows.append(BadRow(start + 1, reason, line, position))
                        position += 1
                        continue
                spanned = source.pos - start
                resume = _resync(lazy, start, max(source.pos, start + 1), delimiter, width)
                reason = _broken(failure, spanned, resume - start, width)
                line = _clip("".join(lazy.span(start, resume)).rstrip("\r\n"))
                self.bad_rows.append(BadRow(start + 1, reason, line, position))
                position += 1
                source.pos = resume
        if rows or position == 0:
            yield self._rows_batch(rows, positions)
        self.sha256 = text.hash.hexdigest()

    def _rows_batch(self, rows: list[list[str]], positions: list[int]) -> pa.RecordBatch:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self.names]
        arrays = [pa.array(column, pa.large_string()) for column in columns]
        arrays.append(pa.array(positions, pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, [*self.names, ROW])

    def bad_quarantine(self) -> pd.DataFrame:
        """The records the reader set aside, as quarantine rows (``canonical._quarantine``)."""
        bad = self.bad_rows
        return pd.DataFrame(
            {
                "row": [
                    b.row if b.row is not None else (-1 if b.line is None else b.line) for b in bad
                ],
                "reason": [
                    b.reason if b.line is None else f"line {b.line}: {b.reason}" for b in bad
                ],
                "raw": [json.dumps({"line": b.text}, ensure_ascii=False) for b in bad],
            },
            columns=["row", "reason", "raw"],
        )

    @staticmethod
    def raw_json(frame: pd.DataFrame) -> list[str]:
        """The JSON of quarantined rows (their source columns as read), as the usual path
        writes it."""
        return _row_json(frame)

    # -- values -------------------------------------------------------------------------------
    @property
    def needs_distinct_timestamps(self) -> bool:
        """Whether the format is detected (from every distinct timestamp text)."""
        return not self.mapping.timestamp.format

    def choose_format(self, distinct: pd.Series | None) -> str:
        """Decide the timestamp format (the mapping's, or detected from ``distinct``: the
        column's distinct texts in order of first appearance); returns it."""
        opts = self.mapping.timestamp
        if opts.format:
            self._format = DateFormat(opts.format, "given", 1.0)
        else:
            values = distinct if distinct is not None else pd.Series([], dtype=object)
            self._format = detect_format(
                values, dayfirst=opts.dayfirst, column=self.timestamp_column
            )
        if not self._format.has_offset:
            _timezone(opts.timezone)  # an unknown zone stops here, as in the usual path
        return self._format.format

    def parse_timestamps(self, uniques: pd.Series) -> pd.DataFrame:
        """Distinct timestamp texts -> (text, moment as naive UTC, reason when rejected)."""
        fmt = self._format
        assert fmt is not None
        column = self.timestamp_column
        opts = self.mapping.timestamp
        uniques = uniques.reset_index(drop=True).astype(object)
        parsed = parse_with(pd.Series(uniques, dtype=object), fmt.format)
        reason = np.full(len(uniques), None, dtype=object)
        shown = uniques.astype(str).map(repr)

        def add(mask: np.ndarray[Any, Any], texts: pd.Series) -> None:
            free = mask & pd.isna(reason)
            reason[free] = np.asarray(texts, dtype=object)[free]

        refused = parsed.isna().to_numpy()
        if refused.any():
            self._note_order(uniques, parsed, fmt)
        add(refused, "timestamp " + shown + f" does not match the format {fmt.format} "
            f"(column {column!r})")  # fmt: skip
        outside_text = (
            "timestamp " + shown + " is outside the years pdca stores (1900 to 2199; "
            f"column {column!r})"
        )
        if fmt.has_offset:
            moments = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            add(_outside(moments), outside_text)
        else:
            add(_outside(parsed), outside_text)
            if opts.timezone.upper() == "UTC":
                moments = parsed
            else:
                local = parsed.dt.tz_localize(
                    _timezone(opts.timezone), ambiguous="NaT", nonexistent="NaT"
                )
                add(
                    (parsed.notna() & local.isna()).to_numpy(),
                    pd.Series(
                        f"local time is ambiguous or does not exist in {opts.timezone} "
                        "(clock change)",
                        index=uniques.index,
                    ),
                )
                moments = local.dt.tz_convert("UTC").dt.tz_localize(None)
        return pd.DataFrame(
            {
                "text": uniques.astype(str),
                "moment": moments.astype("datetime64[us]"),
                "reason": pd.Series(reason, dtype=object),
                "refused": refused,
            }
        )

    def _note_order(self, uniques: pd.Series, parsed: pd.Series, fmt: DateFormat) -> None:
        """Keep what ``dates.check_order`` needs across chunks of distinct texts."""
        pattern = fmt.format
        if "%d" not in pattern or "%m" not in pattern or pattern.startswith(("%Y", "%y")):
            return
        swapped = pattern.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
        as_twin = parse_with(pd.Series(uniques, dtype=object), swapped).notna().to_numpy()
        refused = parsed.isna().to_numpy()
        hits = refused & as_twin
        if hits.any() and self._swap_example is None:
            self._swap_example = str(uniques[hits].iloc[0])
        if (~refused & ~as_twin).any():
            self._swap_blocked = True

    def check_timestamps(self, refused_rows: int, rows: int) -> None:
        """Stop when the day and month are the wrong way round (``dates.check_order``, decided
        on every distinct text); ``refused_rows`` rows of ``rows`` did not fit the format."""
        fmt = self._format
        if fmt is None or refused_rows == 0 or self._swap_example is None or self._swap_blocked:
            return
        opts = self.mapping.timestamp
        check_order(
            pd.Series([self._swap_example], dtype=object),
            pd.Series([pd.NaT], dtype="datetime64[us]"),
            fmt,
            column=self.timestamp_column,
            refused_rows=refused_rows,
            rows=rows,
            given_by=_given_by(opts.format, opts.dayfirst),
        )

    def parse_seq(self, uniques: pd.Series) -> pd.DataFrame:
        """Distinct sequence texts -> (text, whole number, reason when rejected)."""
        column = self.seq_column
        text = pd.Series(uniques, dtype=object).reset_index(drop=True)
        seq = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = (seq.isna() | (seq % 1 != 0)).to_numpy()
        shown = text.astype(str).map(repr)
        reason = np.full(len(text), None, dtype=object)
        reason[bad] = np.asarray(
            "sequence number " + shown + f" is not a whole number (column {column!r})",
            dtype=object,
        )[bad]
        huge = ~bad & (seq.abs() >= SEQ_LIMIT).to_numpy()
        reason[huge] = np.asarray(
            "sequence number " + shown + f" is beyond what 64 bits hold (±2^63; column {column!r})",
            dtype=object,
        )[huge]
        value = seq.where(~(bad | huge)).astype("Int64")
        return pd.DataFrame(
            {"text": text.astype(str), "value": value, "reason": pd.Series(reason, dtype=object)}
        )

    def parse_ticket_types(self, uniques: pd.Series) -> pd.DataFrame:
        """Distinct ticket type texts -> (text, pdca ticket type, reason when rejected)."""
        text = pd.Series(uniques, dtype=object).reset_index(drop=True)
        ttype = text.str.strip().str.lower().str.replace(" ", "_")
        bad = (ttype.notna() & ~ttype.isin(_TICKET_TYPES)).to_numpy()
        reason = np.full(len(text), None, dtype=object)
        reason[bad] = np.asarray(
            "ticket type " + text.astype(str).map(repr) + f" is not one of {sorted(_TICKET_TYPES)}",
            dtype=object,
        )[bad]
        return pd.DataFrame(
            {
                "text": text.astype(str),
                "value": ttype.where(~bad).astype(object),
                "reason": pd.Series(reason, dtype=object),
            }
        )

    # -- the report -----------------------------------------------------------------------------
    def details(self, stats: dict[str, Any]) -> dict[str, Any]:
        """The data-quality report, as ``canonical._quality`` (and the connector) write it,
        from what the engine counted (``stats``)."""
        fmt = self._format
        assert fmt is not None
        kinds: dict[str, int] = dict(stats["quarantine_reasons"])
        if self.bad_rows:
            kinds["line has the wrong number of fields"] = len(self.bad_rows)
        formats: dict[str, Any] = {
            "encoding": self.encoding_reported,
            "delimiter": self.delimiter,
            "timestamp_format": fmt.format,
            "timestamp_detected": fmt.order != "given",
            "dayfirst": fmt.dayfirst,
            "timezone": "from offsets" if fmt.has_offset else self.mapping.timestamp.timezone,
        }
        formats.update(self.extra_formats)
        span = stats["time_span"]
        out: dict[str, Any] = {
            "formats": formats,
            "renamed_columns": self.renamed,
            "quarantine_reasons": kinds,
            "missing_values": stats["missing_values"],
            "out_of_order_timestamps": stats["out_of_order_timestamps"],
            "time_span": [None, None] if span[0] is None else [str(pd.Timestamp(v)) for v in span],
            "cases": stats["cases"],
            "unmapped_activities": stats["unmapped_activities"],
            "absent_columns": self.absent,
            "unmapped_values": {},
        }
        out.update(self.extra_details)
        out["bulk"] = {"reader": self.lane}
        return out


class _Dirty(Exception):  # noqa: N818 - control flow between the two readers
    """The fast reader met a record it does not read the way the usual path does."""


def _line_breaks(batch: pa.RecordBatch) -> bool:
    return any(
        pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in batch.columns
    )


def _outside(moments: pd.Series) -> np.ndarray[Any, Any]:
    return (moments.notna() & ((moments < EARLIEST) | (moments >= LATEST))).to_numpy()


# -- deciding -----------------------------------------------------------------------------------
def _head_text(path: Path, encoding: str) -> str:
    head = read_head(path, _HEAD, whole_line=True)
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}", "use a name such as utf-8, utf-16, latin-1"
        ) from None
    return decoder.decode(head, final=len(head) < _HEAD).removeprefix("\ufeff")


def _supported_mapping(mapping: Mapping) -> bool:
    return not (mapping.is_ticket_list or mapping.values or mapping.sla is not None)


def plan(path: Path, source: str, options: LoadOptions) -> BulkFile | None:
    """How to read ``path`` on the bulk path, or ``None`` when its connector or shape does not
    support it (the usual path then imports it). ``source`` is the connector's name (``auto``
    is detected as the usual path detects it)."""
    name = path.name.lower()
    if not path.is_file() or name.removesuffix(".gz").endswith((".json", ".xlsx", ".xlsm")):
        return None
    if name.endswith((".xes", ".xes.gz", ".jsonocel")):
        return None
    if source == "auto":
        from pdca.ingest.sources import detect_source  # noqa: PLC0415 (registry on use)

        source = detect_source(path)
    if source == "servicenow":
        return _builtin(path, builtin_mapping("servicenow"), options)
    if source == "bpic2013":
        from pdca.ingest import bpic2013  # noqa: PLC0415

        from_header = frozenset(h.strip() for h in _peek_header(path))
        problems = from_header >= bpic2013.PROBLEM_SIGNATURE
        return _builtin(
            path,
            builtin_mapping("bpic2013_problems" if problems else "bpic2013_incidents"),
            options,
        )
    if source == "csv" and options.mapping is not None:
        return _generic(path, options)
    return None


def _peek_header(path: Path) -> list[str]:
    from pdca.ingest.sniff import header_columns  # noqa: PLC0415

    return list(header_columns(path))


def _builtin(path: Path, mapping: Mapping, options: LoadOptions) -> BulkFile | None:
    """A connector that reads with ``delimited.batch_from_delimited``."""
    mapping = apply_options(mapping, options)
    if not _supported_mapping(mapping):
        return None
    head = read_head(path, 4)
    encoding = bom_encoding(head) or mapping.read.encoding or "utf-8"
    delimiter = mapping.read.delimiter or ","
    return _finish(path, mapping, options, encoding, delimiter, encoding)


def _generic(path: Path, options: LoadOptions) -> BulkFile | None:  # noqa: PLR0911
    """A CSV with a mapping file (as ``generic.load`` and ``table.read_table`` read it)."""
    assert options.mapping is not None
    given = load_mapping(options.mapping)
    if not _supported_mapping(given) or given.read.sheet:
        return None
    head = read_head(path, _HEAD)
    if head[:2] == b"PK" or not head.strip():
        return None  # a workbook, or an empty file: the usual path says what it is
    stated = options.encoding or given.read.encoding
    bom = bom_encoding(head)
    fallback = False
    if bom:
        chosen = bom
    elif stated:
        chosen = stated
    else:
        if sniff_encoding(head, partial=True) != "utf-8":
            return None  # a code page is decided on the whole file: the usual path does it
        chosen, fallback = "utf-8", True  # proved by reading: not UTF-8 -> the usual path
    text = _head_text(path, chosen)
    if excel_sep_line(text):
        return None
    stated_delimiter = options.delimiter or given.read.delimiter
    delimiter = stated_delimiter or sniff_delimiter(text)
    if len(delimiter) != 1 or delimiter in {'"', "\n", "\r"}:
        return None  # the usual path gives the error
    mapping = apply_options(given, options)
    plan_ = _finish(path, mapping, options, chosen, delimiter, chosen, head_text=text)
    if plan_ is None:
        return None
    plan_.fallback_on_decode = fallback
    plan_.generic = True
    plan_.extra_formats = {
        "encoding_detected": stated is None and bom is None,
        "delimiter_detected": stated_delimiter is None,
    }
    plan_.extra_details = {
        "mapping": {
            "origin": str(options.mapping),
            "columns": {k: v for k, v in mapping.columns.model_dump().items() if v},
        }
    }
    return plan_


def _finish(  # noqa: PLR0917
    path: Path,
    mapping: Mapping,
    options: LoadOptions,
    encoding: str,
    delimiter: str,
    reported: str,
    *,
    head_text: str | None = None,
) -> BulkFile | None:
    text = head_text if head_text is not None else _head_text(path, encoding)
    header, header_lines = _header(text, delimiter)
    if not header or all(not h.strip() for h in header):
        raise InputError(f"{path} is empty or has no header line")
    check_columns(len(header), path)
    names, renamed = _unique_names(header)
    mapping, absent = _check_columns(mapping, pd.DataFrame(columns=names))
    found = BulkFile(
        path=path,
        log=options.log or default_log_name(path),
        source=mapping.source,
        mapping=mapping,
        names=names,
        renamed=renamed,
        encoding=encoding,
        delimiter=delimiter,
        header_lines=header_lines,
        absent=absent,
    )
    found.encoding_reported = reported
    return found
