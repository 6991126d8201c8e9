"""Durations written as text, as ticket lists give them: "1 hora 20 minutos", "3 d 4 h",
"01:20:00", "2 horas", "45 min", "1 jour 2 heures", "2 Stunden 5 Minuten", "3 uur",
"PT1H20M".

A value is read only where its meaning is certain. Refused, with the reason, never guessed:

* ``"1:20"`` — hours and minutes, or minutes and seconds? (a clock needs three parts,
  ``h:mm:ss``);
* a bare number (``"125"``) without a stated unit (give ``unit``; a header such as "totale
  minuten open" states it: :func:`unit_from_header`);
* a word that is no unit (``"3 meses"``: months differ in length), a unit given twice, a
  negative value.

Units are recognised in English, Portuguese, Spanish, French, German, Dutch and Italian.
"""

from __future__ import annotations

import re

import pandas as pd

from pdca.ingest.lexicon import normal

SECOND, MINUTE, HOUR, DAY, WEEK = 1.0, 60.0, 3600.0, 86400.0, 604800.0

# fmt: off
UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "segundo", "segundos", "seg",
                     "seconde", "secondes", "sekunde", "sekunden", "sek", "seconden",
                     "secondo", "secondi"), SECOND),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuto", "minutos",
                     "minuten", "minuut", "minuti", "mn"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "hora", "horas", "heure", "heures",
                     "stunde", "stunden", "std", "uur", "uren", "u", "ora", "ore"), HOUR),
    **dict.fromkeys(("d", "day", "days", "dia", "dias", "jour", "jours", "j", "tag", "tage",
                     "tagen", "dag", "dagen", "giorno", "giorni", "g"), DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "semana", "semanas", "semaine",
                     "semaines", "woche", "wochen", "weken", "settimana", "settimane"), WEEK),
}
"""Unit word (normalised) -> seconds."""

UNIT_NAMES: dict[str, float] = {
    "seconds": SECOND, "minutes": MINUTE, "hours": HOUR, "days": DAY, "weeks": WEEK,
}
"""The names a caller gives for the unit of bare numbers."""

_JOINERS = {"e", "y", "et", "und", "en", "and", "ed", "i"}
"""Words that join the parts of a duration ("1 hora e 20 minutos")."""
# fmt: on

_PAIR = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)")
_CLOCK3 = re.compile(r"(\d+):([0-5]\d):([0-5]\d(?:[.,]\d+)?)")
_CLOCK2 = re.compile(r"\d+:\d+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ISO = re.compile(
    r"P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?"
)


class DurationError(ValueError):
    """A duration that cannot be read with certainty; the message says why."""


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _iso(text: str) -> float | None:
    found = _ISO.fullmatch(text.strip().upper())
    if not found or not any(found.groups()) or text.strip().upper().endswith("T"):
        return None
    weights = (WEEK, DAY, HOUR, MINUTE, SECOND)
    return sum(_number(g) * w for g, w in zip(found.groups(), weights, strict=True) if g)


def _words(text: str, original: str) -> float:
    total = 0.0
    seen: set[float] = set()
    rest = text
    for number, word in _PAIR.findall(text):
        unit = UNITS.get(word)
        if unit is None:
            raise DurationError(f"{original!r}: {word!r} is not a unit of time pdca reads")
        if unit in seen:
            raise DurationError(f"{original!r}: the same unit is given twice")
        seen.add(unit)
        total += _number(number) * unit
        rest = rest.replace(f"{number}{word}", " ", 1).replace(f"{number} {word}", " ", 1)
    leftover = [w for w in rest.split() if w not in _JOINERS]
    if leftover or not seen:
        what = " ".join(leftover) or original
        raise DurationError(f"{original!r}: cannot read {what!r} as a duration")
    return total


def parse_duration(text: str, unit: str | None = None) -> float:
    """Seconds in ``text``; :class:`DurationError` with the reason when it is not certain.

    ``unit`` (``seconds``, ``minutes``, ``hours``, ``days``, ``weeks``) is the unit of bare
    numbers; without it a bare number is refused.
    """
    original = str(text).strip()
    if not original:
        raise DurationError("empty value")
    if original.startswith("-"):
        raise DurationError(f"{original!r}: a duration cannot be negative")
    iso = _iso(original) if original[:1] in "Pp" else None
    if iso is not None:
        return iso
    lowered = original.lower().replace(",", ".") if _NUMBER.fullmatch(original) else original
    if _NUMBER.fullmatch(lowered):
        if unit is None:
            raise DurationError(
                f"{original!r} is a number without a unit (seconds? minutes? hours?)"
            )
        if unit not in UNIT_NAMES:
            raise DurationError(f"unknown unit {unit!r}: use one of {', '.join(UNIT_NAMES)}")
        return _number(lowered) * UNIT_NAMES[unit]
    # a clock part: h:mm:ss, possibly after a number of days ("2 d 01:20:00")
    clock = _CLOCK3.search(original)
    seconds = 0.0
    text = original
    if clock:
        h, m, s = clock.groups()
        seconds = int(h) * HOUR + int(m) * MINUTE + _number(s)
        text = original[: clock.start()] + " " + original[clock.end() :]
        if not text.strip():
            return seconds
    elif _CLOCK2.search(original):
        raise DurationError(
            f"{original!r} is ambiguous: hours:minutes or minutes:seconds? "
            "Write h:mm:ss (01:20:00) or give the unit in words"
        )
    return seconds + _words(_dotted(text), original)


def _dotted(text: str) -> str:
    """Normalised text that keeps decimal points and commas inside numbers."""
    kept = re.sub(r"(\d)[.,](\d)", r"\1decimalpoint\2", text)
    return normal(kept).replace("decimalpoint", ".")


def read_durations(values: pd.Series, unit: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Seconds for each value (NaN where missing or refused) and the reason of each refusal.

    Each distinct text is read once.
    """
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    read: dict[str, float] = {}
    refused: dict[str, str] = {}
    for value in text[present].unique():
        try:
            read[str(value)] = parse_duration(str(value), unit)
        except DurationError as exc:
            refused[str(value)] = str(exc)
    seconds = text.map(read).astype("float64")
    reasons = text.map(refused).astype(object)
    return seconds, reasons.where(reasons.notna(), None)


def unit_from_header(header: str) -> str | None:
    """The unit a header states for its bare numbers ("totale minuten open" -> minutes)."""
    words = normal(header).split()
    for word in reversed(words):
        found = UNITS.get(word)
        if found is not None and len(word) > 1:
            return next(name for name, value in UNIT_NAMES.items() if value == found)
    return None
