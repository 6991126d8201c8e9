"""Mutations of valid inputs: bytes, lines, delimited fields, JSON structure and splices.

Each mutator takes the bytes of one file and a :class:`random.Random` and returns new bytes; the
caller picks the mutator by the file's kind (:func:`mutate_file`). The values inserted are the
ones that broke importers before (issue 17): quotes, separators, NUL, invalid UTF-8, BOMs,
1e308, NaN, 2^64, years 9999 and 0001, line separators, XML markup and entities.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

SPECIAL = [
    b'"',
    b",",
    b";",
    b"\t",
    b"|",
    b"\n",
    b"\r",
    b"\r\n",
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
    b"-0",
    b"99999999999999999999",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"9999-12-31 23:59",
    b"31/12/9999 23:59",
    b"0001-01-01",
    b"01/01/0001 00:00",
    b"1677-09-21 00:12:43",
    b"2262-04-11 23:47:17",
    b"2021-02-30 10:00:00",
    b"24:61",
    b"''",
    b"\\",
    b"\xe2\x80\xa8",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"%s",
    b"%Q",
    b"?",
    b"NULL",
    b"=cmd|' /C calc'!A0",
    b"\xc3\x28",
    b"\xf0\x9f\x98\x80",
]
FIELD_VALUES = [s.decode("utf-8", errors="replace") for s in SPECIAL] + [
    "",
    " ",
    "x" * 5000,
    "0",
    "-1",
    "1.5",
    "True",
    "2021-03-04T10:00:00+14:00",
    "2021-03-04T10:00:00-12:00",
    "1/2/3",
    "New",
    "Resolved",
    "Closed",
]
JSON_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    -1.5,
    2**64,
    -(2**63) - 1,
    1e308,
    "x",
    "",
    [],
    {},
    "2021-13-45",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "nan",
    "\x00",
    "a\x1fb",
    [[[[]]]],
    {"id": None},
]
JSON_KEYS = ["id", "type", "time", "name", "value", "key", "created_at", "status", "fields", "x"]


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


def mutate_lines(data: bytes, rng: random.Random) -> bytes:
    """Delete, duplicate, swap, shuffle or truncate whole lines (the header included)."""
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        kind = rng.randrange(6)
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines[i:i] = [lines[i]] * rng.randint(1, 3)
        elif kind == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 3:
            body = lines[1:]
            rng.shuffle(body)
            lines[1:] = body
        elif kind == 4:
            lines[i] = lines[i][: rng.randint(0, len(lines[i]))]
        else:
            lines.insert(i, rng.choice(SPECIAL) * rng.randint(1, 3))
    return b"\n".join(lines)


def mutate_fields(data: bytes, rng: random.Random) -> bytes:
    """Replace, drop or add delimited fields of random lines (``,``, ``;`` or tab guessed)."""
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    head = lines[0] if lines else ""
    sep = max((",", ";", "\t"), key=head.count)
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        cells = lines[i].split(sep)
        j = rng.randrange(len(cells))
        kind = rng.randrange(5)
        if kind == 0:
            cells[j] = rng.choice(FIELD_VALUES)
        elif kind == 1:
            cells[j] = '"' + rng.choice(FIELD_VALUES).replace('"', '""') + '"'
        elif kind == 2:
            del cells[j]
        elif kind == 3:
            cells.insert(j, rng.choice(FIELD_VALUES))
        else:
            cells[j] = cells[rng.randrange(len(cells))]
        lines[i] = sep.join(cells)
    return "\n".join(lines).encode("utf-8", errors="surrogateescape")


def json_mutate(value: object, rng: random.Random) -> object:
    """``value`` with one random node replaced or one member added (recursively chosen)."""
    if isinstance(value, dict):
        out = dict(value)
        if out and rng.random() < 0.7:
            key = rng.choice(list(out))
            out[key] = json_mutate(out[key], rng)
        elif out and rng.random() < 0.3:
            del out[rng.choice(list(out))]
        else:
            out[rng.choice(JSON_KEYS)] = rng.choice(JSON_VALUES)
        return out
    if isinstance(value, list):
        out_list = list(value)
        if out_list and rng.random() < 0.7:
            i = rng.randrange(len(out_list))
            out_list[i] = json_mutate(out_list[i], rng)
        elif out_list and rng.random() < 0.3:
            out_list.append(out_list[rng.randrange(len(out_list))])
        else:
            out_list.append(rng.choice(JSON_VALUES))
        return out_list
    return rng.choice(JSON_VALUES)


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    """A JSON document with 1-4 structural edits, then (sometimes) a few byte edits."""
    try:
        doc: object = json.loads(data)
    except ValueError:
        return mutate(data, rng)
    for _ in range(rng.randint(1, 4)):
        doc = json_mutate(doc, rng)
    out = json.dumps(doc).encode()
    return mutate(out, rng, rng.randint(1, 2)) if rng.random() < 0.2 else out


TOML_VALUES = [
    '""',
    '"x"',
    '"%Y-%m-%d %H:%M:%S"',
    '"%s"',
    '"%Q"',
    '"%d/%m/%Y"',
    '"Europe/Amsterdam"',
    '"Mars/Olympus"',
    '"utf-16"',
    '"no-such-codec"',
    '"\\u0000"',
    "0",
    "-1",
    "99999999999999999999",
    "1e308",
    "nan",
    "inf",
    "true",
    "[]",
    '["a", "a"]',
    "[1, 2]",
    "{}",
    '{ column = "x" }',
    "1979-05-27T07:32:00Z",
]


def mutate_toml(data: bytes, rng: random.Random) -> bytes:
    """Replace the value of ``key = value`` lines, rename keys, or duplicate/drop lines."""
    lines = data.decode("utf-8", errors="replace").split("\n")
    assignments = [i for i, line in enumerate(lines) if "=" in line]
    for _ in range(rng.randint(1, 3)):
        if not assignments:
            break
        i = rng.choice(assignments)
        key, _, _ = lines[i].partition("=")
        kind = rng.randrange(4)
        if kind == 0:
            lines[i] = f"{key}= {rng.choice(TOML_VALUES)}"
        elif kind == 1:
            lines[i] = f"{rng.choice(JSON_KEYS)} = {lines[i].partition('=')[2]}"
        elif kind == 2:
            lines.insert(i, lines[i])
        else:
            lines[i] = f"{key}= {rng.choice(lines).partition('=')[2] or '1'}"
    return "\n".join(lines).encode()


def splice(data: bytes, other: bytes, rng: random.Random) -> bytes:
    """The start of ``data`` followed by the end of ``other`` (another seed's file)."""
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


Mutator = Callable[[bytes, random.Random], bytes]
BY_KIND: dict[str, list[tuple[str, Mutator, int]]] = {
    "json": [("json", mutate_json, 6), ("bytes", mutate, 2), ("lines", mutate_lines, 1)],
    "delimited": [("fields", mutate_fields, 4), ("lines", mutate_lines, 3), ("bytes", mutate, 3)],
    "toml": [("toml", mutate_toml, 6), ("lines", mutate_lines, 2), ("bytes", mutate, 2)],
    "text": [("bytes", mutate, 5), ("lines", mutate_lines, 3)],
}
"""File kind -> (strategy name, mutator, weight)."""


def kind_of(name: str) -> str:
    """The mutation kind of a file name."""
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "delimited"
    if name.endswith(".toml"):
        return "toml"
    return "text"


def mutate_file(name: str, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """``data`` (the file ``name``) mutated by a strategy suited to its kind; and its name."""
    options = BY_KIND[kind_of(name)]
    weights = [w for _, _, w in options]
    strategy, mutator, _ = rng.choices(options, weights)[0]
    return mutator(data, rng), strategy
