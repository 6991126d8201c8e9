"""The monitor page and ``/api/logs/{log}/monitor``: the current signals in plain words with n,
as ``pdca.api.monitor`` finds them, each linking to its KPI page; the notes; roles; scoping."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from pdca import api
from pdca.records import Role
from tests.web.conftest import SCOPED_SERVICE, Clients

LOG = "simulated_incidents"
SIGNAL = re.compile(r'<tr class="signal" data-kpi="([^"]+)">(.*?)</tr>', re.S)


def test_the_current_signals_are_the_apis_in_plain_words(clients: Clients, web_store: Path) -> None:
    found = api.monitor_details(store=web_store, log=LOG, period="day")
    truth = found.signals
    assert len(truth) > 0  # the fixture store has day-level signals to show
    html = clients.as_user("viewer").get("/monitor?period=day").text
    rows = SIGNAL.findall(html)
    assert len(rows) == len(truth)
    for (kpi, body), row in zip(rows, truth.itertuples(index=False), strict=True):
        assert kpi == row.kpi
        assert unescape(re.search(r'class="message">([^<]*)<', body).group(1)) == row.message  # type: ignore[union-attr]
        assert int(re.search(r'class="num n">([^<]*)<', body).group(1)) == row.n  # type: ignore[union-attr]
        assert f'href="/kpis/{row.kpi}?log={LOG}&amp;period=day"' in body
    for kpi, text in found.incomplete.items():
        if text:
            assert unescape(text) in unescape(html), kpi
    assert "never signal" in html
    rest = clients.as_user("viewer").get(f"/api/logs/{LOG}/monitor", params={"period": "day"})
    data = rest.json()
    assert [s["message"] for s in data["signals"]] == truth["message"].tolist()
    assert [s["n"] for s in data["signals"]] == truth["n"].tolist()
    assert len(data["charts"]) == len(found.charts)


def test_no_signal_is_said_and_why_charts_were_not_drawn(clients: Clients, web_store: Path) -> None:
    truth = api.monitor(store=web_store, log=LOG, period="week", by=None)
    html = clients.as_user("viewer").get("/monitor?period=week&by=none").text
    assert len(SIGNAL.findall(html)) == len(truth)
    if truth.empty:
        assert "No current signals" in html
    assert "Not charted" in html  # nine weeks are too few for some KPIs, and the page says so
    assert "needed" in html


def test_every_role_reads_it_and_bad_input_is_422(clients: Clients) -> None:
    for role in Role:
        assert clients.as_user(role.value).get("/monitor?by=none&period=month").status_code == 200
    viewer = clients.as_user("viewer")
    assert viewer.get("/monitor?period=year").status_code == 422
    assert viewer.get("/monitor?by=colour").status_code == 422
    assert viewer.get("/monitor?log=nope").status_code == 404
    assert viewer.get("/api/logs/nope/monitor").status_code == 404
    anonymous = clients.anonymous()
    assert anonymous.get("/monitor", follow_redirects=False).status_code == 303
    assert anonymous.get(f"/api/logs/{LOG}/monitor").status_code == 401
    assert 'href="/monitor"' in viewer.get("/").text


def test_a_scoped_user_sees_the_monitor_of_their_tickets_only(
    clients: Clients, web_store: Path
) -> None:
    import pdca  # noqa: PLC0415

    with pdca.open(web_store) as desk:
        own = desk.scoped(service=[SCOPED_SERVICE]).monitor(by="service", period="day")
    data = (
        clients.as_user("scoped", "pw-scoped-123")
        .get(f"/api/logs/{LOG}/monitor", params={"period": "day", "by": "service"})
        .json()
    )
    assert [s["message"] for s in data["signals"]] == own["message"].tolist()
    groups = {c["group"] for c in data["charts"]}
    assert SCOPED_SERVICE in groups


@pytest.mark.parametrize("path", ["/monitor", "/monitor?period=day&by=service"])
def test_the_monitor_page_escapes_and_links_only_locally(clients: Clients, path: str) -> None:
    html = clients.as_user("admin").get(path).text
    assert "javascript:" not in html.lower()
    assert all(h.startswith("/") for h in re.findall(r'href="([^"]+)"', html))
