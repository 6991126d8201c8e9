"""Every page and REST route of the foundation through the test client: status, content,
security headers, error pages, and the scorecard's numbers against the API's."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from pdca import api
from tests.web.conftest import Clients, TokenMaker

LOG = "simulated_incidents"


class _Rows(HTMLParser):
    """The scorecard's cells by KPI: ``{kpi: {"value": text, "previous": text, "status": …}}``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._kpi: str | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "tr" and named.get("data-kpi"):
            self._kpi = str(named["data-kpi"])
            self.rows[self._kpi] = {}
        if tag == "td" and self._kpi:
            classes = (named.get("class") or "").split()
            self._cell = next((c for c in ("value", "previous", "rag") if c in classes), None)
            if self._cell:
                self.rows[self._kpi][self._cell] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        if tag == "tr":
            self._kpi = None

    def handle_data(self, data: str) -> None:
        if self._kpi and self._cell:
            self.rows[self._kpi][self._cell] += data.strip()


def _number(text: str) -> float:
    return float(text.replace(",", "")) if text else math.nan


def test_the_scorecard_page_shows_the_apis_numbers(admin: TestClient, web_store: Path) -> None:
    truth = api.scorecard(store=web_store, log=LOG)
    for path in ("/", f"/logs/{LOG}/scorecard"):
        answer = admin.get(path)
        assert answer.status_code == 200
        parser = _Rows()
        parser.feed(answer.text)
        assert list(parser.rows) == truth["kpi"].tolist()
        for row in truth.itertuples():
            shown = parser.rows[str(row.kpi)]
            for column in ("value", "previous"):
                expected = getattr(row, column)
                got = _number(shown[column])
                if math.isnan(expected):
                    assert math.isnan(got), (row.kpi, column)
                else:
                    assert got == pytest.approx(expected, abs=0.006), (row.kpi, column)
            assert shown["rag"] == (row.status or "—")
        assert 'class="rag rag-red"' in answer.text or 'class="rag rag-green"' in answer.text


def test_the_scorecard_says_which_objectives_are_in_force(
    admin: TestClient, web_store: Path
) -> None:
    text = admin.get(f"/logs/{LOG}/scorecard").text
    declared = api.scorecard(store=web_store, log=LOG).attrs
    assert "Objectives in force" in text
    assert str(escape(declared["objectives"]["note"])) in text  # the API's note, word for word
    assert "All targets are pdca's built-in defaults." in text
    for kpi in declared["left_out"]:  # no [continuity]: those KPIs are left out, with why
        assert kpi in text
    assert "Left out" in text


def test_the_scorecard_api_equals_the_python_api(viewer: TestClient, web_store: Path) -> None:
    truth = api.scorecard(store=web_store, log=LOG)
    body = viewer.get(f"/api/logs/{LOG}/scorecard").json()
    assert body["log"] == LOG
    assert [r["kpi"] for r in body["rows"]] == truth["kpi"].tolist()
    for got, row in zip(body["rows"], truth.itertuples(), strict=True):
        if math.isnan(row.value):
            assert got["value"] is None
        else:
            assert got["value"] == pytest.approx(row.value, rel=1e-12)
        assert got["status"] == row.status
    assert body["objectives"]["found_by"] == "built-in"
    assert body["objectives"]["note"] == truth.attrs["objectives"]["note"]
    assert set(body["left_out"]) == set(truth.attrs["left_out"])


def test_api_logs(viewer: TestClient, web_store: Path) -> None:
    status = api.status(store=web_store)
    body = viewer.get("/api/logs").json()
    assert [b["log"] for b in body] == status["log"].tolist()
    assert body[0]["tickets"] == int(status["tickets"].iloc[0])
    assert body[0]["events"] == int(status["events"].iloc[0])


def test_an_unknown_log_is_404_page_and_json(admin: TestClient) -> None:
    page = admin.get("/logs/no-such-log/scorecard")
    assert page.status_code == 404
    assert "There is no such log" in page.text
    assert "<html" in page.text
    assert admin.get("/api/logs/no-such-log/scorecard").status_code == 404
    missing = admin.get("/no/such/page")
    assert missing.status_code == 404
    assert "There is no such page." in missing.text
    assert admin.get("/api/no-such").json() == {"detail": "There is no such page."}


def test_security_headers_on_pages_api_static_and_errors(admin: TestClient) -> None:
    for path in ("/", "/login", "/api/logs", "/static/pdca.css", "/no-such-page", "/health"):
        headers = admin.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "img-src 'self' data:" in csp
        assert "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
    assert admin.get("/").headers["cache-control"] == "no-store"


def test_a_crash_is_a_page_without_a_traceback(web_app: FastAPI, clients: Clients) -> None:
    @web_app.get("/test-crash", include_in_schema=False)
    def crash() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    try:
        answer = clients.as_user("viewer").get("/test-crash")
        assert answer.status_code == 500
        assert "Something went wrong" in answer.text
        assert "Traceback" not in answer.text
        assert "secret internals" not in answer.text
        assert "default-src 'self'" in answer.headers["content-security-policy"]
    finally:
        web_app.router.routes[:] = [
            r for r in web_app.router.routes if getattr(r, "path", "") != "/test-crash"
        ]


def test_health_and_static_and_openapi(clients: Clients) -> None:
    client = clients.anonymous()
    assert client.get("/health").json()["status"] == "ok"
    css = client.get("/static/pdca.css")
    assert css.status_code == 200
    assert "@media print" in css.text
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/logs", "/api/logs/{log}/scorecard", "/api/users", "/api/audit"} <= paths
    assert not [p for p in paths if not p.startswith("/api/")]  # pages stay out of it
    assert client.get("/docs").status_code == 404  # the interactive docs would load a CDN


def test_no_page_loads_anything_from_another_origin(admin: TestClient) -> None:
    for path in ("/", "/admin/users", "/admin/users/admin", "/admin/audit", "/login"):
        html = admin.get(path).text
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert not re.match(r"^(https?:)?//", attribute), (path, attribute)
        assert "<script" not in html
        assert "style=" not in html


def test_navigation_lists_registered_pages_by_role(admin: TestClient, viewer: TestClient) -> None:
    assert 'href="/admin/users"' in admin.get("/").text
    text = viewer.get("/").text
    assert 'href="/admin/users"' not in text
    assert 'href="/"' in text


def test_bearer_token_reads_the_scorecard(clients: Clients, token_for: TokenMaker) -> None:
    client = clients.anonymous()
    auth = {"Authorization": f"Bearer {token_for('viewer')}"}
    assert client.get(f"/api/logs/{LOG}/scorecard", headers=auth).status_code == 200
    assert client.get("/api/users", headers=auth).status_code == 403
