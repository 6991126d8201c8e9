"""The desk's memory of its answers (pdca.api.desk_memo): one computation per question, copies
handed out, errors not kept, bounded, and no deadlock when questions ask questions.

Oracles: counters of how often the computation ran (known by construction), and for the desk
the module-level API function, which opens the store afresh for its one question.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import pdca
from pdca import api
from pdca.api.desk_memo import Memo, Unkeyable, freeze
from pdca.simulate import SimulationConfig, simulate


def test_threads_asking_one_question_at_once_compute_it_once() -> None:
    memo = Memo(workers=2)
    runs = 0
    started = threading.Event()
    release = threading.Event()

    def slow() -> list[int]:
        nonlocal runs
        runs += 1
        started.set()
        release.wait(10)
        return [1, 2, 3]

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(memo.answer, "q", slow)
        started.wait(10)
        others = [pool.submit(memo.answer, "q", slow) for _ in range(7)]
        release.set()
        answers = [first.result(), *(f.result() for f in others)]
    assert runs == 1
    assert memo.computed == 1
    assert all(a == [1, 2, 3] for a in answers)


def test_a_caller_changing_its_answer_changes_nothing_for_the_next() -> None:
    memo = Memo()
    frame = memo.answer("f", lambda: pd.DataFrame({"x": [1, 2]}))
    frame.loc[0, "x"] = 99
    frame.attrs["said"] = "changed"
    again = memo.answer("f", lambda: pd.DataFrame({"x": [5]}))
    assert again["x"].tolist() == [1, 2]
    assert "said" not in again.attrs
    assert memo.computed == 1


def test_an_error_is_raised_to_every_asker_and_not_kept() -> None:
    memo = Memo()
    calls = 0

    def failing() -> int:
        nonlocal calls
        calls += 1
        raise ValueError("boom")

    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            memo.answer("e", failing)
    assert calls == 2
    assert memo.answer("e", lambda: 7) == 7


def test_the_least_recently_asked_answer_is_dropped_first() -> None:
    memo = Memo(capacity=2)
    memo.answer("a", lambda: 1)
    memo.answer("b", lambda: 2)
    memo.answer("a", lambda: 0)  # a is asked again: b is now the oldest
    memo.answer("c", lambda: 3)
    assert memo.answer("a", lambda: -1) == 1
    assert memo.answer("b", lambda: -2) == -2  # dropped, computed again


def test_questions_asking_questions_finish_with_one_turn() -> None:
    """Four threads each ask an outer question that asks the same inner one, with one turn to
    share: a thread holding the turn must never wait for a thread that cannot get it."""
    memo = Memo(workers=1)
    inner_runs = 0
    lock = threading.Lock()

    def inner() -> int:
        nonlocal inner_runs
        with lock:
            inner_runs += 1
        return 5

    def outer(n: int) -> int:
        return memo.answer("inner", inner) + n

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: memo.answer(("outer", n), lambda: outer(n)), range(4)))
    assert results == [5, 6, 7, 8]
    assert 1 <= inner_runs <= 4


def test_keys_refuse_what_cannot_identify_a_question() -> None:
    assert freeze({"b": [1, 2], "a": None}) == freeze({"a": None, "b": (1, 2)})
    assert freeze(1) != freeze("1")
    with pytest.raises(Unkeyable):
        freeze(pd.DataFrame())
    with pytest.raises(Unkeyable):
        freeze(Path("model.toml"))  # a file's content may change between two questions


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("memo")
    config = SimulationConfig(seed=5, start=date(2025, 1, 1), days=60, tickets=250)
    simulate(config, store=root / "store")
    return root / "store"


def test_a_desk_computes_a_repeated_question_once_and_answers_as_the_api(store: Path) -> None:
    with pdca.open(store) as desk:
        memo = desk._opened.memo
        first = desk.kpi(["mttr", "fcr"], period="month")
        computed = memo.computed
        second = desk.kpi(["fcr", "mttr"][::-1], period="month")  # the same question
        assert memo.computed == computed
        pd.testing.assert_frame_equal(first, second)
        desk.kpi(["mttr", "fcr"], period="week")  # another question
        assert memo.computed == computed + 1
        scoped = desk.scoped(service=["Network"])
        scoped.kpi(["mttr", "fcr"], period="month")  # the same words, another desk's view
        assert memo.computed == computed + 2
    fresh = api.kpi(["mttr", "fcr"], period="month", store=store)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), fresh.reset_index(drop=True))


def test_a_desk_pages_sla_clocks_as_the_whole_list_would(store: Path) -> None:
    with pdca.open(store) as desk:
        every = desk.sla_clocks("breached")
        page = desk.sla_clocks("breached", limit=5, offset=3)
    assert page.attrs["total"] == len(every)
    pd.testing.assert_frame_equal(
        page, every.iloc[3:8].reset_index(drop=True), check_like=False, check_flags=False
    )
