"""What the XES and OCEL connectors share: field names, time stamps, state rules, file writing.

Both formats carry pdca's canonical fields the same way:

* fields the format has a standard place for use it (activity, time, and in XES resource and
  group);
* every other canonical field is an attribute named ``pdca:<field>`` (``pdca:state``, ``pdca:seq``,
  ``pdca:priority``, …), left out when the value is missing;
* every source attribute (the canonical ``attributes`` JSON) is an attribute named ``attr:<name>``,
  so a source column called ``priority`` can never be confused with pdca's own priority.

A file from another tool has no ``pdca:`` attributes. Its events get the state from the optional
mapping file (its ``[states]`` table, activity label -> canonical state) or ``unknown``, and the
ticket type from the mapping's ``ticket_type`` (default ``incident``).
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import math
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from pdca.errors import InputError, MappingError
from pdca.model.schema import EVENT_COLUMNS, TICKET_DIMENSIONS, Col
from pdca.model.vocab import State, TicketType

PDCA_PREFIX = "pdca:"
ATTR_PREFIX = "attr:"

CARRIED_FIELDS: tuple[str, ...] = (
    Col.TICKET_TYPE,
    Col.SEQ,
    Col.ROW,
    Col.STATE,
    Col.SUPPORT_LEVEL,
    *TICKET_DIMENSIONS,
)
"""Canonical fields written as ``pdca:<field>`` attributes by both formats."""

INT_FIELDS = frozenset({Col.SEQ, Col.ROW})
"""Carried fields that are whole numbers (``int`` in XES, ``integer`` in OCEL)."""

TEXT_FIELDS: tuple[str, ...] = (
    Col.TICKET_TYPE,
    Col.STATE,
    Col.ASSIGNMENT_GROUP,
    Col.RESOURCE,
    Col.SUPPORT_LEVEL,
    *TICKET_DIMENSIONS,
)
"""Canonical text fields a reader collects (besides case id and activity)."""

_NAT = np.iinfo(np.int64).min
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive UTC, like the store
_MICRO = timedelta(microseconds=1)


# -- the optional mapping file -----------------------------------------------------------------
class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ticket_type: TicketType = TicketType.INCIDENT
    states: dict[str, State] = {}
    case_object_types: list[str] = []


@dataclass(frozen=True)
class Rules:
    """What a mapping file tells the XES/OCEL connectors (everything else in it is ignored)."""

    states: dict[str, str] = field(default_factory=dict)
    """Activity label -> canonical state, for events without ``pdca:state``."""
    ticket_type: str = TicketType.INCIDENT.value
    """Ticket type of events without ``pdca:ticket_type``."""
    case_object_types: tuple[str, ...] = ()
    """OCEL only: the object types that are tickets (default: detected)."""


def load_rules(path: Path | None) -> Rules:
    """Read the ``ticket_type``, ``[states]`` and ``case_object_types`` of a mapping TOML file."""
    if path is None:
        return Rules()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path} is not valid TOML: {exc}") from None
    try:
        parsed = _RulesFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise MappingError(
            f"{path}: {loc}: {first['msg']}", "see docs/connectors.md for the mapping keys"
        ) from None
    return Rules(
        states={label: state.value for label, state in parsed.states.items()},
        ticket_type=parsed.ticket_type.value,
        case_object_types=tuple(parsed.case_object_types),
    )


def timezone(name: str | None) -> ZoneInfo | None:
    """The zone for time stamps without offset; ``None`` means UTC."""
    if not name or name.upper() == "UTC":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"unknown time zone {name!r}", "use an IANA name such as Europe/Brussels or UTC"
        ) from None


# -- time stamps -------------------------------------------------------------------------------
def format_times(values: Any, suffix: str) -> list[str | None]:
    """ISO 8601 texts of naive-UTC time stamps (whole seconds without fraction, else to the µs)."""
    arr = np.asarray(values, dtype="datetime64[us]")
    out: list[str | None] = []
    for text in np.datetime_as_string(arr, unit="us"):
        if text == "NaT":
            out.append(None)
        elif text.endswith(".000000"):
            out.append(text[:-7] + suffix)
        else:
            out.append(text + suffix)
    return out


def _parse_one(text: str) -> tuple[int, bool] | None:
    """(microseconds since 1970 in UTC, had an offset) or ``None`` when not ISO 8601."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    aware = value.tzinfo is not None
    try:
        if aware:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - _EPOCH) // _MICRO, aware
    except OverflowError:
        return None


def parse_micros(text: Any) -> int | None:
    """Microseconds since 1970 (UTC; no offset counts as UTC); ``None`` when unreadable."""
    if not isinstance(text, str):
        return None
    hit = _parse_one(text)
    return None if hit is None else hit[0]


def parse_times(
    texts: list[str | None], zone: ZoneInfo | None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    """Parse ISO 8601 texts to naive UTC.

    Returns (datetime64[us] values, unreadable mask, nonexistent-local-time mask, values without
    offset). Texts without offset are local times in ``zone`` (UTC when ``None``).
    """
    cache: dict[str, tuple[int, bool] | None] = {}
    micros = np.full(len(texts), _NAT, dtype=np.int64)
    bad = np.zeros(len(texts), dtype=bool)
    naive = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if text is None:
            continue
        hit = cache.get(text, ())
        if hit == ():
            hit = cache[text] = _parse_one(text)
        if hit is None:
            bad[i] = True
        else:
            micros[i], aware = hit  # type: ignore[misc]
            naive[i] = not aware
    values = micros.view("datetime64[us]")
    clock = np.zeros(len(texts), dtype=bool)
    if zone is not None and naive.any():
        local = pd.Series(values[naive]).dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        utc = local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").to_numpy()
        values = values.copy()
        values[naive] = utc
        clock[naive] = np.isnat(utc)
    return values, bad, clock, int(naive.sum())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are created.

    Reading a large log allocates many long-lived containers; without the pause Python re-scans
    them again and again. Nothing read here forms reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- source attributes -------------------------------------------------------------------------
def attributes_json(attrs: dict[str, Any]) -> str:
    """The canonical ``attributes`` text: compact JSON, keys in the order they were read."""
    return json.dumps(attrs, ensure_ascii=False, separators=(",", ":"))


def put_attribute(attrs: dict[str, Any], key: str, value: Any) -> None:
    """Add ``key``; when a different attribute already has that name, use ``key#2``, ``key#3``…"""
    if key not in attrs:
        attrs[key] = value
        return
    n = 2
    while f"{key}#{n}" in attrs:
        n += 1
    attrs[f"{key}#{n}"] = value


def source_attributes(text: Any) -> dict[str, Any] | None:
    """The canonical ``attributes`` text as a dict; ``None`` when it is missing or not an object."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def grouped_by_case(events: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray[Any, Any], bool]:
    """Events regrouped so each ticket's events are adjacent (order kept), the ticket number of
    each event, and whether the events come from more than one log."""
    frame = events.reset_index(drop=True)
    absent = [c for c in EVENT_COLUMNS if c not in frame.columns and c != Col.IMPORT_ID]
    if absent:  # a partial frame (not from the store): the missing fields are empty
        frame = frame.assign(**dict.fromkeys(absent, None))
    codes = frame.groupby([Col.LOG, Col.CASE_ID], sort=False, dropna=False).ngroup().to_numpy()
    if len(codes) and (np.diff(codes) < 0).any():
        order = np.argsort(codes, kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        codes = codes[order]
    multi = frame[Col.LOG].nunique(dropna=False) > 1
    return frame, codes, bool(multi)


def case_names(frame: pd.DataFrame, *, multi: bool) -> pd.Series:
    """The exported ticket name: the case id, or ``log:case_id`` when several logs are exported."""
    if not multi:
        return frame[Col.CASE_ID]
    return frame[Col.LOG].astype(object) + ":" + frame[Col.CASE_ID].astype(object)


def none_if_missing(value: Any) -> Any:
    """``None`` for pandas' missing markers (None, NaN, NA, NaT), else the value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def compile_xml_escape() -> tuple[re.Pattern[str], dict[int, str]]:
    """Pattern of characters that need care in an XML attribute value, and their replacements.

    XML 1.0 cannot carry most control characters (not even as references); they become U+FFFD.
    """
    table: dict[int, str] = {
        ord("&"): "&amp;",
        ord("<"): "&lt;",
        ord(">"): "&gt;",
        ord('"'): "&quot;",
        ord("\n"): "&#10;",
        ord("\r"): "&#13;",
        ord("\t"): "&#9;",
    }
    for code in [*range(0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]:
        table.setdefault(code, "\ufffd")
    pattern = re.compile('[&<>"\x00-\x1f\ud800-\udfff\ufffe\uffff]')
    return pattern, table


@contextmanager
def open_target(target: Path) -> Iterator[IO[str]]:
    """A text stream into a temporary file next to ``target`` that replaces it when complete.

    A name ending in ``.gz`` gets gzip compression. Nothing is left behind when writing fails.
    """
    partial = target.with_name(target.name + ".partial")
    compress = target.name.lower().endswith(".gz")
    try:
        with (
            gzip.open(partial, "wb", compresslevel=6) if compress else partial.open("wb") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out,
        ):
            yield out
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
