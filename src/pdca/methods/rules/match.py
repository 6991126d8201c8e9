"""Which tickets a rule's conditions match, and which rule takes effect on each ticket.

A condition on a missing value never holds (a ticket without a category matches no condition on
the category, not even ``matches = ".*"``). ``equals`` and ``in`` compare whole texts exactly;
``matches`` searches a regular expression anywhere in the text (case-sensitive, Python syntax;
write ``(?i)`` for case-insensitive); ``contains_word`` looks for the word as a whole word
(between word boundaries), ignoring case.

Rules apply in file order: for each kind of action (route, priority, escalation, auto-close)
the first rule whose conditions match a ticket takes effect on it, and later rules of the same
kind are *shadowed* on that ticket (counted as matched, not applied).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from pdca.methods.rules.schema import Condition, Rule, RuleSet

Bools = np.ndarray[Any, np.dtype[np.bool_]]


def condition_mask(values: pd.Series, condition: Condition) -> Bools:
    """Where ``condition`` holds on ``values`` (missing values: never)."""
    present = values.notna().to_numpy()
    text = values.astype("string")
    if condition.in_ is not None:
        hit = values.isin(list(condition.in_)).to_numpy()
    elif condition.matches is not None:
        hit = text.str.contains(condition.matches, regex=True, na=False).to_numpy(dtype=bool)
    elif condition.contains_word is not None:
        pattern = rf"(?i)\b{re.escape(condition.contains_word.strip())}\b"
        hit = text.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    else:
        hit = (text == condition.equals).fillna(value=False).to_numpy(dtype=bool)
    result: Bools = present & hit
    return result


def rule_mask(tickets: pd.DataFrame, rule: Rule) -> Bools:
    """Tickets (rows of ``tickets``) that satisfy every condition of ``rule``."""
    mask = np.ones(len(tickets), dtype=np.bool_)
    for field, condition in rule.when.items():
        mask &= condition_mask(tickets[field], condition)
    return mask


def effective(tickets: pd.DataFrame, rules: RuleSet) -> tuple[list[Bools], list[Bools]]:
    """Per rule: the tickets it matches, and those on which it takes effect (first matching
    rule of its action kind, in file order)."""
    taken: dict[str, Bools] = {}
    matched, applied = [], []
    for rule in rules.rule:
        mask = rule_mask(tickets, rule)
        kind = rule.then.kind
        before = taken.get(kind, np.zeros(len(tickets), dtype=np.bool_))
        matched.append(mask)
        applied.append(mask & ~before)
        taken[kind] = before | mask
    return matched, applied
