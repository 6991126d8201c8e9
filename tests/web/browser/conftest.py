"""The web app served by uvicorn on 127.0.0.1 (a free port, in a thread) over a small simulated
store, users of each role and a department user, and Debian's chromium driven by Playwright.

No browser is ever downloaded: chromium is launched from ``/usr/bin/chromium``. Without it, or
without the ``playwright`` package, every test here is skipped and says which is missing.

Every request a page makes is recorded (:class:`Visit`) so that a test can check that nothing
comes from another origin. Screenshots go to a folder under the run's temporary directory and,
when ``$PDCA_SCREENSHOTS`` names a folder, there too (``PDCA_SCREENSHOTS=docs/img``-style
refreshes of the README's pictures).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd
import pytest

from pdca.records import Role, accounts
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import WebSettings, create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
PASSWORDS = {role.value: f"pw-{role.value}-browser" for role in Role}
DEPARTMENT = "dept"
"""A viewer who sees only the tickets of :data:`DEPARTMENT_GROUP`."""
DEPARTMENT_PASSWORD = "pw-dept-browser"
DEPARTMENT_GROUP = "L2 Network"
CONFIG = SimulationConfig(tickets=400, days=140, seed=23)
START_SECONDS = 30.0
SCREENSHOTS_ENV = "PDCA_SCREENSHOTS"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Desk:
    """The simulated store and, from the same simulation written as CSV, which tickets the
    department's group worked on (the oracle of the visibility checks)."""

    store: Path
    log: str
    visible: frozenset[str]
    hidden: frozenset[str]


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    where = tmp_path_factory.mktemp("browser")
    store = where / "store"
    simulate(CONFIG, store=store)
    simulate(CONFIG, out=where / "events.csv", fmt="csv", hidden=False)
    events = pd.read_csv(where / "events.csv", usecols=["log", "case_id", "assignment_group"])
    cases = set(events["case_id"])
    visible = set(events.loc[events["assignment_group"] == DEPARTMENT_GROUP, "case_id"])
    assert visible, "the simulated desk must give the department some tickets"
    assert cases - visible, "and leave it some tickets of other departments"
    return Desk(store, str(events["log"].iloc[0]), frozenset(visible), frozenset(cases - visible))


@dataclass(frozen=True)
class Server:
    url: str
    app: Any


@pytest.fixture(scope="session")
def server(desk: Desk, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``pdca serve`` as it runs it (uvicorn, loopback, no server header), in a thread."""
    uvicorn = pytest.importorskip("uvicorn")
    records = tmp_path_factory.mktemp("browser-records") / "records.sqlite"
    app = create_app(desk.store, records_url=f"sqlite:///{records}", settings=WebSettings())
    with app.state.web.records.session() as db:
        for role in Role:
            accounts.add_user(db, role.value, PASSWORDS[role.value], role, who="test")
        accounts.add_user(
            db,
            DEPARTMENT,
            DEPARTMENT_PASSWORD,
            Role.VIEWER,
            groups=[DEPARTMENT_GROUP],
            who="test",
        )
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, server_header=False, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="pdca-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            running.should_exit = True
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port} within {START_SECONDS} s")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", app)
    finally:
        running.should_exit = True
        thread.join(timeout=START_SECONDS)
        desk_handle = app.state.web.desk
        if desk_handle is not None and hasattr(desk_handle, "close"):
            desk_handle.close()
        app.state.web.records.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    # As root, chromium refuses to start with its sandbox on.
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Shots:
    """Where screenshots go: the run's folder, and ``$PDCA_SCREENSHOTS`` when it is set."""

    folder: Path
    extra: Path | None
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, name: str, focus: str | None = None) -> Path:
        """The browser's window as ``web-NAME.png``; with ``focus`` (a selector), scrolled so
        that the element is at the top."""
        path = self.folder / f"web-{name}.png"
        if focus is not None:
            page.locator(focus).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 0
        self.taken.append(path)
        if self.extra is not None:
            self.extra.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.extra / path.name)
        return path


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Shots:
    extra = os.environ.get(SCREENSHOTS_ENV)
    return Shots(tmp_path_factory.mktemp("screenshots"), Path(extra) if extra else None)


@dataclass
class Visit:
    """A browser context logged in as one user, recording every request its pages make."""

    base: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def go(self, path: str) -> int:
        """Open ``path``; the HTTP status of the page."""
        answer = self.page.goto(self.base + path)
        assert answer is not None
        return answer.status

    def foreign(self) -> list[str]:
        """The requests that did not go to the app's own origin."""
        own = urlsplit(self.base)
        return [
            url
            for url in self.requests
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    def api(self, path: str) -> Any:
        """A GET of the REST API with this browser's session cookie (JSON)."""
        answer = self.context.request.get(self.base + path)
        assert answer.status == 200, (path, answer.status, answer.text()[:300])
        return answer.json()


def _record(visit: Visit) -> None:
    def on_request(request: Request) -> None:
        visit.requests.append(request.url)

    visit.context.on("request", on_request)
    visit.page.on(
        "console", lambda message: visit.console.append(f"{message.type}: {message.text}")
    )


def log_in(visit: Visit, name: str, password: str) -> None:
    """Log in through the form, as a person would."""
    visit.go("/")
    assert "/login" in visit.page.url, visit.page.url
    visit.page.fill("input[name=name]", name)
    visit.page.fill("input[name=password]", password)
    with visit.page.expect_navigation():
        visit.page.click("form button[type=submit]")
    assert "/login" not in visit.page.url, visit.page.inner_text("main")


@pytest.fixture
def visit_as(browser: Browser, server: Server) -> Iterator[Any]:
    """``visit_as(name)``: a new browser context logged in as ``name``. At the end of the test,
    no page of any of them loaded anything from another origin, and no page reported an
    error (a Content-Security-Policy violation is one)."""
    made: list[Visit] = []

    def make(name: str) -> Visit:
        password = DEPARTMENT_PASSWORD if name == DEPARTMENT else PASSWORDS[name]
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(30_000)
        visit = Visit(server.url, context, context.new_page())
        _record(visit)
        made.append(visit)
        log_in(visit, name, password)
        return visit

    try:
        yield make
        for visit in made:
            assert visit.requests, "the request recorder saw nothing"
            assert visit.foreign() == [], visit.foreign()
            refused = [c for c in visit.console if "Content Security Policy" in c]
            assert refused == [], refused
    finally:
        for visit in made:
            visit.context.close()
