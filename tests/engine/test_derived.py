"""Derived tables: rebuilt in the import's transaction, never stale, rolled back with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pytest

from pdca.engine.derived import Derivation
from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.ingest.options import LoadOptions
from pdca.ingest.sources import load
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"


def _batch(tmp_path: Path, log: str, tickets: int, day: int = 1) -> ImportBatch:
    rows = []
    for i in range(tickets):
        rows += [
            f"{log}-{day}-{i},New,0,{day}/3/2024 09:00,Group 1,3 - Moderate",
            f"{log}-{day}-{i},Resolved,1,{day}/3/2024 11:00,Group 1,3 - Moderate",
        ]
    path = tmp_path / f"{log}-{day}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return load(path, "servicenow", LoadOptions(log=log))


def _per_ticket(events: Any, _table: Any, log: str) -> Any:
    counts = events.group_by(Col.CASE_ID).aggregate(n=events.count())
    return counts.mutate(**{Col.LOG: ibis.literal(log)})


def _total(_events: Any, table: Any, log: str) -> Any:
    earlier = table("per_ticket")  # a later derivation reads an earlier one
    return earlier.aggregate(events=earlier["n"].sum()).mutate(**{Col.LOG: ibis.literal(log)})


DERIVE: list[Derivation] = [("per_ticket", _per_ticket), ("total", _total)]


def _rows(st: Store, name: str, log: str) -> int | None:
    t = st.derived(name, log)
    return None if t is None else int(t.count().execute())


def test_derived_tables_follow_every_import(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with Store.open(root) as st:
        st.append(_batch(tmp_path, "a", 3), derive=DERIVE)
        st.append(_batch(tmp_path, "b", 5), derive=DERIVE)
        assert _rows(st, "per_ticket", "a") == 3
        assert _rows(st, "per_ticket", "b") == 5
        st.append(_batch(tmp_path, "a", 4, day=2), derive=DERIVE)  # the log grows
        assert _rows(st, "per_ticket", "a") == 7
        total = st.derived("total", "a")
        assert total is not None
        assert int(total.execute()["events"].iloc[0]) == 14
        # an import made without the derivations leaves no stale rows for its log
        st.append(_batch(tmp_path, "a", 1, day=3))
        assert st.derived("per_ticket", "a") is None
        assert _rows(st, "per_ticket", "b") == 5
    with Store.open(root, read_only=True) as st:
        assert st.derived("per_ticket", "a") is None
        assert st.derived("nothing_like_it", "b") is None


def test_a_failing_derivation_rolls_the_whole_import_back(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with Store.open(root) as st:
        st.append(_batch(tmp_path, "a", 3), derive=DERIVE)

    def broken(_e: Any, _t: Any, _log: str) -> Any:
        raise RuntimeError("boom")

    with Store.open(root) as st, pytest.raises(RuntimeError, match="boom"):
        st.append(_batch(tmp_path, "a", 4, day=2), derive=[*DERIVE, ("broken", broken)])
    with Store.open(root, read_only=True) as st:
        assert int(st.events("a").count().execute()) == 6
        assert _rows(st, "per_ticket", "a") == 3
        assert len(st.imports()) == 1


def test_names_are_checked(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as st, pytest.raises(ConfigError, match="not a valid"):
        st.append(_batch(tmp_path, "a", 1), derive=[("Bad Name;", _per_ticket)])
    with Store.open(tmp_path / "store", read_only=True) as st:
        assert st.logs().empty
