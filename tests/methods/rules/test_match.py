"""Conditions on ticket fields: each operator, missing values, and rule order."""

from __future__ import annotations

import pandas as pd

from pdca.methods.rules.match import condition_mask, effective
from pdca.methods.rules.schema import Condition, parse_rules

VALUES = pd.Series(["VPN down", "vpns", "no vpn here", None, "Network"], dtype=object)


def test_operators() -> None:
    word = condition_mask(VALUES, Condition(contains_word="vpn"))
    assert word.tolist() == [True, False, True, False, False]
    regex = condition_mask(VALUES, Condition(matches="^N"))
    assert regex.tolist() == [False, False, False, False, True]
    anything = condition_mask(VALUES, Condition(matches=".*"))
    assert anything.tolist() == [True, True, True, False, True]  # missing never matches
    equals = condition_mask(VALUES, Condition.model_validate("Network"))
    assert equals.tolist() == [False, False, False, False, True]
    among = condition_mask(VALUES, Condition.model_validate({"in": ["vpns", "Network"]}))
    assert among.tolist() == [False, True, False, False, True]
    dotted = condition_mask(pd.Series(["a.b", "axb"]), Condition(contains_word="a.b"))
    assert dotted.tolist() == [True, False]  # the word is literal text, not a pattern


def test_first_rule_of_each_kind_wins() -> None:
    tickets = pd.DataFrame({"category": ["A", "A", "B"], "service": ["x", "y", "x"]})
    rules = parse_rules(
        '[[rule]]\nname = "1"\nwhen.category = "A"\nthen.route_to = "G"\n'
        '[[rule]]\nname = "2"\nwhen.service = "x"\nthen.route_to = "H"\n'
        '[[rule]]\nname = "3"\nwhen.service = "x"\nthen.set_priority = "1"\n'
    )
    matched, applied = effective(tickets, rules)
    assert [m.tolist() for m in matched] == [
        [True, True, False],
        [True, False, True],
        [True, False, True],
    ]
    assert [a.tolist() for a in applied] == [
        [True, True, False],
        [False, False, True],  # ticket 0 was routed by rule 1
        [True, False, True],  # another kind of action: not shadowed
    ]
