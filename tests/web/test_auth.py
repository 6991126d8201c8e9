"""Logging in and out, throttling, session fixation, CSRF, cookie flags, API tokens."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdca.records import accounts
from pdca.web import WebSettings, create_app
from pdca.web.auth import SESSION_COOKIE
from tests.web.conftest import PASSWORDS, Clients, TokenMaker, csrf_of, log_in, page_csrf


def _login_post(client: TestClient, name: str, password: str, **extra: str) -> object:
    token = csrf_of(client.get("/login").text)
    data = {"name": name, "password": password, "csrf_token": token, "next": "/", **extra}
    return client.post("/login", data=data, follow_redirects=False)


def test_a_page_asks_an_anonymous_visitor_to_log_in(clients: Clients) -> None:
    client = clients.anonymous()
    answer = client.get("/logs/x/scorecard?a=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/logs/x/scorecard%3Fa%3D1"
    assert client.get("/api/logs").status_code == 401


def test_login_then_the_scorecard_then_logout(clients: Clients) -> None:
    client = clients.as_user("viewer")
    home = client.get("/")
    assert home.status_code == 200
    assert "Scorecard" in home.text
    assert "viewer" in home.text
    before = client.cookies.get(SESSION_COOKIE)
    out = client.post("/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert client.cookies.get(SESSION_COOKIE) not in (None, before)  # a new (anonymous) id
    assert client.get("/", follow_redirects=False).status_code == 303
    # the old id is dead too
    stale = TestClient(client.app, cookies={SESSION_COOKIE: before})
    assert stale.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_or_unknown_name_is_refused_alike(clients: Clients) -> None:
    client = clients.anonymous()
    wrong = _login_post(client, "analyst", "not-the-password")
    unknown = _login_post(client, "nobody-at-all", "not-the-password")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "Wrong name or password." in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_throttling_per_account_then_the_right_password_is_refused_too(
    web_store: Path, tmp_path: Path
) -> None:
    settings = WebSettings(login_failures_per_user=3, login_failures_per_address=100)
    app = create_app(web_store, records_url=f"sqlite:///{tmp_path / 'r.sqlite'}", settings=settings)
    with app.state.web.records.session() as db:
        accounts.add_user(db, "carol", "carols-password", "viewer", who="test")
        accounts.add_user(db, "dave", "daves-password", "viewer", who="test")
    client = TestClient(app)
    for _ in range(3):
        assert _login_post(client, "carol", "wrong-password").status_code == 401
    refused = _login_post(client, "carol", "carols-password")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in refused.text
    # another account from the same address is not locked out by carol's failures
    assert _login_post(client, "dave", "daves-password").status_code == 303
    app.state.web.records.close()


def test_throttling_per_client_address(web_store: Path, tmp_path: Path) -> None:
    settings = WebSettings(login_failures_per_user=100, login_failures_per_address=4)
    app = create_app(web_store, records_url=f"sqlite:///{tmp_path / 'r.sqlite'}", settings=settings)
    with app.state.web.records.session() as db:
        accounts.add_user(db, "erin", "erins-password", "viewer", who="test")
    client = TestClient(app)
    for name in ("a1", "a2", "a3", "a4"):  # four names, one address
        assert _login_post(client, name, "guess-guess").status_code == 401
    assert _login_post(client, "erin", "erins-password").status_code == 429
    app.state.web.records.close()


def test_session_fixation_an_id_set_before_login_is_not_honoured(clients: Clients) -> None:
    client = clients.anonymous()
    form = client.get("/login")
    planted = client.cookies.get(SESSION_COOKIE)
    assert planted
    answer = client.post(
        "/login",
        data={"name": "owner", "password": PASSWORDS["owner"], "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = client.cookies.get(SESSION_COOKIE)
    assert after
    assert after != planted
    # an attacker holding the planted id is not logged in
    attacker = TestClient(client.app, cookies={SESSION_COOKIE: planted})
    assert attacker.get("/", follow_redirects=False).status_code == 303
    assert attacker.get("/api/me").status_code == 401
    # a made-up id is ignored and replaced
    forged = TestClient(client.app, cookies={SESSION_COOKIE: "chosen-by-attacker"})
    issued = forged.get("/login").headers["set-cookie"]
    assert issued.startswith(f"{SESSION_COOKIE}=")
    assert "chosen-by-attacker" not in issued


def test_cookie_flags(clients: Clients, web_store: Path, tmp_path: Path) -> None:
    client = clients.anonymous()
    form = client.get("/login")
    cookie = form.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie.replace("samesite", "")
    answer = client.post(
        "/login",
        data={"name": "viewer", "password": PASSWORDS["viewer"], "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "max-age=" in cookie
    secure_app = create_app(
        web_store,
        records_url=f"sqlite:///{tmp_path / 'r.sqlite'}",
        settings=WebSettings(secure_cookies=True),
    )
    secure = TestClient(secure_app, base_url="https://testserver").get("/login")
    assert "; secure" in secure.headers["set-cookie"].lower()
    assert "max-age" in secure.headers["strict-transport-security"]
    secure_app.state.web.records.close()


def test_csrf_a_post_without_or_with_a_wrong_token_is_refused(clients: Clients) -> None:
    client = clients.as_user("admin")
    new = {"name": "csrf-victim", "password": "long-enough-pw", "role": "viewer"}
    assert client.post("/admin/users", data=new).status_code == 403
    assert client.post("/admin/users", data={**new, "csrf_token": "wrong"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/api/users", json=new).status_code == 403
    assert client.post("/api/users", json=new, headers={"X-CSRF-Token": "no"}).status_code == 403
    users = client.get("/api/users").json()
    assert "csrf-victim" not in [u["name"] for u in users]
    # the login form needs its token too
    anonymous = clients.anonymous()
    anonymous.get("/login")
    refused = anonymous.post("/login", data={"name": "admin", "password": PASSWORDS["admin"]})
    assert refused.status_code == 403
    # with the token it works (form field or header)
    token = page_csrf(client)
    ok = client.post("/api/users", json=new, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201, ok.text


def test_another_sessions_token_does_not_do(clients: Clients) -> None:
    first = clients.as_user("admin")
    second = clients.as_user("admin")
    token_of_first = page_csrf(first)
    answer = second.post(
        "/api/users",
        json={"name": "cross", "password": "long-enough-pw"},
        headers={"X-CSRF-Token": token_of_first},
    )
    assert answer.status_code == 403


def test_bearer_tokens_authenticate_scripts_without_csrf(
    clients: Clients, token_for: TokenMaker, web_app: FastAPI
) -> None:
    client = clients.anonymous()
    token = token_for("admin")
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/me", headers=auth)
    assert me.status_code == 200
    assert me.json() == {
        "name": "admin",
        "role": "admin",
        "services": [],
        "groups": [],
        "via": "token",
    }
    made = client.post(
        "/api/users", json={"name": "scripted", "password": "long-enough-pw"}, headers=auth
    )
    assert made.status_code == 201
    assert client.get("/api/me", headers={"Authorization": "Bearer pdca_wrong"}).status_code == 401
    # a revoked token is refused
    with web_app.state.web.records.session() as db:
        listed = accounts.tokens_of(db, "admin")
        for row in listed:
            accounts.revoke_token(db, "admin", row.id, who="test")
    assert client.get("/api/me", headers=auth).status_code == 401


def test_a_disabled_user_cannot_log_in_and_loses_its_session(clients: Clients) -> None:
    admin = clients.as_user("admin")
    with admin.app.state.web.records.session() as db:  # type: ignore[attr-defined]
        accounts.add_user(db, "leaver", "leavers-password", "viewer", who="test")
    leaver = clients.as_user("leaver", "leavers-password")
    assert leaver.get("/").status_code == 200
    token = page_csrf(admin)
    answer = admin.post(
        "/admin/users/leaver",
        data={"role": "viewer", "disabled": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert leaver.get("/", follow_redirects=False).status_code == 303
    assert _login_post(clients.anonymous(), "leaver", "leavers-password").status_code == 401


def test_next_goes_to_a_local_path_only(clients: Clients) -> None:
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"):
        client = clients.anonymous()
        answer = _login_post(client, "viewer", PASSWORDS["viewer"], next=target)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/", target
    client = clients.anonymous()
    answer = _login_post(client, "viewer", PASSWORDS["viewer"], next="/admin/audit")
    assert answer.headers["location"] == "/admin/audit"
    form = clients.anonymous().get("/login?next=javascript:alert(1)")
    assert "javascript:" not in form.text


def test_logged_in_visitor_to_login_is_sent_on(clients: Clients) -> None:
    client = log_in(clients.anonymous(), "viewer", PASSWORDS["viewer"])
    answer = client.get("/login?next=/logs", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/logs"
