"""Turning a chunk's tickets and lives into Arrow tables: canonical events, surveys, hidden truth.

Events have the canonical columns of :data:`pdca.model.schema.EVENT_COLUMNS` (without
``import_id`` and ``event_key``, which the store assigns); survey responses have the columns of
:data:`pdca.model.surveys.SURVEY_COLUMNS` likewise. Text columns are built from dictionary codes,
so a chunk of a hundred thousand events takes milliseconds, not a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.surveys import SURVEY_COLUMNS, Instrument, SurveyCol
from pdca.model.vocab import State, TicketType
from pdca.simulate import calibrated as cal
from pdca.simulate.catalog import LEVELS, SYMPTOMS, Catalog
from pdca.simulate.config import SimulationConfig
from pdca.simulate.lifecycle import (
    N_SLOTS,
    REOPEN,
    RESOLVED,
    RESOLVED2,
    SLOTS,
    WAIT1,
    WAIT2,
    Life,
)
from pdca.simulate.tickets import Tickets

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

ACTIVITIES: dict[str, State] = {
    "New": State.NEW,
    "Queued": State.NEW,
    "In Progress": State.IN_PROGRESS,
    "Awaiting User Info": State.WAITING_CUSTOMER,
    "Awaiting Vendor": State.WAITING_VENDOR,
    "Resolved": State.RESOLVED,
    "Reopened": State.IN_PROGRESS,
    "Closed": State.CLOSED,
}
"""The simulator's activity labels and the canonical state each means."""
_LABELS = list(ACTIVITIES)
_VENDOR = _LABELS.index("Awaiting Vendor")
_SLOT_LABEL = np.asarray([_LABELS.index(label) for label, _ in SLOTS], dtype=np.int64)
SURVEY_SCALE = (1.0, 5.0)
_TYPES = {"string": pa.string(), "timestamp": pa.timestamp("us"), "int64": pa.int64()}
EVENT_SCHEMA = pa.schema(
    [(c, _TYPES[t]) for c, t in EVENT_COLUMNS.items() if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]
)
SURVEY_SCHEMA = pa.schema(
    [
        (c, {**_TYPES, "double": pa.float64()}[t])
        for c, t in SURVEY_COLUMNS.items()
        if c not in (SurveyCol.IMPORT_ID, SurveyCol.SURVEY_KEY)
    ]
)


def epoch_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01 of a naive UTC time."""
    epoch = datetime(1970, 1, 1)  # noqa: DTZ001 (naive UTC, like the store's timestamps)
    return (moment - epoch) // timedelta(microseconds=1)


class Names:
    """The catalogue's lists as Arrow arrays, built once per simulation."""

    def __init__(self, config: SimulationConfig, catalog: Catalog) -> None:
        self.config = config
        self.catalog = catalog
        self.width = max(7, len(str(config.total_tickets)))
        self.caller_width = max(5, len(str(catalog.callers)))
        s = pa.array
        self.labels = s(_LABELS)
        self.states = s([ACTIVITIES[label].value for label in _LABELS])
        self.teams = s(catalog.teams)
        self.agents = s(catalog.agents)
        self.levels = s(list(LEVELS))
        self.priorities = s(list(cal.PRIORITIES))
        self.impacts = s(list(cal.IMPACTS))
        self.urgencies = s(list(cal.URGENCIES))
        self.services = s(catalog.services)
        self.categories = s(catalog.categories)
        self.symptoms = s(list(SYMPTOMS))
        self.channels = s(catalog.channels)
        self.locations = s(catalog.locations)
        self.constants = s([config.log, TicketType.INCIDENT.value, Instrument.CSAT.value])
        self.ci_heads = s([f'{{"cmdb_ci":"{c}"' for c in catalog.cis])
        self.kb_pieces = s([f',"knowledge_article":"{k}"' for k in catalog.kb_articles])
        self.sla_pieces = s([',"made_sla":"false"', ',"made_sla":"true"'])
        self.start_us = epoch_us(config.start_at)

    def case_ids(self, first_number: int, n: int) -> pa.Array:
        """Ticket numbers ``INC0000001`` … for the chunk's tickets."""
        numbers = pa.array(np.arange(first_number + 1, first_number + n + 1, dtype=np.int64))
        digits = pc.utf8_lpad(pc.cast(numbers, pa.string()), self.width, "0")
        return pc.binary_join_element_wise(self.config.case_prefix, digits, "")

    def callers(self, codes: Ints) -> pa.Array:
        digits = pc.utf8_lpad(pc.cast(pa.array(codes + 1), pa.string()), self.caller_width, "0")
        return pc.binary_join_element_wise("Caller ", digits, "")


def decode(names: pa.Array, codes: Ints) -> pa.Array:
    """Texts of ``codes`` (null where a code is negative)."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, names).dictionary_decode()


def _last_present(mask: Bools) -> Ints:
    """Per row, the index of the last true column (0 when none)."""
    rev = mask[:, ::-1]
    result: Ints = (mask.shape[1] - 1 - np.argmax(rev, axis=1)).astype(np.int64)
    return result


@dataclass(frozen=True)
class ChunkTimes:
    """Absolute step times and what is recorded before the end of the simulation."""

    seconds: Ints
    """Seconds since the simulation start, per ticket and slot."""
    recorded: Bools
    made_sla: Bools
    final_resolution: Ints
    """Seconds of the final resolution (the second one after a reopen)."""


def chunk_times(config: SimulationConfig, t: Tickets, life: Life) -> ChunkTimes:
    """Step times (cumulative gaps), the recorded steps and each ticket's SLA verdict."""
    offsets = np.floor(np.cumsum(life.gaps, axis=1) * 3600.0).astype(np.int64)
    seconds = t.opened[:, None] + offsets
    end = config.days * 86400
    recorded = life.present & (seconds < end)
    final = np.where(life.present[:, REOPEN], seconds[:, RESOLVED2], seconds[:, RESOLVED])
    # the resolution clock runs to the final resolution, paused while waiting (ITIL, pdca)
    targets = np.asarray([config.sla[p].resolution for p in cal.PRIORITIES])
    clock = (final - t.opened) / 3600.0 - life.wait_hours
    made_sla = clock <= targets[t.priority]
    return ChunkTimes(seconds, recorded, made_sla, final)


def events_table(
    names: Names, t: Tickets, life: Life, times: ChunkTimes, *, first_number: int, first_row: int
) -> pa.Table:
    """The chunk's canonical events, ticket by ticket in their order."""
    catalog = names.catalog
    recorded = times.recorded
    ti, si = np.nonzero(recorded)
    n_events = len(ti)
    # holders of the steps after the resolution: whoever held the ticket last
    before = life.present.copy()
    before[:, RESOLVED:] = False
    last = _last_present(before)
    rows = np.arange(len(t))
    teams = life.teams.copy()
    agents = life.agents.copy()
    worked = _last_present(before & (agents >= 0))
    last_agent = np.where((before & (agents >= 0)).any(axis=1), agents[rows, worked], agents[:, 1])
    teams[:, RESOLVED:] = teams[rows, last][:, None]
    agents[:, RESOLVED:] = last_agent[:, None]
    labels = np.broadcast_to(_SLOT_LABEL, (len(t), N_SLOTS)).copy()
    labels[:, WAIT1] = np.where(life.vendor[:, WAIT1], _VENDOR, labels[:, WAIT1])
    labels[:, WAIT2] = np.where(life.vendor[:, WAIT2], _VENDOR, labels[:, WAIT2])

    label = labels[ti, si]
    team = teams[ti, si]
    case_ids = names.case_ids(first_number, len(t))
    take = pa.array(ti)
    seq = (np.cumsum(recorded, axis=1) - 1)[ti, si]
    constant = np.zeros(n_events, dtype=np.int64)
    resolution_step = si >= RESOLVED
    kb_codes = np.where((si == RESOLVED) | (si == RESOLVED2), life.kb[ti], -1)
    sla_codes = np.where(resolution_step, times.made_sla[ti].astype(np.int64), -1)
    parent_case = case_ids.take(pa.array(np.maximum(t.parent_row, 0)))
    mi = pc.binary_join_element_wise(',"parent_incident":"', parent_case, '"', "")
    mi = pc.if_else(pa.array(t.child), mi, pa.nulls(len(t), pa.string()))
    mi = pc.if_else(pa.array(t.parent), ',"major_incident":"true"', mi)
    attributes = pc.binary_join_element_wise(
        names.ci_heads.take(pa.array(t.ci[ti])),
        decode(names.kb_pieces, kb_codes),
        decode(names.sla_pieces, sla_codes),
        mi.take(take),
        "}",
        "",
        null_handling="replace",
        null_replacement="",
    )
    columns = {
        Col.LOG: decode(names.constants, constant),
        Col.CASE_ID: case_ids.take(take),
        Col.TICKET_TYPE: decode(names.constants, constant + 1),
        Col.TIMESTAMP: pa.array(
            names.start_us + times.seconds[ti, si] * 1_000_000, type=pa.timestamp("us")
        ),
        Col.SEQ: pa.array(seq.astype(np.int64)),
        Col.ROW: pa.array(np.arange(first_row, first_row + n_events, dtype=np.int64)),
        Col.ACTIVITY: decode(names.labels, label),
        Col.STATE: decode(names.states, label),
        Col.ASSIGNMENT_GROUP: decode(names.teams, team),
        Col.RESOURCE: decode(names.agents, agents[ti, si]),
        Col.SUPPORT_LEVEL: decode(names.levels, catalog.team_level[team]),
        Col.PRIORITY: decode(names.priorities, t.priority[ti]),
        Col.SERVICE: decode(names.services, t.service[ti]),
        Col.CATEGORY: decode(names.categories, catalog.service_category[t.service[ti]]),
        Col.SUBCATEGORY: decode(names.symptoms, t.symptom[ti]),
        Col.CHANNEL: decode(names.channels, t.channel[ti]),
        Col.LOCATION: decode(names.locations, t.location[ti]),
        Col.IMPACT: decode(names.impacts, t.impact[ti]),
        Col.URGENCY: decode(names.urgencies, t.urgency[ti]),
        Col.CALLER: names.callers(t.caller).take(take),
        Col.ATTRIBUTES: attributes,
    }
    return pa.table([columns[f.name] for f in EVENT_SCHEMA], schema=EVENT_SCHEMA)


def survey_scores(config: SimulationConfig, t: Tickets, life: Life, times: ChunkTimes) -> Floats:
    """The CSAT score each ticket's customer would give (1-5), from its experience."""
    s = config.surveys
    days = (times.final_resolution - t.opened) / 86400.0
    latent = (
        s.base
        - s.per_doubling * np.log2(1.0 + np.maximum(days, 0.0))
        - s.reopen_penalty * life.present[:, REOPEN]
        - s.ping_pong_penalty * life.ping_pong
        + s.noise * life.draws["noise"]
    )
    result: Floats = np.clip(np.rint(latent), *SURVEY_SCALE)
    return result


def surveys_table(
    names: Names, t: Tickets, life: Life, times: ChunkTimes, *, first_number: int, first_row: int
) -> pa.Table:
    """Survey responses of the chunk's tickets that were resolved and answered in time."""
    config = names.config
    d = life.draws
    median = config.surveys.delay_hours_median
    delay = (-median / np.log(2) * np.log1p(-d["survey_delay"] * 0.999999) * 3600).astype(np.int64)
    responded_at = times.final_resolution + delay
    end = config.days * 86400
    answered = (
        times.recorded[:, RESOLVED]
        & (d["survey"] < config.surveys.response_rate)
        & (responded_at < end)
    )
    idx = np.flatnonzero(answered)
    n = len(idx)
    scores = survey_scores(config, t, life, times)[idx]
    constant = np.zeros(n, dtype=np.int64)
    columns = {
        SurveyCol.LOG: decode(names.constants, constant),
        SurveyCol.CASE_ID: names.case_ids(first_number, len(t)).take(pa.array(idx)),
        SurveyCol.RESPONDED_AT: pa.array(
            names.start_us + responded_at[idx] * 1_000_000, type=pa.timestamp("us")
        ),
        SurveyCol.INSTRUMENT: decode(names.constants, constant + 2),
        SurveyCol.SCORE: pa.array(scores, type=pa.float64()),
        SurveyCol.SCALE_MIN: pa.array(np.full(n, SURVEY_SCALE[0])),
        SurveyCol.SCALE_MAX: pa.array(np.full(n, SURVEY_SCALE[1])),
        SurveyCol.COMMENT: pa.nulls(n, pa.string()),
        SurveyCol.ROW: pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
    }
    return pa.table([columns[f.name] for f in SURVEY_SCHEMA], schema=SURVEY_SCHEMA)
