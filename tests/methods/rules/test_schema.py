"""Rule files: what is accepted, and one-line errors that name the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdca.errors import InputError
from pdca.methods.rules.schema import load_rules, parse_rules
from pdca.model.vocab import State

GOOD = """\
[[rule]]
name = "network"
when.category = "Network"
when.text = { contains_word = "vpn" }
then.route_to = "L2 Network"

[[rule]]
name = "stuck"
when.service = { in = ["Email", "ERP"] }
then.escalate = { after_hours = 4, to = "L2 ERP" }

[[rule]]
name = "silent"
when.priority = { matches = "^4" }
then.auto_close = { after_days = 5 }

[[rule]]
name = "vip"
when.first_group = "Desk"
then.set_priority = "1 - Critical"
"""


def test_a_good_file() -> None:
    rules = parse_rules(GOOD).rule
    assert [r.name for r in rules] == ["network", "stuck", "silent", "vip"]
    assert [r.then.kind for r in rules] == ["route_to", "escalate", "auto_close", "set_priority"]
    assert rules[0].when["category"].equals == "Network"
    assert rules[0].when["text"].contains_word == "vpn"
    assert rules[1].when["service"].in_ == ("Email", "ERP")
    assert rules[1].then.escalate is not None
    assert rules[1].then.escalate.state is State.IN_PROGRESS
    assert rules[2].then.describe() == "auto-close after 5 d waiting for the customer"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('{ contains_word = "vpn" }', '{ contain = "vpn" }', "line 4, rule 1, when.text.contain"),
        ("when.category", "when.categ", "line 3, rule 1, when.categ: unknown field"),
        ("after_hours = 4", "after_hours = -4", "line 10, rule 2, then.escalate.after_hours"),
        ('{ matches = "^4" }', '{ matches = "(" }', "not a valid regular expression"),
        ('then.route_to = "L2 Network"', "", "line 1, rule 1, then: Field required"),
        ('name = "stuck"', 'name = "network"', "two rules are named 'network'"),
        ('{ in = ["Email", "ERP"] }', '{ in = ["Email"], equals = "x" }', "line 9, rule 2"),
        (
            'then.set_priority = "1 - Critical"',
            'then.route_to = "x"\nthen.set_priority = "1"',
            "give exactly one action",
        ),
        ('name = "vip"', 'name = "vip"\nwhen.text = { contains_word = " " }', "needs a word"),
        ("after_days = 5", 'after_days = 5, state = "x"', "then.auto_close.state: unknown key"),
    ],
)
def test_bad_rules_are_one_line(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(InputError) as caught:
        parse_rules(GOOD.replace(old, new, 1), "r.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("r.toml")
    assert expected in message


def test_not_toml_and_no_rules(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not valid TOML.*line 2"):
        parse_rules('[[rule]]\nname = "x\n')
    with pytest.raises(InputError, match=r"no \[\[rule\]\] table"):
        parse_rules('name = "x"\n')
    with pytest.raises(InputError, match="there is no rule file"):
        load_rules(tmp_path / "missing.toml")
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'[[rule]]\nname = "caf\xe9"\n')
    with pytest.raises(InputError, match="not UTF-8"):
        load_rules(bad)
