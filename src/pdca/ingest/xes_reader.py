"""Reading XES files safely and in one pass (see :mod:`pdca.ingest.xes` for the mapping).

The XML is parsed with defusedxml's expat reader, which refuses DTDs, entity declarations and
external references before anything is expanded or fetched. The parser reports each element as it
is read and the reader keeps only the current event, so large logs need no document tree.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml
from defusedxml.expatreader import DefusedExpatParser

from pdca.errors import InputError, UnsafeInputError
from pdca.ingest import limits
from pdca.ingest.collect import Collector
from pdca.ingest.interchange import (
    ATTR_PREFIX,
    CARRIED_FIELDS,
    PDCA_PREFIX,
    attributes_json,
    put_attribute,
)
from pdca.ingest.limits import DEPTH
from pdca.ingest.reader import Decompressed
from pdca.ingest.xes_writer import NULL_MARK
from pdca.model.schema import Col

STANDARD_KEYS: dict[str, str] = {
    "concept:name": Col.ACTIVITY,
    "time:timestamp": Col.TIMESTAMP,
    "org:resource": Col.RESOURCE,
    "org:group": Col.ASSIGNMENT_GROUP,
    **{PDCA_PREFIX + name: name for name in CARRIED_FIELDS},
}
"""Event attribute key -> canonical field."""

VALUE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
ATTRIBUTE_TAGS = VALUE_TAGS | {"list", "container"}
TRACE_ATTRIBUTE_PREFIX = "case:"
"""Trace attributes other than the trace's name are copied to its events as ``case:NAME``."""
_RAW_ATTRIBUTES = f"{PDCA_PREFIX}attributes"
_EXPORTED_BY = f"{PDCA_PREFIX}exported_by"

# An attribute element as read: [tag, key, value, children or None]
Frame = list[Any]


class _HashingReader:
    """A binary stream that feeds everything read through it into a SHA-256."""

    def __init__(self, raw: Decompressed | IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data

    def close(self) -> None:
        """The parser closes its input when done; the file itself is closed by :func:`read_xes`."""

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return self.sha256.hexdigest()


def _tag(frame: Frame) -> str:
    """The element name without a namespace prefix."""
    return str(frame[0]).rpartition(":")[2]


def _flatten(frame: Frame, name: str, attrs: dict[str, Any]) -> None:
    """Nested and list attributes: ``name.child`` for children, ``name[i]`` for list items."""
    tag, _key, value, children = frame
    tag = tag.rpartition(":")[2]
    if value is not None or tag in VALUE_TAGS:
        put_attribute(attrs, name, value)
    if not children:
        return
    if tag == "list":
        items = [c for c in children if _tag(c) in ATTRIBUTE_TAGS]
        for values in (c for c in children if _tag(c) == "values"):
            items.extend(c for c in values[3] or () if _tag(c) in ATTRIBUTE_TAGS)
        for i, item in enumerate(items):
            _flatten(item, f"{name}[{i}]", attrs)
        return
    for child in children:
        if _tag(child) in ATTRIBUTE_TAGS and child[1] is not None:
            _flatten(child, f"{name}.{child[1]}", attrs)


def _mark(frame: Frame) -> str | None:
    """The pdca meta-mark (``null``/``json``) of a source attribute written by pdca."""
    for child in frame[3] or ():
        if child[1] == NULL_MARK:
            value: str | None = child[2]
            return value
    return None


class _Event:
    __slots__ = ("attrs", "position", "values")

    def __init__(self, position: int) -> None:
        self.position = position
        self.values: dict[str, str | None] = {}
        self.attrs: dict[str, Any] = {}

    def attribute(self, frame: Frame) -> None:
        """Sort one attribute of the event into canonical values and source attributes."""
        tag, key, value, children = frame
        if key is None:
            return
        if tag == "float" and value is not None and value.strip().lower() == "nan":
            value = None  # PM4Py writes a missing value as <float value="nan"/>
            frame = [tag, key, None, children]
            if key in STANDARD_KEYS and not children:
                return
        if children is None:
            field = STANDARD_KEYS.get(key)
            if field is not None and tag in VALUE_TAGS:
                self.values[field] = value
            elif key.startswith(ATTR_PREFIX):
                put_attribute(self.attrs, key[len(ATTR_PREFIX) :], value)
            elif key == _RAW_ATTRIBUTES:
                self.values[Col.ATTRIBUTES] = value
            else:
                _flatten(frame, key, self.attrs)
            return
        mark = _mark(frame)
        name = key.removeprefix(ATTR_PREFIX)
        if mark == "null":
            put_attribute(self.attrs, name, None)
        elif mark == "json":
            try:
                put_attribute(self.attrs, name, json.loads(value or "null"))
            except ValueError:
                put_attribute(self.attrs, name, value)
        else:
            _flatten(frame, name, self.attrs)


class XesHandler:
    """Turns the parser's start/end notifications into collected events.

    ``start`` and ``end`` are closures over local state: expat calls them for every element, and
    this is the hot path of reading a large log.
    """

    def __init__(self, collector: Collector) -> None:
        self.col = collector
        self.owners: list[str] = []
        self.frames: list[Frame] = []
        self.current: list[_Event | None] = [None]
        """The event being read (a one-item list, so the hot-path closures can change it)."""
        self.in_trace = False
        self.trace_frames: list[Frame] = []
        self.pending: list[_Event] = []
        self.events_seen = 0
        self.traces = 0
        self.log_name: str | None = None
        self.xes_version: str | None = None
        self.written_by_pdca = False
        self.start, self.end = self._handlers()

    def _handlers(self) -> tuple[Any, Any]:
        frames: list[Frame] = self.frames
        attribute_tags = ATTRIBUTE_TAGS
        value_tags = VALUE_TAGS
        standard = STANDARD_KEYS
        prefix, cut = ATTR_PREFIX, len(ATTR_PREFIX)
        current = self.current
        owners = self.owners
        depth = limits.current().depth

        def start(name: str, attrs: dict[str, str]) -> None:
            if frames or name in attribute_tags:
                if len(frames) >= depth:
                    self._too_deep()
                frames.append([name, attrs.get("key"), attrs.get("value"), None])
            else:
                if len(owners) >= depth:
                    self._too_deep()
                self._open(name, attrs)

        def end(_name: str) -> None:
            if not frames:
                self._close()
                return
            frame = frames.pop()
            if frames:
                parent = frames[-1]
                if parent[3] is None:
                    parent[3] = [frame]
                else:
                    parent[3].append(frame)
                return
            event = current[0]
            if event is None:
                self._outer_attribute(frame)
                return
            tag, key, value, children = frame
            if children is None and key is not None and tag != "float":
                field = standard.get(key)
                if field is not None:
                    if tag in value_tags:
                        event.values[field] = value
                        return
                elif key.startswith(prefix):
                    name = key[cut:]
                    if name not in event.attrs:
                        event.attrs[name] = value
                        return
            event.attribute(frame)

        return start, end

    def _too_deep(self) -> None:
        depth = limits.current().depth
        raise InputError(
            f"the XES elements are nested more than {depth} levels deep "
            f"(event {self.events_seen}, {DEPTH.env})",
            limits.hint(DEPTH),
        )

    def _open(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:  # a namespace prefix (xes:event); the standard uses none
            name = name.rpartition(":")[2]
            if name in ATTRIBUTE_TAGS:
                self.frames.append([name, attrs.get("key"), attrs.get("value"), None])
                return
        owners = self.owners
        if not owners:
            if name != "log":
                raise InputError(
                    f"this is not an XES file: the root element is <{name}>, not <log>"
                )
            self.xes_version = attrs.get("xes.version")
        elif name == "event":
            self.current[0] = _Event(self.events_seen)
            self.events_seen += 1
        elif name == "trace" and len(owners) == 1:
            self.in_trace = True
            self.traces += 1
        owners.append(name)

    def _outer_attribute(self, frame: Frame) -> None:
        owner = self.owners[-1] if self.owners else ""
        if owner == "trace":
            self.trace_frames.append(frame)
        elif owner == "log":
            self._log_attribute(frame)

    def _close(self) -> None:
        owner = self.owners.pop()
        event = self.current[0]
        if owner == "event" and event is not None:
            self.current[0] = None
            if self.in_trace and len(self.owners) == 2:
                self.pending.append(event)
            else:
                self._add(event, None, {}, "event is not inside a trace (no case id)")
        elif owner == "trace" and len(self.owners) == 1:
            self._trace()

    def _log_attribute(self, frame: Frame) -> None:
        if frame[1] == "concept:name":
            self.log_name = frame[2]
        elif frame[1] == _EXPORTED_BY:
            self.written_by_pdca = True

    def _trace(self) -> None:
        case_id: str | None = None
        case_attrs: dict[str, Any] = {}
        for frame in self.trace_frames:
            tag, key, value, children = frame
            if key is None:
                continue
            if key == "concept:name" and tag in VALUE_TAGS and not children:
                case_id = value
            else:
                _flatten(frame, TRACE_ATTRIBUTE_PREFIX + key, case_attrs)
        for event in self.pending:
            self._add(event, case_id, case_attrs, None)
        self.pending.clear()
        self.trace_frames.clear()
        self.in_trace = False

    def _add(
        self, event: _Event, case_id: str | None, case_attrs: dict[str, Any], reject: str | None
    ) -> None:
        attrs = event.attrs
        if case_attrs:
            attrs = dict(case_attrs)
            for key, value in event.attrs.items():
                put_attribute(attrs, key, value)
        text = event.values.pop(Col.ATTRIBUTES, None)
        if text is None or attrs:
            text = attributes_json(attrs)
        self.col.add(event.position, case_id, event.values, text, reject)


class _Content(ContentHandler):
    """No character data is needed: ``characters = None`` stops expat from reporting it."""

    characters = None  # type: ignore[assignment]


class _Parser(DefusedExpatParser):  # type: ignore[misc]
    """defusedxml's expat reader (no DTD, no entities, no external references), wired so that
    expat calls our handler directly for every element."""

    def __init__(self, handler: XesHandler) -> None:
        super().__init__(bufsize=1 << 20, forbid_dtd=True, forbid_entities=True)
        self.start_element = handler.start
        self.end_element = handler.end
        self.setContentHandler(_Content())


def read_xes(path: Path, collector: Collector) -> tuple[XesHandler, str, bool]:
    """Stream ``path`` into ``collector``; returns the handler (log facts), SHA-256, gzip flag.

    The file is decompressed as it is parsed, within the limits of :mod:`pdca.ingest.limits`
    (decompressed size, expansion ratio, nesting depth).
    """
    stream = Decompressed(path)
    hashing = _HashingReader(stream)
    handler = XesHandler(collector)
    try:
        _Parser(handler).parse(hashing)
        digest = hashing.drain()
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeInputError(
            f"refusing to read {path}: it contains {_what(exc)}",
            "XES files need none of these; they are refused because they can read local files "
            "or exhaust memory (billion laughs)",
        ) from None
    except SAXParseException as exc:
        raise InputError(
            f"{path} is not well-formed XML (line {exc.getLineNumber()}, "
            f"column {exc.getColumnNumber()}: {exc.getMessage()})",
            "the file may be truncated or not XES",
        ) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path} cannot be read or decompressed: {exc}") from None
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise InputError(
            f"{path} declares an unknown text encoding ({exc})",
            'XES files are UTF-8: fix the first line (<?xml version="1.0" encoding="UTF-8"?>)',
        ) from None
    except RecursionError:
        raise InputError(
            f"{path}: the XES elements are nested too deeply", limits.hint(DEPTH)
        ) from None
    finally:
        stream.close()
    return handler, digest, stream.compression != "none"


def _what(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "DTDForbidden":
        return "a document type declaration (<!DOCTYPE …>, DTD)"
    if name == "EntitiesForbidden":
        return "an entity declaration (<!ENTITY …>)"
    if name == "ExternalReferenceForbidden":
        return "a reference to an external resource"
    return "an XML construct pdca does not allow"  # pragma: no cover
