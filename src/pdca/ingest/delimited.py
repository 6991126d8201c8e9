"""Shared path of every connector that reads delimited text with a mapping."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pdca.ingest.canonical import canonicalize
from pdca.ingest.mapping import Mapping
from pdca.ingest.options import LoadOptions, default_log_name
from pdca.ingest.reader import RawTable, bom_encoding, decode, parse_delimited, read_bytes
from pdca.model.batch import ImportBatch


def apply_options(mapping: Mapping, options: LoadOptions) -> Mapping:
    """The mapping with the user's command-line choices applied on top."""
    read: dict[str, Any] = {}
    stamp: dict[str, Any] = {}
    if options.encoding:
        read["encoding"] = options.encoding
    if options.delimiter:
        read["delimiter"] = options.delimiter
    if options.dayfirst is not None:
        stamp["dayfirst"] = options.dayfirst
        if mapping.timestamp.format and _contradicts(mapping.timestamp.format, options.dayfirst):
            stamp["format"] = None
    if options.timezone:
        stamp["timezone"] = options.timezone
    if not read and not stamp:
        return mapping
    return mapping.with_overrides(read=read, timestamp=stamp)


def _contradicts(fmt: str, dayfirst: bool) -> bool:
    d, m = fmt.find("%d"), fmt.find("%m")
    if d < 0 or m < 0 or fmt.find("%Y") == 0:
        return False
    return (d < m) != dayfirst


def batch_from_raw(
    raw: RawTable, mapping: Mapping, path: Path, sha256: str, options: LoadOptions
) -> ImportBatch:
    """Canonicalise an already-read table into a batch."""
    log = options.log or default_log_name(path)
    events, quarantine, details, attributes = canonicalize(raw, mapping, log=log)
    return ImportBatch(
        log=log,
        source=mapping.source,
        path=str(path),
        sha256=sha256,
        rows_read=raw.rows_read,
        events=events,
        quarantine=quarantine,
        details=details,
        attributes=attributes,
    )


def batch_from_delimited(path: Path, mapping: Mapping, options: LoadOptions) -> ImportBatch:
    """Read a delimited file whose encoding and delimiter the mapping states."""
    mapping = apply_options(mapping, options)
    data = read_bytes(path)
    encoding = bom_encoding(data) or mapping.read.encoding or "utf-8"
    delimiter = mapping.read.delimiter or ","
    raw = parse_delimited(decode(data, encoding, path), delimiter, path=path)
    raw.encoding = encoding
    return batch_from_raw(raw, mapping, path, hashlib.sha256(data).hexdigest(), options)
