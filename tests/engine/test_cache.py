"""Cached results: equal to a fresh computation, and never stale."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pdca import api
from pdca.engine import cache
from pdca.engine.cache import CACHE_DIR, ResultCache, cache_key, code_fingerprint
from pdca.engine.store import Store
from pdca.methods.kpi.definition import Inputs
from pdca.methods.kpi.scorecard import DEFAULT_TARGETS
from pdca.methods.kpi.scorecard import scorecard as build_scorecard
from pdca.model.objectives import load_objectives

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"


def _log(path: Path, tickets: int, month: int = 1) -> Path:
    rows = []
    for i in range(tickets):
        day = 1 + i % 27
        rows += [
            f"INC{month}-{i},New,0,{day}/{month}/2024 09:00,Group 1,3 - Moderate",
            f"INC{month}-{i},Active,1,{day}/{month}/2024 09:{10 + i % 40}:00,Group 2,3 - Moderate",
            f"INC{month}-{i},Resolved,2,{day}/{month}/2024 1{i % 9}:00,Group 2,3 - Moderate",
        ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _fresh(store: Path) -> pd.DataFrame:
    """The scorecard computed directly, without the cache."""
    with Store.open(store, read_only=True) as st:
        name = str(st.logs()["log"].iloc[0])
        inputs = Inputs(
            st.events(name), st.tickets(name), extra={"objectives": load_objectives(None)}
        )
        return build_scorecard(inputs, DEFAULT_TARGETS)


def test_second_answer_comes_from_the_cache_and_equals_a_fresh_one(tmp_path: Path) -> None:
    store = tmp_path / "store"
    api.ingest(_log(tmp_path / "a.csv", 30), source="servicenow", store=store)
    first = api.scorecard(store=store)
    files = list((store / CACHE_DIR).glob("*.parquet"))
    assert len(files) == 1
    second = api.scorecard(store=store)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(second, _fresh(store))
    # the answer really is read from the file: change the file, see the change
    frame = pd.read_parquet(files[0])
    frame.loc[0, "value"] = -1.0
    frame.to_parquet(files[0], index=False)
    assert api.scorecard(store=store)["value"].iloc[0] == -1.0


def test_an_import_makes_earlier_answers_unreachable(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for month in ("jan", "feb"):
        (tmp_path / month).mkdir()
    api.ingest(_log(tmp_path / "jan" / "log.csv", 20, month=1), source="servicenow", store=store)
    before = api.scorecard(store=store)
    api.ingest(_log(tmp_path / "feb" / "log.csv", 25, month=2), source="servicenow", store=store)
    assert not list((store / CACHE_DIR).glob("*.parquet"))  # cleared by the import
    after = api.scorecard(store=store)
    assert after["period"].iloc[0] != before["period"].iloc[0]
    pd.testing.assert_frame_equal(after, _fresh(store))


def test_other_objectives_give_another_answer(tmp_path: Path) -> None:
    store = tmp_path / "store"
    api.ingest(_log(tmp_path / "a.csv", 30), source="servicenow", store=store)
    plain = api.scorecard(store=store)
    goals = tmp_path / "objectives.toml"
    goals.write_text('[kpi_targets]\nreopen_rate = "<= 0.5"\n', encoding="utf-8")
    strict = api.scorecard(store=store, objectives=goals)
    row = strict.set_index("kpi").loc["reopen_rate"]
    assert row["target"] == "<= 0.5"
    assert plain.set_index("kpi").loc["reopen_rate", "target"] != "<= 0.5"
    goals.write_text('[kpi_targets]\nreopen_rate = "<= 0.25"\n', encoding="utf-8")
    assert (
        api.scorecard(store=store, objectives=goals).set_index("kpi").loc["reopen_rate", "target"]
        == "<= 0.25"
    )


def test_keys_depend_on_every_part() -> None:
    base = cache_key(question="scorecard", log="a", period="month", data="1:1:3:0")
    assert base == cache_key(period="month", log="a", data="1:1:3:0", question="scorecard")
    assert base != cache_key(question="scorecard", log="a", period="week", data="1:1:3:0")
    assert base != cache_key(question="scorecard", log="a", period="month", data="2:2:6:0")


def test_code_fingerprint_follows_the_source_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "methods").mkdir(parents=True)
    module = pkg / "methods" / "m.py"
    module.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(cache, "_PACKAGE_ROOT", pkg)
    first = code_fingerprint(["methods"])
    os.utime(module, ns=(1, 2_000_000_000))
    assert code_fingerprint(["methods"]) != first


def test_a_cache_that_cannot_be_written_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / CACHE_DIR).write_text("a file where the cache directory would be", encoding="utf-8")
    results = ResultCache(root)
    results.put("k", pd.DataFrame({"a": [1]}))
    assert results.get("k") is None


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    results = ResultCache(tmp_path)
    results.put("k", pd.DataFrame({"a": [1, 2]}))
    got = results.get("k")
    assert got is not None
    assert got["a"].tolist() == [1, 2]
    (tmp_path / CACHE_DIR / "k.parquet").write_bytes(b"not parquet")
    assert results.get("k") is None
