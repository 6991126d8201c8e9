"""Content keys encode every field unambiguously (issue 17, item 7; pdca/engine/keys.py).

The old key joined the fields with \\x1f and wrote a missing value as \\x00: ``A\\x1fB`` + ``C``
and ``A`` + ``B\\x1fC`` hashed alike, and so did a missing value and a literal NUL, so the second
event of each pair was dropped as a duplicate while the counts "reconciled". Both pairs must now be
stored; a store keyed the old way is migrated, after which re-importing its file adds nothing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

import pdca
from pdca.engine.ddl import MIGRATIONS
from pdca.engine.store import DB_FILE, Store
from pdca.ingest.history import batch_from_frame
from pdca.ingest.options import LoadOptions
from pdca.model.schema import EVENT_COLUMNS, Col

STATES = {"New": "new"}
OLD_PARTS = [c for c in EVENT_COLUMNS if c not in (Col.IMPORT_ID, Col.EVENT_KEY, Col.ROW)]


def _pairs(path: Path) -> pd.DataFrame:
    """Two pairs of events that differ only where the old encoding could not tell."""
    return pd.DataFrame(
        {
            Col.CASE_ID: ["T1", "T1", "T2", "T2"],
            Col.TIMESTAMP: ["2025-03-03 09:00:00.000000"] * 4,
            Col.ACTIVITY: ["New"] * 4,
            # category and subcategory are neighbours in the key: the old join mixed them up
            Col.CATEGORY: ["A\x1fB", "A", "X", "X"],
            Col.SUBCATEGORY: ["C", "B\x1fC", None, "\x00"],
        }
    )


def _old_key() -> str:
    parts = ", ".join(f'coalesce(CAST("{c}" AS VARCHAR), chr(0))' for c in OLD_PARTS)
    return f"md5(concat_ws(chr(31), {parts}, coalesce(attributes, '{{}}')))"


def test_the_colliding_pairs_are_both_stored(tmp_path: Path) -> None:
    path = tmp_path / "pairs.json"
    path.write_text("{}", encoding="utf-8")
    batch = batch_from_frame(
        _pairs(path), source="test", states=STATES, path=path, options=LoadOptions(log="pairs")
    )
    assert len(batch.events) == 4
    with Store.open(tmp_path / "store") as st:
        result = st.append(batch)
        assert result.stored == 4
        assert result.duplicates_in_file == 0
        stored = st._con.execute(f"SELECT event_key, {_old_key()} AS old FROM events").fetchall()
    assert len({new for new, _ in stored}) == 4
    # the old encoding could not tell the pairs apart (so this test would fail with it)
    assert len({old for _, old in stored}) == 2


def _log(path: Path) -> Path:
    rows = ["ticket,time,status,category"]
    rows += [f"T{i % 7},2025-03-0{1 + i % 5} 0{i % 9}:00:00,New,cat {i % 3}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = path.with_suffix(".toml")
    mapping.write_text(
        '[columns]\ncase_id = "ticket"\ntimestamp = "time"\nactivity = "status"\n'
        'category = "category"\n[states]\nNew = "new"\n',
        encoding="utf-8",
    )
    return mapping


def test_a_store_keyed_the_old_way_is_migrated(tmp_path: Path) -> None:
    data = tmp_path / "log.csv"
    mapping = _log(data)
    options = LoadOptions(mapping=mapping, log="log")
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    first = pdca.ingest(data, source="csv", store=fresh, options=options)
    pdca.ingest(data, source="csv", store=old, options=options)
    # turn `old` into a store of schema 4 whose keys are computed the old way
    con = duckdb.connect(str(old / DB_FILE))
    con.execute(f"UPDATE events SET event_key = {_old_key()}")
    con.execute("DELETE FROM pdca_schema WHERE version > 4")
    con.close()
    with Store.open(old, read_only=True) as st:
        assert st.schema_version() == len(MIGRATIONS)
    keys = {}
    for name, root in (("fresh", fresh), ("old", old)):
        con = duckdb.connect(str(root / DB_FILE), read_only=True)
        keys[name] = sorted(k for (k,) in con.execute("SELECT event_key FROM events").fetchall())
        con.close()
    assert keys["old"] == keys["fresh"]
    again = pdca.ingest(data, source="csv", store=old, options=options)
    assert again.stored == 0
    assert again.duplicates_in_store == first.stored
