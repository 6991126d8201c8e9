"""The improvement register in the records database: a store made by an earlier pdca (register
in DuckDB) is copied once, the API answers the same before and after, the DuckDB tables stay;
every change writes the audit log; two sessions changing one initiative take turns."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from pdca import api
from pdca.api import improve as api_improve
from pdca.engine.store import Store
from pdca.improve.initiative import register_table
from pdca.records import AuditEntry, RegisterMigration, open_records
from pdca.records import register as reg

OLD = {
    "log": "helpdesk",
    "title": "Faster P1",
    "cycle": "pdca",
    "status": "plan",
    "kpi": "mttr",
    "kpi_options": {"statistic": "median"},
    "scope": {"priority": ["1 - Critical"]},
    "baseline": {"value": 12.5, "n": 40, "comparison": "rest"},
    "target": 8.0,
    "go_live": datetime(2016, 4, 1),
    "actions": [{"what": "triage rota", "due": None, "done": False}],
}


def _old_store(root: Path) -> None:
    """A store whose register is in DuckDB, as pdca kept it before the records database."""
    with Store.open(root) as st:
        first = st.add_initiative(dict(OLD), "alice")
        st.update_initiative(first, {"status": "do", "owner": "bob"}, "bob", "went live")
        st.add_initiative({**OLD, "title": "Fewer hops", "kpi": "multi_hop_rate"}, "carol")


def _forget_checks() -> None:
    """As a new process would start: nothing opened, nothing checked."""
    for opened in api_improve._OPENED.values():
        opened.close()
    api_improve._OPENED.clear()
    api_improve._CHECKED.clear()


def test_a_duckdb_register_is_copied_once_and_answers_the_same(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _old_store(root)
    with Store.open(root, read_only=True) as st:  # what the API answered before the move
        before_records = [st.initiative(r["initiative_id"]) for r in st.initiatives()]
        before_table = register_table(st.initiatives())
        before_log = st.initiative_log()
    _forget_checks()
    assert not (root / "records.sqlite").exists()
    after_table = api.initiatives(store=root)
    pd.testing.assert_frame_equal(after_table, before_table, check_dtype=False)
    for record in before_records:
        assert api.initiative(record["initiative_id"], store=root) == record
    after_log = api.initiative_log(store=root)
    pd.testing.assert_frame_equal(
        after_log.reset_index(drop=True), before_log.reset_index(drop=True), check_dtype=False
    )
    # the DuckDB tables are left as they were
    with Store.open(root, read_only=True) as st:
        assert len(st.initiatives()) == 2
        assert len(st.initiative_log()) == len(before_log)
    # the copy is recorded, once, with an audit entry
    records = open_records(root)
    with records.session() as session:
        copies = session.scalars(select(RegisterMigration)).all()
        assert [(c.initiatives, c.log_entries) for c in copies] == [(2, len(before_log))]
        assert copies[0].store == str(root.resolve())
        moved = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "register.migrate")
        ).all()
        assert len(moved) == 1
    # a new process opens it again: nothing is copied twice
    _forget_checks()
    assert len(api.initiatives(store=root)) == 2
    with records.session() as session:
        assert session.scalar(select(func.count()).select_from(reg.Initiative)) == 2
        assert session.scalar(select(func.count()).select_from(RegisterMigration)) == 1
    records.close()
    # new initiatives go to the records database and count on from the copied ids
    with Store.open(root, read_only=True) as st:
        assert len(st.initiatives()) == 2
    changed = api.update_initiative(1, store=root, who="dana", status="check", note="verified")
    assert changed["status"] == "check"
    log = api.initiative_log(1, store=root)
    assert list(log["who"]) == ["alice", "bob", "bob", "dana"]
    assert list(log["entry"]) == [1, 2, 3, 4]


def test_taken_ids_are_renumbered_and_mapped(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _old_store(root)
    shared = tmp_path / "shared.sqlite"
    url = f"sqlite:///{shared}"
    records = open_records(root, url)
    with records.session() as session:  # the records database already holds an initiative 1
        reg.insert(session, {**OLD, "title": "Made elsewhere"}, "erin")
    _forget_checks()
    table = api.initiatives(store=root, records=records)
    assert sorted(table["title"]) == ["Faster P1", "Fewer hops", "Made elsewhere"]
    with records.session() as session:
        copy = session.scalars(select(RegisterMigration)).one()
        ids = json.loads(copy.ids)
    assert ids["1"] != 1
    assert len({1, *ids.values()}) == 3
    assert api.initiative(ids["1"], store=root, records=records)["title"] == "Faster P1"
    assert api.initiative(ids["2"], store=root, records=records)["title"] == "Fewer hops"
    assert api.initiative(1, store=root, records=records)["title"] == "Made elsewhere"
    records.close()


def test_every_change_writes_the_audit_log(tmp_path: Path) -> None:
    root = tmp_path / "store"
    Store.open(root).close()
    _forget_checks()
    records = open_records(root)
    with records.session() as session:
        ident = reg.insert(session, dict(OLD), "alice")
        reg.update(session, ident, {"status": "do"}, "bob", "went live")
        reg.update(session, ident, {"status": "do"}, "bob", "nothing changes")
    with records.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.object == f"initiative:{ident}")
        ).all()
        got = [(e.who, e.action, e.details.get("fields")) for e in entries]
    assert got == [("alice", "initiative.new", None), ("bob", "initiative.update", ["status"])]
    assert entries[1].at.tzinfo is not None
    records.close()


def test_two_sessions_changing_one_initiative_take_turns(tmp_path: Path) -> None:
    root = tmp_path / "store"
    Store.open(root).close()
    first, second = open_records(root), open_records(root)  # two engines, as two processes
    with first.session() as session:
        ident = reg.insert(session, {**OLD, "actions": []}, "setup")
    holding = threading.Event()
    errors: list[BaseException] = []

    def add(records: object, name: str, hold: bool) -> None:
        try:
            with records.session() as session:  # type: ignore[attr-defined]
                current = reg.lock(session, ident)
                if hold:
                    holding.set()
                    time.sleep(0.8)  # the other session starts meanwhile
                actions = [*(current["actions"] or []), name]
                reg.update(session, ident, {"actions": actions}, name, f"{name} adds")
        except BaseException as exc:
            errors.append(exc)

    one = threading.Thread(target=add, args=(first, "A", True))
    two = threading.Thread(target=add, args=(second, "B", False))
    one.start()
    assert holding.wait(10)
    started = time.monotonic()
    two.start()
    one.join(30)
    two.join(30)
    assert not errors, errors
    assert time.monotonic() - started > 0.3, "the second session did not wait for the first"
    with second.session() as session:
        record = reg.read(session, ident)
        log = reg.read_log(session, ident)
    assert record["actions"] == ["A", "B"]  # neither change is lost
    assert list(log["entry"]) == [1, 2, 3]
    assert list(log["who"]) == ["setup", "A", "B"]
    first.close()
    second.close()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    _forget_checks()
