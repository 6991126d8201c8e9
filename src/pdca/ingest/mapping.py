"""Declarative column mappings: how a source file becomes canonical events.

A mapping is a small TOML file. The built-in connectors ship theirs in ``pdca/ingest/mappings``;
for any other export a user writes one (``pdca ingest FILE --map my.toml``) or lets
``pdca suggest-mapping FILE`` draft it. ``docs/connectors.md`` documents every key.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pdca.errors import MappingError
from pdca.model.schema import MAPPABLE_TEXT_COLUMNS
from pdca.model.vocab import State, TicketType


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadOptions(_Strict):
    """How to read the file. ``None`` means: detect it and say what was detected."""

    encoding: str | None = None
    delimiter: str | None = None
    missing_values: list[str] = Field(default_factory=lambda: [""])
    sheet: str | None = None


class TimestampOptions(_Strict):
    """How to read timestamps. Give ``format`` (strftime codes) or let pdca detect it.

    When day-first and month-first both fit every value, detection refuses to guess: set
    ``dayfirst`` (or pass ``--dayfirst`` / ``--monthfirst``).
    """

    format: str | None = None
    dayfirst: bool | None = None
    timezone: str = "UTC"


class ColumnMap(_Strict):
    """Which source column fills which canonical field."""

    case_id: str
    timestamp: str
    activity: str | list[str]
    seq: str | None = None
    ticket_type: str | None = None
    assignment_group: str | None = None
    resource: str | None = None
    support_level: str | None = None
    priority: str | None = None
    service: str | None = None
    category: str | None = None
    subcategory: str | None = None
    channel: str | None = None
    location: str | None = None
    impact: str | None = None
    urgency: str | None = None
    caller: str | None = None

    def text_fields(self) -> dict[str, str]:
        """Canonical text field -> source column, for the simple one-column fields."""
        out: dict[str, str] = {}
        for name in MAPPABLE_TEXT_COLUMNS:
            if name == "activity":
                continue
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def activity_columns(self) -> list[str]:
        """The source column(s) whose values make the activity label."""
        return [self.activity] if isinstance(self.activity, str) else list(self.activity)


class Mapping(_Strict):
    """A complete mapping of one kind of source file."""

    source: str = "csv"
    ticket_type: TicketType = TicketType.INCIDENT
    activity_separator: str = "-"
    lenient: bool = False
    """When true, mapped columns other than case id, timestamp and activity may be absent from
    the file (exports differ in the fields they include); they are then left empty and listed in
    the quality report. When false (the default for user mappings), a missing column is an error,
    since it is usually a typo."""
    read: ReadOptions = Field(default_factory=ReadOptions)
    columns: ColumnMap
    timestamp: TimestampOptions = Field(default_factory=TimestampOptions)
    states: dict[str, State] = Field(default_factory=dict)
    """Activity label (as built from the activity columns) -> canonical state."""

    def source_columns(self) -> set[str]:
        """Every source column the mapping names."""
        cols = {self.columns.case_id, self.columns.timestamp, *self.columns.activity_columns()}
        cols.update(self.columns.text_fields().values())
        if self.columns.seq:
            cols.add(self.columns.seq)
        if self.columns.ticket_type:
            cols.add(self.columns.ticket_type)
        return cols

    def with_overrides(self, **changes: Any) -> Mapping:
        """A copy with nested options replaced, e.g. ``timestamp={"dayfirst": True}``."""
        data = self.model_dump()
        for key, value in changes.items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                data[key] = value
        return Mapping.model_validate(data)


def _format_validation(exc: ValidationError, where: str) -> MappingError:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return MappingError(
        f"{where}: {loc}: {first['msg']}",
        "see docs/connectors.md for the mapping keys",
    )


def parse_mapping(data: dict[str, Any], where: str = "mapping") -> Mapping:
    """Validate a mapping given as a dict (as read from TOML)."""
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        raise _format_validation(exc, where) from None


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path} is not valid TOML: {exc}") from None
    return parse_mapping(data, str(path))


def builtin_mapping(name: str) -> Mapping:
    """One of the mappings shipped with pdca (``servicenow``, ``bpic2013_incidents``, …)."""
    ref = resources.files("pdca.ingest.mappings").joinpath(f"{name}.toml")
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    return parse_mapping(data, f"built-in mapping {name}")
