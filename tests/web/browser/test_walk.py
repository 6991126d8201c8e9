"""The web app in a real browser (Debian's chromium through Playwright), as people use it:
log in, scorecard, a KPI and the tickets behind one of its points, the process map with a
filter, every page of the navigation (each screenshotted), an initiative created and verified
in the improvement register with its audit entries; a viewer
refused every change; a department that never sees another department's tickets. Every test
also checks (in the ``visit_as`` fixture) that no page loaded anything from another origin.

Oracles: the REST API read with the same browser session (a page shows the API's numbers), the
rows a drill-down lists (they reproduce the point's value and n), and the simulation written
as CSV (which tickets the department's group worked on).
"""

from __future__ import annotations

import re
import statistics
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd
import pytest

from tests.web.browser.conftest import DEPARTMENT, Desk, Shots, Visit

if TYPE_CHECKING:
    from collections.abc import Callable

    VisitAs = Callable[[str], Visit]

pytestmark = pytest.mark.browser

CASE = re.compile(r"\bINC\d{7}\b")
KPI = "mttr"


def _number(text: str) -> float:
    return float(text.replace(",", "").strip())


def _pages(visit: Visit) -> list[tuple[str, str]]:
    """The navigation's links as (title, path)."""
    links = visit.page.locator("header nav a")
    return [
        (links.nth(i).inner_text().strip(), str(links.nth(i).get_attribute("href")))
        for i in range(links.count())
    ]


def test_log_in_scorecard_kpi_drill_down_and_process_map(
    visit_as: VisitAs, desk: Desk, shots: Shots
) -> None:
    admin = visit_as("admin")
    page = admin.page
    # Scorecard: the page's values are the API's.
    assert page.locator("h1").inner_text() == "Scorecard"
    shots.take(page, "scorecard")
    card = admin.api(f"/api/logs/{quote(desk.log, safe='')}/scorecard")
    shown = {
        str(row.get_attribute("data-kpi")): row.locator("td.value").inner_text()
        for row in page.locator("table.scorecard tbody tr").all()
    }
    assert shown
    for row in card["rows"]:
        if row["value"] is not None:
            assert _number(shown[row["kpi"]]) == pytest.approx(row["value"], abs=0.006), row
    assert page.locator(".objectives").inner_text().strip()

    # KPI catalogue → one KPI → the tickets behind one weekly point.
    with page.expect_navigation():
        page.click("header nav a[href='/kpis']")
    assert page.locator("h1").count() == 1
    shots.take(page, "kpis")
    with page.expect_navigation():
        page.click(f"a[href^='/kpis/{KPI}?']")
    assert f"/kpis/{KPI}" in page.url
    assert page.locator("figure.kpi-chart svg").count() == 1, "the control chart is missing"
    shots.take(page, "kpi", focus="figure.kpi-chart")
    series = admin.api(f"/api/logs/{quote(desk.log, safe='')}/kpis/{KPI}?period=week")
    points = {row["period"]: row for row in series["rows"]}
    rows = page.locator("table.kpi-trend tbody tr[data-period]")
    busiest = max(
        rows.all(), key=lambda r: _number(r.locator("td.n").inner_text() or "0"), default=None
    )
    assert busiest is not None, "the trend table has no point"
    period = str(busiest.get_attribute("data-period"))
    n = int(_number(busiest.locator("td.n").inner_text()))
    value = _number(busiest.locator("td.value").inner_text())
    assert points[period]["n"] == n
    assert points[period]["value"] == pytest.approx(value, abs=0.006)
    with page.expect_navigation():
        busiest.locator("a.drill").click()
    assert "/tickets" in page.url
    shots.take(page, "kpi-tickets")
    tickets = page.locator("table.kpi-tickets tr.ticket")
    assert tickets.count() == n
    assert int(_number(page.locator("dd.point-n").inner_text())) == n
    # The listed rows make the point's value (as the page says how).
    durations = [_number(t) for t in tickets.locator("td.duration").all_inner_texts() if t]
    how = page.locator("dl.kpi-point").inner_text()
    made = statistics.median(durations) if "median" in how else statistics.fmean(durations)
    assert made == pytest.approx(value, abs=0.02), how
    drill = admin.api(
        f"/api/logs/{quote(desk.log, safe='')}/kpis/{KPI}/tickets?period=week&start={period}"
    )
    assert drill["total"] == n
    assert {t["case_id"] for t in drill["tickets"]} == set(
        tickets.evaluate_all("rows => rows.map(r => r.dataset.case)")
    )

    # Process map: filter by one service; n is that service's tickets in the simulation.
    with page.expect_navigation():
        page.click("header nav a[href='/process-map']")
    whole = int(_number(page.locator(".pm-tickets").inner_text()))
    assert whole == len(desk.visible | desk.hidden)
    assert page.locator(".pm-svg svg").count() == 1
    events = pd.read_csv(desk.store.parent / "events.csv", usecols=["case_id", "service"])
    service = str(events["service"].value_counts().index[0])
    page.select_option("select[name=service]", service)
    with page.expect_navigation():
        page.click(".pm-actions button[type=submit]")
    assert "service=" in page.url
    filtered = int(_number(page.locator(".pm-tickets").inner_text()))
    assert filtered == events.loc[events["service"] == service, "case_id"].nunique()
    assert 0 < filtered < whole
    assert page.locator(".pm-svg svg").count() == 1
    shots.take(page, "process-map", focus=".pm-scope")


def test_every_page_of_the_navigation_opens_and_is_screenshotted(
    visit_as: VisitAs, shots: Shots
) -> None:
    admin = visit_as("admin")
    pages = _pages(admin)
    assert ("Scorecard", "/") in pages
    for title, path in pages:
        status = admin.go(path)
        assert status == 200, (title, path, status)
        assert admin.page.locator("main").inner_text().strip(), path
        name = path.strip("/").split("/")[0] or "scorecard"
        if not any(p.name == f"web-{name}.png" for p in shots.taken):
            shots.take(admin.page, name)
    admin.go("/admin/audit")
    shots.take(admin.page, "audit")


def _state_changes() -> list[tuple[str, str]]:
    """Every POST/PUT/PATCH/DELETE route of the app except logging in and out."""
    from pdca.web import api, pages  # noqa: PLC0415

    routes = [route for router in (*pages.routers(), *api.routers()) for route in router.routes]
    return [
        (method, str(getattr(route, "path", "")))
        for route in routes
        for method in sorted(getattr(route, "methods", None) or ())
        if method in {"POST", "PUT", "PATCH", "DELETE"}
        and getattr(route, "path", "") not in {"/login", "/logout"}
    ]


def _fill(path: str) -> str:
    """A concrete URL for a route: ``{name}`` an existing user, any other parameter ``1``."""
    return re.sub(r"\{[^}]+\}", "1", path.replace("{name}", "analyst"))


_SUBMIT = """([action, token]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrf_token";
    field.value = token;
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
}"""


def test_a_viewer_is_refused_every_change(visit_as: VisitAs) -> None:
    """Each form route is posted by a form in the viewer's page (with the session's CSRF
    token); each REST change is sent with the browser's cookie and the token header."""
    viewer = visit_as("viewer")
    page = viewer.page
    token = str(page.locator("input[name=csrf_token]").first.get_attribute("value"))
    changes = _state_changes()
    assert ("POST", "/admin/users") in changes
    assert any(path.startswith("/api/") for _, path in changes)
    viewer.go("/")
    for method, path in changes:
        url = _fill(path)
        if method == "POST" and not path.startswith("/api/"):
            # Sent from the page the browser shows (the previous answer's 403 page).
            with page.expect_navigation() as answer:
                page.evaluate(_SUBMIT, [url, token])
            response = answer.value
            assert response is not None
            assert response.status == 403, (method, path, response.status)
            assert page.locator("main").inner_text().strip(), "a 403 is a page"
        else:
            sent = viewer.context.request.fetch(
                viewer.base + url, method=method, headers={"X-CSRF-Token": token}, data={}
            )
            assert sent.status == 403, (method, path, sent.status)
    # A form a viewer's page does show (the objectives editor, say) is refused when sent.
    for _title, path in _pages(viewer):
        viewer.go(path)
        for index in range(page.locator("main form[method=post]").count()):
            viewer.go(path)
            form = page.locator("main form[method=post]").nth(index)
            with page.expect_navigation() as answer:
                form.evaluate("f => f.submit()")
            response = answer.value
            assert response is not None
            assert response.status == 403, (path, index, response.status)


def _cases(text: str) -> set[str]:
    return set(CASE.findall(text))


def test_a_department_never_sees_another_departments_tickets(
    visit_as: VisitAs, desk: Desk, shots: Shots
) -> None:
    dept = visit_as(DEPARTMENT)
    page = dept.page
    log = quote(desk.log, safe="")
    assert "L2 Network" in page.locator("header form.who").inner_text()
    seen: set[str] = set()
    # The drill-down of the whole log, and of the group that resolved most tickets.
    for query in ("", "&by=assignment_group&value=Service%20Desk%20North"):
        dept.go(f"/kpis/{KPI}/tickets?log={log}{query}")
        text = page.locator("main").inner_text()
        seen |= _cases(text)
        assert not _cases(text) & desk.hidden
        found: Any = dept.api(f"/api/logs/{log}/kpis/{KPI}/tickets?limit=10000{query}")
        ids = {t["case_id"] for t in found["tickets"]}
        assert ids <= desk.visible, sorted(ids - desk.visible)[:5]
        seen |= ids
    assert seen, "the department sees none of its own tickets"
    shots.take(page, "department-tickets")
    for state in ("running", "urgent", "breached"):
        clocks = dept.api(f"/api/logs/{log}/sla/clocks?state={state}&limit=10000")
        assert {c["case_id"] for c in clocks["rows"]} <= desk.visible, state
    for path in ("/", "/sla", "/process-map", f"/kpis/{KPI}?log={log}", "/monitor"):
        dept.go(path)
        assert not _cases(page.locator("main").inner_text()) & desk.hidden, path
    # The whole log's process map counts the department's tickets only.
    dept.go("/process-map")
    assert int(_number(page.locator(".pm-tickets").inner_text())) == len(desk.visible)


def test_an_initiative_is_created_verified_and_audited(visit_as: VisitAs, shots: Shots) -> None:
    from pdca.web.pages import PAGES  # noqa: PLC0415

    if "improvement" not in PAGES:
        pytest.skip(
            "the improvement register page (src/pdca/web/pages/improvement.py) has not landed"
        )
    owner = visit_as("owner")
    page = owner.page
    title = "Browser walk: faster network fixes"
    with page.expect_navigation():
        page.click("header nav a[href='/improvement']")
    with page.expect_navigation():
        page.click("main a[href='/improvement/new']")
    page.fill("input[name=title]", title)
    page.fill("input[name=kpi]", KPI)
    page.fill("input[name=go_live]", "2025-03-15")
    shots.take(page, "improvement-new")
    with page.expect_navigation():
        page.click("form.imp-form button[type=submit]")
    found = re.search(r"/improvement/(\d+)$", page.url)
    assert found, (page.url, page.locator("main").inner_text()[:500])
    initiative = found.group(1)
    assert title in page.locator("main").inner_text()
    assert page.locator("td.saved-verdict").inner_text().startswith("not verified yet")
    with page.expect_navigation():
        page.click(f"form[action='/improvement/{initiative}/verify'] button")
    assert page.url.endswith(f"/improvement/{initiative}")
    verdict = page.locator("td.saved-verdict").inner_text()
    assert not verdict.startswith("not verified yet"), verdict
    trail = page.locator("table.imp-audit tbody tr")
    actions = {
        (r.locator("td.who").inner_text(), r.locator("td.action").inner_text()) for r in trail.all()
    }
    assert {("owner", "initiative.new"), ("owner", "initiative.verify")} <= actions, actions
    shots.take(page, "initiative")
    # The admin's audit log has the same entries, with who and the initiative.
    admin = visit_as("admin")
    admin.go("/admin/audit")
    rows = admin.page.locator("main table tbody tr").all_inner_texts()
    mine = [r for r in rows if f"initiative:{initiative}" in r]
    assert any("initiative.new" in r and "owner" in r for r in mine), mine
    assert any("initiative.verify" in r and "owner" in r for r in mine), mine
    # A viewer sees the initiative and is refused its verification (the form is sent anyway).
    viewer = visit_as("viewer")
    assert viewer.go(f"/improvement/{initiative}") == 200
    assert title in viewer.page.locator("main").inner_text()
    token = str(viewer.page.locator("input[name=csrf_token]").first.get_attribute("value"))
    with viewer.page.expect_navigation() as answer:
        viewer.page.evaluate(_SUBMIT, [f"/improvement/{initiative}/verify", token])
    assert answer.value is not None
    assert answer.value.status == 403
