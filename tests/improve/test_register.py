"""The register in the store: changes survive reopening, and a failed write changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pdca.engine import register
from pdca.engine.store import Store
from pdca.errors import InputError, StoreError

RECORD = {
    "log": "helpdesk",
    "title": "Faster P1",
    "cycle": "pdca",
    "status": "plan",
    "kpi": "mttr",
    "kpi_options": {"statistic": "median"},
    "scope": {"priority": ["1 - Critical"]},
    "baseline": {"value": 12.5, "n": 40},
    "target": 8.0,
    "go_live": datetime(2016, 4, 1),
}


def _counts(root: Path) -> tuple[int, int]:
    with Store.open(root, read_only=True) as st:
        rows = st.query("SELECT (SELECT count(*) FROM initiatives) a, (SELECT count(*) FROM"
                        " initiative_log) b").iloc[0]  # fmt: skip
        return int(rows["a"]), int(rows["b"])


def test_create_update_and_log_survive_reopening(store_dir: Path) -> None:
    with Store.open(store_dir) as st:
        ident = st.add_initiative(dict(RECORD), "alice")
        changed = st.update_initiative(ident, {"status": "do", "target": 8.0}, "bob", "go")
    assert changed == ["status"]  # the target did not change, so it is not logged
    with Store.open(store_dir, read_only=True) as st:
        got = st.initiative(ident)
        log = st.initiative_log(ident)
    assert got["status"] == "do"
    assert got["scope"] == {"priority": ["1 - Critical"]}
    assert got["kpi_options"] == {"statistic": "median"}
    assert got["go_live"] == datetime(2016, 4, 1)
    assert list(log["who"]) == ["alice", "bob"]
    assert list(log["what"]) == ["created", "go"]
    assert list(log["entry"]) == [1, 2]
    assert json.loads(log["old_value"].iloc[1]) == "plan"
    assert json.loads(log["new_value"].iloc[1]) == "do"
    assert json.loads(log["new_value"].iloc[0])["title"] == "Faster P1"


def test_ids_keep_counting_after_reopening(store_dir: Path) -> None:
    with Store.open(store_dir) as st:
        first = st.add_initiative(dict(RECORD), "alice")
    with Store.open(store_dir) as st:
        second = st.add_initiative(dict(RECORD), "alice")
        assert [r["initiative_id"] for r in st.initiatives()] == [first, second]
    assert second == first + 1


def test_an_exception_inside_the_write_leaves_the_tables_unchanged(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(store_dir) as st:
        ident = st.add_initiative(dict(RECORD), "alice")
    assert _counts(store_dir) == (1, 1)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    # the initiative row is written first, then the log: fail in between
    monkeypatch.setattr(register, "write_log", fail)
    with Store.open(store_dir) as st:
        with pytest.raises(RuntimeError):
            st.add_initiative(dict(RECORD), "carol")
        with pytest.raises(RuntimeError):
            st.update_initiative(ident, {"status": "act"}, "carol")
    assert _counts(store_dir) == (1, 1)
    with Store.open(store_dir, read_only=True) as st:
        assert st.initiative(ident)["status"] == "plan"


def test_unknown_fields_ids_and_read_only_stores_are_refused(store_dir: Path) -> None:
    with Store.open(store_dir) as st:
        with pytest.raises(InputError, match="no field"):
            st.add_initiative({**RECORD, "colour": "red"}, "alice")
        ident = st.add_initiative(dict(RECORD), "alice")
        with pytest.raises(InputError, match="cannot be changed"):
            st.update_initiative(ident, {"created_at": datetime(2020, 1, 1)}, "alice")
        with pytest.raises(InputError, match="no initiative 99"):
            st.initiative(99)
    with Store.open(store_dir, read_only=True) as st, pytest.raises(StoreError):
        st.add_initiative(dict(RECORD), "alice")
