"""Content keys: the hash that tells whether an event (or survey response) is already stored.

A key covers every stored field of the row except its position in the file. Each field is
encoded so that no two different rows can give the same text before hashing: a missing value is
``n``; a present one is ``s``, its length in bytes, ``:`` and the text itself. So ``A\\x1fB`` +
``C`` and ``A`` + ``B\\x1fC`` differ, and a missing value differs from an empty text or a NUL
character. (Keys up to schema version 4 joined the fields with ``\\x1f`` and wrote a missing
value as ``\\x00``, so such pairs collided and one of them was dropped as a duplicate; migration
5 recomputes the keys of stored rows with this encoding.)
"""

from __future__ import annotations

from collections.abc import Sequence

from pdca.model.schema import EVENT_COLUMNS, Col
from pdca.model.surveys import HASHED_COLUMNS


def field_sql(expr: str) -> str:
    """SQL text of one field in the key's encoding."""
    text = f"CAST({expr} AS VARCHAR)"
    return (
        f"CASE WHEN {text} IS NULL THEN 'n' "
        f"ELSE concat('s', CAST(strlen({text}) AS VARCHAR), ':', {text}) END"
    )


def key_sql(exprs: Sequence[str]) -> str:
    """SQL of the key (an MD5 hex digest) of a row made of these field expressions."""
    return f"md5(concat({', '.join(field_sql(e) for e in exprs)}))"


def normal_attributes_sql(expr: str) -> str:
    """The source attributes JSON in one normal form (minified), ``{}`` when absent."""
    return (
        f"coalesce(CASE WHEN json_valid({expr}) THEN CAST(json({expr}) AS VARCHAR) "
        f"ELSE {expr} END, '{{}}')"
    )


def event_key_sql(cols: Sequence[str], attributes: str, *, prefix: str = "") -> str:
    """SQL of an event's content key: every stored field but the file position (``row``), the
    attributes (SQL ``attributes``) in their normal form."""
    fields = [f'{prefix}"{c}"' for c in cols if c not in (Col.ROW, Col.ATTRIBUTES)]
    return key_sql([*fields, normal_attributes_sql(attributes)])


def survey_key_sql(prefix: str = "") -> str:
    """SQL of a survey response's content key (its hashed columns)."""
    return key_sql([f'{prefix}"{c}"' for c in HASHED_COLUMNS])


_STORED = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY)]

REKEY_STATEMENTS: list[str] = [
    f"UPDATE events SET event_key = {event_key_sql(_STORED, 'attributes')}",
    f"UPDATE surveys SET survey_key = {survey_key_sql()}",
]
"""Migration 5: the stored rows' keys in this encoding (as a new import would compute them)."""
