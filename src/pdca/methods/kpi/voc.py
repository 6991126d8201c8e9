"""Voice of the Customer KPIs: CSAT, NPS and the survey response rate.

They read the survey responses of the log (:attr:`Inputs.surveys`, the store's ``surveys`` table)
joined to the tickets they are about, so every ticket attribute can break them down. A response
is placed in the period of its response time, else of its ticket's final resolution. When the
log has no survey responses, each of these KPIs returns an empty result.

This module registers nothing itself: :mod:`pdca.methods.kpi.catalogue` adds :data:`VOC_KPIS`.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from pdca.methods.kpi.definition import AT, DEN, NUM, Aggregation, Direction, Inputs, Kpi
from pdca.model.schema import TICKET_DIMENSIONS, Col
from pdca.model.surveys import SURVEY_COLUMNS, Instrument, SurveyCol

PERCENT = 100.0
PROMOTER_FROM = 9
"""NPS (Bain): 9-10 promoters, 7-8 passives, 0-6 detractors."""
DETRACTOR_TO = 6
_DIMENSIONS = (*TICKET_DIMENSIONS, Col.TICKET_TYPE, Col.SUPPORT_LEVEL_REACHED)
_LOG, _CASE = "_ticket_log", "_ticket_case"
_ARROW_TYPES = {"string": pa.string(), "timestamp": pa.timestamp("us"), "int64": pa.int64()}


class CsatOptions(BaseModel):
    """Options of CSAT."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    satisfied_from: float | None = None
    """The lowest score that counts as satisfied. Default: the top two points of a scale of four
    or more points (4-5 on 1-5, the top-two-box), the top point of a shorter scale (good on the
    good/bad scale 0-1, as Zendesk counts good ÷ (good + bad))."""


class ResponseRateOptions(BaseModel):
    """Options of the survey response rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: Literal["any", "csat", "nps"] = "any"
    """Which surveys count as a response."""


def _surveys(inputs: Inputs) -> Any:
    """The survey table of the inputs; an empty one when they carry none."""
    if inputs.surveys is not None:
        return inputs.surveys
    schema = pa.schema([(c, _ARROW_TYPES.get(t, pa.float64())) for c, t in SURVEY_COLUMNS.items()])
    return ibis.memtable(schema.empty_table())


def _responses(inputs: Inputs, instrument: Instrument) -> Any:
    """Responses of one instrument with their ticket's attributes, placed in a period."""
    s = _surveys(inputs)
    s = s.filter(s[SurveyCol.INSTRUMENT] == instrument.value)
    t = inputs.tickets
    dims = t.select(
        **{_LOG: t[Col.LOG], _CASE: t[Col.CASE_ID]},
        **{c: t[c] for c in (*_DIMENSIONS, Col.RESOLVED_AT)},
    )
    j = s.left_join(dims, [s[SurveyCol.LOG] == dims[_LOG], s[SurveyCol.CASE_ID] == dims[_CASE]])
    j = j.drop(_LOG, _CASE)
    j = j.mutate(**{AT: ibis.coalesce(j[SurveyCol.RESPONDED_AT], j[Col.RESOLVED_AT])})
    return j.filter(j[AT].notnull())


def _csat(inputs: Inputs, options: Any) -> Any:
    r = _responses(inputs, Instrument.CSAT)
    if options.satisfied_from is not None:
        threshold: Any = ibis.literal(float(options.satisfied_from))
    else:
        width = r[SurveyCol.SCALE_MAX] - r[SurveyCol.SCALE_MIN]
        threshold = ibis.ifelse(width >= 3, r[SurveyCol.SCALE_MAX] - 1, r[SurveyCol.SCALE_MAX])
    return r.mutate(**{NUM: (r[SurveyCol.SCORE] >= threshold).cast("int64"), DEN: 1})


def _nps(inputs: Inputs, _: Any) -> Any:
    r = _responses(inputs, Instrument.NPS)
    score = r[SurveyCol.SCORE]
    verdict = ibis.cases((score >= PROMOTER_FROM, 1), (score <= DETRACTOR_TO, -1), else_=0)
    return r.mutate(**{NUM: verdict.cast("int64"), DEN: 1})


def _response_rate(inputs: Inputs, options: Any) -> Any:
    s = _surveys(inputs)
    if options.instrument != "any":
        s = s.filter(s[SurveyCol.INSTRUMENT] == options.instrument)
    answered = s.select(**{_LOG: s[SurveyCol.LOG], _CASE: s[SurveyCol.CASE_ID]}).distinct()
    t = inputs.tickets
    t = t.filter(t[Col.RESOLVED_AT].notnull())
    j = t.left_join(answered, [t[Col.LOG] == answered[_LOG], t[Col.CASE_ID] == answered[_CASE]])
    j = j.mutate(**{AT: j[Col.RESOLVED_AT], NUM: j[_CASE].notnull().cast("int64"), DEN: 1}).drop(
        _LOG, _CASE
    )
    # no survey data at all: an empty result, not a response rate of 0 %
    return j.filter(s.count().as_scalar() > 0)


_PLACED = (
    "A response without a response time is placed at its ticket's final resolution; one with "
    "neither is left out."
)

VOC_KPIS: tuple[Kpi, ...] = (
    Kpi(
        id="csat",
        name="Customer satisfaction (CSAT)",
        definition=(
            "Share of the survey responses (instrument csat) given in the period that rate the "
            "ticket satisfied or very satisfied: a score of at least satisfied_from, by default "
            "the top two points of a scale of four or more points (4-5 on 1-5) and the top point "
            "of a shorter one (good on the good/bad scale 0-1). " + _PLACED
        ),
        formula="csat responses with score ≥ satisfied_from ÷ csat responses",
        unit="%",
        direction=Direction.HIGHER,
        follows="Zendesk (good ÷ (good + bad)); HDI / MetricNet (% satisfied or very satisfied, "
        "4-5 on 1-5)",
        aggregation=Aggregation.RATIO,
        units=_csat,
        options=CsatOptions,
        scale=PERCENT,
    ),
    Kpi(
        id="nps",
        name="Net Promoter Score (NPS)",
        definition=(
            "Net Promoter Score of the survey responses (instrument nps, scale 0-10) given in the "
            "period: the percentage of promoters (9-10) minus the percentage of detractors (0-6), "
            "from -100 to 100. " + _PLACED
        ),
        formula="% nps responses scoring 9-10 - % nps responses scoring 0-6",
        unit="points",
        direction=Direction.HIGHER,
        follows="Bain & Company (Reichheld's Net Promoter Score)",
        aggregation=Aggregation.RATIO,
        units=_nps,
        scale=PERCENT,
    ),
    Kpi(
        id="survey_response_rate",
        name="Survey response rate",
        definition=(
            "Share of the tickets finally resolved in the period that have at least one survey "
            "response (of any instrument, or only csat or nps responses with instrument=csat or "
            "instrument=nps). Empty when the log has no such survey responses."
        ),
        formula="resolved tickets with a survey response ÷ resolved tickets",
        unit="%",
        direction=Direction.HIGHER,
        follows="Zendesk / HDI (response rate shown beside CSAT)",
        aggregation=Aggregation.RATIO,
        units=_response_rate,
        options=ResponseRateOptions,
        scale=PERCENT,
    ),
)
"""The Voice of the Customer KPIs, in catalogue order."""
