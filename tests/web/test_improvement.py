"""The improvement register's pages and REST API: create → verify → the audit entry shows who
and when; the numbers shown equal pdca.api's; a viewer is refused every change; a scoped
account sees only initiatives inside its scope; titles holding markup are escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI

from pdca import api
from pdca.web.templating import number
from tests.web.conftest import SCOPED_SERVICE, Clients, page_csrf

GO_LIVE = "2025-02-01"
HOSTILE = ("<script>alert(1)</script>", '" onmouseover="alert(1)', "javascript:alert(1)")


def _kw(app: FastAPI) -> dict[str, object]:
    web = app.state.web
    return {"store": web.store, "records": web.records}


def _log(app: FastAPI) -> str:
    return str(api.status(store=app.state.web.store)["log"].iloc[0])


def _create(clients: Clients, title: str, **extra: str) -> int:
    analyst = clients.as_user("analyst")
    form = {"title": title, "kpi": "mttr", "go_live": GO_LIVE, "target": "60",
            "csrf_token": page_csrf(analyst), **extra}  # fmt: skip
    answer = analyst.post("/improvement/new", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/improvement/(\d+)", answer.headers["location"])
    assert found
    return int(found.group(1))


def test_create_verify_and_the_audit_entry_says_who_and_when(
    clients: Clients, web_app: FastAPI
) -> None:
    # the audit time lies between these two instants (shown to the second: `before` is cut)
    before = datetime.now(UTC).replace(microsecond=0)
    ident = _create(clients, "Faster resolution")
    record = api.initiative(ident, **_kw(web_app))
    assert record["title"] == "Faster resolution"
    assert record["go_live"] == datetime(2025, 2, 1)
    analyst = clients.as_user("analyst")
    answer = analyst.post(
        f"/improvement/{ident}/verify",
        data={"csrf_token": page_csrf(analyst)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = datetime.now(UTC)
    kept = api.initiative(ident, **_kw(web_app))
    assert kept["verdict"]["verdict"]
    assert kept["status"] == "check"  # a verdict moves do to check
    # the page shows the verdict sentence, its numbers, the chart and the audit trail
    html = clients.as_user("viewer").get(f"/improvement/{ident}").text
    check = api.verify_initiative(ident, save=False, **_kw(web_app))
    assert check.sentence in html.replace("&#39;", "'")
    assert number(check.evidence.estimate) in html
    assert number(check.evidence.ci_low) in html
    assert number(check.evidence.ci_high) in html
    assert "<svg" in html
    assert "control-chart" in html
    assert number(record["baseline"]["value"]) in html
    entries = re.findall(
        r'<td class="at">([^<]+)</td><td class="who">([^<]+)</td><td class="action">([^<]+)<',
        html,
    )
    assert ("analyst", "initiative.new") in {(w, a) for _, w, a in entries}
    verified = [(at, w) for at, w, a in entries if a == "initiative.verify"]
    assert verified
    assert verified[0][1] == "analyst"
    at = datetime.fromisoformat(verified[0][0]).replace(tzinfo=UTC)
    assert before <= at <= after  # the order of events, not how long anything took
    # the register lists it with the API's status, KPI and verdict
    listing = clients.as_user("viewer").get("/improvement").text
    row = re.search(rf'<tr data-id="{ident}">(.*?)</tr>', listing, re.S)
    assert row
    assert "check" in row.group(1)
    assert "mttr" in row.group(1)
    assert kept["verdict"]["verdict"] in row.group(1)


def test_edit_move_and_adopt_through_the_pages(clients: Clients, web_app: FastAPI) -> None:
    ident = _create(clients, "Edit me")
    analyst = clients.as_user("analyst")
    token = page_csrf(analyst)
    answer = analyst.post(
        f"/improvement/{ident}/edit",
        data={"csrf_token": token, "owner": "dana", "target": "50", "action": "train L1",
              "note": "agreed in the review"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    answer = analyst.post(
        f"/improvement/{ident}/status",
        data={"csrf_token": token, "status": "act"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    record = api.initiative(ident, **_kw(web_app))
    assert (record["owner"], record["target"], record["status"]) == ("dana", 50.0, "act")
    assert record["actions"][0]["what"] == "train L1"
    log = api.initiative_log(ident, **_kw(web_app))
    assert "agreed in the review" in set(log["what"])
    # a bad status is a 400 with a sentence, not a server error
    bad = analyst.post(f"/improvement/{ident}/status", data={"csrf_token": token, "status": "x"})
    assert bad.status_code == 400
    # adopting without an improved verdict: refused in words (owner), forbidden (analyst)
    assert (
        analyst.post(f"/improvement/{ident}/adopt", data={"csrf_token": token}).status_code == 403
    )
    owner = clients.as_user("owner")
    refused = owner.post(f"/improvement/{ident}/adopt", data={"csrf_token": page_csrf(owner)})
    assert refused.status_code == 400


def test_a_viewer_is_refused_every_change(clients: Clients, web_app: FastAPI) -> None:
    ident = _create(clients, "Viewer cannot touch")
    viewer = clients.as_user("viewer")
    token = page_csrf(viewer)
    log = _log(web_app)
    for path in ("/improvement/new", f"/improvement/{ident}/edit", f"/improvement/{ident}/status",
                 f"/improvement/{ident}/verify", f"/improvement/{ident}/adopt",
                 "/improvement/suggestions/accept"):  # fmt: skip
        answer = viewer.post(path, data={"csrf_token": token, "title": "x", "kpi": "mttr",
                                         "status": "act"})  # fmt: skip
        assert answer.status_code == 403, path
    base = f"/api/logs/{log}/initiatives"
    headers = {"X-CSRF-Token": token}
    assert viewer.post(base, json={"title": "x", "kpi": "mttr"}, headers=headers).status_code == 403
    assert viewer.patch(f"{base}/{ident}", json={"owner": "x"}, headers=headers).status_code == 403
    for tail in ("verify", "adopt"):
        assert viewer.post(f"{base}/{ident}/{tail}", headers=headers).status_code == 403
    accept = viewer.post(f"/api/logs/{log}/suggestions/accept", json={"key": "x"},
                         headers=headers)  # fmt: skip
    assert accept.status_code == 403
    assert viewer.get("/improvement/new").status_code == 403
    assert api.initiative(ident, **_kw(web_app))["owner"] is None


def test_rest_api_round_trip_with_roles(clients: Clients, web_app: FastAPI) -> None:
    log = _log(web_app)
    analyst = clients.as_user("analyst")
    headers = {"X-CSRF-Token": page_csrf(analyst)}
    base = f"/api/logs/{log}/initiatives"
    made = analyst.post(
        base, json={"title": "API made", "kpi": "mttr", "go_live": GO_LIVE, "target": 70},
        headers=headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    ident = made.json()["initiative_id"]
    assert made.json() == _json_of(api.initiative(ident, **_kw(web_app)))
    changed = analyst.patch(f"{base}/{ident}", json={"owner": "erin", "note": "n"},
                            headers=headers)  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["owner"] == "erin"
    verified = analyst.post(f"{base}/{ident}/verify", headers=headers)
    assert verified.status_code == 200
    check = api.verify_initiative(ident, save=False, **_kw(web_app))
    assert verified.json()["verdict"] == check.verdict
    assert verified.json()["evidence"]["estimate"] == pytest.approx(check.evidence.estimate)
    rows = clients.as_user("viewer").get(base).json()
    listed = {r["id"]: r for r in rows}
    assert listed[ident]["verdict"] == check.verdict
    detail = clients.as_user("viewer").get(f"{base}/{ident}").json()
    actions = [(a["who"], a["action"]) for a in detail["audit"]]
    assert actions[:3] == [("analyst", "initiative.new"), ("analyst", "initiative.update"),
                           ("analyst", "initiative.verify")]  # fmt: skip
    assert [c["entry"] for c in detail["changes"]] == list(range(1, len(detail["changes"]) + 1))
    assert clients.as_user("viewer").get(f"{base}/999999").status_code == 404
    assert clients.as_user("viewer").get("/api/logs/nope/initiatives").status_code == 404


def _json_of(record: dict[str, object]) -> dict[str, object]:
    out = {}
    for key, value in record.items():
        out[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return out


def test_titles_holding_markup_are_escaped(clients: Clients, web_app: FastAPI) -> None:
    for text in HOSTILE:
        ident = _create(clients, text, problem=text, owner=text[:60], scope=f"service={text}")
        for path in ("/improvement", f"/improvement/{ident}"):
            html = clients.as_user("viewer").get(path).text
            assert "<script>alert" not in html, path
            assert '" onmouseover="' not in html, path
            assert 'href="javascript:' not in html, path


def test_a_scoped_account_sees_only_initiatives_inside_its_scope(
    clients: Clients, web_app: FastAPI
) -> None:
    inside = _create(clients, "Network only", scope=f"service={SCOPED_SERVICE}")
    outside = _create(clients, "Everything else")
    scoped = clients.as_user("scoped", "pw-scoped-123")
    listing = scoped.get("/improvement").text
    assert f'data-id="{inside}"' in listing
    assert f'data-id="{outside}"' not in listing
    assert scoped.get(f"/improvement/{outside}").status_code == 404
    assert scoped.get(f"/improvement/{inside}").status_code == 200
    log = _log(web_app)
    ids = {r["id"] for r in scoped.get(f"/api/logs/{log}/initiatives").json()}
    assert inside in ids
    assert outside not in ids
    assert scoped.get("/improvement/suggestions").status_code == 403


def test_suggestions_page_and_accept(clients: Clients, web_app: FastAPI) -> None:
    frame = api.suggest_initiatives(store=web_app.state.web.store)
    html = clients.as_user("viewer").get("/improvement/suggestions").text
    assert "Suggested initiatives" in html
    for key in frame["key"]:
        assert str(key) in html
    if frame.empty:
        pytest.skip("the fixture store gives no suggestion")
    analyst = clients.as_user("analyst")
    key = str(frame["key"].iloc[0])
    answer = analyst.post("/improvement/suggestions/accept",
                          data={"csrf_token": page_csrf(analyst), "key": key},
                          follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    ident = int(answer.headers["location"].rsplit("/", 1)[1])
    assert api.initiative(ident, **_kw(web_app))["title"] == frame["title"].iloc[0]


def test_new_form_errors_are_sentences(clients: Clients) -> None:
    analyst = clients.as_user("analyst")
    assert analyst.get("/improvement/new").status_code == 200
    token = page_csrf(analyst)
    for bad in ({"kpi": "no_such_kpi"}, {"go_live": "1700-01-01"}, {"target": "abc"},
                {"scope": "colour=red"}):  # fmt: skip
        form = {"title": "t", "kpi": "mttr", "csrf_token": token, **bad}
        answer = analyst.post("/improvement/new", data=form)
        assert answer.status_code == 400, (bad, answer.status_code)
