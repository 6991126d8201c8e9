"""Ticket texts with planted recurring problems, for checking text clustering (the truth known).

Background tickets are short sentences drawn at random from a broad IT vocabulary (each ticket
its own mix of device, symptom and context words). A planted problem is a recurring pattern: its
tickets share a few characteristic words (e.g. ``vpn certificate expired``), each ticket using
most of them in random order, mixed with background words. ``topic`` is the truth: the planted
problem's name, or ``""`` for background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

_DEVICES = [
    "laptop",
    "desktop",
    "monitor",
    "keyboard",
    "mouse",
    "phone",
    "tablet",
    "printer",
    "scanner",
    "dock",
    "headset",
    "webcam",
    "server",
    "router",
    "switch",
    "firewall",
    "badge",
    "projector",
    "screen",
    "charger",
]
_SYMPTOMS = [
    "slow",
    "broken",
    "frozen",
    "missing",
    "noisy",
    "flickering",
    "crashing",
    "blocked",
    "locked",
    "stuck",
    "failing",
    "disconnected",
    "unreadable",
    "corrupted",
    "delayed",
    "blank",
    "wrong",
    "duplicated",
    "hidden",
    "unavailable",
]
_CONTEXT = [
    "office",
    "home",
    "meeting",
    "morning",
    "afternoon",
    "monday",
    "friday",
    "building",
    "floor",
    "desk",
    "room",
    "team",
    "manager",
    "colleague",
    "customer",
    "project",
    "report",
    "invoice",
    "order",
    "shipment",
    "budget",
    "training",
    "holiday",
    "travel",
    "contract",
    "supplier",
    "warehouse",
    "canteen",
    "parking",
    "reception",
    "lab",
    "studio",
]
_FILLER = [
    "please",
    "help",
    "since",
    "yesterday",
    "again",
    "urgent",
    "user",
    "reports",
    "cannot",
    "work",
    "today",
    "need",
    "asap",
    "thanks",
    "regards",
    "hello",
    "issue",
    "problem",
    "request",
]

PLANTED: Mapping[str, Sequence[str]] = {
    "vpn_certificate": ("vpn", "certificate", "expired", "tunnel", "anyconnect"),
    "sap_posting": ("sap", "posting", "period", "closed", "fico"),
    "outlook_mailbox": ("outlook", "mailbox", "quota", "full", "archive"),
    "password_reset": ("password", "reset", "expired", "account", "unlock"),
}
"""Planted problems: name → their characteristic words."""


def _background(rng: np.random.Generator) -> list[str]:
    words = [
        str(rng.choice(_DEVICES)),
        str(rng.choice(_SYMPTOMS)),
        *(str(w) for w in rng.choice(_CONTEXT, size=int(rng.integers(1, 4)), replace=False)),
        *(str(w) for w in rng.choice(_FILLER, size=int(rng.integers(1, 4)), replace=False)),
    ]
    rng.shuffle(words)
    return words


def planted_texts(
    seed: int = 0,
    *,
    background: int = 1500,
    planted: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """``background`` random tickets and, for each planted problem, its number of tickets
    (default 60 of each of :data:`PLANTED`), shuffled: columns ``id``, ``text``, ``topic``."""
    rng = np.random.default_rng(seed)
    sizes = dict.fromkeys(PLANTED, 60) if planted is None else dict(planted)
    unknown = set(sizes) - set(PLANTED)
    if unknown:
        raise ValueError(f"unknown planted problems: {sorted(unknown)}")
    texts: list[str] = []
    topics: list[str] = []
    for _ in range(background):
        texts.append(" ".join(_background(rng)))
        topics.append("")
    for name, count in sizes.items():
        words = PLANTED[name]
        for _ in range(count):
            keep = rng.choice(words, size=len(words) - 1, replace=False).tolist()
            mixed = [*keep, *_background(rng)[:3]]
            rng.shuffle(mixed)
            texts.append(" ".join(str(w) for w in mixed))
            topics.append(name)
    order = rng.permutation(len(texts))
    return pd.DataFrame(
        {
            "id": [f"T{i:05d}" for i in range(1, len(texts) + 1)],
            "text": [texts[i] for i in order],
            "topic": [topics[i] for i in order],
        }
    )
