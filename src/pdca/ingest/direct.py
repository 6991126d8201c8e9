"""The direct path: a CSV export read in place as canonical events, without an import.

An analyst with an export wants its process map now, not after building a store. For the files
of a known connector — ServiceNow's incident audit log, the BPI Challenge 2013 (Volvo) logs, or
any CSV with a mapping file — :func:`plan` states how the file is written, from the connector's
own mapping (the same TOML files the import reads: same columns, same labels, same states), and
:func:`canonical_events` turns the rows the engine reads (see :mod:`pdca.engine.csvscan`) into
the canonical events table the analyses read: the same columns, types and values the import
would store, row for row.

Nothing is guessed. The timestamp format comes from the mapping (a mapping without one is refused:
the direct path does not detect formats, so it can never read 03/04 the wrong way round); a value
that does not fit it stops the run with an error naming the value, it is never shifted or
dropped. What the direct path does not do, the import does:

* no quarantine and no data-quality report: rows without a ticket, a time or a step are left
  out, as the import leaves them out, but they are not listed;
* no de-duplication: a row that repeats another exactly counts twice (the import keeps one);
* no relaxed timestamps (a value without the seconds its format has), no local time zones other
  than UTC (offsets in the values are fine), no ``attributes`` of unmapped columns, no Excel,
  XES or OCEL.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from pdca.errors import InputError, MappingError
from pdca.ingest import bpic2013, servicenow
from pdca.ingest.canonical import _check_columns
from pdca.ingest.delimited import apply_options
from pdca.ingest.mapping import Mapping, builtin_mapping, load_mapping
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.reader import (
    ROW,
    Decompressed,
    _unique_names,
    bom_encoding,
    check_columns,
    read_head,
)
from pdca.ingest.sniff import excel_sep_line, sniff_delimiter, sniff_encoding
from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.vocab import State, TicketType

SOURCES = ("auto", "servicenow", "bpic2013", "csv")
"""Sources the direct path reads (``auto`` tells them by the header)."""
_HEAD = 1 << 16
_NOT_CSV = (".xes", ".xes.gz", ".json", ".json.gz", ".jsonocel", ".xlsx", ".xlsm")
_TICKET_TYPES = sorted(t.value for t in TicketType)
_ALWAYS = (Col.CASE_ID, Col.TIMESTAMP, Col.SEQ, Col.ACTIVITY, Col.TICKET_TYPE)
"""Canonical columns whose source columns are always read: they decide which rows are events
and their order."""
_INGEST = "import it with `pdca ingest FILE` (plus `--map` for a generic CSV), then `pdca mine`"


@dataclass(frozen=True)
class DirectRead:
    """How to read one file directly, and how its rows become canonical events."""

    path: Path
    source: str
    log: str
    mapping: Mapping
    columns: dict[str, str]
    """Every column of the file, in order, with the engine type it is read as."""
    delimiter: str
    encoding: str
    compression: str
    missing: tuple[str, ...]
    timestamp_format: str


def _head(path: Path) -> tuple[bytes, str]:
    """The first bytes of the (decompressed) file, and its compression.

    A gzip file is also decompressed once to its end, discarding what comes out, so that a
    decompression bomb stops at the limits of :mod:`pdca.ingest.limits` here rather than in the
    engine that reads it afterwards.
    """
    with Decompressed(path) as stream:
        kind = stream.compression
        if kind in ("bzip2", "xz"):
            raise InputError(
                f"{path.name} is compressed with bzip2 or xz, which the direct path cannot read",
                f"decompress it or gzip it, or {_INGEST}",
            )
        head = stream.read(_HEAD)
        if kind == "gzip":
            while stream.read(1 << 20):
                pass
    if b"\n" not in head and len(head) == _HEAD:
        head = read_head(path, _HEAD, whole_line=True)
    return head, "gzip" if kind == "gzip" else "none"


def _header(text: str, delimiter: str, path: Path) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        names = []
    if not names or all(not n.strip() for n in names):
        raise InputError(f"{path} is empty or has no header line")
    check_columns(len(names), path)
    return _unique_names(names)[0]


def _builtin(source: str, columns: frozenset[str]) -> Mapping:
    if source == "servicenow":
        return builtin_mapping("servicenow")
    problems = columns >= bpic2013.PROBLEM_SIGNATURE  # as bpic2013.load tells the two logs apart
    return builtin_mapping("bpic2013_problems" if problems else "bpic2013_incidents")


def _detect(columns: frozenset[str], path: Path) -> str:
    if columns >= servicenow.SIGNATURE:
        return "servicenow"
    if columns >= bpic2013.INCIDENT_SIGNATURE or columns >= bpic2013.PROBLEM_SIGNATURE:
        return "bpic2013"
    raise InputError(
        f"{path.name} is not an export pdca knows by its header (ServiceNow, BPIC 2013)",
        "give its mapping with --map (`pdca suggest-mapping FILE > map.toml` drafts one), or "
        + _INGEST,
    )


def _choose_mapping(
    source: str, columns: frozenset[str], path: Path, options: LoadOptions
) -> tuple[str, Mapping]:
    if source not in SOURCES:
        raise InputError(
            f"the direct path cannot read source {source!r}",
            f"use one of: {', '.join(SOURCES)}; or {_INGEST}",
        )
    if options.mapping is not None:
        return "csv", load_mapping(options.mapping)
    if source == "csv":
        raise MappingError(
            f"reading {path.name} directly needs a mapping file",
            "draft one with `pdca suggest-mapping FILE > map.toml` and pass --map map.toml",
        )
    chosen = _detect(columns, path) if source == "auto" else source
    return chosen, _builtin(chosen, columns)


def _encoding(head: bytes, mapping: Mapping, options: LoadOptions) -> str:
    named = bom_encoding(head) or options.encoding or mapping.read.encoding
    named = named or sniff_encoding(head, partial=True)
    key = named.lower().replace("_", "-")
    known = {
        "utf-8": "utf-8",
        "utf8": "utf-8",
        "utf-8-sig": "utf-8",
        "utf-16": "utf-16",
        "latin-1": "latin-1",
        "latin1": "latin-1",
        "iso-8859-1": "latin-1",
    }
    if key not in known:
        raise InputError(
            f"the direct path reads UTF-8, UTF-16 and Latin-1 text, not {named}",
            f"convert the file to UTF-8, or {_INGEST}",
        )
    return known[key]


def _timestamp_format(mapping: Mapping, path: Path) -> str:
    fmt = mapping.timestamp.format
    column = mapping.columns.timestamp
    if not fmt:
        raise MappingError(
            f"reading {path.name} directly needs the format of column {column!r}: "
            "the direct path never guesses dates",
            'set timestamp.format in the mapping (e.g. "%d/%m/%Y %H:%M"), or ' + _INGEST,
        )
    if "%z" not in fmt and mapping.timestamp.timezone.upper() != "UTC":
        raise InputError(
            f"the direct path reads times in UTC or with an offset, not in "
            f"{mapping.timestamp.timezone}",
            _INGEST + " (the import converts local times and reports clock changes)",
        )
    return fmt


def _text(head: bytes, encoding: str) -> str:
    codec = {"utf-8": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
    return head.decode(codec, errors="replace").removeprefix("\ufeff")


def plan(path: Path | str, source: str = "auto", options: LoadOptions | None = None) -> DirectRead:
    """How to read ``path`` directly: its connector's mapping, the types of its columns and its
    encoding, delimiter and compression. ``options`` are the import's (``mapping``, ``log``,
    ``encoding``, ``delimiter``, ``dayfirst``); errors say what to do instead."""
    path = Path(path)
    options = options or LoadOptions()
    if path.name.lower().endswith(_NOT_CSV):
        raise InputError(f"the direct path reads CSV files, not {path.name}", _INGEST)
    head, compression = _head(path)
    probe = _text(head, "utf-8" if bom_encoding(head) != "utf-16" else "utf-16")
    if excel_sep_line(probe):
        raise InputError(f"{path.name} begins with an Excel 'sep=' line", _INGEST)
    sniffed = options.delimiter or sniff_delimiter(probe)
    chosen, mapping = _choose_mapping(
        source, frozenset(h.strip() for h in _header(probe, sniffed, path)), path, options
    )
    mapping = apply_options(mapping, options)
    encoding = _encoding(head, mapping, options)
    delimiter = options.delimiter or mapping.read.delimiter or sniffed
    header = _header(_text(head, encoding), delimiter, path)
    mapping, _ = _check_columns(mapping, pd.DataFrame(columns=header))
    fmt = _timestamp_format(mapping, path)
    types = dict.fromkeys(header, "VARCHAR")
    types[mapping.columns.timestamp] = "TIMESTAMPTZ" if "%z" in fmt else "TIMESTAMP"
    if mapping.columns.seq:
        types[mapping.columns.seq] = "BIGINT"
    return DirectRead(
        path=path,
        source=mapping.source if chosen == "csv" else chosen,
        log=options.log or default_log_name(path),
        mapping=mapping,
        columns=types,
        delimiter=delimiter,
        encoding=encoding,
        compression=compression,
        missing=tuple(mapping.read.missing_values),
        timestamp_format=fmt,
    )


def source_columns(read: DirectRead, needed: Iterable[str] | None = None) -> list[str]:
    """The file's columns that fill the canonical columns ``needed`` (default: every mapped
    column), in file order; the columns that decide which rows are events and in which order
    (:data:`_ALWAYS`) are always among them."""
    cols = read.mapping.columns
    wanted = set(EVENT_COLUMNS) if needed is None else set(needed)
    by_canonical: dict[str, list[str]] = {
        Col.CASE_ID: [cols.case_id],
        Col.TIMESTAMP: [cols.timestamp],
        Col.SEQ: [cols.seq] if cols.seq else [],
        Col.TICKET_TYPE: [cols.ticket_type] if cols.ticket_type else [],
        Col.ACTIVITY: cols.activity_columns(),
        Col.STATE: cols.activity_columns(),
        **{name: [source] for name, source in cols.text_fields().items()},
    }
    chosen = {c for name in (*_ALWAYS, *wanted) for c in by_canonical.get(name, [])}
    return [c for c in read.columns if c in chosen]


def _activity(raw: Any, mapping: Mapping) -> tuple[Any, Any]:
    """The activity label and the condition that a row has one (as the import builds them)."""
    parts = [raw[c] for c in mapping.columns.activity_columns()]
    present = parts[0].notnull()
    for part in parts[1:]:
        present |= part.notnull()
    if len(parts) == 1:
        return parts[0], present
    label = parts[0].fill_null("")
    for part in parts[1:]:
        label = label + mapping.activity_separator + part.fill_null("")
    return label, present


def _ticket_type(raw: Any, mapping: Mapping) -> tuple[Any, Any]:
    column = mapping.columns.ticket_type
    default = ibis.literal(mapping.ticket_type.value, "string")
    if not column:
        return default, ibis.literal(value=True)
    text = raw[column].strip().lower().replace(" ", "_")
    valid = text.isnull() | text.isin(_TICKET_TYPES)
    return text.fill_null(default), valid


def canonical_events(raw: Any, read: DirectRead) -> Any:
    """The canonical events of the rows ``raw`` (the file as the engine reads it, with the
    row's position in column ``__row__``): every column of the events table, in its order.

    Rows without a ticket, a time or a step (and rows with an unknown ticket type) are left out,
    as the import leaves them out; ``attributes``, ``import_id`` and ``event_key`` are empty.
    """
    mapping = read.mapping
    cols = mapping.columns
    activity, has_activity = _activity(raw, mapping)
    ticket_type, valid_type = _ticket_type(raw, mapping)
    states = {label: state.value for label, state in mapping.states.items()}
    values: dict[str, Any] = {
        Col.LOG: ibis.literal(read.log, "string"),
        Col.CASE_ID: raw[cols.case_id],
        Col.TICKET_TYPE: ticket_type,
        Col.TIMESTAMP: raw[cols.timestamp],
        Col.SEQ: raw[cols.seq] if cols.seq else ibis.null("int64"),
        Col.ROW: raw[ROW].cast("int64"),
        Col.ACTIVITY: activity,
        Col.STATE: activity.substitute(states, else_=State.UNKNOWN.value)
        if states
        else ibis.literal(State.UNKNOWN.value, "string"),
    }
    for canonical, source in cols.text_fields().items():
        if source in raw.columns:
            values[canonical] = raw[source]
    keep = raw[cols.case_id].notnull() & raw[cols.timestamp].notnull() & has_activity & valid_type
    kept = raw.filter(keep)
    out = {}
    for name, logical in EVENT_COLUMNS.items():
        value = values.get(name)
        if value is None:
            value = ibis.null({"string": "string", "int64": "int64"}.get(logical, logical))
        out[name] = value
    return kept.select(**out)
