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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.errors import AmbiguousDateError, InputError, MappingError
from pdca.ingest.dates import detect_format, looks_like_dates, parse_with
from pdca.ingest.mapping import Mapping, parse_mapping
from pdca.ingest.mapping_toml import mapping_to_toml, one_line, toml_line, toml_string
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW
from pdca.ingest.roles import REQUIRED, ROLES, name_score, words
from pdca.ingest.states import guess_state, guess_states
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
        shares = sum(guess_state(str(v)) is not None for v in labels) / len(labels)
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


def _choose(stats: list[_Stats], rows: int) -> dict[str, Choice]:
    """Give each canonical field its best column; a column serves one field only."""
    order = list(ROLES)
    offers: list[tuple[float, int, int, str, str]] = []
    for role in order:
        for col in stats:
            if not _eligible(role, col):
                continue
            score, why = float(name_score(role, col.name)), "header name"
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

    @property
    def missing(self) -> list[str]:
        """Required fields no column was found for."""
        return [role for role in REQUIRED if role not in self.columns]

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
        return {
            "source": "csv",
            "ticket_type": ticket_type.value,
            "read": read,
            "columns": {role: self.columns[role].column for role in ROLES if role in self.columns},
            "timestamp": {k: v for k, v in self.timestamp.items() if v is not None},
            "states": {label: state.value for label, state in self.states.items()},
        }

    def to_mapping(self, *, keep_format: bool = True) -> Mapping:
        """The draft as a mapping; :class:`MappingError` when a required field is missing.

        Without ``keep_format`` the timestamp format is left to detection at import time (which
        then reports it, and its day/month order, in the quality report).
        """
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
    columns = _choose(stats, len(frame))
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
            states, unmapped = guess_states(sorted(str(v) for v in labels))
    return Suggestion(path, table, columns, stats, tokens, timestamp, note, states, unmapped)


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
        if col.distinct == rows:
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
    for role in ROLES:
        if role in s.columns:
            lines.append(toml_line(role, s.columns[role].column, _column_note(s, role, rows)))
        elif role in REQUIRED:
            lines.append(f'# {role} = "?"  # not found: name the {_ROLE_WORDS[role]} column')
    unused = [n for n in names if n not in {c.column for c in s.columns.values()}]
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
    lines += ["", "[states]"]
    lines += [toml_line(label, state.value, quote=True) for label, state in s.states.items()]
    choices = ", ".join(st.value for st in State if st is not State.UNKNOWN)
    for label in s.unmapped_labels:
        lines.append(f"# {toml_string(label)} = ?  # not recognised; one of: {choices}")
    return "\n".join(lines) + "\n"
