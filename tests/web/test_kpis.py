"""The KPI pages and their REST counterparts: every route, the numbers against the API's
(``pdca.api.kpi`` and a desk of our own, computed independently of the app), the drill-down
from a point to its tickets, options, roles, scoping and escaping of the labels shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import pdca
from pdca import api
from pdca.api.desk import Desk
from pdca.records import Role, accounts
from pdca.simulate import SimulationConfig, simulate
from pdca.web import create_app
from tests.web.conftest import SCOPED_SERVICE, Clients, log_in

LOG = "simulated_incidents"
SCRIPT = "<script>alert(1)</script>"
QUOTES = '" onmouseover="x'
LINK = "javascript:alert(1)"
ROW = re.compile(r'<tr data-period="([^"]+)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num (value|n)">([^<]*)</td>')
BREAKDOWN = re.compile(r'<tr class="breakdown-row">(.*?)</tr>', re.S)


@pytest.fixture(scope="module")
def desk(web_store: Path) -> Iterator[Desk]:
    """A desk of our own on the web tests' store (the oracle)."""
    with pdca.open(web_store) as opened:
        yield opened


def _breakdown_link(html: str) -> str:
    """The first drill-down link of the breakdown table (the trend's links name a start)."""
    links = re.findall(r'<a class="drill" href="([^"]+)">', html)
    return unescape(next(link for link in links if "&amp;by=" in link))


def _number(text: str) -> float:
    return float(text.replace(",", "")) if text.strip() else float("nan")


def _cells(html: str) -> dict[str, dict[str, float]]:
    """The trend table's value and n per period."""
    out = {}
    for period, body in ROW.findall(html):
        out[period] = {kind: _number(text) for kind, text in CELL.findall(body)}
    return out


def test_the_catalogue_shows_every_kpi_with_the_apis_values(
    clients: Clients, web_store: Path
) -> None:
    truth = api.kpi(store=web_store, log=LOG)
    viewer = clients.as_user("viewer")
    html = viewer.get("/kpis").text
    for row in truth.itertuples(index=False):
        body = html.split(f'<tr data-kpi="{row.kpi}">')[1].split("</tr>")[0]
        cells = dict(CELL.findall(body))
        if pd.isna(row.value):
            assert cells["value"] == ""
        else:
            assert _number(cells["value"]) == pytest.approx(row.value, abs=0.006), row.kpi
            assert _number(cells["n"]) == row.n
        assert f'href="/kpis/{row.kpi}?log={LOG}"' in body
    for kpi, reason in truth.attrs["left_out"].items():
        assert kpi in html
        assert unescape(reason) in unescape(html)  # the line that would enable it
    assert "[continuity]" in html
    data = viewer.get(f"/api/logs/{LOG}/kpis").json()
    assert [r["kpi"] for r in data["rows"]] == truth["kpi"].tolist()
    assert data["left_out"] == truth.attrs["left_out"]
    assert data["rows"][0]["value"] == pytest.approx(float(truth["value"].iloc[0]))


@pytest.mark.parametrize("period", ["week", "month"])
def test_the_trend_shows_value_n_and_notes_per_period(
    clients: Clients, web_store: Path, period: str
) -> None:
    truth = api.kpi(["mttr"], store=web_store, log=LOG, period=period)
    answer = clients.as_user("viewer").get(f"/kpis/mttr?period={period}")
    assert answer.status_code == 200
    shown = _cells(answer.text)
    assert len(shown) == len(truth)
    for row in truth.itertuples(index=False):
        cells = shown[str(row.period)[:10]]
        assert cells["value"] == pytest.approx(row.value, abs=0.006)
        assert cells["n"] == row.n
        if row.note:
            assert str(row.note).split(":")[0] in answer.text
    assert "incomplete" in answer.text  # the log's first and last periods are cut
    rest = clients.as_user("viewer").get(f"/api/logs/{LOG}/kpis/mttr?period={period}").json()
    assert [p["n"] for p in rest["rows"]] == truth["n"].tolist()
    assert [p["note"] or "" for p in rest["rows"]] == truth["note"].fillna("").tolist()


def test_the_control_chart_is_pdcas_svg_with_n_per_point(clients: Clients, desk: Desk) -> None:
    found = desk.monitor_details(kpis=["mttr"], by=None, period="day")
    panel = found.panels[("mttr", "all")]
    html = clients.as_user("viewer").get("/kpis/mttr?period=day").text
    assert 'class="control-chart"' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("data-n=") == len(panel)
    assert svg.count('data-counted="false"') == int((~panel["counted"]).sum()) > 0
    assert "hollow" in html
    assert found.incomplete["mttr"].split(":")[0] in html
    weekly = clients.as_user("viewer").get("/kpis/volume?period=week").text
    assert "Not charted" in weekly  # nine weeks, two incomplete: too few for limits, said why


@pytest.mark.parametrize("by", ["service", "priority", "category", "assignment_group", "assignee"])
def test_breakdowns_equal_the_apis(clients: Clients, web_store: Path, by: str) -> None:
    truth = api.kpi(["fcr"], store=web_store, log=LOG, by=[by])
    html = clients.as_user("viewer").get(f"/kpis/fcr?by={by}").text
    rows = BREAKDOWN.findall(html)
    assert len(rows) == len(truth)
    shown = {}
    for body in rows:
        label = unescape(re.search(r'<td class="group">([^<]*)</td>', body).group(1))  # type: ignore[union-attr]
        shown[label] = dict(CELL.findall(body))
    for row in truth.itertuples(index=False):
        label = getattr(row, by)
        cells = shown["(none)" if pd.isna(label) else str(label)]
        assert _number(cells["value"]) == pytest.approx(row.value, abs=0.006)
        assert _number(cells["n"]) == row.n
    if by in {"assignment_group", "assignee"}:
        assert "final resolution" in html
        assert "the event at resolved_at" in html  # the rule, word for word
    else:
        assert "attribution-rules" not in html


def test_options_are_form_fields_and_change_the_values(clients: Clients, web_store: Path) -> None:
    viewer = clients.as_user("viewer")
    html = viewer.get("/kpis/mttr").text
    assert '<select name="statistic">' in html
    assert '<select name="view">' in html
    options = {"mttr": {"statistic": "median"}}
    truth = api.kpi(["mttr"], store=web_store, log=LOG, period="week", options=options)
    shown = _cells(viewer.get("/kpis/mttr?period=week&statistic=median").text)
    for row in truth.itertuples(index=False):
        assert shown[str(row.period)[:10]]["value"] == pytest.approx(row.value, abs=0.006)
    cohort = viewer.get("/kpis/mttr?period=month&view=cohort")
    assert cohort.status_code == 200
    assert "Censored" in cohort.text
    assert 'class="drill"' not in cohort.text
    assert "<select name=" in viewer.get("/kpis/fcr").text
    assert '<select name="statistic">' not in viewer.get("/kpis/fcr").text
    assert viewer.get("/kpis/mttr?statistic=mode").status_code == 422


@pytest.mark.parametrize("kpi", ["mttr", "mtta", "fcr", "sla_resolution", "reopen_rate", "volume"])
def test_a_periods_drill_down_lists_the_tickets_behind_it(
    clients: Clients, desk: Desk, kpi: str
) -> None:
    viewer = clients.as_user("viewer")
    html = viewer.get(f"/kpis/{kpi}?period=week").text
    links = [
        link
        for link in re.findall(r'<a class="drill" href="([^"]+)">', html)
        if "&amp;start=" in link  # the trend's links (the breakdown's have by= instead)
    ]
    weekly = desk.kpi([kpi], period="week")
    assert len(links) == len(weekly)
    busiest = int(weekly["n"].to_numpy().argmax())
    page = viewer.get(unescape(links[busiest]))
    assert page.status_code == 200
    point = weekly.iloc[busiest]
    truth = desk.kpi_tickets(kpi, point["period"], "week")
    cases = re.findall(r'<tr class="ticket" data-case="([^"]+)">', page.text)
    assert cases == truth["case_id"].tolist()
    assert len(cases) == int(point["n"])
    assert _number(re.search(r'class="point-n">([^<]*)<', page.text).group(1)) == point["n"]  # type: ignore[union-attr]
    rest = viewer.get(
        f"/api/logs/{LOG}/kpis/{kpi}/tickets",
        params={"period": "week", "start": str(point["period"])[:10]},
    ).json()
    assert rest["n"] == int(point["n"]) == rest["total"] == len(rest["tickets"])
    assert rest["value"] == pytest.approx(float(point["value"]))
    assert [t["case_id"] for t in rest["tickets"]] == cases
    if kpi == "mttr":
        hours = [t["value"] for t in rest["tickets"]]
        assert sum(hours) / len(hours) == pytest.approx(float(point["value"]), rel=1e-9)


def test_a_breakdown_rows_drill_down_and_the_agent_column(clients: Clients, desk: Desk) -> None:
    viewer = clients.as_user("viewer")
    html = viewer.get("/kpis/mttr?by=assignment_group").text
    link = _breakdown_link(html)
    assert "by=assignment_group" in link
    assert "value=" in link
    page = viewer.get(link).text
    group = unescape(re.search(r'class="drill-value">([^<]*)<', page).group(1))  # type: ignore[union-attr]
    truth = desk.kpi_tickets("mttr", by="assignment_group", value=group)
    cases = re.findall(r'data-case="([^"]+)"', page)
    assert cases == truth["case_id"].tolist()
    assert "final resolution" in page
    rest = viewer.get(
        f"/api/logs/{LOG}/kpis/mttr/tickets",
        params={"by": "assignment_group", "value": group, "limit": 2, "offset": 1},
    ).json()
    assert rest["total"] == len(truth)
    assert [t["case_id"] for t in rest["tickets"]] == truth["case_id"].tolist()[1:3]
    assert {t["assignment_group"] for t in rest["tickets"]} == {group}
    assert all(t["assignee"] for t in rest["tickets"])


def test_bad_input_is_a_message_not_a_server_error(clients: Clients) -> None:
    viewer = clients.as_user("viewer")
    for path, status in (
        ("/kpis/no_such_kpi", 404),
        ("/kpis?log=nope", 404),
        ("/kpis/mttr?by=colour", 400),
        ("/kpis/mttr?period=year", 422),
        ("/kpis/backlog/tickets", 400),
        ("/kpis/mttr/tickets?period=week&start=yesterday", 400),
        ("/kpis/mttr/tickets?period=week", 400),
        (f"/api/logs/{LOG}/kpis/nope", 404),
        (f"/api/logs/{LOG}/kpis/mttr/tickets?start=2025-01-06", 400),
        (f"/api/logs/{LOG}/kpis/mttr/tickets?limit=-1", 422),
        ("/api/logs/nope/kpis", 404),
    ):
        answer = viewer.get(path)
        assert answer.status_code == status, (path, answer.text[:200])
    assert "backlog" in viewer.get("/kpis/backlog").text  # a stock: no drill links, said why
    assert 'class="drill"' not in viewer.get("/kpis/backlog").text


def test_every_role_reads_and_anonymous_is_sent_to_log_in(clients: Clients) -> None:
    for role in Role:
        client = clients.as_user(role.value)
        assert client.get("/kpis").status_code == 200
        assert client.get("/kpis/volume?period=month").status_code == 200
    anonymous = clients.anonymous()
    assert anonymous.get("/kpis", follow_redirects=False).status_code == 303
    assert anonymous.get("/kpis/mttr/tickets", follow_redirects=False).status_code == 303
    assert anonymous.get(f"/api/logs/{LOG}/kpis").status_code == 401
    assert anonymous.get(f"/api/logs/{LOG}/kpis/mttr/tickets").status_code == 401
    assert 'href="/kpis"' in clients.as_user("viewer").get("/").text  # in the navigation


def test_a_scoped_user_sees_only_their_services_tickets(
    clients: Clients, desk: Desk, web_store: Path
) -> None:
    scoped = clients.as_user("scoped", "pw-scoped-123")
    events = desk.events()
    visible = set(events.loc[events["service"] == SCOPED_SERVICE, "case_id"])
    rest = scoped.get(f"/api/logs/{LOG}/kpis/volume/tickets", params={"limit": 10_000}).json()
    assert {t["case_id"] for t in rest["tickets"]} == visible
    assert rest["n"] == len(visible) < len(desk.tickets())
    html = scoped.get("/kpis/volume/tickets").text
    assert set(re.findall(r'data-case="([^"]+)"', html)) == visible
    own = desk.scoped(service=[SCOPED_SERVICE]).kpi(["volume"], by=["service"])
    data = scoped.get(f"/api/logs/{LOG}/kpis/volume", params={"by": "service", "period": "all"})
    assert {r["group"]: r["n"] for r in data.json()["rows"]} == dict(
        zip(own["service"], own["n"], strict=True)
    )
    by_service = scoped.get("/kpis/volume?by=service").text
    assert len(BREAKDOWN.findall(by_service)) == len(own)
    whole = set(desk.tickets()["case_id"])
    for case in whole - visible:
        assert f'data-case="{case}"' not in html


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app on a small store whose groups, agents and services hold markup, quotes and
    ``javascript:`` (imported from the simulator's CSV with those names put in)."""
    root = tmp_path_factory.mktemp("kpi-hostile")
    csv = root / "sim.csv"
    simulate(
        SimulationConfig(tickets=60, days=20, seed=9, start=date(2025, 1, 6)),
        out=csv,
        fmt="csv",
        hidden=False,
    )
    events = pd.read_csv(csv, dtype=str, keep_default_na=False)
    names = [SCRIPT, QUOTES, LINK]
    for column in ("assignment_group", "resource", "service"):
        values = sorted(v for v in events[column].unique() if v)
        mapping = {v: names[i % 3] + f" {i}" for i, v in enumerate(values)}
        events[column] = events[column].map(lambda v, m=mapping: m.get(v, v))
    events.to_csv(csv, index=False)
    api.ingest(csv, store=root / "store")
    app = create_app(root / "store", records_url=f"sqlite:///{root / 'r.sqlite'}")
    with app.state.web.records.session() as db:
        accounts.add_user(db, "boss", "boss-password", Role.ADMIN, who="test")
    return log_in(TestClient(app), "boss", "boss-password")


def _inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert 'onmouseover="x' not in html
    assert 'href="javascript:' not in html.lower()


def test_labels_with_markup_quotes_and_links_are_escaped(hostile: TestClient) -> None:
    log = hostile.get("/api/logs").json()[0]["log"]
    for by in ("assignment_group", "assignee", "service"):
        html = hostile.get(f"/kpis/mttr?log={quote(log)}&by={by}").text
        _inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&#34; onmouseover=&#34;x" in html
        page = hostile.get(_breakdown_link(html))
        assert page.status_code == 200
        _inert(page.text)
        assert "&lt;script&gt;" in page.text or "&#34; onmouseover" in page.text
    drill = hostile.get(
        "/kpis/volume/tickets", params={"log": log, "by": "assignment_group", "value": SCRIPT}
    )
    assert drill.status_code == 200
    _inert(drill.text)
    data = hostile.get(
        f"/api/logs/{log}/kpis/volume/tickets",
        params={"by": "assignment_group", "value": LINK + " 2"},
    ).json()
    assert {t["assignment_group"] for t in data["tickets"]} <= {LINK + " 2"}
    _inert(hostile.get(f"/kpis?log={quote(log)}").text)
    for by in ("service", "none"):  # the monitor's groups and messages name the services
        monitor = hostile.get(f"/monitor?log={quote(log)}&period=day&by={by}")
        assert monitor.status_code == 200
        _inert(monitor.text)
    assert "&lt;script&gt;" in hostile.get(f"/monitor?log={quote(log)}&period=day&by=service").text
