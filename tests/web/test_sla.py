"""The SLA page (/sla) and its REST counterparts (/api/logs/{log}/sla/summary, /sla/clocks,
/sla/groups): every route, the numbers against pdca.api and a recount from the clocks, the
order of the lists, pagination, the objectives in force (defaults and a file), escaping and
visibility scopes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import pdca
from pdca import api
from pdca.api.measure import sla_summary
from pdca.records import Role, accounts
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import create_app
from pdca.web.api import sla as sla_api
from pdca.web.pages import sla as sla_page
from tests.web.conftest import SCOPED, SCOPED_SERVICE, Clients, log_in

LOG = "simulated_incidents"
SCRIPT = "<script>alert(1)</script>"
QUOTES = '" onmouseover="x'
LINK = "javascript:alert(1)"
CELLS = ("clocks", "met", "breached", "running", "about")


def _summary_table(html: str, by: str) -> dict[tuple[str, str], dict[str, int]]:
    """The counts of one summary table of the page, by (group, clock)."""
    table = re.search(rf'<table class="sla-counts" data-by="{by}">(.*?)</table>', html, re.S)
    assert table, f"no {by} table"
    out = {}
    for group, clock, body in re.findall(
        r'<tr data-group="([^"]*)" data-clock="([^"]*)">(.*?)</tr>', table.group(1), re.S
    ):
        cells = dict(re.findall(r'<td class="num (\w+)">([\d,]*)</td>', body))
        out[unescape(group), clock] = {k: int(cells[k].replace(",", "")) for k in CELLS}
    return out


def _total(html: str, state: str) -> int:
    found = re.search(
        rf'data-state="{state}">\s*<h2>[^<]*\(<span class="sla-total">([\d,]+)</span>', html
    )
    assert found, state
    return int(found.group(1).replace(",", ""))


def _recount(clocks: pd.DataFrame) -> dict[str, pd.Series]:
    """The states of each clock, recomputed from the columns (docs/sla.md)."""
    measured = clocks["breached"].notna()
    breached = measured & clocks["breached"].astype("boolean").fillna(value=False)
    running = measured & clocks["running"].astype(bool) & ~breached
    left = clocks["time_to_breach_s"].astype(float)
    about = running & (left < 0.2 * clocks["target_s"].astype(float))
    return {"breached": breached, "running": running, "about_to_breach": about}


@pytest.fixture(scope="module")
def clocks(web_store: Path) -> pd.DataFrame:
    return api.sla(store=web_store)


def test_the_summary_equals_the_apis_and_a_recount(clients: Clients, clocks: pd.DataFrame) -> None:
    html = clients.as_user("viewer").get("/sla").text
    want = sla_summary(clocks)
    for by in ("all", "priority", "service"):
        shown = _summary_table(html, by)
        rows = want[want["by"] == by]
        assert len(shown) == len(rows)
        for row in rows.itertuples():
            got = shown[str(row.group), str(row.clock)]
            assert got == {
                "clocks": row.clocks,
                "met": row.met,
                "breached": row.breached,
                "running": row.running,
                "about": row.about_to_breach,
            }
    states = _recount(clocks)
    resolution = clocks["clock"] == "resolution"
    overall = _summary_table(html, "all")["all", "resolution"]
    assert overall["breached"] == int((states["breached"] & resolution).sum())
    assert overall["running"] == int((states["running"] & resolution).sum())
    body = clients.as_user("viewer").get(f"/api/logs/{LOG}/sla/summary").json()
    assert body["about_to_breach_share"] == 0.2
    assert len(body["rows"]) == len(want)


def test_the_lists_hold_the_clocks_of_each_state_most_urgent_first(
    clients: Clients, clocks: pd.DataFrame
) -> None:
    viewer = clients.as_user("viewer")
    html = viewer.get("/sla").text
    states = _recount(clocks)
    for rest, state in (
        ("running", "running"),
        ("urgent", "about_to_breach"),
        ("breached", "breached"),
    ):
        expected = clocks[states[state].to_numpy()]
        body = viewer.get(f"/api/logs/{LOG}/sla/clocks?state={rest}&limit=10000").json()
        assert body["total"] == len(expected) == _total(html, state)
        got = {(r["case_id"], r["clock"]) for r in body["rows"]}
        assert got == set(zip(expected["case_id"], expected["clock"], strict=True))
        if state != "breached":
            left = [r["time_to_breach_s"] for r in body["rows"]]
            assert left == sorted(left)
        else:
            over = [r["elapsed_s"] - r["target_s"] for r in body["rows"]]
            assert over == sorted(over, reverse=True)
    assert _total(html, "breached") > sla_page.PAGE_SIZE  # the pager is exercised below


def test_the_breached_list_is_paginated(clients: Clients) -> None:
    viewer = clients.as_user("viewer")
    size = sla_page.PAGE_SIZE
    second = viewer.get("/sla?bp=2").text
    section = re.search(r'data-state="breached">(.*?)</section>', second, re.S)
    assert section
    shown = re.findall(r'<td class="case">([^<]+)</td>', section.group(1))
    body = viewer.get(f"/api/logs/{LOG}/sla/clocks?state=breached&limit={size}&offset={size}")
    assert shown == [r["case_id"] for r in body.json()["rows"]]
    assert f"Rows {size + 1}\N{EN DASH}" in section.group(1)
    assert 'rel="prev"' in section.group(1)
    assert viewer.get("/sla?bp=0").status_code == 422
    far = viewer.get("/sla?bp=999")
    assert far.status_code == 200


def test_compliance_by_group_is_the_sla_kpis_by_resolving_group(
    clients: Clients, web_store: Path
) -> None:
    viewer = clients.as_user("viewer")
    kpi = api.kpi(["sla_resolution", "sla_response"], store=web_store, by=["assignment_group"])
    body = viewer.get(f"/api/logs/{LOG}/sla/groups").json()
    rows = {r["group"]: r for r in body["rows"]}
    for row in kpi.itertuples():
        got = rows[str(row.assignment_group) or "(none)"]
        assert got[f"{row.kpi}_n"] == row.n
        assert got[f"{row.kpi}_pct"] == pytest.approx(row.value)
    assert "group at the event that stopped it" in body["attribution"]
    html = viewer.get("/sla").text
    first = sorted(rows)[0]
    cell = re.search(
        rf'<tr data-group="{re.escape(first)}"><td>[^<]*</td><td class="num">([^<]*)</td>', html
    )
    assert cell
    value = rows[first]["sla_resolution_pct"]
    assert cell.group(1) == ("" if value is None else f"{value / 100:.1%}")


def test_the_objectives_in_force_are_stated(clients: Clients, clocks: pd.DataFrame) -> None:
    html = clients.as_user("viewer").get("/sla").text
    declared: dict[str, Any] = clocks.attrs["objectives"]
    assert declared["found_by"] == "built-in"
    assert "All targets are pdca's built-in defaults." in html
    assert "SLA targets: built-in defaults" in html
    body = clients.as_user("viewer").get(f"/api/logs/{LOG}/sla/summary").json()
    assert body["objectives"]["found_by"] == "built-in"
    assert "sla" in body["objectives"]["defaults"]
    assert len(body["objectives"]["sla"]) == len(declared["sla"])


def test_errors_and_roles(clients: Clients) -> None:
    anonymous = clients.anonymous()
    assert anonymous.get("/sla", follow_redirects=False).status_code == 303
    assert anonymous.get(f"/api/logs/{LOG}/sla/summary").status_code == 401
    viewer = clients.as_user("viewer")
    assert viewer.get("/sla?log=nope").status_code == 404
    assert viewer.get("/api/logs/nope/sla/clocks").status_code == 404
    assert viewer.get(f"/api/logs/{LOG}/sla/clocks?state=nope").status_code == 422
    assert viewer.get(f"/api/logs/{LOG}/sla/clocks?limit=-1").status_code == 422
    # the SLA page only reads: no route of it changes anything
    routes = [*sla_page.router.routes, *sla_api.router.routes]
    assert len(routes) == 4
    assert all(set(getattr(r, "methods", set())) <= {"GET", "HEAD"} for r in routes)
    assert viewer.post("/sla").status_code in (403, 405)


def test_a_department_sees_only_its_clocks(
    clients: Clients, web_store: Path, clocks: pd.DataFrame
) -> None:
    with pdca.open(web_store) as desk:
        events = desk.events(LOG)
    visible = set(events.loc[events["service"] == SCOPED_SERVICE, "case_id"].astype(str))
    theirs = clocks[clocks["case_id"].isin(visible)]
    scoped = clients.as_user(SCOPED, "pw-scoped-123")
    html = scoped.get("/sla").text
    overall = _summary_table(html, "all")
    assert sum(v["clocks"] for v in overall.values()) == int(theirs["breached"].notna().sum())
    states = _recount(theirs)
    body = scoped.get(f"/api/logs/{LOG}/sla/clocks?state=breached&limit=10000").json()
    assert body["total"] == int(states["breached"].sum()) == _total(html, "breached")
    assert {r["case_id"] for r in body["rows"]} <= visible
    for case in set(clocks["case_id"]) - visible:
        assert f'<td class="case">{case}</td>' not in html
    groups = scoped.get(f"/api/logs/{LOG}/sla/groups").json()["rows"]
    assert sum(r["sla_resolution_n"] or 0 for r in groups) <= len(visible)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """40 tickets whose services and groups hold markup, quotes and links, and an objectives
    file that sets only the SLA targets."""
    folder = tmp_path_factory.mktemp("hostile-sla")
    simulate(SimulationConfig(tickets=40, days=10, seed=5), out=folder / "sim.csv", fmt="csv")
    frame = pd.read_csv(folder / "sim.csv", dtype=str)
    services = frame["service"].value_counts().index
    frame.loc[frame["service"] == services[0], "service"] = SCRIPT
    frame.loc[frame["service"] == services[1], "service"] = LINK
    frame.loc[frame["assignment_group"] == "Service Desk South", "assignment_group"] = QUOTES
    frame.to_csv(folder / "hostile.csv", index=False)
    store = folder / "store"
    api.ingest(folder / "hostile.csv", store=store)
    (store / "objectives.toml").write_text(
        '[[sla]]\nresponse = "1h"\nresolution = "2h"\n', encoding="utf-8"
    )
    app = create_app(store)
    with app.state.web.records.session() as db:
        accounts.add_user(db, "boss", "boss-password", Role.ADMIN, who="test")
    yield log_in(TestClient(app), "boss", "boss-password")
    if hasattr(app.state.web.desk, "close"):
        app.state.web.desk.close()
    app.state.web.records.close()


def test_names_are_escaped_and_a_files_objectives_are_stated(hostile: TestClient) -> None:
    html = hostile.get("/sla").text
    assert "<script" not in html.lower()
    assert 'onmouseover="x' not in html
    assert 'href="javascript:' not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "From " in html
    assert "objectives.toml" in html
    assert "Built-in defaults for: " in html
    assert "SLA targets: from the file" in html
    body = hostile.get("/api/logs/hostile/sla/summary").json()
    assert body["objectives"]["found_by"] == "store"
    assert "sla" not in body["objectives"]["defaults"]
    assert SCRIPT in {r["group"] for r in body["rows"]}
    for state in ("running", "urgent", "breached"):
        assert hostile.get(f"/api/logs/hostile/sla/clocks?state={state}").status_code == 200
    assert QUOTES in {
        r["group"] for r in hostile.get("/api/logs/hostile/sla/groups").json()["rows"]
    }
