"""Reference process models: the designed lifecycle of a ticket type, as a small state machine.

A model is read from a TOML file (``docs/conformance.md`` describes every key) with
:func:`load_process_model`; without a file, the built-in ITIL incident model
(``models/itil_incident.toml``) applies. A model names its steps by an activity key (the
canonical ``state`` by default, or another event column such as the source's own ``activity``)
and says:

* ``states`` — every label of the model; for the ``state`` key, the canonical states;
* ``start`` — the states a ticket may begin in;
* ``transitions`` — for each state, the states that may directly follow it;
* ``end`` — the states a finished ticket may end in;
* ``open`` — the states in which a ticket is still running (its end is not checked);
* ``skip`` — labels left out before checking (for the ``state`` key: ``unknown``);
* ``rules`` — declarative rules: ``precedence``, ``max_count``, ``response_before_resolution``
  and ``never``.

Every problem in a file is one :class:`~pdca.errors.ConfigError` naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pdca.errors import ConfigError
from pdca.methods.mining.activity import KEY_COLUMNS, ActivityKey
from pdca.model.config_errors import config_error
from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, WAITING_STATES, State, TicketType

DEFAULT_MODEL = "itil_incident"
"""The built-in model used when none is given."""
BUILT_IN_KINDS = ("bad_start", "bad_transition", "bad_end")
"""Deviation kinds of the state machine itself; rule names must differ from them."""

_CANONICAL = tuple(s.value for s in State if s is not State.UNKNOWN)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
Labels = tuple[str, ...]


def _or(labels: Sequence[str]) -> str:
    """``a, b or c``."""
    items = list(labels)
    if len(items) <= 1:
        return items[0] if items else "nothing"
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _labels(value: Any) -> Any:
    """A single label is accepted where a list is expected."""
    return [value] if isinstance(value, str) else value


class Found(NamedTuple):
    """What a check found: the labels (or values) involved and, for some rules, a number."""

    frm: str | None
    to: str | None
    number: int | None = None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    name: str
    """Names the rule's deviations (their ``kind``); defaults to the rule's kind."""

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            return {**data, "name": data.get("kind")}
        return data

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f'"{value}" is not a rule name like "max_reassignments"')
        return value

    def labels(self) -> dict[str, Labels]:
        """The model labels this rule names, by key (checked against the model's states)."""
        return {}

    def describe(self, found: Found) -> str:
        """The plain-language message of one deviation from this rule."""
        raise NotImplementedError


class Precedence(_Rule):
    """Each entry into an ``after`` state needs an entry into a ``before`` state first."""

    kind: Literal["precedence"]
    before: Labels
    after: Labels

    _lists = field_validator("before", "after", mode="before")(_labels)

    def labels(self) -> dict[str, Labels]:
        return {"before": self.before, "after": self.after}

    def describe(self, found: Found) -> str:
        """``found.number`` is 1 when an earlier entry into an ``after`` state exists."""
        since = f" since the previous {_or(self.after)}" if found.number else " before it"
        return f"entered {found.to} without passing through {_or(self.before)}{since}"


class MaxCount(_Rule):
    """At most ``max`` changes of a column, or entries into some states, per ticket."""

    kind: Literal["max_count"]
    max: int = Field(ge=0)
    changes_of: str | None = None
    entries_into: Labels | None = None

    _lists = field_validator("entries_into", mode="before")(_labels)

    @field_validator("changes_of")
    @classmethod
    def _column(cls, value: str | None) -> str | None:
        if value is not None and value not in KEY_COLUMNS:
            raise ValueError(
                f'"{value}" is not a canonical event column; use one of: ' + ", ".join(KEY_COLUMNS)
            )
        return value

    @model_validator(mode="after")
    def _one_count(self) -> MaxCount:
        if (self.changes_of is None) == (self.entries_into is None):
            raise ValueError("give exactly one of changes_of (a column) or entries_into (states)")
        return self

    def labels(self) -> dict[str, Labels]:
        return {"entries_into": self.entries_into} if self.entries_into else {}

    def describe(self, found: Found) -> str:
        """``found.number`` is the ticket's number of changes or entries in all."""
        if self.changes_of is not None:
            what = f"change of {self.changes_of} ({found.frm} → {found.to})"
        else:
            what = f"entry into {_or(self.entries_into or ())} ({found.to})"
        return f"{_ordinal(self.max + 1)} {what}; at most {self.max} allowed, {found.number} in all"


class ResponseBeforeResolution(_Rule):
    """The first entry into a ``resolution`` state needs an earlier ``response`` state."""

    kind: Literal["response_before_resolution"]
    response: Labels
    resolution: Labels

    _lists = field_validator("response", "resolution", mode="before")(_labels)

    def labels(self) -> dict[str, Labels]:
        return {"response": self.response, "resolution": self.resolution}

    def describe(self, found: Found) -> str:
        return f"first resolution ({found.to}) with no {_or(self.response)} before it"


class Never(_Rule):
    """A ticket must never enter one of ``states``."""

    kind: Literal["never"]
    states: Labels

    _lists = field_validator("states", mode="before")(_labels)

    def labels(self) -> dict[str, Labels]:
        return {"states": self.states}

    def describe(self, found: Found) -> str:
        return f"entered {found.to}, which the model forbids"


Rule = Annotated[
    Precedence | MaxCount | ResponseBeforeResolution | Never, Field(discriminator="kind")
]
RULE_KINDS = ("precedence", "max_count", "response_before_resolution", "never")
_STATE_DEFAULTS: dict[str, Any] = {
    "states": list(_CANONICAL),
    "skip": [State.UNKNOWN.value],
    "open": sorted(OPEN_STATES),
}
_RESPONSE_DEFAULTS = {
    "response": [State.IN_PROGRESS.value, *sorted(WAITING_STATES)],
    "resolution": [State.RESOLVED.value, State.CLOSED.value],
}


class ProcessModel(_Strict):
    """A reference model of one ticket type (see the module docstring and docs/conformance.md)."""

    name: str
    description: str = ""
    ticket_type: TicketType | None = None
    activity: str | Labels = Col.STATE
    states: Labels
    skip: Labels = ()
    start: Labels
    end: Labels
    open: Labels
    transitions: dict[str, Labels] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    _lists = field_validator("start", "end", "open", "skip", "states", mode="before")(_labels)

    @field_validator("transitions", mode="before")
    @classmethod
    def _targets(cls, value: Any) -> Any:
        return {k: _labels(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("activity")
    @classmethod
    def _key(cls, value: str | Labels) -> str | Labels:
        try:
            ActivityKey.of(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def key(self) -> ActivityKey:
        """The activity key that names the model's steps."""
        return ActivityKey.of(self.activity)

    @model_validator(mode="before")
    @classmethod
    def _state_defaults(cls, data: Any) -> Any:
        """On the ``state`` key, states, skip, open and response/resolution have defaults."""
        if not isinstance(data, dict) or data.get("activity", Col.STATE) not in (
            Col.STATE,
            [Col.STATE],
        ):
            return data
        data = {**_STATE_DEFAULTS, **data}
        rules = data.get("rules")
        if isinstance(rules, list):
            data["rules"] = [
                {**_RESPONSE_DEFAULTS, **r}
                if isinstance(r, dict) and r.get("kind") == "response_before_resolution"
                else r
                for r in rules
            ]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ProcessModel:
        if self.key.columns == (Col.STATE,):
            for i, s in enumerate(self.states, start=1):
                if s not in _CANONICAL:
                    raise ValueError(
                        f'states[{i}]: "{s}" is not a canonical state; use any of: '
                        + ", ".join(_CANONICAL)
                    )
        for key in ("states", "start", "end"):
            if not getattr(self, key):
                raise ValueError(f"{key}: give at least one state")
        for key in ("start", "end", "open"):
            self._unknown(key, getattr(self, key))
        for source, targets in self.transitions.items():
            self._unknown("transitions", (source,), f"transitions.{source}")
            self._unknown(f"transitions.{source}", targets)
        self._check_rules()
        return self

    def _unknown(self, where: str, labels: Labels, at: str | None = None) -> None:
        for i, label in enumerate(labels, start=1):
            if label not in self.states:
                raise ValueError(
                    f'{at or f"{where}[{i}]"}: "{label}" is not a state of the model; states: '
                    + ", ".join(self.states)
                )

    def _check_rules(self) -> None:
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.rules, start=1):
            if rule.name in BUILT_IN_KINDS:
                raise ValueError(f'rules[{i}].name: "{rule.name}" is reserved; choose another')
            if rule.name in seen:
                raise ValueError(
                    f'rules[{i}]: the name "{rule.name}" repeats rules[{seen[rule.name]}]; '
                    "give each rule its own name"
                )
            seen[rule.name] = i
            for key, labels in rule.labels().items():
                self._unknown(f"rules[{i}].{key}", labels)
            if isinstance(rule, Precedence) and set(rule.before) & set(rule.after):
                raise ValueError(f"rules[{i}]: before and after share a state; keep them apart")

    # -- reading the model ---------------------------------------------------------------------
    def allowed(self) -> list[tuple[str, str]]:
        """Every allowed transition (from, to), in file order."""
        pairs = ((s, t) for s, targets in self.transitions.items() for t in targets)
        return list(dict.fromkeys(pairs))

    def describe(self, kind: str, found: Found) -> str:
        """The message of a deviation from the state machine (``kind``: bad_start, …)."""
        frm, to = found.frm, found.to
        strange = [x for x in (frm, to) if x is not None and x not in self.states]
        note = "".join(f' ("{x}" is not a state of the model)' for x in dict.fromkeys(strange))
        if kind == BUILT_IN_KINDS[0]:
            return f"began in {to}; a ticket may begin in {_or(self.start)}{note}"
        if kind == BUILT_IN_KINDS[2]:
            return f"finished in {frm}; a finished ticket ends in {_or(self.end)}{note}"
        targets = self.transitions.get(frm or "", ())
        after = f"after {frm} the model allows {_or(targets)}" if targets else f"{frm} is final"
        return f"{frm} → {to} is not an allowed transition; {after}{note}"


# -- loading ---------------------------------------------------------------------------------------
def parse_process_model(text: str, source: str = "process model") -> ProcessModel:
    """Validate a model given as TOML text; ``source`` names it in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", "fix the syntax there") from None
    try:
        return ProcessModel.model_validate(raw)
    except ValidationError as exc:
        raise config_error(
            source, exc, docs="docs/conformance.md", skip=_rule_branch, explain=_explain
        ) from None


def load_process_model(path: Path | str | None = None) -> ProcessModel:
    """Read a process model TOML file; ``None`` gives the built-in ITIL incident model."""
    if path is None:
        ref = (
            resources.files("pdca.methods.mining")
            .joinpath("models")
            .joinpath(f"{DEFAULT_MODEL}.toml")
        )
        return parse_process_model(ref.read_text(encoding="utf-8"), f"built-in {DEFAULT_MODEL}")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such process model file",
            "check the path, or leave it out for the built-in ITIL incident model",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the process model file: {exc}") from None
    return parse_process_model(text, str(path))


def _rule_branch(loc: tuple[int | str, ...], i: int) -> bool:
    """The discriminator's branch in a rule's location, not a key of the file."""
    return loc[i] in RULE_KINDS and i > 0 and isinstance(loc[i - 1], int)


def _explain(error: dict[str, Any], path: str) -> tuple[str, str, str | None] | None:
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = error.get("ctx", {}).get("tag")
        what = f'unknown rule kind "{tag}"' if kind == "union_tag_invalid" else "is missing"
        return f"{path}.kind", what, f"use one of: {', '.join(RULE_KINDS)}"
    if kind == "missing" and path in ("states", "open"):
        return path, "is missing", "a model on another activity key than state lists its own states"
    return None


__all__ = [
    "DEFAULT_MODEL",
    "Found",
    "MaxCount",
    "Never",
    "Precedence",
    "ProcessModel",
    "ResponseBeforeResolution",
    "load_process_model",
    "parse_process_model",
]
