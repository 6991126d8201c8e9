"""Conformance on small logs whose answers can be counted by hand.

Every expectation below was worked out from the event lists next to it and the definitions in
docs/conformance.md, not copied from the code's output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdca.errors import ConfigError
from pdca.methods.mining import conformance
from pdca.methods.mining.conformance import ConformanceResult, check_conformance
from pdca.methods.mining.filters import AttributeValues
from pdca.methods.mining.process_model import load_process_model, parse_process_model
from pdca.model.schema import Col
from pdca.model.vocab import State
from tests.methods.mining.logs import frame, table

DOC = Path(__file__).resolve().parents[3] / "docs" / "conformance.md"
MODEL_FILE = (
    Path(__file__).resolve().parents[3] / "src/pdca/methods/mining/models/itil_incident.toml"
)

NEW, WORK, RESOLVED, CLOSED = State.NEW, State.IN_PROGRESS, State.RESOLVED, State.CLOSED
USER, VENDOR, CANCELLED, UNKNOWN = (
    State.WAITING_CUSTOMER,
    State.WAITING_VENDOR,
    State.CANCELLED,
    State.UNKNOWN,
)


def ev(case: str, state: str | None, t: float, **kw: Any) -> dict[str, Any]:
    """One incident event; ``group``, ``seq``, ``activity`` and ``ticket_type`` are optional."""
    return {
        Col.CASE_ID: case,
        Col.STATE: None if state is None else str(state),
        Col.TIMESTAMP: t,
        Col.ASSIGNMENT_GROUP: kw.get("group"),
        Col.SEQ: kw.get("seq"),
        Col.ACTIVITY: kw.get("activity", None if state is None else str(state)),
        Col.TICKET_TYPE: kw.get("ticket_type", "incident"),
    }


def run(*tickets: list[dict[str, Any]], model: Any = None, **kw: Any) -> ConformanceResult:
    rows = [r for t in tickets for r in t]
    return check_conformance(table(frame(rows)), model, **kw)


def listed(result: ConformanceResult) -> list[tuple[Any, ...]]:
    d = result.deviations
    return [
        (c, p, k, None if pd.isna(f) else f, None if pd.isna(t) else t)
        for c, p, k, f, t in zip(
            d[Col.CASE_ID], d["position"], d["kind"], d["from"], d["to"], strict=True
        )
    ]


def ticket(result: ConformanceResult, case: str) -> dict[str, Any]:
    t = result.tickets
    row: dict[str, Any] = t[t[Col.CASE_ID] == case].iloc[0].to_dict()
    return row


# -- the default ITIL model on hand-made tickets --------------------------------------------------
T1 = [ev("T01", s, i * 10) for i, s in enumerate([NEW, NEW, WORK, USER, WORK, RESOLVED, CLOSED])]
T2 = [ev("T02", s, i * 10) for i, s in enumerate([USER, RESOLVED, USER, RESOLVED])]
T3 = [ev("T03", NEW, 0)]
T4 = [ev("T04", RESOLVED, 0)]  # one event, finished: its start and its end are checked
T5 = [ev("T05", s, i * 10) for i, s in enumerate([NEW, WORK, NEW])]
# same time: the source sequence decides, and a missing one comes last
T6 = [
    ev("T06", CLOSED, 100, seq=3),
    ev("T06", RESOLVED, 100, seq=2),
    ev("T06", WORK, 50, seq=None),
    ev("T06", NEW, 0, seq=0),
    ev("T06", WORK, 50, seq=1),
]
T7 = [ev("T07", WORK, 0), ev("T07", NEW, 0, seq=0), ev("T07", RESOLVED, 5), ev("T07", CLOSED, 6)]
# same time and no sequence: the file row decides
T8 = [ev("T08", NEW, 0), ev("T08", WORK, 0), ev("T08", RESOLVED, 0), ev("T08", CLOSED, 0)]
# an unknown state and an event without a state are skipped, but keep their positions
T9 = [ev("T09", s, i) for i, s in enumerate([NEW, UNKNOWN, None, WORK, RESOLVED, CLOSED])]
T10 = [ev("T10", s, i) for i, s in enumerate([NEW, UNKNOWN, RESOLVED, CLOSED])]  # new → resolved
# groups A A - B A C B B: changes A→B, B→A, A→C, C→B; the 4th (position 6) breaks the limit
T11 = [
    ev("T11", s, i, group=g)
    for i, (s, g) in enumerate(
        [
            (NEW, "A"),
            (WORK, "A"),
            (WORK, None),
            (WORK, "B"),
            (WORK, "A"),
            (WORK, "C"),
            (RESOLVED, "B"),
            (CLOSED, "B"),
        ]
    )
]
T12 = [
    ev("T12", s, i, group=g)
    for i, (s, g) in enumerate(zip([NEW, WORK, WORK, RESOLVED], "ABAB", strict=True))
]
T12 += [ev("T12", CLOSED, 9)]  # three changes: allowed
# resolved at first contact: new → resolved is allowed by the default model
T13 = [ev("T13", s, i) for i, s in enumerate([NEW, RESOLVED, CLOSED])]
T14 = [
    ev("T14", s, i, group=g)
    for i, (s, g) in enumerate(zip([NEW] * 5 + [CANCELLED], "PQRSTT", strict=True))
]
OTHER = [ev("S01", s, i, ticket_type="service_request") for i, s in enumerate([CLOSED, NEW])]
ALL = (T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, OTHER)


@pytest.fixture(scope="module")
def itil() -> ConformanceResult:
    return run(*ALL)


def test_every_deviation_of_the_default_model(itil: ConformanceResult) -> None:
    assert listed(itil) == [
        ("T02", 0, "bad_start", None, USER),
        ("T02", 2, "bad_transition", RESOLVED, USER),
        ("T02", 3, "bad_end", RESOLVED, None),
        ("T04", 0, "bad_start", None, RESOLVED),
        ("T04", 0, "bad_end", RESOLVED, None),
        ("T05", 2, "bad_transition", WORK, NEW),
        ("T11", 6, "max_reassignments", "C", "B"),
        ("T14", 4, "max_reassignments", "S", "T"),
    ]
    d = itil.deviations
    assert list(d.columns) == [
        "log", "case_id", "position", "timestamp", "kind", "from", "to", "message"
    ]  # fmt: skip
    assert d[Col.TIMESTAMP].iloc[1] == pd.Timestamp("2024-03-01 08:00:20")  # T02, 20 s


def test_messages_say_what_went_wrong(itil: ConformanceResult) -> None:
    assert itil.deviations["message"].tolist()[:3] + itil.deviations["message"].tolist()[6:7] == [
        "began in waiting_customer; a ticket may begin in new or in_progress",
        (
            "resolved → waiting_customer is not an allowed transition; after resolved the model "
            "allows closed or in_progress"
        ),
        "finished in resolved; a finished ticket ends in closed or cancelled",
        "4th change of assignment_group (C → B); at most 3 allowed, 4 in all",
    ]
    closed_again = run([ev("X", s, i) for i, s in enumerate([NEW, WORK, RESOLVED, CLOSED, WORK])])
    assert closed_again.deviations["message"].tolist() == [
        "closed → in_progress is not an allowed transition; closed is final"
    ]


@pytest.mark.parametrize(
    ("case", "events", "transitions", "is_open", "moves", "bad", "fitness", "rules"),
    [
        ("T01", 7, 5, False, 7, 0, 1.0, 0),  # new new→work→user→work→resolved→closed
        ("T02", 4, 3, False, 5, 3, 0.4, 0),  # bad start, 1 of 3 transitions, bad end
        ("T03", 1, 0, True, 1, 0, 1.0, 0),  # one event, still open: only its start
        ("T04", 1, 0, False, 2, 2, 0.0, 0),  # one event, resolved: bad start and bad end
        ("T05", 3, 2, True, 3, 1, 2 / 3, 0),  # open, end not checked
        ("T06", 5, 3, False, 5, 0, 1.0, 0),
        ("T07", 4, 3, False, 5, 0, 1.0, 0),
        ("T08", 4, 3, False, 5, 0, 1.0, 0),
        ("T09", 6, 3, False, 5, 0, 1.0, 0),
        ("T10", 4, 2, False, 4, 0, 1.0, 0),  # first-contact resolution
        ("T11", 8, 3, False, 5, 0, 1.0, 1),  # fits the state machine, breaks a rule
        ("T12", 5, 3, False, 5, 0, 1.0, 0),
        ("T13", 3, 2, False, 4, 0, 1.0, 0),  # first-contact resolution
        ("T14", 6, 1, False, 3, 0, 1.0, 1),
    ],
)
def test_per_ticket_results(
    itil: ConformanceResult,
    case: str,
    events: int,
    transitions: int,
    is_open: bool,
    moves: int,
    bad: int,
    fitness: float,
    rules: int,
) -> None:
    row = ticket(itil, case)
    deviations = bad + rules
    assert (row["events"], row["transitions"], row["open"]) == (events, transitions, is_open)
    assert (row["moves"], row["bad_moves"], row["rule_deviations"]) == (moves, bad, rules)
    assert row["fitness"] == pytest.approx(fitness, abs=1e-12)
    assert (row["deviations"], row["conforming"]) == (deviations, deviations == 0)


def test_other_ticket_types_are_not_checked(itil: ConformanceResult) -> None:
    assert "S01" not in set(itil.tickets[Col.CASE_ID])
    assert itil.tickets[Col.CASE_ID].tolist() == [f"T{i:02d}" for i in range(1, 15)]
    with pytest.raises(ConfigError, match="checks incident tickets, and these events have none"):
        run(OTHER)


def test_summary(itil: ConformanceResult) -> None:
    summary = itil.summary.iloc[0].to_dict()
    conforming = ["T01", "T03", "T06", "T07", "T08", "T09", "T10", "T12", "T13"]
    fitness = [1, 0.4, 1, 0, 2 / 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert summary["tickets"] == 14
    assert summary["conforming"] == len(conforming)
    assert summary["share"] == pytest.approx(9 / 14)
    assert summary["mean_fitness"] == pytest.approx(sum(fitness) / 14)
    assert summary["deviations"] == 8
    assert summary["open_tickets"] == 2


def test_top_deviations(itil: ConformanceResult) -> None:
    top = itil.top(3)
    assert list(top.columns) == ["kind", "from", "to", "deviations", "tickets", "share", "example"]
    rows = [
        (k, None if pd.isna(f) else f, None if pd.isna(t) else t, n, c, e)
        for k, f, t, n, c, e in zip(
            top["kind"], top["from"], top["to"], top["deviations"], top["tickets"], top["example"],
            strict=True,
        )
    ]  # fmt: skip
    assert rows == [  # ties go by kind, then from (none first), then to
        ("bad_end", RESOLVED, None, 2, 2, "T02"),
        ("max_reassignments", None, None, 2, 2, "T11"),  # the groups are not split
        ("bad_start", None, RESOLVED, 1, 1, "T04"),
    ]
    assert top["share"].tolist() == pytest.approx([2 / 14, 2 / 14, 1 / 14])
    everything = itil.top(None)
    assert len(everything) == 6
    assert everything["deviations"].tolist() == [2, 2, 1, 1, 1, 1]
    assert everything[["kind", "to"]].iloc[3].tolist() == ["bad_start", USER]


def test_filters_narrow_the_events_first() -> None:
    result = run(*ALL, filters=[AttributeValues(Col.CASE_ID, ["T02", "T03"])])
    assert result.tickets[Col.CASE_ID].tolist() == ["T02", "T03"]
    assert len(result.deviations) == 3


def test_no_events_give_an_empty_result() -> None:
    empty = table(frame([ev("X", NEW, 0)]).iloc[0:0])
    result = check_conformance(empty)
    assert result.tickets.empty
    assert result.deviations.empty
    assert list(result.tickets.columns) == list(conformance.TICKET_COLUMNS)
    summary = result.summary.iloc[0]
    assert (summary["tickets"], summary["conforming"], summary["deviations"]) == (0, 0, 0)
    assert pd.isna(summary["share"])
    assert pd.isna(summary["mean_fitness"])
    assert result.top().empty


# -- rules -------------------------------------------------------------------------------------
def _permissive(rules: str) -> Any:
    """Every state may start, end and follow any other: only the rules can be broken."""
    states = [s.value for s in State if s is not State.UNKNOWN]
    lines = [f"{s} = [{', '.join(repr(t) for t in states if t != s)}]" for s in states]
    text = f'name = "rules"\nstart = {states!r}\nend = {states!r}\n'
    return parse_process_model(f"{text}[transitions]\n" + "\n".join(lines) + "\n" + rules)


RULES = """
[[rules]]
name = "resolved_before_closed"
kind = "precedence"
before = "resolved"
after = "closed"

[[rules]]
kind = "response_before_resolution"

[[rules]]
name = "no_vendor"
kind = "never"
states = "waiting_vendor"

[[rules]]
name = "reopened_once"
kind = "max_count"
entries_into = "resolved"
max = 2
"""


def test_every_rule_kind() -> None:
    r1 = [ev("R1", s, i) for i, s in enumerate([NEW, CLOSED, WORK, RESOLVED, CLOSED, WORK, CLOSED])]
    states = [NEW, VENDOR, VENDOR, RESOLVED, WORK, VENDOR, RESOLVED, WORK, RESOLVED, RESOLVED]
    r2 = [ev("R2", s, i) for i, s in enumerate([*states, CLOSED])]
    r3 = [ev("R3", s, i) for i, s in enumerate([RESOLVED, CLOSED])]
    r4 = [ev("R4", s, i) for i, s in enumerate([NEW, USER, RESOLVED, CLOSED])]
    result = run(r1, r2, r3, r4, model=_permissive(RULES))
    assert listed(result) == [
        # R1: new closed work resolved closed work closed
        ("R1", 1, "resolved_before_closed", NEW, CLOSED),
        ("R1", 1, "response_before_resolution", NEW, CLOSED),  # closed is a resolution
        ("R1", 6, "resolved_before_closed", WORK, CLOSED),  # not since the previous closed
        # R2: new vendor vendor resolved work vendor resolved work resolved resolved closed
        ("R2", 1, "no_vendor", NEW, VENDOR),
        ("R2", 5, "no_vendor", WORK, VENDOR),  # position 2 repeats vendor: no new entry
        ("R2", 8, "reopened_once", WORK, RESOLVED),  # the 3rd entry into resolved
        # R3: resolved closed
        ("R3", 0, "response_before_resolution", None, RESOLVED),
    ]
    assert result.deviations["message"].tolist() == [
        "entered closed without passing through resolved before it",
        (
            "first resolution (closed) with no in_progress, waiting_customer, waiting_other or "
            "waiting_vendor before it"
        ),
        "entered closed without passing through resolved since the previous closed",
        "entered waiting_vendor, which the model forbids",
        "entered waiting_vendor, which the model forbids",
        "3rd entry into resolved (resolved); at most 2 allowed, 3 in all",
        (
            "first resolution (resolved) with no in_progress, waiting_customer, waiting_other or "
            "waiting_vendor before it"
        ),
    ]
    assert result.tickets["fitness"].tolist() == [1.0] * 4  # rules do not change fitness
    assert result.tickets["rule_deviations"].tolist() == [3, 3, 1, 0]
    assert result.tickets["conforming"].tolist() == [False, False, False, True]


def test_max_count_zero_and_a_ticket_without_steps() -> None:
    model = _permissive(
        '[[rules]]\nname = "one_team"\nkind = "max_count"\nchanges_of = "assignment_group"\n'
        "max = 0\n"
    )
    one = [ev("A", NEW, 0, group="X"), ev("A", WORK, 1, group="Y"), ev("A", CLOSED, 2, group="Z")]
    unknown = [ev("B", UNKNOWN, 0, group="X"), ev("B", UNKNOWN, 1, group="Y")]
    result = run(one, unknown, model=model)
    assert listed(result) == [("A", 1, "one_team", "X", "Y")]
    assert result.deviations["message"].tolist() == [
        "1st change of assignment_group (X → Y); at most 0 allowed, 2 in all"
    ]
    assert result.tickets[Col.CASE_ID].tolist() == ["A"]  # B has no step: not checked


def test_a_model_on_the_source_activity() -> None:
    model = parse_process_model(
        """
name = "sn"
activity = "activity"
states = ["New", "Active", "Resolved", "Closed"]
skip = "-100"
start = "New"
end = "Closed"
open = ["New", "Active"]
[transitions]
New = "Active"
Active = "Resolved"
Resolved = "Closed"
"""
    )
    a1 = [ev("A1", None, i, activity=a) for i, a in enumerate(["New", "-100", "Active"])]
    a1 += [ev("A1", None, 5, activity="Resolved"), ev("A1", None, 6, activity="Closed")]
    a2 = [ev("A2", None, i, activity=a) for i, a in enumerate(["New", "Weird", "Closed"])]
    a3 = [ev("A3", None, i, activity=a) for i, a in enumerate(["New", "Active", "Weird"])]
    result = run(a1, a2, a3, model=model)
    assert listed(result) == [
        ("A2", 1, "bad_transition", "New", "Weird"),
        ("A2", 2, "bad_transition", "Weird", "Closed"),
        ("A3", 2, "bad_transition", "Active", "Weird"),
        ("A3", 2, "bad_end", "Weird", None),  # Weird is not an open state: the ticket ended
    ]
    assert result.deviations["message"].tolist()[:2] == [
        (
            'New → Weird is not an allowed transition; after New the model allows Active ("Weird" '
            "is not a state of the model)"
        ),
        (
            'Weird → Closed is not an allowed transition; Weird is final ("Weird" is not a '
            "state of the model)"
        ),
    ]
    assert result.tickets["fitness"].tolist() == pytest.approx([1.0, 2 / 4, 2 / 4])


def test_the_model_can_be_given_as_a_path(tmp_path: Path) -> None:
    path = tmp_path / "strict.toml"
    path.write_text('name = "strict"\nstart = "new"\nend = "closed"\n', encoding="utf-8")
    result = run(T1, model=path)  # no transitions at all: each of the five is a deviation
    assert result.tickets["bad_moves"].tolist() == [5]
    assert result.model.name == "strict"
    assert check_conformance(table(frame(T1))).model == load_process_model()


# -- documentation -------------------------------------------------------------------------------
def _flat(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def test_definitions_match_the_code() -> None:
    doc = _flat(DOC.read_text(encoding="utf-8"))
    blocks = re.findall(
        r"^(\S[^\n]*)\n((?:    .*\n?)+)", conformance.__doc__ or "", flags=re.MULTILINE
    )
    assert len(blocks) >= 14
    for name, body in blocks:
        assert f"**{name}** — {_flat(body)}" in doc, f"{name} differs from docs/conformance.md"
    last = (conformance.__doc__ or "").strip().split("\n\n")[-1]
    assert _flat(last) in doc


def test_the_default_model_is_printed_in_the_docs() -> None:
    doc = DOC.read_text(encoding="utf-8")
    shipped = MODEL_FILE.read_text(encoding="utf-8")
    assert f"```toml\n{shipped}```" in doc
