"""Each API end to end on a loopback server: a second pull adds only what changed, a pull
interrupted half-way changes nothing and its rerun adds no duplicates, dropped connections and
429s are survived, and the token is stored and printed nowhere.

The servers replay the shapes each vendor documents (the documentation page is named in each
``api_<tool>.py``); the oracle is a fresh full pull of the final desk into another store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pdca import api
from pdca.engine.store import Store
from pdca.pull.http import Limits, PullError
from tests.pull import api_glpi
from tests.pull.desk import Desk, truth
from tests.pull.server import Loopback, Reply
from tests.pull.tools import ENV, SECRET, TOOLS, Tool

FAST = Limits(retries=2, backoff=0.01, max_backoff=0.05, max_wait=5, timeout=5)
NO_RETRY = Limits(retries=0, backoff=0.01, max_wait=5, timeout=5)


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)
    monkeypatch.setenv(api_glpi.APP_ENV, api_glpi.APP_TOKEN)


@pytest.fixture(params=sorted(TOOLS))
def tool(request: pytest.FixtureRequest) -> Tool:
    chosen = TOOLS[request.param]
    chosen.need_connector()
    return chosen


def _pull(tool: Tool, server: Loopback, store: Path, limits: Limits = FAST, **kw: Any) -> Any:
    return api.pull(
        tool.source,
        server.url + tool.path,
        ENV,
        store=store,
        limits=limits,
        **{**tool.pull_args(), **kw},
    )


def _keys(store: Path) -> list[str]:
    with Store.open(store, read_only=True) as st:
        return sorted(st.query("SELECT event_key FROM events")["event_key"])


def _events(store: Path) -> list[tuple[int, str, str, str, str | None]]:
    """(ticket id, time, state, group, agent) of every stored event: the desk's numbers are
    the last three digits of each tool's ticket key (INC0000101, SD-101, 31101, …)."""
    with Store.open(store, read_only=True) as st:
        frame = st.query(
            "SELECT case_id, strftime(timestamp, '%Y-%m-%d %H:%M:%S') AS t, state,"
            " assignment_group, resource FROM events"
        )
    return sorted(
        (
            int(r.case_id[-3:]),
            r.t,
            r.state,
            r.assignment_group,
            None if r.resource is None or r.resource != r.resource else r.resource,
        )
        for r in frame.itertuples()
    )


def _cursor(store: Path, tool: Tool) -> Any:
    with Store.open(store, read_only=True) as st:
        return st.pull_cursors()["cursor"].tolist()


def _no_secret_in(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_second_pull_adds_only_what_changed(tool: Tool, tmp_path: Path) -> None:
    desk = Desk.seeded()
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    with Loopback(tool.serve(desk, SECRET)) as server:
        first = _pull(tool, server, store)
        assert first.tickets == 4
        assert first.imported is not None
        before = _keys(store)
        assert len(before) == first.imported.stored > 4
        cursor = first.cursor
        assert cursor is not None
        assert _cursor(store, tool) == [cursor]

        _touched, _new = desk.move_on()
        server.clear()
        second = _pull(tool, server, store)
        # only the changed tickets come again (and those updated at the cursor's very second)
        assert second.since == cursor
        assert 2 <= second.tickets <= 3
        assert second.cursor is not None
        assert second.cursor > cursor
        history = [r for r in server.requests if tool.history(r)]
        assert history, "the histories of the changed tickets are fetched"

        third = _pull(tool, server, store)  # nothing changed since
        assert third.tickets <= 2  # at most the tickets of the cursor's second, again
        assert third.imported is None or third.imported.stored == 0

        full = _pull(tool, server, fresh)
    after = _keys(store)
    assert after == _keys(fresh), "incremental pulls = one full pull of the final desk"
    expected = [(*row[:4], None if row[4] is None else tool.person(row[4])) for row in truth(desk)]
    assert _events(store) == expected, "the desk's own history, event for event"
    assert len(after) == len(set(after)), "no duplicate events"
    assert second.imported is not None
    assert second.imported.stored == len(after) - len(before) > 0
    assert full.tickets == 5
    _no_secret_in(store)
    assert not (store / "spool").exists()


def test_an_interrupted_pull_changes_nothing_and_its_rerun_adds_no_duplicates(
    tool: Tool, tmp_path: Path
) -> None:
    desk = Desk.seeded()
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    with Loopback(tool.serve(desk, SECRET)) as server:
        first = _pull(tool, server, store)
        keys, cursor = _keys(store), _cursor(store, tool)
        desk.move_on()
        server.clear()
        server.drop(tool.history, times=100)  # the connection drops on every history request
        with pytest.raises(PullError, match="failed 1 time"):
            _pull(tool, server, store, limits=NO_RETRY)
        assert _keys(store) == keys
        assert _cursor(store, tool) == cursor
        assert not (store / "spool").exists()
        server.clear()
        rerun = _pull(tool, server, store)
        assert rerun.since == first.cursor
        _pull(tool, server, fresh)
    assert _keys(store) == _keys(fresh)


def test_a_connection_dropped_half_way_is_retried(tool: Tool, tmp_path: Path) -> None:
    desk = Desk.seeded()
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    with Loopback(tool.serve(desk, SECRET)) as server:
        server.drop(tool.history)  # the first history request: body cut off half-way
        server.fail(lambda r: True, Reply(503, {"error": "busy"}))  # and one 503 on the next
        report = _pull(tool, server, store)
        assert report.requests == len(server.requests)
        dropped = next(i for i, r in enumerate(server.requests) if tool.history(r))
        again = server.requests[dropped + 1]
        assert (again.path, again.query) == (
            server.requests[dropped].path,
            server.requests[dropped].query,
        ), "the same request is sent again"
        _pull(tool, server, fresh)
    assert _keys(store) == _keys(fresh)
    assert len(set(_keys(store))) == len(_keys(store))


def test_retry_after_is_honoured_and_capped(tool: Tool, tmp_path: Path) -> None:
    desk = Desk.seeded()
    with Loopback(tool.serve(desk, SECRET)) as server:
        server.fail(tool.history, Reply(429, {"error": "rate"}, {"Retry-After": "1"}))
        _pull(tool, server, tmp_path / "a")
        limited = next(i for i, r in enumerate(server.requests) if tool.history(r))
        waited = server.requests[limited + 1].at - server.requests[limited].at
        assert waited >= 1.0  # the next request came only after the time asked for

        server.clear()
        server.fail(tool.history, Reply(429, {"error": "rate"}, {"Retry-After": "3600"}))
        with pytest.raises(PullError, match="asks to wait 3600 s, more than the 5 s allowed"):
            _pull(tool, server, tmp_path / "b")
        # beyond the cap it gives up at once: the limited request is never sent again
        asked = [r for r in server.requests if tool.history(r)]
        assert len(asked) == 1
    assert not (tmp_path / "b").exists(), "nothing stored, not even an empty store"
