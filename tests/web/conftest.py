"""A small simulated store, the web app on it with one user of each role, and logged-in
clients (function-scoped: each test has its own cookies)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from pdca.records import Role, accounts
from pdca.records.base import Base
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import WebSettings, create_app

PASSWORDS = {role.value: f"pw-{role.value}-123" for role in Role}
"""The password of the user named after each role (``viewer``, ``analyst``, ``owner``,
``admin``)."""
SCOPED = "scoped"
SCOPED_SERVICE = "Network"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~300 simulated tickets (one log), made once for the web tests."""
    store = tmp_path_factory.mktemp("web") / "store"
    simulate(SimulationConfig(tickets=300, days=60, seed=11), store=store)
    return store


def add_users(app: FastAPI) -> None:
    with app.state.web.records.session() as db:
        for role in Role:
            accounts.add_user(db, role.value, PASSWORDS[role.value], role, who="test")
        accounts.add_user(
            db, SCOPED, "pw-scoped-123", Role.VIEWER, services=[SCOPED_SERVICE], who="test"
        )


TEST_RECORDS_URL = "PDCA_TEST_RECORDS_URL"
"""Set it (e.g. ``postgresql+pg8000://postgres@127.0.0.1:5432/pdca_web_test``) to run the web
tests' app on that database instead of a fresh SQLite file; its tables are dropped first."""


def _records_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get(TEST_RECORDS_URL)
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('records') / 'records.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def web_app(web_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app (records in a SQLite file of its own, or $PDCA_TEST_RECORDS_URL) with users of
    every role."""
    url = _records_url(tmp_path_factory)
    settings = WebSettings(login_failures_per_user=3, login_failures_per_address=10_000)
    app = create_app(web_store, records_url=url, settings=settings)
    add_users(app)
    yield app
    desk = app.state.web.desk
    if desk is not None and hasattr(desk, "close"):
        desk.close()
    app.state.web.records.close()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str) -> TestClient:
    form = client.get("/login")
    assert form.status_code == 200
    answer = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@dataclass
class Clients:
    app: FastAPI

    def anonymous(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def as_user(self, name: str, password: str | None = None) -> TestClient:
        return log_in(self.anonymous(), name, password or PASSWORDS[name])


@pytest.fixture
def clients(web_app: FastAPI) -> Clients:
    return Clients(web_app)


@pytest.fixture
def admin(clients: Clients) -> TestClient:
    return clients.as_user("admin")


@pytest.fixture
def viewer(clients: Clients) -> TestClient:
    return clients.as_user("viewer")


def page_csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token of ``client``'s session (from a page's logout form)."""
    return csrf_of(client.get(path).text)


TokenMaker = Callable[[str], str]


@pytest.fixture
def token_for(web_app: FastAPI) -> TokenMaker:
    """A new API token for a user."""

    def make(name: str) -> str:
        with web_app.state.web.records.session() as db:
            return accounts.issue_token(db, name, "test", who="test")

    return make
