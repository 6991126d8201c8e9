"""Drafting a mapping for an export pdca has never seen.

The draft comes from the header names (see :mod:`pdca.ingest.roles`) and from the values: a
timestamp column is one whose values are dates, a ticket number repeats across the rows of an
event log, a status column has few distinct values that read like states. The detected
timestamp format and a ``[states]`` table (each status label mapped to a canonical state by its
words) are included. ``pdca suggest-mapping FILE > map.toml`` writes the draft with comments
so a service manager can check it before importing with ``--map map.toml``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import AmbiguousDateError, InputError, MappingError
from pdca.ingest.dates import detect_format, looks_like_dates, parse_with
from pdca.ingest.lexicon import is_duration_header, ticket_type_of
from pdca.ingest.mapping import Mapping, parse_mapping
from pdca.ingest.mapping_toml import mapping_to_toml, one_line, toml_key, toml_line, toml_string
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW
from pdca.ingest.roles import REQUIRED, ROLES, name_score, words
from pdca.ingest.suggest_list import (
    ListDraft,
    draft_dates,
    draft_sla,
    draft_values,
    duration_column,
    label_state,
    lexicon_field,
)
from pdca.ingest.table import Table, read_table
from pdca.model.vocab import State, TicketType

__all__ = ["Suggestion", "mapping_to_toml", "suggest", "suggest_mapping", "suggest_mapping_text"]

_SAMPLE_ROWS = 1000
_MAX_STATE_LABELS = 200
_MAX_ACTIVITY_LABELS = 500
_MISSING_TOKENS = ("?", "N/A", "n/a", "NULL", "null", "None", "#N/A", "(none)")
_ROLE_WORDS = {
    "case_id": "case id (the ticket number)",
    "timestamp": "timestamp",
    "activity": "activity (the status or event)",
}


@dataclass(frozen=True)
class _Stats:
    """What the values of one column look like."""

    name: str
    position: int
    filled: float
    distinct: int
    dates: bool
    id_like: bool
    integers: bool
    numeric: bool
    state_words: float
    """Share of the distinct labels that read like a ticket state (0 with too many labels)."""


@dataclass(frozen=True)
class Choice:
    """The column chosen for a canonical field, and why."""

    column: str
    why: str


def _spread_rows(n: int, size: int) -> np.ndarray[Any, Any]:
    if n <= size:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, size).astype(int))


def _present(values: pd.Series, tokens: list[str]) -> pd.Series:
    stripped = values.str.strip()
    return values[stripped.notna() & ~stripped.isin([*tokens, ""])]


def _column_stats(name: str, position: int, values: pd.Series, tokens: list[str]) -> _Stats:
    present = _present(values, tokens)
    sample = present.iloc[_spread_rows(len(present), _SAMPLE_ROWS)]
    distinct = int(present.nunique())
    has_digits = bool(sample.str.contains(r"\d", regex=True).any())
    shares = 0.0
    if 0 < distinct <= _MAX_STATE_LABELS:
        labels = present.unique()
        shares = sum(label_state(str(v)) is not None for v in labels) / len(labels)
    return _Stats(
        name=name,
        position=position,
        filled=len(present) / len(values) if len(values) else 0.0,
        distinct=distinct,
        dates=has_digits and looks_like_dates(sample),
        id_like=bool(len(sample))
        and int(sample.str.len().max()) <= 64
        and float(sample.str.contains(r"\s", regex=True).mean()) <= 0.1,
        integers=bool(len(sample)) and bool(sample.str.fullmatch(r"\s*-?\d+\s*").all()),
        numeric=bool(len(sample)) and bool(sample.str.fullmatch(r"\s*[-+]?[\d.,]+\s*").all()),
        state_words=shares,
    )


def _value_score(role: str, col: _Stats, rows: int) -> tuple[float, str]:
    """Score from the values alone, for required fields no header name gives away."""
    if role == "timestamp" and col.dates:
        return 20 + 10 * col.filled, "its values are timestamps"
    if (
        role == "case_id"
        and col.id_like
        and not col.dates
        and col.filled >= 0.9
        and col.distinct >= 2
        and col.state_words < 0.5
    ):
        repeats = 5 if col.distinct < rows else 0
        return 10 + repeats + 10 * col.distinct / rows, "its values look like ticket numbers"
    if (
        role == "activity"
        and not col.dates
        and not col.numeric
        and 2 <= col.distinct <= _MAX_STATE_LABELS
        and col.state_words > 0
    ):
        return 10 + 20 * col.state_words, "its values read like ticket states"
    return 0.0, ""


def _eligible(role: str, col: _Stats) -> bool:
    if col.filled == 0 or col.dates != (role == "timestamp"):
        return False
    checks = {
        "case_id": col.filled >= 0.5,
        "activity": col.distinct <= _MAX_ACTIVITY_LABELS and col.filled >= 0.3,
        "seq": col.integers,
    }
    return checks.get(role, True)


_LEXICON_SCORE = 150.0
"""Score of a header the lexicon knows in another language (below an exact English name)."""


def _choose(
    stats: list[_Stats], rows: int, *, skip: set[str] | None = None, roles: list[str] | None = None
) -> dict[str, Choice]:
    """Give each canonical field its best column; a column serves one field only."""
    order = list(ROLES)
    offers: list[tuple[float, int, int, str, str]] = []
    for role in roles or order:
        for col in stats:
            if col.name in (skip or set()) or not _eligible(role, col):
                continue
            score, why = float(name_score(role, col.name)), "header name"
            if not score and lexicon_field(col.name) == role:
                score = _LEXICON_SCORE
            if not score and role in REQUIRED:
                score, why = _value_score(role, col, rows)
            if score:
                offers.append((-score, order.index(role), col.position, role, why))
    chosen: dict[str, Choice] = {}
    used: set[int] = set()
    for _, _, position, role, why in sorted(offers):
        if role not in chosen and position not in used:
            chosen[role] = Choice(stats[position].name, why)
            used.add(position)
    return chosen


@dataclass
class Suggestion:
    """A drafted mapping, with the reasons behind it and what it could not decide."""

    path: Path
    table: Table
    columns: dict[str, Choice]
    stats: list[_Stats]
    missing_values: list[str]
    timestamp: dict[str, Any]
    timestamp_note: str
    states: dict[str, State]
    unmapped_labels: list[str]
    listed: ListDraft = field(default_factory=ListDraft)
    """Ticket list: ``[dates]`` and ``[sla]``; any export: value maps drafted from the labels."""
    ticket_type_column: str | None = None
    duration: str | None = None
    """A duration column when the file has no date column (a dateless ticket list)."""

    @property
    def is_ticket_list(self) -> bool:
        """Whether the draft reads the file as a ticket list (``[dates]``)."""
        return bool(self.listed.dates)

    @property
    def missing(self) -> list[str]:
        """Required fields no column was found for."""
        required = ("case_id",) if self.is_ticket_list else REQUIRED
        return [role for role in required if role not in self.columns]

    def data(self) -> dict[str, Any]:
        """The mapping as plain data (what the TOML file holds)."""
        case = self.columns.get("case_id")
        ticket_type = TicketType.INCIDENT
        if case and "problem" in words(case.column).split():
            ticket_type = TicketType.PROBLEM
        elif case and "change" in words(case.column).split():
            ticket_type = TicketType.CHANGE
        raw = self.table.raw
        read: dict[str, Any] = {"missing_values": self.missing_values}
        if self.table.sheet is None:
            read = {"encoding": raw.encoding, "delimiter": raw.delimiter, **read}
        else:
            read["sheet"] = self.table.sheet
        columns = {role: self.columns[role].column for role in ROLES if role in self.columns}
        if self.ticket_type_column:
            columns["ticket_type"] = self.ticket_type_column
        return {
            "source": "csv",
            "ticket_type": ticket_type.value,
            "read": read,
            "columns": columns,
            "timestamp": {k: v for k, v in self.timestamp.items() if v is not None},
            "states": {label: state.value for label, state in self.states.items()},
            "dates": self.listed.dates,
            "sla": self.listed.sla,
            "values": self.listed.values,
        }

    def to_mapping(self, *, keep_format: bool = True) -> Mapping:
        """The draft as a mapping; :class:`MappingError` when a required field is missing.

        Without ``keep_format`` the timestamp format is left to detection at import time (which
        then reports it, and its day/month order, in the quality report).
        """
        if self.duration is not None and not self.is_ticket_list and "timestamp" in self.missing:
            raise InputError(*dateless_message(self.path.name, self.duration, self.columns))
        if self.missing:
            name = self.path.name
            need = " and the ".join(_ROLE_WORDS[r] for r in self.missing)
            names = [c for c in self.table.raw.frame.columns if c != ROW]
            listed = ", ".join(repr(c) for c in names[:40]) + (", …" if len(names) > 40 else "")
            raise MappingError(
                f"cannot tell which column of {name} holds the {need} (columns: {listed})",
                f"write a mapping: `pdca suggest-mapping {name} > map.toml`, edit it, "
                f"then `pdca ingest {name} --map map.toml`",
            )
        data = self.data()
        if not keep_format:
            data["timestamp"] = {"timezone": data["timestamp"].get("timezone", "UTC")}
            if self.is_ticket_list and self.timestamp.get("dayfirst") is not None:
                data["timestamp"]["dayfirst"] = self.timestamp["dayfirst"]
        return parse_mapping(data, f"suggested mapping for {self.path.name}")

    def to_text(self) -> str:
        """The draft as commented TOML for the user to check and edit."""
        return _render(self)


def _missing_tokens(frame: pd.DataFrame) -> list[str]:
    sample = frame.iloc[_spread_rows(len(frame), _SAMPLE_ROWS)].drop(columns=[ROW])
    found = [t for t in _MISSING_TOKENS if bool(sample.isin([t]).any().any())]
    return ["", *found]


def _timestamp(column: str, values: pd.Series, options: LoadOptions) -> tuple[dict[str, Any], str]:
    settings: dict[str, Any] = {"format": None, "dayfirst": options.dayfirst}
    settings["timezone"] = options.timezone or "UTC"
    try:
        fmt = detect_format(values, dayfirst=options.dayfirst, column=column)
    except AmbiguousDateError as exc:
        return settings, f"{exc.message}: set dayfirst = true (31/12) or false (12/31)"
    except InputError as exc:
        return settings, f"{exc.message}: give the format with strftime codes"
    settings["format"] = fmt.format
    if fmt.dayfirst is not None:
        settings["dayfirst"] = fmt.dayfirst
    example = str(values.dropna().iloc[0]).strip()
    when = parse_with(pd.Series([example]), fmt.format).iloc[0]
    note = f"detected: {example!r} reads as {when.isoformat(sep=' ')}"
    if fmt.has_offset:
        settings["timezone"] = "UTC"
        note += " (the values carry their UTC offset)"
    return settings, note


def suggest(table: Table, path: Path, options: LoadOptions) -> Suggestion:
    """Draft a mapping for a table already read (no required field is guaranteed)."""
    frame = table.raw.frame
    tokens = _missing_tokens(frame)
    names = [c for c in frame.columns if c != ROW]
    stats = [_column_stats(name, i, frame[name], tokens) for i, name in enumerate(names)]
    columns = _choose(stats, len(frame), skip={n for n in names if is_duration_header(n)})
    present = frame[names].mask(frame[names].isin(tokens) | frame[names].isna())
    listed = _ticket_list(stats, present, names, columns, len(frame))
    if listed.dates:
        return _suggest_list(table, path, options, _Seen(stats, tokens, present), listed)
    timestamp: dict[str, Any] = {"timezone": options.timezone or "UTC"}
    note = ""
    if "timestamp" in columns:
        column = columns["timestamp"].column
        values = _present(frame[column], tokens)
        timestamp, note = _timestamp(column, values, options)
    states: dict[str, State] = {}
    unmapped: list[str] = []
    if "activity" in columns:
        labels = _present(frame[columns["activity"].column], tokens).unique()
        if len(labels) <= _MAX_STATE_LABELS:
            states, unmapped = _guess_states(sorted(str(v) for v in labels))
    used = {c.column for c in columns.values()}
    type_column = _type_column(present, names, used)
    listed.values, listed.unmapped = draft_values(
        present, _value_fields(columns, type_column), None
    )
    duration = None
    if not any(st.dates for st in stats):
        duration = duration_column(present, [n for n in names if n not in used])
    return Suggestion(
        path, table, columns, stats, tokens, timestamp, note, states, unmapped,
        listed, type_column, duration,
    )  # fmt: skip


def _guess_states(labels: list[str]) -> tuple[dict[str, State], list[str]]:
    """Each label's state: the tools' translated labels (lexicon) first, then by its words."""
    found = {label: label_state(label) for label in labels}
    mapped = {label: state for label, state in found.items() if state is not None}
    return mapped, [label for label, state in found.items() if state is None]


def _value_fields(columns: dict[str, Choice], type_column: str | None) -> dict[str, str]:
    """Field -> column of the fields whose labels get a value map (ticket type, priority)."""
    out = {"priority": columns["priority"].column} if "priority" in columns else {}
    if type_column:
        out["ticket_type"] = type_column
    return out


def _type_column(present: pd.DataFrame, names: list[str], used: set[str]) -> str | None:
    """A column the lexicon calls the ticket type whose labels name pdca's ticket types."""
    for name in names:
        if name in used or lexicon_field(name) != "ticket_type":
            continue
        labels = present[name].dropna().astype(str).unique()
        if len(labels) and all(ticket_type_of(v) is not None for v in labels[:_MAX_STATE_LABELS]):
            return name
    return None


def _ticket_list(
    stats: list[_Stats],
    present: pd.DataFrame,
    names: list[str],
    columns: dict[str, Choice],
    rows: int,
) -> ListDraft:
    """The ``[dates]`` draft when the file is one row per ticket with date columns."""
    case = columns.get("case_id")
    if case is None:
        return ListDraft()
    col = next(c for c in stats if c.name == case.column)
    if col.distinct != rows or col.filled < 1.0:
        return ListDraft()
    draft = draft_dates(present, names, {st.name: st.dates for st in stats})
    return draft if len(draft.dates) >= 2 else ListDraft()


@dataclass(frozen=True)
class _Seen:
    """What :func:`suggest` measured of the file's columns."""

    stats: list[_Stats]
    tokens: list[str]
    present: pd.DataFrame
    """The file's columns with the missing-value tokens as NA."""


def _suggest_list(
    table: Table, path: Path, options: LoadOptions, seen: _Seen, listed: ListDraft
) -> Suggestion:
    """The draft of a ticket list: ``[dates]``, ``[sla]``, the fields and their value maps."""
    frame = table.raw.frame
    stats, tokens, present = seen.stats, seen.tokens, seen.present
    names = list(present.columns)
    date_cols = {d if isinstance(d, str) else d["column"] for d in listed.dates.values()}
    listed.sla = draft_sla(present, names, date_cols)
    skip = date_cols | ({listed.sla["column"]} if listed.sla else set())
    roles = [r for r in ROLES if r not in ("timestamp", "activity", "seq")]
    columns = _choose(stats, len(frame), skip=skip, roles=roles)
    used = skip | {c.column for c in columns.values()}
    type_column = _type_column(present, names, used)
    if type_column:
        used.add(type_column)
    status = next(
        (n for n in names if n not in used and lexicon_field(n) == "activity"),
        None,
    )
    listed.values, listed.unmapped = draft_values(
        present, _value_fields(columns, type_column), status
    )
    dated = [c for c in date_cols if any(st.name == c and st.dates for st in stats)]
    pooled = pd.concat([present[c].dropna() for c in dated], ignore_index=True)
    timestamp, note = _timestamp("dates", pooled, options)
    return Suggestion(
        path, table, columns, stats, tokens, timestamp, note, {}, [], listed, type_column,
    )  # fmt: skip


def dateless_message(name: str, column: str, columns: dict[str, Choice]) -> tuple[str, str]:
    """The one-line refusal of a ticket list without dates, and what it can give instead."""
    by = " ".join(f"--by {role}" for role in ("priority", "category") if role in columns)
    by = by or "--by COLUMN"
    message = (
        f"{name} has no date column: it cannot be imported as an event log (no MTTA, no SLA "
        f"clocks, no periods, no process map); its duration column {column!r} still gives "
        "breakdown statistics (n, mean, median, p90 per group)"
    )
    return message, f"pdca durations {name} --column {column!r} {by}"


def _read(path: Path, options: LoadOptions) -> Table:
    return read_table(path, encoding=options.encoding, delimiter=options.delimiter)


def suggest_mapping(path: Path, options: LoadOptions) -> Mapping:
    """A mapping drafted from the file; :class:`MappingError` when a required column is unclear."""
    return suggest(_read(path, options), path, options).to_mapping()


def suggest_mapping_text(path: Path, options: LoadOptions) -> str:
    """The drafted mapping as commented TOML (also when some required column was not found)."""
    return suggest(_read(path, options), path, options).to_text()


def _column_note(s: Suggestion, role: str, rows: int) -> str:
    choice = s.columns[role]
    col = next(c for c in s.stats if c.name == choice.column)
    if role == "case_id":
        extra = f"{col.distinct} tickets in {rows} rows"
        if col.distinct == rows and s.is_ticket_list:
            extra += " (one row per ticket: a ticket list, one event per date in [dates])"
        elif col.distinct == rows:
            extra += " (one row per ticket: a ticket list, each row is one event)"
        return f"{choice.why}; {extra}"
    if role == "activity":
        return f"{choice.why}; {col.distinct} distinct values"
    return choice.why


def _render(s: Suggestion) -> str:
    data = s.data()
    raw = s.table.raw
    rows = len(raw.frame)
    names = [c for c in raw.frame.columns if c != ROW]
    title = f"# Mapping drafted by pdca for {one_line(s.path.name)}: {rows} rows"
    lines = [
        f"{title}, {len(names)} columns.",
        "# Check every line, then import with:  pdca ingest FILE --map THIS_FILE.toml",
        "# Keys are explained in docs/connectors.md.",
        toml_line("source", data["source"]),
        toml_line("ticket_type", data["ticket_type"], "incident, service_request, problem, change"),
        "",
        "[read]",
    ]
    detected = {"encoding": s.table.encoding_detected, "delimiter": s.table.delimiter_detected}
    for key, value in data["read"].items():
        note = "detected" if detected.get(key) else None
        if key == "missing_values":
            note = "cell values that mean 'no value'"
        lines.append(toml_line(key, value, note))
    lines += ["", "[columns]"]
    required = ("case_id",) if s.is_ticket_list else REQUIRED
    for role in ROLES:
        if role in s.columns:
            lines.append(toml_line(role, s.columns[role].column, _column_note(s, role, rows)))
        elif role in required:
            lines.append(f'# {role} = "?"  # not found: name the {_ROLE_WORDS[role]} column')
    if s.ticket_type_column:
        lines.append(toml_line("ticket_type", s.ticket_type_column, "its labels name ticket types"))
    taken = {c.column for c in s.columns.values()} | {s.ticket_type_column}
    taken |= {d if isinstance(d, str) else d["column"] for d in s.listed.dates.values()}
    if s.listed.sla:
        taken.add(s.listed.sla["column"])
    unused = [n for n in names if n not in taken]
    if unused:
        listed = one_line(", ".join(toml_string(n) for n in unused))
        lines.append("# not mapped (kept with each event as attributes):")
        lines += [f"#   {part}" for part in textwrap.wrap(listed, 96, break_long_words=False)]
    lines += ["", "[timestamp]"]
    for key, value in data["timestamp"].items():
        note = s.timestamp_note if key == "format" else None
        if key == "timezone":
            note = "time zone of times without an offset, e.g. Europe/Brussels"
        lines.append(toml_line(key, value, note))
    if "format" not in data["timestamp"] and s.timestamp_note:
        lines.append(f"# format = ?  # {one_line(s.timestamp_note)}")
    lines += _render_list(s)
    if not s.is_ticket_list:
        lines += _render_states(s)
    return "\n".join(lines) + "\n"


def _render_states(s: Suggestion) -> list[str]:
    """The ``[states]`` table of an event log's draft."""
    lines = ["", "[states]"]
    lines += [toml_line(label, state.value, quote=True) for label, state in s.states.items()]
    choices = ", ".join(st.value for st in State if st is not State.UNKNOWN)
    for label in s.unmapped_labels:
        lines.append(f"# {toml_string(label)} = ?  # not recognised; one of: {choices}")
    return lines


def _render_list(s: Suggestion) -> list[str]:
    """``[dates]``, ``[sla]`` and the ``[values.*]`` tables of a draft, with their reasons."""
    lines: list[str] = []
    if s.listed.dates:
        lines += [
            "",
            "# A ticket list: each date of a row is one event (docs/connectors/ticket-lists.md)",
            "[dates]",
        ]
        for kind, spec in s.listed.dates.items():
            column = spec if isinstance(spec, str) else spec["column"]
            lines.append(toml_line(kind, spec, s.listed.notes.get(column)))
    if s.listed.sla:
        sla = s.listed.sla
        meaning = (
            "yes means the SLA was breached (the header says exceeded/breached)"
            if sla["means"] == "breached"
            else "yes means the SLA was met"
        )
        lines += ["", "# The tool's own SLA verdict, stored as made_sla (true/false)", "[sla]"]
        lines.append(toml_line("column", sla["column"]))
        lines.append(toml_line("means", sla["means"], meaning))
    for name, table in s.listed.values.items():
        lines += ["", f"[values.{toml_key(name)}]"]
        lines += [toml_line(label, value, quote=True) for label, value in table.items()]
        for label in s.listed.unmapped.get(name, []):
            lines.append(f"# {toml_string(label)} = ?  # not recognised")
    return lines
