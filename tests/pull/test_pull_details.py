"""What is particular to some APIs, and a bounded load test.

GLPI ``apirest.md`` (initSession/killSession, App-Token), Jira "Search for issues using JQL
enhanced search" (JQL times in the user's time zone, ``myself.timeZone``), Zendesk "Incremental
Exports" (``start_time``), ServiceNow "Table API" (load).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pdca import api
from pdca.engine.store import Store
from pdca.pull.http import Limits, PullError
from tests.pull import api_glpi, api_jira, api_servicenow, api_zendesk
from tests.pull.desk import Desk, truth
from tests.pull.server import Loopback, Reply
from tests.pull.tools import ENV, SECRET

FAST = Limits(retries=1, backoff=0.01, max_wait=5, timeout=5)


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)
    monkeypatch.setenv(api_glpi.APP_ENV, api_glpi.APP_TOKEN)


def test_glpi_ends_its_session_even_when_the_pull_fails(tmp_path: Path) -> None:
    with Loopback(api_glpi.Glpi(Desk.seeded(), SECRET)) as server:
        api.pull("glpi", server.url, ENV, store=tmp_path / "s", limits=FAST,
                 app_token_env=api_glpi.APP_ENV)  # fmt: skip
        paths = [r.path for r in server.requests]
        assert paths[0].endswith("/initSession")
        assert paths[-1].endswith("/killSession")
        assert all(r.headers.get("app-token") == api_glpi.APP_TOKEN for r in server.requests)
        assert all(SECRET not in r.headers.get("session-token", "") for r in server.requests)
        server.clear()
        server.fail(lambda r: r.path.endswith("/Log"), Reply(500, {}), times=100)
        with pytest.raises(PullError, match="HTTP 500"):
            api.pull("glpi", server.url, ENV, store=tmp_path / "s", limits=FAST,
                     app_token_env=api_glpi.APP_ENV)  # fmt: skip
        assert server.requests[-1].path.endswith("/killSession")


def test_jira_asks_jql_in_the_users_time_zone(tmp_path: Path) -> None:
    with Loopback(api_jira.Jira(Desk.seeded(), SECRET)) as server:
        first = api.pull("jira", server.url, ENV, store=tmp_path / "s", user=api_jira.USER,
                         limits=FAST)  # fmt: skip
        assert first.cursor == "2024-03-01T18:20:00Z"
        server.clear()
        api.pull("jira", server.url, ENV, store=tmp_path / "s", user=api_jira.USER, limits=FAST)
    jql = next(r.arg("jql") for r in server.requests if r.path.endswith("/search/jql"))
    assert jql == 'updated >= "2024/03/01 19:20" ORDER BY updated ASC'  # Berlin is UTC+1


def test_zendesk_reads_metric_events_from_the_oldest_fetched_ticket(tmp_path: Path) -> None:
    desk = Desk.seeded()
    with Loopback(api_zendesk.Zendesk(desk, SECRET)) as server:
        api.pull("zendesk", server.url, ENV, store=tmp_path / "s", user=api_zendesk.USER,
                 limits=FAST)  # fmt: skip
        touched, _ = desk.move_on()
        server.clear()
        api.pull("zendesk", server.url, ENV, store=tmp_path / "s", user=api_zendesk.USER,
                 limits=FAST)  # fmt: skip
    export = next(r for r in server.requests if r.path.endswith("/cursor.json"))
    assert export.arg("start_time") == str(int(desk.tickets[104].updated.timestamp()))
    metrics = next(r for r in server.requests if r.path.endswith("/ticket_metric_events"))
    oldest = min(desk.tickets[i].created for i in (104, touched, 105))
    assert metrics.arg("start_time") == str(int(oldest.timestamp()))


def test_a_few_hundred_tickets_in_bounded_requests_and_time(tmp_path: Path) -> None:
    desk = Desk.seeded(300)
    with Loopback(api_servicenow.ServiceNow(desk, SECRET)) as server:
        report = api.pull("servicenow", server.url, ENV, store=tmp_path / "s",
                          user=api_servicenow.USER, limits=FAST)  # fmt: skip
    assert report.tickets == 300
    # 3 pages of incidents, 8 chunks of 40 incidents' audit rows (one page each), choices,
    # groups and users
    assert report.requests == len(server.requests) <= 3 + 8 * 2 + 3
    with Store.open(tmp_path / "s", read_only=True) as st:
        assert st.query("SELECT count(*) AS n FROM events")["n"][0] == len(truth(desk))


def test_spool_files_of_a_killed_pull_are_removed_by_the_next(tmp_path: Path) -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    store = tmp_path / "s"
    with Loopback(api_servicenow.ServiceNow(Desk.seeded(), SECRET)) as server:
        api.pull("servicenow", server.url, ENV, store=store, user=api_servicenow.USER)
        left = store / "spool" / f"servicenow-{dead.stdout.strip()}-0badc0de.json.part"
        left.parent.mkdir()
        left.write_text("{")
        api.pull("servicenow", server.url, ENV, store=store, user=api_servicenow.USER,
                 since="2024-03-01")  # fmt: skip
    assert not (store / "spool").exists()
