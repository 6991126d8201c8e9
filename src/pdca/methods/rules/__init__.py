"""Automation rules and their replay on history (docs/rules.md).

:mod:`.schema` reads and checks a rule file, :mod:`.match` decides which tickets a rule matches,
:mod:`.history` reads what a replay needs from the store, :mod:`.effects` holds the
counterfactual of each action, and :mod:`.replay` adds the effects up with bootstrap intervals.
"""
