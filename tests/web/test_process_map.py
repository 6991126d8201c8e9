"""The process map explorer (/process-map, /process-map.svg) and its REST counterparts
(/api/logs/{log}/process-map, /api/logs/{log}/mine/{view}): every route, the numbers against
the public API and an independent count from the events, the SVG's CSP-safety, escaping of
step, group and service names, and visibility scopes."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import pdca
from pdca import api
from pdca.records import Role, accounts
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import create_app
from pdca.web.api import mining as mining_api
from pdca.web.pages import process_map as process_map_page
from tests.web.conftest import SCOPED, SCOPED_SERVICE, Clients, log_in

LOG = "simulated_incidents"
TICKETS = re.compile(r'<span class="pm-tickets">([\d,]+)</span>')
SCRIPT = "<script>alert(1)</script>"
QUOTES = '" onmouseover="x'
LINK = "javascript:alert(1)"


def _n(html: str) -> int:
    found = TICKETS.search(html)
    assert found, "the page states no n"
    return int(found.group(1).replace(",", ""))


def _events(store: Path) -> pd.DataFrame:
    with pdca.open(store) as desk:
        frame: pd.DataFrame = desk.events(LOG)
    return frame


def _cases_with(events: pd.DataFrame, column: str, value: str) -> set[str]:
    """Tickets with ``value`` in ``column`` on at least one event (the filter's rule)."""
    return set(events.loc[events[column] == value, "case_id"].astype(str))


def test_the_map_page_draws_pdcas_svg_inline_without_inline_styles(
    clients: Clients, web_store: Path
) -> None:
    viewer = clients.as_user("viewer")
    answer = viewer.get("/process-map?label=median&max_activities=5&min_edge_share=10")
    assert answer.status_code == 200
    html = answer.text
    assert _n(html) == len(set(_events(web_store)["case_id"]))
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg, "no inline SVG"
    # the CSP forbids inline style: neither the page nor the drawing carries any
    assert " style=" not in html
    assert "<style" not in html
    assert "content-security-policy" in {k.lower() for k in answer.headers}
    expected = api.process_map(
        store=web_store, label="median", max_activities=5, min_edge_share=0.1
    )
    assert svg.group(0) == expected
    assert "All tickets of the log (no filter)." in html
    assert 'href="/process-map.svg?' in html


def test_edge_counts_equal_the_events_directly_follows_pairs(
    clients: Clients, web_store: Path
) -> None:
    """Independent check: count 'B directly follows A' from the events in their stable order."""
    events = _events(web_store)
    pairs: Counter[tuple[str, str]] = Counter()
    for _, case in events.groupby("case_id", sort=False):
        steps = case["activity"].astype(str).tolist()
        pairs.update(itertools.pairwise(steps))
    body = clients.as_user("viewer").get(f"/api/logs/{LOG}/process-map").json()
    got = {(e["source"], e["target"]): e["frequency"] for e in body["edges"]}
    assert got == dict(pairs)
    assert body["tickets"] == events["case_id"].nunique()
    assert body["edges_shown"] == body["edges_all"] == len(pairs)
    starts = Counter(c["activity"].astype(str).iloc[0] for _, c in events.groupby("case_id"))
    assert {e["activity"]: e["cases"] for e in body["start"]} == dict(starts)


def test_filters_count_the_tickets_they_keep(clients: Clients, web_store: Path) -> None:
    events = _events(web_store)
    priority = str(events["priority"].value_counts().index[1])
    group = str(events["assignment_group"].value_counts().index[3])
    viewer = clients.as_user("viewer")
    query = f"priority={quote(priority)}&group={quote(group)}&through=Reopened"
    html = viewer.get(f"/process-map?{query}").text
    reopened = _cases_with(events, "activity", "Reopened")
    kept = _cases_with(events, "priority", priority) & _cases_with(
        events, "assignment_group", group
    )
    assert _n(html) == len(kept & reopened)
    assert f"with priority &#39;{priority}&#39; on at least one event" in html
    assert "passing through step &#39;Reopened&#39;" in html
    body = viewer.get(f"/api/logs/{LOG}/process-map?{query}").json()
    assert body["tickets"] == len(kept & reopened)
    assert body["filters"] == [
        f"priority={priority}",
        f"assignment_group={group}",
        "through=Reopened",
    ]
    # the time frame: tickets whose life overlaps it
    first = events.groupby("case_id")["timestamp"].agg(["min", "max"])
    since, until = pd.Timestamp("2025-01-15"), pd.Timestamp("2025-02-01")
    overlapping = int(((first["max"] >= since) & (first["min"] < until)).sum())
    framed = viewer.get("/process-map?from=2025-01-15&to=2025-02-01&view=pingpong").text
    assert _n(framed) == overlapping


def test_top_variants_keeps_the_most_frequent_paths(clients: Clients, web_store: Path) -> None:
    variants = api.mine("variants", store=web_store)
    top3 = int(variants["cases"].head(3).sum())
    html = clients.as_user("viewer").get("/process-map?variants=3").text
    assert _n(html) == top3
    assert "of the 3 most frequent variants of those" in html


@pytest.mark.parametrize("view", ["pingpong", "escalation", "bottlenecks", "conformance"])
def test_each_view_is_a_table_of_the_apis_numbers(
    clients: Clients, web_store: Path, view: str
) -> None:
    viewer = clients.as_user("viewer")
    html = viewer.get(f"/process-map?view={view}&priority=3+-+Moderate").text
    assert f'data-view="{view}"' in html
    parts = api.mine_parts(view, store=web_store, filters=["priority=3 - Moderate"])
    main = next(iter(parts))
    assert f"<h2>{main.capitalize()}</h2>" in html
    assert _n(html) > 0
    body = viewer.get(f"/api/logs/{LOG}/mine/{view}?priority=3+-+Moderate&limit=1000").json()
    assert body["parts"] == list(parts)
    assert body["total"] == len(parts[main])
    assert body["tickets"] == _n(html)
    summary = "summary" if "summary" in parts else None
    if summary:
        got = viewer.get(f"/api/logs/{LOG}/mine/{view}?part=summary&priority=3+-+Moderate").json()[
            "rows"
        ][0]
        want = parts["summary"].iloc[0]
        for column, value in got.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert value == pytest.approx(float(want[column])), column
        # the page's summary table shows the tickets the view counted
        tickets = int(want["tickets"])
        assert f"<td>{tickets:,}</td>" in html


def test_the_map_downloads_as_an_svg_file(clients: Clients, web_store: Path) -> None:
    viewer = clients.as_user("viewer")
    answer = viewer.get("/process-map.svg?label=mean&through=Reopened")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.text == api.process_map(
        store=web_store, label="mean", filters=["through=Reopened"]
    )
    same = viewer.get(f"/api/logs/{LOG}/process-map?format=svg&label=mean&through=Reopened")
    assert same.headers["content-type"].startswith("image/svg+xml")
    assert same.text == answer.text


def test_bad_filters_are_one_line_errors_not_server_errors(clients: Clients) -> None:
    viewer = clients.as_user("viewer")
    for query, status in [
        ("from=yesterday", 400),
        ("view=nope", 400),
        ("label=nope", 400),
        ("max_activities=0", 400),
        ("min_edge_share=101", 400),
        ("variants=-2", 400),
        ("group=a,b", 400),
        ("through=x%00y", 400),  # a NUL would end the engine's SQL text (found by fuzzing)
        ("log=nope", 404),
    ]:
        answer = viewer.get(f"/process-map?{query}")
        assert answer.status_code == status, query
        assert "Traceback" not in answer.text
    assert viewer.get(f"/api/logs/{LOG}/mine/pingpong?part=nope").status_code == 400
    assert viewer.get(f"/api/logs/{LOG}/mine/pingpong?service=%00").status_code == 400
    assert viewer.get(f"/api/logs/{LOG}/mine/nope").status_code == 422
    assert viewer.get("/api/logs/nope/process-map").status_code == 404
    empty = viewer.get("/process-map?starts=Closed")
    assert empty.status_code == 200
    assert _n(empty.text) == 0
    assert "No ticket is left in the filter" in empty.text


def test_anonymous_is_sent_to_log_in_and_nothing_changes_here(clients: Clients) -> None:
    anonymous = clients.anonymous()
    answer = anonymous.get("/process-map", follow_redirects=False)
    assert answer.status_code == 303
    assert "/login" in answer.headers["location"]
    assert anonymous.get(f"/api/logs/{LOG}/process-map").status_code == 401
    viewer = clients.as_user("viewer")
    # the explorer only reads: there is no change a viewer could be refused
    for path in ("/process-map", "/process-map.svg", f"/api/logs/{LOG}/process-map"):
        assert viewer.post(path).status_code in (403, 405)
    routes = [
        r
        for module in (process_map_page, mining_api)
        for r in module.router.routes
        if "process-map" in getattr(r, "path", "") or "/mine/" in getattr(r, "path", "")
    ]
    assert len(routes) == 4
    assert routes
    assert all(set(getattr(r, "methods", set())) <= {"GET", "HEAD"} for r in routes)


def test_a_department_sees_only_its_tickets_on_the_map(clients: Clients, web_store: Path) -> None:
    events = _events(web_store)
    visible = _cases_with(events, "service", SCOPED_SERVICE)
    scoped = clients.as_user(SCOPED, "pw-scoped-123")
    html = scoped.get("/process-map").text
    assert _n(html) == len(visible) < events["case_id"].nunique()
    body = scoped.get(f"/api/logs/{LOG}/process-map").json()
    assert body["tickets"] == len(visible)
    seen = set(events.loc[events["case_id"].isin(visible), "case_id"])
    pairs = scoped.get(f"/api/logs/{LOG}/mine/pingpong?part=tickets&limit=10000").json()
    assert {r["case_id"] for r in pairs["rows"]} <= seen
    assert len(pairs["rows"]) == len(visible)
    # a filter naming another department's group keeps only the visible tickets that touched it
    other = str(events.loc[~events["case_id"].isin(visible), "assignment_group"].mode()[0])
    kept = scoped.get(f"/api/logs/{LOG}/process-map?group={quote(other)}").json()["tickets"]
    assert kept == len(_cases_with(events, "assignment_group", other) & visible)
    # the services offered are those of the visible tickets
    offered = re.search(r'<select name="service">(.*?)</select>', html, re.S)
    assert offered
    names = set(re.findall(r'<option value="([^"]*)"', offered.group(1))) - {""}
    assert names == set(events.loc[events["case_id"].isin(visible), "service"].dropna())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A 40-ticket store whose steps, groups and services hold markup, quotes and links."""
    folder = tmp_path_factory.mktemp("hostile-map")
    simulate(SimulationConfig(tickets=40, days=10, seed=5), out=folder / "sim.csv", fmt="csv")
    frame = pd.read_csv(folder / "sim.csv", dtype=str)
    frame.loc[frame["activity"] == "Queued", "activity"] = SCRIPT
    frame.loc[frame["assignment_group"] == "Service Desk South", "assignment_group"] = QUOTES
    frame.loc[frame["service"] == "Payroll", "service"] = LINK
    frame.to_csv(folder / "hostile.csv", index=False)
    store = folder / "store"
    api.ingest(folder / "hostile.csv", store=store)
    app = create_app(store)
    with app.state.web.records.session() as db:
        accounts.add_user(db, "boss", "boss-password", Role.ADMIN, who="test")
    yield log_in(TestClient(app), "boss", "boss-password")
    if hasattr(app.state.web.desk, "close"):
        app.state.web.desk.close()
    app.state.web.records.close()


def _inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert 'onmouseover="x' not in html
    assert 'href="javascript:' not in html.lower()
    assert 'value="javascript:' not in html.lower() or "&#" in html


def test_step_group_and_service_names_are_escaped(hostile: TestClient) -> None:
    pages: list[str] = []
    for path in (
        "/process-map",
        f"/process-map?through={quote(SCRIPT)}&group={quote(QUOTES)}",
        f"/process-map?service={quote(LINK)}&view=pingpong",
        "/process-map?view=bottlenecks",
        "/process-map?view=conformance",
        "/process-map?view=escalation",
    ):
        answer = hostile.get(path)
        assert answer.status_code == 200, path
        _inert(answer.text)
        pages.append(answer.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]  # in the SVG and the options
    assert "&#34; onmouseover=&#34;x" in pages[0] or "&quot; onmouseover=&quot;x" in pages[0]
    assert "passing through step" in pages[1]
    svg = hostile.get("/process-map.svg").text
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    body: dict[str, Any] = hostile.get("/api/logs/hostile/process-map").json()
    assert SCRIPT in {n["activity"] for n in body["nodes"]}
