"""Source attributes read from the JSON text: the same values as DuckDB's JSON parser gives.

The oracles are Python's JSON parser and DuckDB's own JSON access
(``attributes.cast("json")[key].str``, what pdca used before; native on DuckDB only), on awkward
values written both by pandas (``to_json``, as the import writes them) and by DuckDB's
``json_object``, and DuckDB's on every attribute of both real logs.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pytest

import pdca
from pdca.engine.store import Store
from pdca.methods.attributes import attribute_text
from tests.conftest import SERVICENOW, VOLVO, shared_file

KEYS = ["plain", "with space", "a/b", 'say "hi"', "back\\slash", "x", "x2", "empty", "none", "num"]
VALUES: list[object] = [
    "V30",
    "Involved ST 2",
    "slash / and \\ backslash",
    'quote " inside',
    "newline\nand\ttab and \\n as text",
    "ends with backslash \\",
    "Frédéric — ünïcode 東京",
    "",
    '{"looks": "like json", "x": "no"}',
    ',"x":"fake member"',
]


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, value in enumerate(VALUES):
        row: dict[str, object] = dict.fromkeys(KEYS[:7], value)
        row["x2"] = f"other {i}"
        row["empty"] = ""
        row["none"] = None
        row["num"] = i
        rows.append(row)
    rows.append({"x2": "only x2"})  # "x" missing, a key it is the prefix of present
    return rows


def _parsed(text: str | None, key: str) -> str | None:
    value = json.loads(text).get(key) if text else None
    return value if isinstance(value, str) else None


def _compare(texts: list[str | None], keys: list[str]) -> None:
    """Equal to Python's JSON parser on every key, and to DuckDB's on keys it can address (its
    JSON path cannot name a key with a double quote)."""
    con = ibis.duckdb.connect()
    t = con.create_table("t", pa.table({"attributes": pa.array(texts, pa.string())}))
    for key in keys:
        got = t.select(v=attribute_text(t.attributes, key)).to_pyarrow()["v"].to_pylist()
        assert got == [_parsed(text, key) for text in texts], key
        if '"' not in key:
            want = t.select(v=t.attributes.cast("json")[key].str).to_pyarrow()["v"].to_pylist()
            assert got == want, key
    con.disconnect()


def test_values_written_by_pandas_read_as_duckdb_parses_them() -> None:
    frame = pd.DataFrame(_rows())
    lines = frame.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    assert any("\\/" in line for line in lines)  # pandas escapes slashes: the pattern allows it
    _compare([*lines, None, "{}"], [*KEYS, "missing"])


def test_values_written_by_duckdb_json_object_read_as_duckdb_parses_them() -> None:
    texts = []
    for row in _rows():
        pairs = [(k, v) for k, v in row.items() if v is not None]
        args = ", ".join(f"$k{i}, $v{i}" for i in range(len(pairs)))
        params = {}
        for i, (k, v) in enumerate(pairs):
            params[f"k{i}"], params[f"v{i}"] = k, v
        found = duckdb.execute(f"SELECT json_object({args})::VARCHAR", params).fetchone()
        assert found is not None
        texts.append(str(found[0]))
    _compare(texts, KEYS)


def test_a_member_inside_a_string_value_is_not_a_member() -> None:
    text = json.dumps({"note": 'see ,"x":"not me"', "x": "me"})
    _compare([text, json.dumps({"note": '{"x":"nested"}'})], ["x", "note"])


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("path", [SERVICENOW, VOLVO], ids=["servicenow", "volvo"])
def test_every_attribute_of_the_real_logs(path: Path, tmp_path: Path) -> None:
    pdca.ingest(shared_file(path), store=tmp_path / "store")
    with Store.open(tmp_path / "store", read_only=True) as st:
        events = st.events()
        keys = sorted(
            set().union(
                *(
                    json.loads(text).keys()
                    for text in events.select("attributes")
                    .distinct()
                    .limit(2000)
                    .to_pyarrow()["attributes"]
                    .to_pylist()
                    if text
                )
            )
        )
        assert len(keys) >= 5
        for key in keys:
            got = attribute_text(events.attributes, key)
            want = events.attributes.cast("json")[key].str
            differ = events.filter((got != want) | (got.isnull() != want.isnull())).count()
            assert int(differ.to_pyarrow().as_py()) == 0, key
