"""Recognising timestamp formats — and refusing to guess when the data does not tell.

``03/04/2021`` is 3 April in Brussels and March 4 in New York. When every value of a column fits
both readings, :func:`detect_format` raises :class:`~pdca.errors.AmbiguousDateError` unless the
caller says ``dayfirst=True`` or ``False``. A single value such as ``29/02/2016`` is enough
to decide.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import product

import pandas as pd

from pdca.errors import AmbiguousDateError, InputError

_SAMPLE = 500
_MIN_SHARE = 0.5

_TIMES = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M:%S %p",
    "T%H:%M",
    "T%H:%M:%S",
    "T%H:%M:%S.%f",
)
_ZONES = ("", "%z", " %z")


@dataclass(frozen=True)
class DateFormat:
    """A recognised timestamp format."""

    format: str
    order: str
    """``"ymd"``, ``"dmy"`` or ``"mdy"``."""
    share: float
    """Share of the distinct values that parse with this format."""

    @property
    def dayfirst(self) -> bool | None:
        """True for day-first, False for month-first, None when the year comes first."""
        return {"dmy": True, "mdy": False}.get(self.order)

    @property
    def has_offset(self) -> bool:
        """Whether the values carry their own UTC offset."""
        return "%z" in self.format


def _candidates() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for sep in ("-", "/", "."):
        dates = [
            (f"%Y{sep}%m{sep}%d", "ymd"),
            (f"%d{sep}%m{sep}%Y", "dmy"),
            (f"%m{sep}%d{sep}%Y", "mdy"),
            (f"%d{sep}%m{sep}%y", "dmy"),
            (f"%m{sep}%d{sep}%y", "mdy"),
        ]
        for (date, order), time, zone in product(dates, _TIMES, _ZONES):
            if zone and not time:
                continue
            out.append((date + time + zone, order))
    return out


_CANDIDATES = _candidates()


def parse_with(values: pd.Series, fmt: str) -> pd.Series:
    """Parse text with one format; values that do not fit become NaT. Offsets go to UTC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(values, format=fmt, errors="coerce", utc="%z" in fmt)


def _share(values: pd.Series, fmt: str) -> float:
    if values.empty:
        return 0.0
    return float(parse_with(values, fmt).notna().mean())


def _twin(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def detect_format(
    values: pd.Series, *, dayfirst: bool | None = None, column: str = "timestamp"
) -> DateFormat:
    """Find the timestamp format of a column of text values.

    Raises :class:`AmbiguousDateError` when day-first and month-first fit equally well and
    ``dayfirst`` is not given, and :class:`InputError` when no known format fits.
    """
    distinct = pd.Series(values.dropna().astype(str).str.strip().unique())
    distinct = distinct[distinct != ""]
    if distinct.empty:
        raise InputError(f"column {column!r} has no timestamps")
    sample = distinct.head(_SAMPLE)
    allowed = {"ymd", "dmy", "mdy"}
    if dayfirst is True:
        allowed.discard("mdy")
    elif dayfirst is False:
        allowed.discard("dmy")
    survivors = [
        (fmt, order)
        for fmt, order in _CANDIDATES
        if order in allowed and _share(sample, fmt) >= _MIN_SHARE
    ]
    scored = sorted(
        (DateFormat(fmt, order, _share(distinct, fmt)) for fmt, order in survivors),
        key=lambda d: (-d.share, d.format.count("%"), d.format),
    )
    scored = [d for d in scored if d.share >= _MIN_SHARE]
    if not scored:
        example = distinct.iloc[0]
        raise InputError(
            f"the timestamps in column {column!r} are in no format pdca knows (e.g. {example!r})",
            "give timestamp.format (strftime codes such as %d.%m.%Y %H:%M) in a mapping file",
        )
    best = scored[0]
    if best.order in {"dmy", "mdy"} and dayfirst is None:
        twin = next((d for d in scored if d.format == _twin(best.format)), None)
        if twin is not None and twin.share == best.share:
            example = distinct.iloc[0]
            raise AmbiguousDateError(
                f"the dates in column {column!r} could be day-first or month-first "
                f"(e.g. {example!r}) and no value tells which",
                "pass --dayfirst or --monthfirst (or set timestamp.dayfirst in the mapping)",
            )
    return best
