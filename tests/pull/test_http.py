"""The shared client on its own: each pagination style, retries, Retry-After, errors, secrets.

Loopback servers only; each listing's shape is the one the named vendor documents (GLPI
``apirest.md`` Content-Range; Jira "Get changelogs" startAt/maxResults; Jira enhanced search
nextPageToken; ServiceNow Table API and Freshservice ``Link`` headers; Zammad page/per_page).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from pdca.pull.http import (
    Client,
    Limits,
    PullError,
    Secret,
    check_base_url,
    link_pages,
    page_pages,
    range_pages,
    retry_after_seconds,
    safe_url,
    start_at_pages,
    token_pages,
)
from tests.pull.server import Loopback, Reply, Request

ITEMS = list(range(1, 24))  # 23 items: pages of 5 end on a short page
FAST = Limits(retries=3, backoff=0.01, max_backoff=0.02, max_wait=5, timeout=2)


def _client(server: Loopback, limits: Limits = FAST) -> Client:
    return Client(server.url, limits=limits)


def test_glpi_content_range_pages() -> None:
    def serve(request: Request) -> Reply:
        first, last = (int(x) for x in (request.arg("range") or "0-49").split("-"))
        if first >= len(ITEMS):
            return Reply(400, ["ERROR_RANGE_EXCEEDED_TOTAL", "Provided range exceed total count"])
        page = ITEMS[first : last + 1]
        return Reply(206, page, {"Content-Range": f"{first}-{first + len(page) - 1}/{len(ITEMS)}"})

    with Loopback(serve) as server, _client(server) as client:
        assert list(range_pages(client, "Ticket/", {}, lambda b: b, size=5)) == ITEMS
        assert [r.arg("range") for r in server.requests] == [
            "0-4", "5-9", "10-14", "15-19", "20-24"
        ]  # fmt: skip


def test_jira_start_at_pages() -> None:
    def serve(request: Request) -> Reply:
        start, size = int(request.arg("startAt") or 0), int(request.arg("maxResults") or 50)
        page = ITEMS[start : start + size]
        return Reply(200, {"startAt": start, "maxResults": size, "total": len(ITEMS),
                           "isLast": start + size >= len(ITEMS), "values": page})  # fmt: skip

    with Loopback(serve) as server, _client(server) as client:
        got = start_at_pages(client, "/changelog", {}, lambda b: b["values"], size=5)
        assert list(got) == ITEMS
        assert len(server.requests) == 5


def test_jira_next_page_token_pages() -> None:
    def serve(request: Request) -> Reply:
        start = int(request.arg("nextPageToken") or 0)
        page = ITEMS[start : start + 5]
        body: dict[str, Any] = {"issues": page, "isLast": start + 5 >= len(ITEMS)}
        if not body["isLast"]:
            body["nextPageToken"] = str(start + 5)
        return Reply(200, body)

    with Loopback(serve) as server, _client(server) as client:
        pages = token_pages(client, "/search/jql", {"jql": "x"}, "nextPageToken",
                            lambda b: None if b["isLast"] else b["nextPageToken"])  # fmt: skip
        assert [i for p in pages for i in p["issues"]] == ITEMS
        assert all(r.arg("jql") == "x" for r in server.requests)


@pytest.mark.parametrize("with_link", [True, False])
def test_page_per_page_with_and_without_link_headers(with_link: bool) -> None:
    def serve(request: Request) -> Reply:
        page, size = int(request.arg("page") or 1), int(request.arg("per_page") or 30)
        items = ITEMS[(page - 1) * size : page * size]
        headers = {}
        if with_link and page * size < len(ITEMS):
            nxt = f"/items?page={page + 1}&per_page={size}"
            headers["Link"] = f'<http://{request.headers["host"]}{nxt}>; rel="next"'
        return Reply(200, items, headers)

    with Loopback(serve) as server, _client(server) as client:
        assert list(page_pages(client, "/items", {}, lambda b: b, size=5)) == ITEMS
        assert len(server.requests) == 5


def test_servicenow_link_header_pages() -> None:
    def serve(request: Request) -> Reply:
        offset = int(request.arg("sysparm_offset") or 0)
        page = ITEMS[offset : offset + 5]
        headers = {"X-Total-Count": str(len(ITEMS))}
        if offset + 5 < len(ITEMS):
            host = request.headers["host"]
            headers["Link"] = (
                f"<http://{host}/api/now/table/incident?sysparm_offset=0&sysparm_limit=5>;"
                f'rel="first",<http://{host}/api/now/table/incident?sysparm_offset={offset + 5}'
                '&sysparm_limit=5>;rel="next"'
            )
        return Reply(200, {"result": page}, headers)

    with Loopback(serve) as server, _client(server) as client:
        got = link_pages(client, "/api/now/table/incident", {"sysparm_limit": 5},
                         lambda b: b["result"])  # fmt: skip
        assert list(got) == ITEMS


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now) == 90
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_an_http_date_retry_after_is_waited() -> None:
    def serve(_: Request) -> Reply:
        return Reply(200, {"ok": True})

    with Loopback(serve) as server, _client(server) as client:
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
        server.fail(lambda r: True, Reply(429, {}, {"Retry-After": when}))
        assert client.get_json("/x") == {"ok": True}
        waited = server.requests[1].at - server.requests[0].at
        assert 0.5 <= waited < 3.5  # the date has whole seconds


def test_server_errors_are_retried_a_bounded_number_of_times() -> None:
    def serve(_: Request) -> Reply:
        return Reply(200, {"ok": True})

    with Loopback(serve) as server, _client(server) as client:
        server.fail(lambda r: True, Reply(502, {}), times=2)
        assert client.get_json("/x") == {"ok": True}
        assert len(server.requests) == 3
        server.clear()
        server.fail(lambda r: True, Reply(500, {}), times=10)
        with pytest.raises(PullError) as caught:
            client.get_json("/x?token=abc123")
        assert len(server.requests) == 1 + FAST.retries
        message = str(caught.value)
        assert "answered HTTP 500" in message
        assert "\n" not in message
        assert "abc123" not in message


def test_a_slow_server_times_out_and_is_retried() -> None:
    calls = []

    def serve(_: Request) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.5)
        return Reply(200, {"ok": True})

    with (
        Loopback(serve) as server,
        _client(server, Limits(retries=1, backoff=0.01, timeout=0.5)) as client,
    ):
        assert client.get_json("/x") == {"ok": True}
    assert len(calls) == 2


def test_a_dropped_connection_is_retried_then_reported_in_one_line() -> None:
    def serve(_: Request) -> Reply:
        return Reply(200, {"items": ITEMS})

    with Loopback(serve) as server, _client(server) as client:
        server.drop(lambda r: True)
        assert client.get_json("/x") == {"items": ITEMS}
        server.drop(lambda r: True, times=10)
        with pytest.raises(PullError, match=r"failed 4 time\(s\): RemoteProtocolError"):
            client.get_json("/x")


def test_rate_limits_that_never_end_stop_the_pull() -> None:
    def serve(_: Request) -> Reply:
        return Reply(429, {}, {"Retry-After": "0"})

    limits = Limits(retries=1, backoff=0.01, rate_limit_waits=3, max_wait=5)
    with Loopback(serve) as server, _client(server, limits) as client:
        with pytest.raises(PullError, match="kept answering 429"):
            client.get_json("/x")
        assert len(server.requests) == 4


def test_refused_credentials_and_missing_pages_are_one_line_with_a_hint() -> None:
    def serve(request: Request) -> Reply:
        return Reply(401 if request.path == "/a" else 404, {"error": "no"})

    with Loopback(serve) as server, _client(server) as client:
        with pytest.raises(PullError, match="HTTP 401 — the credentials were refused"):
            client.get("/a")
        with pytest.raises(PullError, match="HTTP 404 — nothing at this address"):
            client.get("/b")
        assert len(server.requests) == 2  # 4xx are not retried


def test_secrets_come_from_the_environment_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = Secret("PDCA_TEST_SECRET_X")
    monkeypatch.delenv("PDCA_TEST_SECRET_X", raising=False)
    with pytest.raises(PullError, match="PDCA_TEST_SECRET_X is not set"):
        secret.value()
    monkeypatch.setenv("PDCA_TEST_SECRET_X", "hunter2")
    assert secret.value() == "hunter2"
    assert "hunter2" not in repr(secret)


def test_urls_in_messages_hide_secrets() -> None:
    url = "https://h.example/api?apiKey=K1&SessionID=S1&Password=P1&user_token=T1&page=2"
    shown = safe_url(url)
    for secret in ("K1", "S1", "P1", "T1"):
        assert secret not in shown
    assert "page=2" in shown
    assert "bob:pw" not in safe_url("https://bob:pw@h.example/x")
    with pytest.raises(PullError, match="is not an http"):
        check_base_url("ftp://h.example")
    with pytest.raises(PullError, match="user name or password"):
        check_base_url("https://bob:pw@h.example")
