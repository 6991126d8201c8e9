"""Voice of the Customer: survey responses about tickets (CSAT and NPS).

One table, ``surveys``, holds one row per response: which ticket it is about, when it was given,
the instrument (``csat`` or ``nps``), the score and the scale it was given on. Responses are kept
even when their ticket is not (yet) in the log: surveys may arrive before the ticket export.

Column names are constants of :class:`SurveyCol`; never spell them as bare strings elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import pandas as pd

from pdca.model.schema import Col


class SurveyCol:
    """Column names of the ``surveys`` table."""

    LOG: Final = Col.LOG
    CASE_ID: Final = Col.CASE_ID
    """The ticket the response is about."""
    RESPONDED_AT: Final = "responded_at"
    """When the customer answered, in UTC (empty when the file does not say)."""
    INSTRUMENT: Final = "instrument"
    """``csat`` or ``nps`` (:class:`Instrument`)."""
    SCORE: Final = "score"
    SCALE_MIN: Final = "scale_min"
    SCALE_MAX: Final = "scale_max"
    COMMENT: Final = "comment"
    IMPORT_ID: Final = Col.IMPORT_ID
    ROW: Final = Col.ROW
    """Position of the row in its source file (0-based)."""
    SURVEY_KEY: Final = "survey_key"
    """Content hash of the response (with the log name); used to skip duplicates."""


class Instrument(StrEnum):
    """What a survey asked."""

    CSAT = "csat"
    """Customer satisfaction with the ticket, on a scale such as 1-5 or good/bad (0-1)."""
    NPS = "nps"
    """Net Promoter Score's question (would you recommend us?), always on 0-10 (Bain)."""


DEFAULT_SCALES: dict[Instrument, tuple[float, float]] = {
    Instrument.CSAT: (1.0, 5.0),
    Instrument.NPS: (0.0, 10.0),
}
"""The scale of each instrument when the user names none."""

SURVEY_COLUMNS: dict[str, str] = {
    SurveyCol.LOG: "string",
    SurveyCol.CASE_ID: "string",
    SurveyCol.RESPONDED_AT: "timestamp",
    SurveyCol.INSTRUMENT: "string",
    SurveyCol.SCORE: "double",
    SurveyCol.SCALE_MIN: "double",
    SurveyCol.SCALE_MAX: "double",
    SurveyCol.COMMENT: "string",
    SurveyCol.IMPORT_ID: "int64",
    SurveyCol.ROW: "int64",
    SurveyCol.SURVEY_KEY: "string",
}
"""Name -> logical type of the ``surveys`` table (engines translate the types)."""

HASHED_COLUMNS: tuple[str, ...] = (
    SurveyCol.LOG,
    SurveyCol.CASE_ID,
    SurveyCol.RESPONDED_AT,
    SurveyCol.INSTRUMENT,
    SurveyCol.SCORE,
    SurveyCol.SCALE_MIN,
    SurveyCol.SCALE_MAX,
    SurveyCol.COMMENT,
)
"""What a response's key is a hash of: its content, not its position in the file."""


@dataclass
class SurveyBatch:
    """One survey file, read and checked, ready to append to the store.

    ``responses`` has the columns of :data:`SURVEY_COLUMNS` except ``import_id`` and
    ``survey_key`` (assigned by the store); ``quarantine`` has ``row``, ``reason``, ``raw``.
    """

    log: str
    path: str
    sha256: str
    rows_read: int
    responses: pd.DataFrame
    quarantine: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)
    source: str = "surveys"


@dataclass(frozen=True)
class SurveyAppendResult:
    """What the store did with a survey batch."""

    import_id: int
    stored: int
    duplicates_in_file: int
    duplicates_in_store: int
    quarantined: int
    unmatched: int
    """Responses stored by this import whose ticket is not in the log (yet)."""
    responses_in_log: int
