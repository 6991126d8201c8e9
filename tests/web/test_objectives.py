"""Objectives page and API: the objectives in force against resolve_objectives, validation
errors one line next to their part, saving writes the store's file and the audit log and the
pages use it, a viewer is refused, escaping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdca.api.common import resolve_objectives
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import create_app
from tests.web.conftest import PASSWORDS, add_users, log_in, page_csrf


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Path]]:
    root = tmp_path_factory.mktemp("objectives")
    store = root / "store"
    simulate(SimulationConfig(tickets=30, days=10, seed=5), store=store)
    app = create_app(store, records_url=f"sqlite:///{root / 'records.sqlite'}")
    add_users(app)
    yield app, store
    if app.state.web.desk is not None:
        app.state.web.desk.close()
    app.state.web.records.close()


def user(app: FastAPI, name: str) -> TestClient:
    return log_in(TestClient(app, raise_server_exceptions=False), name, PASSWORDS[name])


GOOD = """[[sla]]
priority = "1 - Critical"
resolution = "3h"
calendar = "24x7"

[kpi_targets.mttr]
op = "<="
value = 20
"""


def test_defaults_shown_as_defaults(small: tuple[FastAPI, Path]) -> None:
    app, store = small
    viewer = user(app, "viewer")
    found = viewer.get("/api/objectives").json()
    truth = resolve_objectives(None, store=store)
    assert found["source"] == truth.source
    assert found["note"] == truth.note()
    html = viewer.get("/objectives").text
    assert "built-in default" in html
    assert "Save the store" not in html  # viewers read only


def test_errors_next_to_their_part_and_nothing_written(small: tuple[FastAPI, Path]) -> None:
    app, store = small
    owner = user(app, "owner")
    bad = '[[sla]]\npriority = "<script>x</script>"\nresolution = "soon"\ncalendar = "nope"\n'
    answer = owner.post(
        "/objectives", data={"csrf_token": page_csrf(owner, "/objectives"), "part_sla": bad}
    )
    assert answer.status_code == 400
    assert 'data-part="sla"' in answer.text
    assert "<script>x</script>" not in answer.text
    assert not (store / "objectives.toml").exists()
    api_bad = owner.put(
        "/api/objectives", json={"text": "[clock\n"}, headers={"X-CSRF-Token": page_csrf(owner)}
    )
    assert api_bad.status_code == 422
    assert not (store / "objectives.toml").exists()


def test_saving_writes_the_file_the_audit_and_the_scorecard_uses_it(
    small: tuple[FastAPI, Path],
) -> None:
    app, store = small
    viewer = user(app, "viewer")
    assert viewer.put("/api/objectives", json={"text": GOOD}).status_code == 403
    owner = user(app, "owner")
    answer = owner.post(
        "/objectives",
        data={"csrf_token": page_csrf(owner, "/objectives"), "part_sla": GOOD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    path = store / "objectives.toml"
    assert path.is_file()
    truth = resolve_objectives(None, store=store)
    assert truth.found_by == "store"
    assert truth.objectives.kpi_targets["mttr"].value == 20
    found = owner.get("/api/objectives").json()
    assert found["parts"]["sla"] == "file"
    assert found["parts"]["calendars"] == "built-in"
    card = owner.get("/api/logs/simulated_incidents/scorecard").json()
    assert card["objectives"]["found_by"] == "store"  # the desk was renewed
    audit = user(app, "admin").get("/api/audit").json()
    saved = [e for e in audit if e["action"] == "objectives.save"]
    assert saved
    assert saved[0]["who"] == "owner"
    assert "kpi_targets" in saved[0]["details"]["parts"]
    # back to the defaults: a text that sets nothing removes the file
    cleared = owner.put(
        "/api/objectives", json={"text": ""}, headers={"X-CSRF-Token": page_csrf(owner)}
    )
    assert cleared.status_code == 200
    assert not path.exists()
