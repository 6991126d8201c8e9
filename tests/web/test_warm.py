"""The warm-up (pdca.web.warm) asks exactly what the usual pages ask: after it, visiting them
computes nothing new (counted by the desk's memo); with the ``warm`` setting a new desk is warm
before it replaces the old one, and the app warms its desk when it starts."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

from pdca.web import WebSettings, create_app
from pdca.web.desk import open_shared
from pdca.web.jobs import jobs_of
from pdca.web.warm import usual_questions, warm
from tests.web.conftest import PASSWORDS, add_users, log_in


def _usual_pages(kpis: list[str]) -> list[str]:
    return ["/", "/kpis", "/sla", "/monitor", *(f"/kpis/{k}" for k in kpis)]


def _kpis(desk: object) -> list[str]:
    return [what.split()[1] for what, _ in usual_questions(desk) if what.startswith("KPI ")]


def test_after_the_warm_up_the_usual_pages_compute_nothing(web_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(web_store, store, ignore=shutil.ignore_patterns("records.sqlite*", ".web"))
    app = create_app(store)
    add_users(app)
    try:
        desk = open_shared(app.state.web)
        done = warm(desk)
        assert done["failed"] == []
        kpis = _kpis(desk)
        assert "mttr" in kpis
        memo = desk._opened.memo
        before = memo.computed
        client = log_in(TestClient(app), "admin", PASSWORDS["admin"])
        for path in _usual_pages(kpis):
            answer = client.get(path)
            assert answer.status_code == 200, path
        assert memo.computed == before
        client.get("/kpis/mttr?period=month")  # not a usual page: computed on first asking
        assert memo.computed > before
    finally:
        app.state.web.desk.close()
        app.state.web.records.close()


def test_a_swapped_desk_is_warm_before_it_goes_live(web_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(web_store, store, ignore=shutil.ignore_patterns("records.sqlite*", ".web"))
    app = create_app(store, settings=WebSettings(warm=True))
    add_users(app)
    jobs = jobs_of(app.state.web)
    try:
        jobs.swap_desk()
        desk = app.state.web.desk
        memo = desk._opened.memo
        before = memo.computed
        assert before > 0
        client = log_in(TestClient(app), "admin", PASSWORDS["admin"])
        assert client.get("/sla").status_code == 200
        assert client.get("/").status_code == 200
        assert memo.computed == before
    finally:
        app.state.web.desk.close()
        app.state.web.records.close()


def test_the_app_warms_its_desk_when_it_starts(web_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(web_store, store, ignore=shutil.ignore_patterns("records.sqlite*", ".web"))
    app = create_app(store, settings=WebSettings(warm=True))
    with TestClient(app):  # runs the lifespan: the warm-up starts in the background
        desk = app.state.web.desk
        assert desk is not None
        expected = len(usual_questions(desk))
        deadline = time.monotonic() + 300
        while desk._opened.memo.computed < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert desk._opened.memo.computed >= expected
