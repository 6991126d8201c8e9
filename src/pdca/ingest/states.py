"""Guessing the canonical state of a source's status label from its words.

Used to draft the ``[states]`` table of a mapping: "Waiting on Customer" is
``waiting_customer``, "Solved" is ``resolved``, "Closed - Duplicate" is ``cancelled``. Labels no
rule recognises are left for the user to map (pdca then counts them as ``unknown``).
"""

from __future__ import annotations

import re

from pdca.model.vocab import State

_CANCELLED = r"\b(cancel\w*|reject\w*|withdr\w*|duplicate\w*|abandon\w*|declined?|void)\b"
_WAITING = r"\b(pending|wait\w*|awaiting|on hold|hold|suspended|paused|deferred)\b"
_QUEUE = r"\b(assignment|support|agent|triage|queue|dispatch)\b"
_CUSTOMER = (
    r"\b(customer|user|requester|requestor|caller|client|reporter|info|information|"
    r"feedback|response|reply|evidence|end user)\b"
)
_VENDOR = r"\b(vendor|supplier|third party|3rd party|external|partner|contractor|provider)\b"
_RESOLVED = r"\b(resolved|resolve|solved|fixed|resolution)\b"
_CLOSED = r"\b(closed|close|done|complete|completed|finished|archived)\b"
_IN_PROGRESS = (
    r"\b(in progress|progress|assigned|active|work|working|accepted|started|reopened|"
    r"reopen|investigat\w*|escalated|implementing|ongoing|analysis)\b"
)
_NEW = r"\b(new|open|opened|queued|created|logged|submitted|registered|to do|todo|backlog|"
_NEW += r"received|unassigned|triage)\b"


def _words(label: str) -> str:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spaced.lower()).split())


def guess_state(label: str) -> State | None:
    """The canonical state a status label most likely means, or None when no rule applies."""
    words = _words(label)
    if re.search(_CANCELLED, words):
        return State.CANCELLED
    if re.search(_WAITING, words):
        return _waiting_for(words)
    rules = (
        (_RESOLVED, State.RESOLVED),
        (_CLOSED, State.CLOSED),
        (_IN_PROGRESS, State.IN_PROGRESS),
        (_NEW, State.NEW),
    )
    return next((state for pattern, state in rules if re.search(pattern, words)), None)


def _waiting_for(words: str) -> State:
    """Whom a pending/waiting label waits for ("waiting for support" is a queue: new)."""
    customer = re.search(_CUSTOMER, words)
    if re.search(_QUEUE, words) and not customer:
        return State.NEW
    if customer:
        return State.WAITING_CUSTOMER
    if re.search(_VENDOR, words):
        return State.WAITING_VENDOR
    return State.WAITING_OTHER


def guess_states(labels: list[str]) -> tuple[dict[str, State], list[str]]:
    """Map each label by keyword; returns the mapped labels and those left unmapped."""
    mapped: dict[str, State] = {}
    unmapped: list[str] = []
    for label in labels:
        state = guess_state(label)
        if state is None:
            unmapped.append(label)
        else:
            mapped[label] = state
    return mapped, unmapped
