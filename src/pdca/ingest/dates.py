"""Recognising timestamp formats — and refusing to guess when the data does not tell.

``03/04/2021`` is 3 April in Brussels and March 4 in New York. When every value of a column fits
both readings, :func:`detect_format` raises :class:`~pdca.errors.AmbiguousDateError` unless the
caller says ``dayfirst=True`` or ``False``. A single value such as ``29/02/2016`` is enough
to decide. A column that mixes formats (ISO dates next to ``04/03/2021``, or day-first next to
month-first values) is an error too: pdca never reads part of a column one way and part another.

Detection works on the column's distinct values: a spread sample picks the format, then cheap
checks over all distinct values confirm it (the day/month question is settled on the distinct
*dates*, which are few even in a large log).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import cache
from itertools import product

import numpy as np
import pandas as pd

from pdca.errors import AmbiguousDateError, InputError

_SAMPLE = 500
_LEFTOVER_SAMPLE = 200
_MIN_SHARE = 0.5
_DATE_LIKE_SHARE = 0.8

_TIMES = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M:%S %p",
    " %I:%M%p",
    "T%H:%M",
    "T%H:%M:%S",
    "T%H:%M:%S.%f",
)
_ZONES = ("", "%z", " %z")
_TEXT_MONTH_DATES = (
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d/%b/%Y",
    "%d/%b/%y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%Y-%b-%d",
)
_OPTIONAL_PARTS = (".%f", ":%S")
"""Parts a value may leave out: ``10:00`` fits ``%H:%M:%S`` and ``10:00:00`` fits ``%S.%f``."""

_CODE_SHAPES = {
    "Y": "9",
    "y": "9",
    "m": "9",
    "d": "9",
    "H": "9",
    "I": "9",
    "M": "9",
    "S": "9",
    "f": "9",
    "p": "a",
    "b": "a",
    "B": "a",
}
_ZONE_SHAPES = ("a", "+9:9", "-9:9", "+9", "-9")
_CODE_PATTERNS = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "f": r"\d{1,9}",
    "p": r"(?i:am|pm)",
    "b": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]+",
    "z": r"(?:Z|[+-]\d{2}:?\d{2})",
    "%": "%",
}
_CLOCK_WORDS = ("now", "today")
_TIME_START = re.compile(r"( |T)%[HI]")


@dataclass(frozen=True)
class DateFormat:
    """A recognised timestamp format."""

    format: str
    order: str
    """``"ymd"``, ``"dmy"``, ``"mdy"``, ``"text"`` (month written as a word) or ``"given"``."""
    share: float
    """Share of the distinct values that have this format."""
    shapes: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def dayfirst(self) -> bool | None:
        """True for day-first, False for month-first, None when the order is not in question."""
        return {"dmy": True, "mdy": False}.get(self.order)

    @property
    def has_offset(self) -> bool:
        """Whether the values carry their own UTC offset."""
        return "%z" in self.format


def _shape_of_format(fmt: str) -> frozenset[str]:
    """The shapes (digit runs -> 9, letter runs -> a) of values written in ``fmt``."""
    parts: list[list[str]] = [[""]]
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            i += 2
            if code == "z":
                parts.append(list(_ZONE_SHAPES))
            else:
                parts.append([_CODE_SHAPES.get(code, "?")])
            continue
        parts.append(["9" if ch.isdigit() else "a" if ch.isalpha() else ch])
        i += 1
    shapes = set()
    for combo in product(*parts):
        text = "".join(combo)
        shapes.add(re.sub(r"a+", "a", re.sub(r"9+", "9", text)))
    return frozenset(shapes)


def _value_shapes(values: pd.Series) -> pd.Series:
    digits = values.str.replace(r"\d+", "9", regex=True)
    return digits.str.replace(r"[A-Za-z]+", "a", regex=True)


def _candidates() -> list[DateFormat]:
    dates: list[tuple[str, str]] = []
    for sep in ("-", "/", "."):
        dates += [
            (f"%Y{sep}%m{sep}%d", "ymd"),
            (f"%d{sep}%m{sep}%Y", "dmy"),
            (f"%m{sep}%d{sep}%Y", "mdy"),
            (f"%d{sep}%m{sep}%y", "dmy"),
            (f"%m{sep}%d{sep}%y", "mdy"),
        ]
    dates += [(fmt, "text") for fmt in _TEXT_MONTH_DATES]
    out = []
    for (date, order), time, zone in product(dates, _TIMES, _ZONES):
        if zone and not time:
            continue
        fmt = date + time + zone
        out.append(DateFormat(fmt, order, 0.0, _shape_of_format(fmt)))
    return out


_CANDIDATES = _candidates()


@cache
def format_regex(fmt: str) -> str | None:
    """A regular expression for values in ``fmt`` (optional parts optional); None if unknown."""
    out = []
    i = 0
    while i < len(fmt):
        optional = next((p for p in _OPTIONAL_PARTS if fmt.startswith(p, i)), None)
        if optional:
            out.append(f"(?:{re.escape(optional[0])}{_CODE_PATTERNS[optional[-1]]})?")
            i += len(optional)
        elif fmt[i] == "%":
            pattern = _CODE_PATTERNS.get(fmt[i + 1 : i + 2])
            if pattern is None:
                return None
            out.append(pattern)
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "".join(out)


def _relaxed(fmt: str) -> list[str]:
    """``fmt`` and its variants without fractions of seconds, then without seconds."""
    variants = [fmt]
    for part in _OPTIONAL_PARTS:
        if part in variants[-1]:
            variants.append(variants[-1].replace(part, ""))
    return variants


def _strict(values: pd.Series, fmt: str) -> pd.Series:
    utc = "%z" in fmt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=utc)
    # pandas reads "now" and "today" as the clock's time whatever the format: no date in a log
    words = values.astype("str").str.strip().str.lower().isin(_CLOCK_WORDS).to_numpy()
    if words.any():
        parsed = parsed.where(~words)
    return parsed.astype("datetime64[us, UTC]" if utc else "datetime64[us]")


def parse_with(values: pd.Series, fmt: str) -> pd.Series:
    """Parse text with one format; values that do not fit become NaT. Offsets go to UTC.

    Surrounding spaces are ignored, and a value may leave out fractions of seconds or seconds
    that the format has (``10:00`` reads as ``10:00:00``) — never anything that moves a date.
    """
    text = values.astype("str").str.strip() if len(values) else values.astype("str")
    parsed = _strict(text, fmt)
    for variant in _relaxed(fmt)[1:]:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed = parsed.where(~todo, _strict(text[todo], variant).reindex(text.index))
    return parsed


def _distinct(values: pd.Series) -> pd.Series:
    text = values.dropna().astype("str").str.strip()
    distinct = pd.Series(text.unique(), dtype="str")
    return distinct[distinct != ""].reset_index(drop=True)


def _spread(values: pd.Series, size: int) -> pd.Series:
    """Up to ``size`` values taken evenly across the series (not just its beginning)."""
    if len(values) <= size:
        return values
    picks = np.unique(np.linspace(0, len(values) - 1, size).astype(int))
    return values.iloc[picks].reset_index(drop=True)


def _score(sample: pd.Series, allowed: set[str]) -> list[DateFormat]:
    shapes = set(_value_shapes(sample).unique())
    scored = []
    for cand in _CANDIDATES:
        if cand.order in allowed and cand.shapes & shapes:
            share = float(parse_with(sample, cand.format).notna().mean())
            if share > 0:
                scored.append(DateFormat(cand.format, cand.order, share, cand.shapes))
    return sorted(scored, key=lambda d: (-d.share, d.format.count("%"), d.format))


def _allowed(dayfirst: bool | None) -> set[str]:
    allowed = {"ymd", "dmy", "mdy", "text"}
    if dayfirst is True:
        allowed.discard("mdy")
    elif dayfirst is False:
        allowed.discard("dmy")
    return allowed


def _twin(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _matches(values: pd.Series, fmt: str) -> pd.Series:
    pattern = format_regex(fmt)
    if pattern is None:  # pragma: no cover - every candidate has a pattern
        return parse_with(values, fmt).notna()
    return values.str.fullmatch(pattern).fillna(value=False).astype(bool)


def _check_mixture(
    distinct: pd.Series, best: DateFormat, allowed: set[str], column: str
) -> DateFormat:
    """Fail when values the chosen format does not fit are dates in another format.

    A format that reads everything ``best`` reads and more (``%H:%M:%S`` next to ``%H:%M``)
    replaces it instead.
    """
    leftover = distinct[~_matches(distinct, best.format)]
    if leftover.empty:
        return best
    for other in _score(_spread(leftover, _LEFTOVER_SAMPLE), allowed):
        hits = leftover[_matches(leftover, other.format)]
        if hits.empty:
            continue
        if best.format in _relaxed(other.format):
            return _check_mixture(distinct, other, allowed, column)
        n_best = len(distinct) - len(leftover)
        example = distinct[_matches(distinct, best.format)].iloc[0]
        raise InputError(
            f"column {column!r} mixes timestamp formats: {n_best} distinct values like "
            f"{example!r} ({best.format}) and {len(hits)} like {hits.iloc[0]!r} ({other.format})",
            "make the column consistent, or set timestamp.format in a mapping file "
            "(values in any other format are then quarantined)",
        )
    return best


def _date_part(fmt: str) -> str:
    found = _TIME_START.search(fmt)
    return fmt[: found.start()] if found else fmt


def _describe(when: pd.Timestamp, dayfirst: bool) -> str:
    if dayfirst:
        return f"{when.day} {when.month_name()} {when.year}"
    return f"{when.month_name()} {when.day}, {when.year}"


def _settle_order(distinct: pd.Series, best: DateFormat, column: str) -> DateFormat:
    """Decide day-first vs month-first from every distinct date; raise when nothing tells."""
    date_fmt = _date_part(best.format)
    dates = pd.Series(distinct.str.replace(r"[ T].*$", "", regex=True).unique(), dtype="str")
    as_best = parse_with(dates, date_fmt)
    as_twin = parse_with(dates, _twin(date_fmt))
    only_best = as_best.notna() & as_twin.isna()
    only_twin = as_twin.notna() & as_best.isna()
    twin_order = "mdy" if best.order == "dmy" else "dmy"
    if only_best.any() and only_twin.any():
        first, second = dates[only_best].iloc[0], dates[only_twin].iloc[0]
        raise AmbiguousDateError(
            f"column {column!r} mixes day-first and month-first dates "
            f"({first!r} reads only {best.order}, {second!r} only {twin_order})",
            "fix the source, or choose with --dayfirst or --monthfirst "
            "(values that do not fit are then quarantined)",
        )
    if only_twin.any():
        twin = _twin(best.format)
        return DateFormat(twin, twin_order, best.share, _shape_of_format(twin))
    if only_best.any() or as_best.isna().all():
        return best
    differ = as_best.notna() & (as_best != as_twin)
    example = dates[differ].iloc[0] if differ.any() else dates.iloc[0]
    when = as_best[differ].iloc[0] if differ.any() else as_best.dropna().iloc[0]
    readings = (
        f"{_describe(when, best.order == 'dmy')} or "
        f"{_describe(as_twin[differ].iloc[0] if differ.any() else when, best.order != 'dmy')}"
    )
    raise AmbiguousDateError(
        f"the dates in column {column!r} could be day-first or month-first "
        f"(e.g. {example!r} = {readings}) and no value tells which",
        "pass --dayfirst or --monthfirst (or set timestamp.dayfirst in the mapping)",
    )


def detect_format(
    values: pd.Series, *, dayfirst: bool | None = None, column: str = "timestamp"
) -> DateFormat:
    """Find the timestamp format of a column of text values.

    Raises :class:`AmbiguousDateError` when day-first and month-first fit equally well and
    ``dayfirst`` is not given (or when the column mixes both), and :class:`InputError` when no
    known format fits or the column mixes formats. A few values that are no date at all do not
    stop detection: those rows are quarantined later, each with its reason.
    """
    distinct = _distinct(values)
    if distinct.empty:
        raise InputError(f"column {column!r} has no timestamps")
    allowed = _allowed(dayfirst)
    scored = _score(_spread(distinct, _SAMPLE), allowed)
    if not scored:
        raise InputError(
            f"the timestamps in column {column!r} are in no format pdca knows "
            f"(e.g. {distinct.iloc[0]!r})",
            "give timestamp.format (strftime codes such as %d.%m.%Y %H:%M) in a mapping file",
        )
    best = _check_mixture(distinct, scored[0], allowed, column)
    share = float(_matches(distinct, best.format).mean())
    if share < _MIN_SHARE:
        bad = distinct[~_matches(distinct, best.format)].iloc[0]
        raise InputError(
            f"most values of column {column!r} are not timestamps (e.g. {bad!r})",
            "check that the mapping names the right column",
        )
    best = DateFormat(best.format, best.order, share, best.shapes)
    if best.order in {"dmy", "mdy"} and dayfirst is None:
        best = _settle_order(distinct, best, column)
    return best


def _order_name(fmt: str) -> str:
    return "day-first" if fmt.find("%d") < fmt.find("%m") else "month-first"


def check_order(
    uniques: pd.Series,
    parsed: pd.Series,
    fmt: DateFormat,
    *,
    column: str,
    refused_rows: int,
    rows: int,
    given_by: str,
) -> None:
    """Stop when the day and month of ``fmt`` are the wrong way round.

    ``uniques`` are a column's distinct texts and ``parsed`` their values read with ``fmt``.
    When some values do not fit ``fmt`` but read with day and month swapped, and every value
    ``fmt`` reads also reads swapped, the swapped format is the column's format: reading it
    with ``fmt`` would store wrong dates (3 April as March 4) and quarantine the rest. That
    raises :class:`AmbiguousDateError` naming the fix, so nothing is stored. ``given_by`` says
    where ``fmt`` came from (``"--monthfirst"``, ``"the mapping"``, ``"detection"``).
    """
    pattern = fmt.format
    if "%d" not in pattern or "%m" not in pattern or pattern.startswith(("%Y", "%y")):
        return
    refused = parsed.isna().to_numpy() & uniques.notna().to_numpy()
    if not refused.any():
        return
    swapped = _twin(pattern)
    as_twin = parse_with(uniques, swapped).notna().to_numpy()
    if not (refused & as_twin).any() or (~refused & ~as_twin & uniques.notna().to_numpy()).any():
        return
    example = str(uniques[refused & as_twin].iloc[0])
    right = _order_name(swapped)
    flag = "--dayfirst" if right == "day-first" else "--monthfirst"
    if given_by == "the mapping":
        fix = f'set timestamp.format = "{swapped}" in the mapping (or pass {flag})'
    else:
        fix = f"pass {flag} instead of {given_by}" if given_by.startswith("--") else f"pass {flag}"
    raise AmbiguousDateError(
        f"column {column!r}: {refused_rows:,} of {rows:,} timestamps do not fit the "
        f"{_order_name(pattern)} format {pattern} ({given_by}) but all read {right} "
        f"(e.g. {example!r}), so the dates are {right}; nothing was stored",
        fix,
    )


def looks_like_dates(values: pd.Series) -> bool:
    """Whether most (sampled) distinct values of a column are timestamps in a known format."""
    distinct = _distinct(values)
    if distinct.empty:
        return False
    sample = _spread(distinct, 200)
    scored = _score(sample, _allowed(None))
    return bool(scored) and scored[0].share >= _DATE_LIKE_SHARE
