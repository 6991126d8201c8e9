"""Seed inputs, mutations and the call each fuzz target makes.

A *crash* is any exception other than pdca's own clean errors (:class:`pdca.errors.PdcaError`,
which the command line prints as one line). The targets read files as ``pdca ingest`` and
``pdca spc`` do, without a store (the store's own robustness is tested elsewhere).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from pdca.ingest.options import LoadOptions

CSV_SEEDS = [
    (
        "number,incident_state,sys_mod_count,sys_updated_at,assignment_group\n"
        "INC1,New,0,03/02/2016 09:00,Group 1\nINC1,Active,1,13/02/2016 10:00,?\n"
        'INC2,New,0,05/03/2016 09:00,"Group, 2"\nINC2,Resolved,1,25/03/2016 09:00,Group 2\n'
    ),
    (
        'Ticket ID;Updated;Status;Note\nT-1;2021-03-01 10:00:00;New;"multi\nline"\n'
        "T-1;2021-03-02 10:00:00;Closed;ok\nT-2;2021-03-03T10:00:00Z;New;é\n"
    ),
    "case\ttime\tactivity\nA\t2021-01-01 00:00\tOpen\nA\t2021-01-02 00:00\tClose\n",
]
XES_SEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">'
    '<string key="concept:name" value="L"/><trace><string key="concept:name" value="T1"/>'
    '<event><string key="concept:name" value="New"/>'
    '<date key="time:timestamp" value="2021-03-04T10:00:00+00:00"/>'
    '<string key="org:resource" value="ann"/><list key="l"><values><int key="i" value="1"/>'
    '</values></list></event><event><string key="concept:name" value="Closed"/>'
    '<date key="time:timestamp" value="2021-03-05T10:00:00"/>'
    '<container key="c"><float key="f" value="NaN"/></container></event></trace></log>\n'
)
OCEL_SEED = {
    "objectTypes": [{"name": "incident", "attributes": []}],
    "eventTypes": [{"name": "New", "attributes": []}],
    "objects": [
        {"id": "T1", "type": "incident", "attributes": [{"name": "p", "time": "2021", "value": 1}]},
        {"id": "g", "type": "assignment_group", "attributes": [{"name": "name", "value": "G"}]},
    ],
    "events": [
        {
            "id": "e1",
            "type": "New",
            "time": "2021-03-04T10:00:00Z",
            "attributes": [{"name": "pdca:priority", "value": 2}],
            "relationships": [
                {"objectId": "T1", "qualifier": "ticket"},
                {"objectId": "g", "qualifier": "assignment_group"},
            ],
        },
        {"id": "e2", "type": "Closed", "time": "2021-03-05", "relationships": []},
    ],
}
SPC_SEED = "day,hours,n\n1,3.5,10\n2,4.1,12\n3,2.9,9\n4,5.0,11\n5,3.3,10\n6,4.4,12\n7,3.9,10\n"
CHARTS = [
    "imr",
    "xbar-r",
    "xbar-s",
    "p",
    "np",
    "c",
    "u",
    "laney-p",
    "laney-u",
    "ewma",
    "cusum",
    "t",
    "g",
]
SPECIAL = [
    b'"',
    b",",
    b";",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"<",
    b">",
    b"/",
    b"=",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"1e308",
    b"-1e308",
    b"nan",
    b"inf",
    b"99999999999999999999",
    b"9999-12-31 23:59",
    b"0001-01-01",
    b"''",
    b"\\",
    b"\xe2\x80\xa8",
    b"&amp;",
    b"&#0;",
]


def mutate(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    """``data`` with a few random byte-level edits (insert, delete, replace, duplicate, cut)."""
    out = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randint(1, 6)):
        pos = rng.randint(0, len(out)) if out else 0
        kind = rng.randrange(6)
        if kind == 0:
            out[pos:pos] = rng.choice(SPECIAL)
        elif kind == 1 and out:
            del out[pos : pos + rng.randint(1, 8)]
        elif kind == 2 and out:
            out[min(pos, len(out) - 1)] = rng.randrange(256)
        elif kind == 3 and out:
            end = min(len(out), pos + rng.randint(1, 80))
            out[pos:pos] = out[pos:end] * rng.randint(1, 3)
        elif kind == 4:
            del out[pos:]
        else:
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(out)


def _json_mutate(value: object, rng: random.Random) -> object:
    choices: list[object] = [None, True, 1, -1.5, 2**70, "x", "", [], {}, "2021-13-45", 1e308]
    if isinstance(value, dict):
        out = dict(value)
        if out and rng.random() < 0.7:
            key = rng.choice(list(out))
            out[key] = _json_mutate(out[key], rng)
        else:
            out[rng.choice(["id", "type", "time", "name", "value", "x"])] = rng.choice(choices)
        return out
    if isinstance(value, list):
        out_list = list(value)
        if out_list and rng.random() < 0.7:
            i = rng.randrange(len(out_list))
            out_list[i] = _json_mutate(out_list[i], rng)
        else:
            out_list.append(rng.choice(choices))
        return out_list
    return rng.choice(choices)


def csv_input(rng: random.Random) -> tuple[bytes, str]:
    return mutate(
        rng.choice(CSV_SEEDS).encode(rng.choice(["utf-8", "utf-16", "cp1252"])), rng
    ), ".csv"


def xes_input(rng: random.Random) -> tuple[bytes, str]:
    return mutate(XES_SEED.encode(), rng), ".xes"


def ocel_input(rng: random.Random) -> tuple[bytes, str]:
    doc: object = OCEL_SEED
    for _ in range(rng.randint(1, 4)):
        doc = _json_mutate(doc, rng)
    data = json.dumps(doc).encode()
    return (mutate(data, rng, rng.randint(0, 2)) if rng.random() < 0.3 else data), ".json"


def spc_input(rng: random.Random) -> tuple[bytes, str]:
    return mutate(SPC_SEED.encode(), rng), f".{rng.choice(CHARTS)}.csv"


def run_csv(path: Path) -> None:
    from pdca.ingest.sources import load  # noqa: PLC0415

    load(path, "csv", LoadOptions())


def run_xes(path: Path) -> None:
    from pdca.ingest.xes import load  # noqa: PLC0415

    load(path, LoadOptions())


def run_ocel(path: Path) -> None:
    from pdca.ingest.ocel import load  # noqa: PLC0415

    load(path, LoadOptions())


def run_spc(path: Path) -> None:
    from pdca import api  # noqa: PLC0415

    chart = path.name.split(".")[1]
    size = "n" if chart in ("p", "np", "u", "laney-p", "laney-u") else None
    api.spc(path, chart, "hours", size=size)


TARGETS: dict[str, tuple[Callable[[random.Random], tuple[bytes, str]], Callable[[Path], None]]] = {
    "csv": (csv_input, run_csv),
    "xes": (xes_input, run_xes),
    "ocel": (ocel_input, run_ocel),
    "spc": (spc_input, run_spc),
}
