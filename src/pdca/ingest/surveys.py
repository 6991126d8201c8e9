"""Reading survey exports (CSV/TSV or Excel): one row per response to a ticket survey.

The encoding, the delimiter and the date format are detected the way ``pdca ingest`` detects
them (dates that could be day-first or month-first are refused, never guessed). The columns are
found by their common names (:data:`COLUMN_NAMES`) unless the user names them. Every row becomes
a response or a quarantine entry with its reason: no ticket id, no score, a score that is not a
number or lies outside the scale, a response time that does not fit the column's format.
Responses to tickets that are not (yet) in the log are kept; the store counts them as unmatched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from pdca.errors import AmbiguousDateError, ConfigError, InputError
from pdca.ingest.dates import DateFormat, detect_format, parse_with
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, RawTable
from pdca.ingest.table import read_table
from pdca.model.batch import QUARANTINE_COLUMNS
from pdca.model.surveys import DEFAULT_SCALES, Instrument, SurveyBatch, SurveyCol

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "ticket": (
        "ticket",
        "ticket_id",
        "ticket_number",
        "ticket_no",
        "case_id",
        "case",
        "case_number",
        "number",
        "incident",
        "incident_id",
        "incident_number",
        "request_id",
    ),
    "score": (
        "score",
        "rating",
        "satisfaction",
        "satisfaction_rating",
        "satisfaction_score",
        "csat",
        "csat_score",
        "nps",
        "nps_score",
    ),
    "time": (
        "responded_at",
        "responded",
        "response_date",
        "submitted",
        "submitted_at",
        "submitted_on",
        "date_submitted",
        "survey_date",
        "date",
        "created",
        "created_at",
    ),
    "comment": ("comment", "comments", "feedback", "remarks", "verbatim"),
}
"""Header names recognised for each role, in order of preference. Headers are compared in lower
case with runs of other characters than letters and digits read as ``_`` (``Ticket ID`` is
``ticket_id``)."""

REQUIRED_ROLES = ("ticket", "score")
GOOD_BAD = {"good": 1.0, "bad": 0.0}
"""Zendesk-style ratings, read as 1 and 0 on the good/bad scale 0-1."""
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_SCALE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\u2013|\.\.|:|to)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class SurveyColumns:
    """Which column of the file holds what; ``None`` means: find it by its name."""

    ticket: str | None = None
    score: str | None = None
    time: str | None = None
    """When the customer answered (optional)."""
    comment: str | None = None
    """Free text (optional)."""


def parse_instrument(value: str | Instrument) -> Instrument:
    """``csat`` or ``nps``, or a clear error."""
    try:
        return Instrument(str(value).strip().lower())
    except ValueError:
        raise ConfigError(
            f"unknown survey instrument {value!r}", "use csat or nps (--instrument)"
        ) from None


def parse_scale(
    value: str | tuple[float, float] | None, instrument: Instrument
) -> tuple[float, float] | None:
    """A scale such as ``"1-5"`` or ``(0, 10)`` as (min, max); None when not given.

    NPS is defined on 0-10 only (Bain), so any other scale for it is an error.
    """
    if value is None:
        return None
    if isinstance(value, str):
        found = _SCALE.match(value)
        if not found:
            raise ConfigError(
                f"cannot read the scale {value!r}", "write it as MIN-MAX, e.g. 1-5, 0-10 or 0-1"
            )
        low, high = float(found.group(1)), float(found.group(2))
    else:
        low, high = float(value[0]), float(value[1])
    if not low < high:
        raise ConfigError(f"the scale {value!r} is empty", "the minimum must be below the maximum")
    if instrument is Instrument.NPS and (low, high) != DEFAULT_SCALES[Instrument.NPS]:
        raise ConfigError(
            f"NPS is asked on a 0-10 scale, not {_scale_text((low, high))}",
            "leave out --scale for NPS, or import the file as --instrument csat",
        )
    return low, high


def _scale_text(scale: tuple[float, float]) -> str:
    return "-".join(f"{v:g}" for v in scale)


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def resolve_columns(header: list[str], given: SurveyColumns) -> dict[str, str | None]:
    """The file's column for each role: the one the user named, else the first known name."""
    by_normal: dict[str, str] = {}
    for name in header:
        by_normal.setdefault(_normal(name), name)
    out: dict[str, str | None] = {}
    for role, names in COLUMN_NAMES.items():
        chosen: str | None = getattr(given, role)
        if chosen is not None:
            if chosen not in header:
                raise InputError(
                    f"column {chosen!r} (--{role}) is not in the file (it has "
                    f"{', '.join(repr(h) for h in header[:12])})",
                    "check the spelling of the column name",
                )
            out[role] = chosen
            continue
        taken = {c for c in out.values() if c is not None}
        found = next(
            (by_normal[n] for n in names if n in by_normal and by_normal[n] not in taken), None
        )
        if found is None and role in REQUIRED_ROLES:
            raise InputError(
                f"no column of the file looks like the survey's {role} (it has "
                f"{', '.join(repr(h) for h in header[:12])})",
                f"name it with --{role} COLUMN",
            )
        out[role] = found
    return out


class _Rejects:
    """The first reason each row is rejected for."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)

    def add(self, mask: pd.Series, reasons: pd.Series | str) -> None:
        free = mask.to_numpy(dtype=bool) & pd.isna(self.reason)
        if isinstance(reasons, str):
            self.reason[free] = reasons
        else:
            self.reason[free] = reasons.to_numpy(dtype=object)[free]

    @property
    def mask(self) -> np.ndarray[Any, Any]:
        return ~pd.isna(self.reason)


def _text(values: pd.Series) -> pd.Series:
    """Stripped text with empty values as missing."""
    text = values.astype("object").where(values.notna(), None)
    stripped = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    return stripped.where(stripped.notna() & (stripped != ""), None)


def _default_scale(score: pd.Series, instrument: Instrument) -> tuple[float, float]:
    given = score.dropna().str.lower()
    if instrument is Instrument.CSAT and len(given) and given.isin(list(GOOD_BAD)).all():
        return 0.0, 1.0
    return DEFAULT_SCALES[instrument]


def _scores(
    text: pd.Series, scale: tuple[float, float], column: str, rejects: _Rejects
) -> pd.Series:
    rejects.add(text.isna(), f"missing score (column {column!r})")
    numeric_text = text.map(
        lambda v: v.replace(",", ".") if isinstance(v, str) and _DECIMAL_COMMA.match(v) else v
    )
    number = pd.to_numeric(numeric_text, errors="coerce").astype("float64")
    if scale == (0.0, 1.0):
        words = text.str.lower().map(GOOD_BAD)
        number = number.where(number.notna(), words.astype("float64"))
    quoted = text.astype(str).map(repr)
    rejects.add(
        text.notna() & (number.isna() | ~np.isfinite(number.fillna(0.0))),
        "score " + quoted + f" is not a number (column {column!r})",
    )
    outside = number.notna() & ((number < scale[0]) | (number > scale[1]))
    rejects.add(
        outside,
        "score " + quoted + f" is outside the scale {_scale_text(scale)} (column {column!r})",
    )
    return number


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r}", "use an IANA name such as Europe/Brussels or UTC"
        ) from None


def _times(
    text: pd.Series, column: str, options: LoadOptions, rejects: _Rejects
) -> tuple[pd.Series, DateFormat | None]:
    empty = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if text.isna().all():
        return empty, None
    try:
        fmt = detect_format(text, dayfirst=options.dayfirst, column=column)
    except AmbiguousDateError as exc:  # the same facts, with the options of this command
        raise AmbiguousDateError(exc.message, "pass --dayfirst or --monthfirst") from None
    except InputError as exc:
        raise InputError(
            exc.message, "fix the values, or name the response time column with --time"
        ) from None
    parsed = parse_with(text.where(text.notna(), None), fmt.format)
    rejects.add(
        text.notna() & parsed.isna(),
        "response time "
        + text.astype(str).map(repr)
        + f" does not match the format {fmt.format} (column {column!r})",
    )
    if fmt.has_offset:
        return parsed.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"), fmt
    zone = options.timezone or "UTC"
    if zone.upper() == "UTC":
        return parsed.astype("datetime64[us]"), fmt
    local = parsed.dt.tz_localize(_zone(zone), ambiguous="NaT", nonexistent="NaT")
    rejects.add(
        parsed.notna() & local.isna(),
        f"local time is ambiguous or does not exist in {zone} (clock change)",
    )
    return local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"), fmt


def _quarantine(raw: RawTable, rejects: _Rejects, source_cols: list[str]) -> pd.DataFrame:
    bad = rejects.mask
    rejected = raw.frame.loc[bad, source_cols]
    lines = (
        rejected.to_json(orient="records", lines=True, force_ascii=False).split("\n")[
            : len(rejected)
        ]
        if len(rejected)
        else []
    )
    rows = pd.DataFrame(
        {
            "row": raw.frame.loc[bad, ROW].astype("int64").to_numpy(),
            "reason": rejects.reason[bad],
            "raw": lines,
        }
    )
    broken = pd.DataFrame(
        {
            "row": [-1 if b.line is None else b.line for b in raw.bad_rows],
            "reason": [
                b.reason if b.line is None else f"line {b.line}: {b.reason}" for b in raw.bad_rows
            ],
            "raw": [json.dumps({"line": b.text}, ensure_ascii=False) for b in raw.bad_rows],
        }
    )
    frames = [f for f in (rows, broken) if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(QUARANTINE_COLUMNS)]


def _reason_kinds(quarantine: pd.DataFrame, raw: RawTable) -> dict[str, int]:
    reasons = quarantine["reason"].iloc[: len(quarantine) - len(raw.bad_rows)].astype(str)
    kinds = reasons.str.replace(r"'.*?' ", "", regex=True)
    out = {str(k): int(v) for k, v in kinds.value_counts().items()}
    if raw.bad_rows:
        out["line has the wrong number of fields"] = len(raw.bad_rows)
    return out


def load_surveys(
    path: Path,
    *,
    log: str,
    instrument: str | Instrument = Instrument.CSAT,
    scale: str | tuple[float, float] | None = None,
    columns: SurveyColumns | None = None,
    options: LoadOptions | None = None,
) -> SurveyBatch:
    """Read a survey file into a batch of responses for ``log`` (see the module docs)."""
    kind = parse_instrument(instrument)
    chosen_scale = parse_scale(scale, kind)
    options = options or LoadOptions()
    table = read_table(path, encoding=options.encoding, delimiter=options.delimiter)
    raw = table.raw
    if not len(raw.frame) and not raw.bad_rows:
        raise InputError(f"{path.name} has a header line but no data rows")
    source_cols = [c for c in raw.frame.columns if c != ROW]
    roles = resolve_columns(source_cols, columns or SurveyColumns())
    frame = raw.frame
    rejects = _Rejects(len(frame))
    ticket_col, score_col = str(roles["ticket"]), str(roles["score"])
    ticket = _text(frame[ticket_col])
    rejects.add(ticket.isna(), f"missing ticket id (column {ticket_col!r})")
    score_text = _text(frame[score_col])
    used_scale = chosen_scale or _default_scale(score_text, kind)
    score = _scores(score_text, used_scale, score_col, rejects)
    time_col, comment_col = roles["time"], roles["comment"]
    if time_col is None:
        times: pd.Series = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        fmt = None
    else:
        times, fmt = _times(_text(frame[time_col]), time_col, options, rejects)
    comment = _text(frame[comment_col]) if comment_col else pd.Series(None, index=frame.index)
    good = ~rejects.mask
    responses = pd.DataFrame(
        {
            SurveyCol.LOG: log,
            SurveyCol.CASE_ID: ticket,
            SurveyCol.RESPONDED_AT: times,
            SurveyCol.INSTRUMENT: kind.value,
            SurveyCol.SCORE: score,
            SurveyCol.SCALE_MIN: used_scale[0],
            SurveyCol.SCALE_MAX: used_scale[1],
            SurveyCol.COMMENT: comment.astype("object"),
            SurveyCol.ROW: frame[ROW].astype("int64"),
        },
        index=frame.index,
    )[good].reset_index(drop=True)
    quarantine = _quarantine(raw, rejects, source_cols)
    stamped = responses[SurveyCol.RESPONDED_AT].dropna()
    details: dict[str, Any] = {
        "instrument": kind.value,
        "scale": list(used_scale),
        "scale_given": chosen_scale is not None,
        "columns": roles,
        "formats": {
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
            "timestamp_format": fmt.format if fmt else None,
            "dayfirst": fmt.dayfirst if fmt else None,
            "timezone": "from offsets" if fmt and fmt.has_offset else (options.timezone or "UTC"),
            **table.formats(),
        },
        "renamed_columns": raw.renamed_columns,
        "quarantine_reasons": _reason_kinds(quarantine, raw),
        "without_response_time": int(responses[SurveyCol.RESPONDED_AT].isna().sum()),
        "time_span": [str(stamped.min()), str(stamped.max())] if len(stamped) else [None, None],
        "tickets": int(responses[SurveyCol.CASE_ID].nunique()),
    }
    return SurveyBatch(
        log=log,
        path=str(path),
        sha256=table.sha256,
        rows_read=raw.rows_read,
        responses=responses,
        quarantine=quarantine,
        details=details,
    )
