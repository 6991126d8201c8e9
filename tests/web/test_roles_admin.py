"""Roles (a viewer changes nothing, admin pages refuse the others), the admin pages and API,
and the audit log's who and when."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdca.records import Role
from pdca.web import api, pages
from pdca.web.auth import require
from tests.web.conftest import Clients, page_csrf

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/users/viewer", "/admin/audit")
ADMIN_API = ("/api/users", "/api/audit")


def all_routes() -> list[object]:
    """Every route of the page and API routers (as create_app includes them)."""
    return [route for router in (*pages.routers(), *api.routers()) for route in router.routes]


def _state_changes() -> list[tuple[str, str]]:
    """Every POST/PUT/PATCH/DELETE route of the app except logging in and out."""
    out = []
    for route in all_routes():
        for method in sorted(getattr(route, "methods", None) or ()):
            path = getattr(route, "path", "")
            if method in {"POST", "PUT", "PATCH", "DELETE"} and path not in {"/login", "/logout"}:
                out.append((method, path))
    return out


def _fill(path: str) -> str:
    """A concrete URL for a route: ``{name}`` an existing user, any other parameter ``1``."""
    return re.sub(r"\{[^}]+\}", "1", path.replace("{name}", "analyst"))


def test_a_viewer_is_refused_every_state_change(clients: Clients, web_app: FastAPI) -> None:
    viewer = clients.as_user("viewer")
    token = page_csrf(viewer)
    changes = _state_changes()
    assert ("POST", "/admin/users") in changes
    assert ("PATCH", "/api/users/{name}") in changes
    for method, path in changes:
        answer = viewer.request(
            method,
            _fill(path),
            data={"csrf_token": token} if not path.startswith("/api/") else None,
            headers={"X-CSRF-Token": token},
        )
        assert answer.status_code == 403, (method, path, answer.status_code)


@pytest.mark.parametrize("role", ["viewer", "analyst", "owner"])
def test_admin_pages_and_api_refuse_the_other_roles(clients: Clients, role: str) -> None:
    client = clients.as_user(role)
    for path in (*ADMIN_PAGES, *ADMIN_API):
        assert client.get(path, follow_redirects=False).status_code == 403, (role, path)
    assert "Not allowed" in client.get("/admin/users").text


def test_anonymous_admin_pages_redirect_and_api_says_401(clients: Clients) -> None:
    client = clients.anonymous()
    for path in ADMIN_PAGES:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
    for path in ADMIN_API:
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"


def test_role_order() -> None:
    assert [r.value for r in Role] == ["viewer", "analyst", "owner", "admin"]
    assert Role.ADMIN.allows(Role.OWNER)
    assert Role.OWNER.allows(Role.ANALYST)
    assert not Role.ANALYST.allows(Role.OWNER)
    assert require(Role.OWNER).__name__ == "require_owner"


def test_admin_adds_edits_and_disables_a_user_and_the_audit_log_says_who_and_when(
    clients: Clients,
) -> None:
    admin = clients.as_user("admin")
    start = datetime.now(UTC) - timedelta(seconds=1)
    token = page_csrf(admin, "/admin/users")
    added = admin.post(
        "/admin/users",
        data={
            "name": "frank",
            "password": "franks-password",
            "role": "analyst",
            "services": "Network\nEmail\n",
            "groups": "",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert "frank" in admin.get("/admin/users").text
    edited = admin.post(
        "/admin/users/frank",
        data={"role": "owner", "services": "Network", "groups": "L2 Network", "csrf_token": token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    page = admin.get("/admin/users/frank").text
    assert '<option value="owner" selected>' in page
    frank = clients.as_user("frank", "franks-password")
    me = frank.get("/api/me").json()
    assert me["role"] == "owner"
    assert me["services"] == ["Network"]
    assert me["groups"] == ["L2 Network"]
    password = admin.post(
        "/admin/users/frank/password",
        data={"password": "franks-new-password", "csrf_token": token},
        follow_redirects=False,
    )
    assert password.status_code == 303
    assert frank.get("/api/me").status_code == 401  # the sessions ended with the old password
    entries = admin.get("/api/audit?limit=50").json()
    mine = [e for e in entries if e["object"] == "user:frank" and e["who"] != "frank"]
    actions = [e["action"] for e in mine]
    assert actions == ["user.password", "user.update", "user.add"]  # newest first
    logins = [e for e in entries if e["action"] == "session.login" and e["who"] == "frank"]
    assert logins  # frank's own login is there too, by frank
    for entry in mine:
        assert entry["who"] == "admin"
        assert start <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)
    update = next(e for e in mine if e["action"] == "user.update")
    assert update["details"]["role"] == {"from": "analyst", "to": "owner"}
    assert "password" not in str(mine).replace("user.password", "")
    audit_page = admin.get("/admin/audit").text
    assert "user:frank" in audit_page
    assert "user.update" in audit_page


def test_bad_input_on_the_admin_pages_is_a_message(clients: Clients) -> None:
    admin = clients.as_user("admin")
    token = page_csrf(admin, "/admin/users")
    cases = [
        ({"name": "viewer", "password": "long-enough-pw"}, "exists already"),
        ({"name": "short-pw", "password": "short"}, "shorter than 8"),
        ({"name": "bad name!", "password": "long-enough-pw"}, "invalid account name"),
        ({"name": "badrole", "password": "long-enough-pw", "role": "boss"}, "unknown role"),
    ]
    for data, said in cases:
        answer = admin.post("/admin/users", data={**data, "csrf_token": token})
        assert answer.status_code == 400
        assert said in answer.text
    assert admin.get("/admin/users/nobody").status_code == 404


def test_the_last_admin_cannot_be_demoted_or_disabled(clients: Clients) -> None:
    admin = clients.as_user("admin")
    token = page_csrf(admin)
    for change in ({"role": "viewer"}, {"role": "admin", "disabled": "1"}):
        answer = admin.post("/admin/users/admin", data={**change, "csrf_token": token})
        assert answer.status_code == 400
        assert "last enabled admin" in answer.text
    assert admin.get("/api/me").json()["role"] == "admin"


def test_tokens_listed_and_revoked_on_the_users_page(clients: Clients, web_app: FastAPI) -> None:
    from pdca.records import accounts  # noqa: PLC0415

    with web_app.state.web.records.session() as db:
        secret = accounts.issue_token(db, "owner", "nightly report", who="test")
        token_id = accounts.tokens_of(db, "owner")[-1].id
    admin = clients.as_user("admin")
    page = admin.get("/admin/users/owner").text
    assert "nightly report" in page
    assert secret not in page
    script = TestClient(web_app)
    auth = {"Authorization": f"Bearer {secret}"}
    assert script.get("/api/me", headers=auth).status_code == 200
    answer = admin.post(
        f"/admin/users/owner/tokens/{token_id}/revoke",
        data={"csrf_token": page_csrf(admin)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert script.get("/api/me", headers=auth).status_code == 401
    assert "revoked" in admin.get("/admin/users/owner").text


def test_users_api(clients: Clients) -> None:
    admin = clients.as_user("admin")
    headers = {"X-CSRF-Token": page_csrf(admin)}
    made = admin.post(
        "/api/users",
        json={"name": "grace", "password": "graces-password", "role": "viewer"},
        headers=headers,
    )
    assert made.status_code == 201
    assert made.json()["role"] == "viewer"
    changed = admin.patch(
        "/api/users/grace", json={"groups": ["Service Desk"], "disabled": True}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["groups"] == ["Service Desk"]
    assert changed.json()["disabled"] is True
    listed = {u["name"]: u for u in admin.get("/api/users").json()}
    assert listed["grace"]["disabled"] is True
    assert all("password" not in key for u in listed.values() for key in u)
    assert admin.patch("/api/users/nobody", json={}, headers=headers).status_code == 404
    bad = admin.post(
        "/api/users", json={"name": "x y", "password": "long-enough-pw"}, headers=headers
    )
    assert bad.status_code == 400
    assert admin.get("/api/audit?action=user.add&limit=1").json()[0]["action"] == "user.add"
