"""Declarative automation rules: what a rule file holds, validated, with one-line errors.

A rule file is TOML with one ``[[rule]]`` table per rule (docs/rules.md has an example)::

    [[rule]]
    name = "Network tickets straight to L2 Network"
    when.category = "Network"                    # equals
    when.text = { contains_word = "vpn" }
    then.route_to = "L2 Network"

Conditions (``when``), all of which must hold; each field takes a text (equals) or a table with
exactly one operator — ``equals``, ``in`` (a list), ``matches`` (a regular expression, searched
anywhere, case-sensitive) or ``contains_word`` (a whole word, case-insensitive). Fields:
``priority``, ``category``, ``subcategory``, ``service``, ``channel``, ``location``,
``first_group`` (the first assignment group of the ticket) and ``text`` (the ticket's text:
see :mod:`.history`). A rule without conditions matches every ticket.

Actions (``then``), exactly one per rule: ``route_to = "GROUP"``, ``set_priority = "…"``,
``escalate = { after_hours = N, to = "GROUP", state = "in_progress" }`` (``state`` is a
canonical state, default ``in_progress``) or ``auto_close = { after_days = N }`` (a ticket
waiting for the customer that long is closed).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pdca.errors import InputError
from pdca.model.vocab import State

FIELDS = (
    "priority",
    "category",
    "subcategory",
    "service",
    "channel",
    "location",
    "first_group",
    "text",
)
"""The ticket fields a condition may test."""
ACTIONS = ("route_to", "set_priority", "escalate", "auto_close")
"""The actions a rule may take, one per rule."""
Field_ = Literal[
    "priority", "category", "subcategory", "service", "channel", "location", "first_group", "text"
]
_HELP = "see docs/rules.md for the rule file format"
_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Condition(BaseModel):
    """One test of a ticket field: exactly one of the operators."""

    model_config = _FROZEN

    equals: str | None = None
    in_: tuple[str, ...] | None = Field(None, alias="in")
    matches: str | None = None
    contains_word: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _text_means_equals(cls, value: Any) -> Any:
        if isinstance(value, str | int | float):
            return {"equals": str(value)}
        return value

    @field_validator("matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    @field_validator("contains_word")
    @classmethod
    def _word(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("contains_word needs a word")
        return value

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [k for k in ("equals", "in_", "matches", "contains_word") if getattr(self, k)]
        if self.equals == "":
            given.append("equals")
        if len(given) != 1:
            raise ValueError("give exactly one of equals, in, matches, contains_word")
        return self

    def describe(self) -> str:
        """The condition in a few words."""
        if self.in_ is not None:
            return f"in [{', '.join(self.in_)}]"
        if self.matches is not None:
            return f"matches /{self.matches}/"
        if self.contains_word is not None:
            return f"contains the word {self.contains_word!r}"
        return f"= {self.equals!r}"


class Escalate(BaseModel):
    """Reassign a ticket that stayed ``after_hours`` in ``state`` at one group to ``to``."""

    model_config = _FROZEN

    after_hours: float = Field(gt=0)
    to: str = Field(min_length=1)
    state: State = State.IN_PROGRESS


class AutoClose(BaseModel):
    """Close a ticket that waited ``after_days`` for the customer."""

    model_config = _FROZEN

    after_days: float = Field(gt=0)


class Action(BaseModel):
    """What a rule does: exactly one action."""

    model_config = _FROZEN

    route_to: str | None = Field(None, min_length=1)
    set_priority: str | None = Field(None, min_length=1)
    escalate: Escalate | None = None
    auto_close: AutoClose | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one action: {', '.join(ACTIONS)}")
        return self

    @property
    def kind(self) -> str:
        """The action's name (one of :data:`ACTIONS`)."""
        return next(a for a in ACTIONS if getattr(self, a) is not None)

    def describe(self) -> str:
        """The action in a few words."""
        if self.route_to is not None:
            return f"route to {self.route_to}"
        if self.set_priority is not None:
            return f"set priority {self.set_priority}"
        if self.escalate is not None:
            e = self.escalate
            return f"escalate to {e.to} after {e.after_hours:g} h in {e.state.value}"
        assert self.auto_close is not None
        return f"auto-close after {self.auto_close.after_days:g} d waiting for the customer"


class Rule(BaseModel):
    """One rule: a name, conditions on ticket fields and one action."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    when: dict[Field_, Condition] = Field(default_factory=dict)
    then: Action


class RuleSet(BaseModel):
    """The rules of one file, in their order (the first matching rule of an action kind wins)."""

    model_config = _FROZEN

    rule: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        for r in self.rule:
            if r.name in seen:
                raise ValueError(f"two rules are named {r.name!r}")
            seen.add(r.name)
        return self


def _line_of(text: str, rule_no: int | None, keys: list[str]) -> int | None:
    """The line (1-based) of the innermost of ``keys`` found inside the ``rule_no``-th
    ``[[rule]]`` table (a missing key: the line of its parent), else the table's header."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip().startswith("[[rule]]")]
    if rule_no is None or rule_no >= len(headers):
        return None
    first = headers[rule_no]
    last = headers[rule_no + 1] if rule_no + 1 < len(headers) else len(lines)
    for key in reversed(keys):
        pattern = re.compile(rf"(^|[\s.{{,\"]){re.escape(key)}(\s*=|\s*\.|\"|\])")
        for i in range(first, last):
            if pattern.search(lines[i].split("#", 1)[0]):
                return i + 1
    return first + 1


def _where(error: Any, text: str) -> str:
    loc = [str(p) for p in error["loc"]]
    rule_no = int(loc[1]) if len(loc) > 1 and loc[0] == "rule" and loc[1].isdigit() else None
    inner = [p for p in loc[2:] if p not in ("str", "[key]")]
    keys = [p for p in inner if not p.startswith(("function-", "constrained-", "tagged-"))]
    name = ".".join(keys) if keys else ""
    words = [k.rstrip("_") for k in keys if not k.isdigit()]
    line = _line_of(text, rule_no, words)
    parts = []
    if line is not None:
        parts.append(f"line {line}")
    if rule_no is not None:
        parts.append(f"rule {rule_no + 1}")
    if name:
        parts.append(name.replace("in_", "in"))
    return ", ".join(parts) or "the file"


def parse_rules(text: str, source: str = "the rule file") -> RuleSet:
    """Rules from TOML text; a bad file is an :class:`InputError` naming the line and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source} is not valid TOML: {exc}", _HELP) from None
    if "rule" not in data:
        raise InputError(f"{source} has no [[rule]] table", _HELP)
    extra = sorted(set(data) - {"rule"})
    if extra:
        raise InputError(f"{source}: unknown top-level key {extra[0]!r}", _HELP)
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        message = message.removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        if first["type"] == "literal_error" and first["loc"][-1] not in FIELDS:
            message = f"unknown field (use one of: {', '.join(FIELDS)})"
        more = len(exc.errors()) - 1
        tail = f" (and {more} more)" if more else ""
        raise InputError(f"{source}, {_where(first, text)}: {message}{tail}", _HELP) from None


def load_rules(path: Path | str) -> RuleSet:
    """Read and validate a rule file (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"there is no rule file {str(p)!r}", "give the path of a TOML file"
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"{str(p)!r} is not UTF-8 text", "save the rule file as UTF-8") from None
    return parse_rules(text, str(p))
