"""Process model files: the built-in ITIL model, defaults, and one-line errors for bad files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pdca.errors import ConfigError
from pdca.methods.mining.process_model import (
    MaxCount,
    Precedence,
    ProcessModel,
    ResponseBeforeResolution,
    load_process_model,
    parse_process_model,
)
from pdca.model.vocab import State, TicketType

MODELS = Path(__file__).resolve().parents[3] / "src" / "pdca" / "methods" / "mining" / "models"
BASE = 'name = "m"\nstart = ["new"]\nend = ["closed"]\n'


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_process_model(text, "m.toml")
    return str(info.value)


def test_the_built_in_model_is_the_itil_incident_file() -> None:
    model = load_process_model()
    raw = tomllib.loads((MODELS / "itil_incident.toml").read_text(encoding="utf-8"))
    assert model.name == "itil_incident"
    assert model.ticket_type is TicketType.INCIDENT
    assert model.key.columns == ("state",)
    assert model.start == ("new", "in_progress")
    assert model.end == ("closed", "cancelled")
    assert set(model.open) == {"new", "in_progress", "waiting_customer", "waiting_vendor"} | {
        "waiting_other"
    }
    assert model.skip == ("unknown",)
    assert {k: tuple(v) for k, v in raw["transitions"].items()} == model.transitions
    assert ("resolved", "closed") in model.allowed()
    assert ("new", "resolved") in model.allowed()  # first-contact resolution
    assert model.transitions["closed"] == ()
    (rule,) = model.rules
    assert isinstance(rule, MaxCount)
    assert (rule.name, rule.changes_of, rule.max) == ("max_reassignments", "assignment_group", 3)


def test_a_model_file_is_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(BASE + '[transitions]\nnew = "closed"\n', encoding="utf-8")
    model = load_process_model(path)
    assert model.allowed() == [("new", "closed")]  # a single label is a list of one
    assert load_process_model(str(path)) == model


def test_state_models_get_canonical_defaults() -> None:
    model = parse_process_model(BASE + '[[rules]]\nkind = "response_before_resolution"\n')
    assert model.states == tuple(s.value for s in State if s is not State.UNKNOWN)
    assert model.skip == ("unknown",)
    assert set(model.open) == {"new", "in_progress", "waiting_customer"} | {
        "waiting_vendor",
        "waiting_other",
    }
    (rule,) = model.rules
    assert isinstance(rule, ResponseBeforeResolution)
    assert rule.name == "response_before_resolution"  # unnamed rules are named by their kind
    assert set(rule.response) == {"in_progress", "waiting_customer"} | {
        "waiting_vendor",
        "waiting_other",
    }
    assert rule.resolution == ("resolved", "closed")
    assert model.allowed() == []


def test_a_model_on_the_source_activity_lists_its_own_states() -> None:
    text = """
name = "sn"
activity = "activity"
states = ["New", "Active", "Resolved", "Closed"]
skip = ["-100"]
start = "New"
end = "Closed"
open = ["New", "Active"]
[transitions]
New = ["Active", "Active"]
Active = "Resolved"
[[rules]]
name = "closed_after_resolved"
kind = "precedence"
before = "Resolved"
after = "Closed"
"""
    model = parse_process_model(text)
    assert model.key.columns == ("activity",)
    assert model.skip == ("-100",)
    assert model.allowed() == [("New", "Active"), ("Active", "Resolved")]  # repeats once
    (rule,) = model.rules
    assert isinstance(rule, Precedence)
    assert (rule.before, rule.after) == (("Resolved",), ("Closed",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BASE + '[transitions]\nnew = ["in_progress", "in_progres"]\n',
            (
                'm.toml: transitions.new[2]: "in_progres" is not a state of the model; states: '
                "new, in_progress, waiting_customer, waiting_vendor, waiting_other, resolved, "
                "closed, cancelled"
            ),
        ),
        (
            BASE + '[transitions]\nnwe = ["closed"]\n',
            'm.toml: transitions.nwe: "nwe" is not a state of the model; states: new,',
        ),
        (
            BASE + 'states = ["new", "closed", "open"]\n',
            'm.toml: states[3]: "open" is not a canonical state; use any of: new, in_progress,',
        ),
        ('name = "m"\nstart = ["new", "nwe"]\nend = ["closed"]\n', 'm.toml: start[2]: "nwe" is'),
        ('name = "m"\nstart = []\nend = ["closed"]\n', "m.toml: start: give at least one state"),
        ('name = "m"\nstart = ["new"]\n', "m.toml: end: is missing"),
        (
            BASE + '[[rules]]\nkind = "maxcount"\n',
            (
                'm.toml: rules[1].kind: unknown rule kind "maxcount" — use one of: precedence, '
                "max_count, response_before_resolution, never"
            ),
        ),
        (BASE + '[[rules]]\nname = "a"\n', "m.toml: rules[1].kind: is missing — use one of:"),
        (
            BASE + '[[rules]]\nkind = "precedence"\nbefore = "resolved"\n',
            "m.toml: rules[1].after: is missing",
        ),
        (
            BASE
            + '[[rules]]\nkind = "precedence"\nbefore = "resolved"\nafter = "closed"\nbfore = 1\n',
            "m.toml: rules[1].bfore: unknown key — check the spelling; docs/conformance.md lists",
        ),
        (
            BASE
            + '[[rules]]\nkind = "precedence"\nbefore = ["resolved", "closed"]\nafter = "closed"\n',
            "m.toml: rules[1]: before and after share a state; keep them apart",
        ),
        (
            BASE + '[[rules]]\nkind = "max_count"\nmax = -1\nchanges_of = "assignment_group"\n',
            "m.toml: rules[1].max: input should be greater than or equal to 0 (got -1)",
        ),
        (
            BASE + '[[rules]]\nkind = "max_count"\nmax = 1\n',
            "m.toml: rules[1]: give exactly one of changes_of (a column) or entries_into (states)",
        ),
        (
            BASE + '[[rules]]\nkind = "max_count"\nmax = 1\nchanges_of = "group"\n',
            'm.toml: rules[1].changes_of: "group" is not a canonical event column; use one of:',
        ),
        (
            BASE + '[[rules]]\nkind = "max_count"\nmax = 1\nentries_into = "reopened"\n',
            'm.toml: rules[1].entries_into[1]: "reopened" is not a state of the model',
        ),
        (
            BASE + '[[rules]]\nkind = "never"\nstates = "closd"\n',
            'm.toml: rules[1].states[1]: "closd" is not a state of the model',
        ),
        (
            BASE + '[[rules]]\nkind = "never"\nname = "bad_end"\nstates = "closed"\n',
            'm.toml: rules[1].name: "bad_end" is reserved; choose another',
        ),
        (
            BASE + '[[rules]]\nkind = "never"\nname = "No Go"\nstates = "closed"\n',
            'm.toml: rules[1].name: "No Go" is not a rule name like "max_reassignments"',
        ),
        (
            BASE + '[[rules]]\nkind = "never"\nstates = "closed"\n'
            '[[rules]]\nkind = "never"\nstates = "new"\n',
            'm.toml: rules[2]: the name "never" repeats rules[1]; give each rule its own name',
        ),
        (
            'name = "m"\nactivity = "activity"\nstart = ["A"]\nend = ["B"]\n',
            "m.toml: states: is missing — a model on another activity key than state lists",
        ),
        (
            (
                'name = "m"\nactivity = "activity"\nstates = ["A", "B"]\nopen = "A"\nstart = "A"\n'
                'end = "B"\n[[rules]]\nkind = "response_before_resolution"\n'
            ),
            "m.toml: rules[1].response: is missing",
        ),
        (
            'name = "m"\nactivity = "activty"\nstart = ["A"]\nend = ["B"]\n',
            "m.toml: activity: cannot name steps by 'activty' — use canonical event columns:",
        ),
        (
            BASE + 'ticket_type = "incidnet"\n',
            (
                "m.toml: ticket_type: input should be 'incident', 'service_request', 'problem' or "
                "'change' (got 'incidnet')"
            ),
        ),
        (BASE + "colour = 1\n", "m.toml: colour: unknown key"),
        (BASE + "start = []\n", "m.toml: not valid TOML: Cannot overwrite a value"),
    ],
)
def test_bad_model_files_give_one_line_errors(text: str, message: str) -> None:
    error = _error(text)
    assert error.startswith(message)
    assert "\n" not in error


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such process model file"):
        load_process_model(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"name = '\xff'")
    with pytest.raises(ConfigError, match="cannot read the process model file"):
        load_process_model(bad)


def test_models_are_frozen() -> None:
    model = load_process_model()
    assert isinstance(model, ProcessModel)
    with pytest.raises(ValueError, match="frozen"):
        model.start = ("closed",)  # type: ignore[misc]


def test_the_example_in_the_docs_is_a_valid_model() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "conformance.md").read_text("utf-8")
    blocks = [b for b in doc.split("```toml\n")[1:] if b.startswith('name = "servicenow_incident"')]
    assert len(blocks) == 1
    model = parse_process_model(blocks[0].split("```")[0], "docs example")
    assert model.key.columns == ("activity",)
    assert [r.name for r in model.rules] == ["closed_after_resolved", "response_before_resolution"]
