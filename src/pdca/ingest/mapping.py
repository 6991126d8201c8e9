"""Declarative column mappings: how a source file becomes canonical events.

A mapping is a small TOML file. The built-in connectors ship theirs in ``pdca/ingest/mappings``;
for any other export a user writes one (``pdca ingest FILE --map my.toml``) or lets
``pdca suggest-mapping FILE`` draft it. ``docs/connectors.md`` documents every key.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


DATE_CODE_LIST = ("%Y", "%y", "%m", "%d", "%b", "%B", "%a", "%A", "%H", "%I", "%p", "%M", "%S",
                  "%f", "%z", "%Z", "%j", "%%")  # fmt: skip
DATE_CODES = frozenset(code[1] for code in DATE_CODE_LIST)
"""strftime codes a timestamp format may use (Python's ``strptime`` reads each)."""


class TimestampOptions(_Strict):
    """How to read timestamps. Give ``format`` (strftime codes) or let pdca detect it.

    When day-first and month-first both fit every value, detection refuses to guess: set
    ``dayfirst`` (or pass ``--dayfirst`` / ``--monthfirst``).
    """

    format: str | None = None
    dayfirst: bool | None = None
    timezone: str = "UTC"

    @field_validator("format")
    @classmethod
    def _known_codes(cls, value: str | None) -> str | None:
        """Only the strftime codes that read a date or time (``%s``, ``%Q``… are refused)."""
        if value is None:
            return value
        codes = re.findall(r"%(.)", value.replace("%%", ""))
        unknown = sorted({c for c in codes if c not in DATE_CODES})
        if unknown or value.replace("%%", "").endswith("%"):
            shown = ", ".join(f"%{c}" for c in unknown) or "a lone %"
            msg = f"{shown} is not a date code pdca reads; use {' '.join(DATE_CODE_LIST)}"
            raise ValueError(msg)
        return value


class ColumnMap(_Strict):
    """Which source column fills which canonical field."""

    case_id: str
    timestamp: str = ""
    """The event time (event logs); a ticket list names its date columns in ``[dates]``."""
    activity: str | list[str] = ""
    """The status or step column(s) (event logs); not used by a ticket list (empty)."""
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

    @model_validator(mode="after")
    def _named(self) -> ColumnMap:
        """A column is named, never the empty text (leave a field out instead; only
        ``timestamp`` and ``activity`` take "" to mean a ticket list has none)."""
        for name, value in self:
            if name in {"timestamp", "activity"} and value == "":
                continue
            parts = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and not v.strip() for v in parts):
                msg = f"{name} names no column (an empty name); leave the key out instead"
                raise ValueError(msg)
        return self

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
        if not self.activity:
            return []
        return [self.activity] if isinstance(self.activity, str) else list(self.activity)


DATE_KINDS: dict[str, State] = {
    "opened": State.NEW,
    "first_response": State.IN_PROGRESS,
    "assigned": State.IN_PROGRESS,
    "in_progress": State.IN_PROGRESS,
    "waiting": State.WAITING_OTHER,
    "resolved": State.RESOLVED,
    "closed": State.CLOSED,
    "cancelled": State.CANCELLED,
}
"""The ``[dates]`` keys pdca knows and the canonical state each date starts."""


class DateColumn(_Strict):
    """A ticket list's date given as a table: another kind of date (``state``), or a duration
    column counted from another date (``after``), such as GLPI's delay to take into account."""

    column: str
    state: State | None = None
    """The state the date starts; required for a key that is not one of :data:`DATE_KINDS`."""
    after: str | None = None
    """When set, ``column`` holds a duration (text such as "1 hora 20 minutos") and the date is
    this other date (a key of ``[dates]``, usually ``opened``) plus the duration."""


class DateSpec(NamedTuple):
    """One date of a ticket list, resolved: its column, state, and the date it counts from."""

    column: str
    state: State
    after: str | None


class SlaVerdict(_Strict):
    """The tool's own SLA verdict column (yes/no in any language) -> attribute ``made_sla``."""

    column: str
    means: str = Field(default="met", pattern="^(met|breached)$")
    """``met``: yes means the SLA was met; ``breached``: yes means it was breached (a column
    such as GLPI's "Tempo para resolver excedido", time to resolve exceeded)."""


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
    dates: dict[str, str | DateColumn] = Field(default_factory=dict)
    """A ticket list (one row per ticket): event name -> its date column. Keys of
    :data:`DATE_KINDS` take a column name; any other key a ``{column, state}`` table. Each
    date a row has becomes one event in that state; ``opened`` is required."""
    attributes: dict[str, str] = Field(default_factory=dict)
    """Attribute name -> source column: keeps a column under another name (``made_sla``)."""
    sla: SlaVerdict | None = None
    """The tool's yes/no SLA verdict column, stored as attribute ``made_sla`` (true/false)."""
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Field or attribute name -> {source value: recoded value} (a value map)."""

    @model_validator(mode="after")
    def _named(self) -> Mapping:
        """The dates, attributes and SLA column are named, never the empty text."""
        named = {f"dates.{k}": v if isinstance(v, str) else v.column for k, v in self.dates.items()}
        named.update({f"attributes.{k}": v for k, v in self.attributes.items()})
        if self.sla is not None:
            named["sla.column"] = self.sla.column
        for key, column in named.items():
            if not column.strip():
                msg = f"{key} names no column (an empty name); leave the key out instead"
                raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _shape(self) -> Mapping:
        cols = self.columns
        if self.dates:
            if "opened" not in self.dates:
                raise ValueError("[dates] needs opened = the column of the opening date")
            if cols.timestamp or cols.activity:
                raise ValueError(
                    "a ticket list takes its times from [dates]: leave columns.timestamp and "
                    "columns.activity out (the status column is kept as an attribute)"
                )
            for key, value in self.dates.items():
                state = value.state if isinstance(value, DateColumn) else None
                if state is None and key not in DATE_KINDS:
                    raise ValueError(
                        f"dates.{key}: not one of {', '.join(DATE_KINDS)}; give "
                        f'{{column = "…", state = "…"}} for another date'
                    )
                after = value.after if isinstance(value, DateColumn) else None
                base = self.dates.get(after) if after is not None else None
                if after is not None and (
                    base is None or (isinstance(base, DateColumn) and base.after is not None)
                ):
                    raise ValueError(
                        f"dates.{key}.after: {after!r} must be another date of [dates] given "
                        "by a date column"
                    )
            if isinstance(self.dates["opened"], DateColumn) and self.dates["opened"].after:
                raise ValueError("dates.opened must be a date column, not a duration")
        elif not cols.timestamp or not cols.activity:
            raise ValueError(
                "columns.timestamp and columns.activity are required (or a [dates] table "
                "for a ticket list)"
            )
        verdict = self.values.get("made_sla", {})
        bad = sorted({v for v in verdict.values() if v not in ("true", "false")})
        if bad:
            raise ValueError(f"values.made_sla: recode to true or false, not {bad[0]!r}")
        if self.ticket_type_values_invalid():
            raise ValueError(
                f"values.ticket_type: {self.ticket_type_values_invalid()!r} is not one of "
                f"{', '.join(t.value for t in TicketType)}"
            )
        return self

    def ticket_type_values_invalid(self) -> str | None:
        """The first recoded ticket type that is not a pdca ticket type, if any."""
        known = {t.value for t in TicketType}
        return next((v for v in self.values.get("ticket_type", {}).values() if v not in known),
                    None)  # fmt: skip

    @property
    def is_ticket_list(self) -> bool:
        """Whether rows are tickets with date columns (``[dates]``) rather than events."""
        return bool(self.dates)

    def date_columns(self) -> dict[str, DateSpec]:
        """Event name -> its column, canonical state and base date, in the order given."""
        out: dict[str, DateSpec] = {}
        for key, value in self.dates.items():
            if isinstance(value, str):
                out[key] = DateSpec(value, DATE_KINDS[key], None)
            else:
                out[key] = DateSpec(value.column, value.state or DATE_KINDS[key], value.after)
        return out

    def attribute_columns(self) -> dict[str, str]:
        """Attribute name -> source column for renamed columns (the SLA verdict included)."""
        out = dict(self.attributes)
        if self.sla is not None:
            out["made_sla"] = self.sla.column
        return out

    def source_columns(self) -> set[str]:
        """Every source column the mapping names."""
        cols = {self.columns.case_id, *self.columns.activity_columns()}
        if self.columns.timestamp:
            cols.add(self.columns.timestamp)
        cols.update(self.columns.text_fields().values())
        if self.columns.seq:
            cols.add(self.columns.seq)
        if self.columns.ticket_type:
            cols.add(self.columns.ticket_type)
        cols.update(spec.column for spec in self.date_columns().values())
        cols.update(self.attribute_columns().values())
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
    except UnicodeDecodeError as exc:
        raise MappingError(
            f"the mapping file {path} is not UTF-8 text (byte {exc.start})",
            "save it as UTF-8 (TOML files are UTF-8)",
        ) from None
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
