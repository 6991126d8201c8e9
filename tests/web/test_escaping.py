"""Text from the data and from users is rendered inert: a log, a service or a group holding
``<script>``, attribute-breaking quotes, and ``javascript:`` link targets."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from pdca.records import Role, accounts
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import create_app
from pdca.web.templating import safe_href
from tests.web.conftest import Clients, log_in, page_csrf

SCRIPT = "<script>alert(1)</script>"
QUOTES = '" onmouseover="x'
LINK = "javascript:alert(1)"


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app on a store whose log is named ``<script>alert(1)</script>``, logged in as an
    admin."""
    store = tmp_path_factory.mktemp("hostile") / "store"
    simulate(SimulationConfig(tickets=40, days=10, seed=5, log=SCRIPT), store=store)
    app = create_app(store)
    with app.state.web.records.session() as db:
        accounts.add_user(db, "boss", "boss-password", Role.ADMIN, who="test")
    return log_in(TestClient(app), "boss", "boss-password")


def _inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert 'onmouseover="x' not in html
    assert 'href="javascript:' not in html.lower()


def test_a_log_name_with_a_script_tag_is_escaped(hostile_client: TestClient) -> None:
    home = hostile_client.get("/")
    assert home.status_code == 200
    _inert(home.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home.text
    assert f'href="/logs/{quote(SCRIPT, safe="")}/scorecard"' in home.text
    one = hostile_client.get(f"/logs/{quote(SCRIPT, safe='')}/scorecard")
    assert one.status_code == 200
    _inert(one.text)
    assert hostile_client.get("/api/logs").json()[0]["log"] == SCRIPT


def test_scopes_with_markup_and_quotes_are_escaped_everywhere(clients: Clients) -> None:
    admin = clients.as_user("admin")
    token = page_csrf(admin)
    answer = admin.post(
        "/admin/users",
        data={
            "name": "mallory",
            "password": "mallorys-password",
            "role": "viewer",
            "services": f"{SCRIPT}\n{QUOTES}\n{LINK}",
            "groups": QUOTES,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    for path in ("/admin/users", "/admin/users/mallory", "/admin/audit"):
        html = admin.get(path).text
        _inert(html)
        assert "&lt;script&gt;" in html or "\\u003cscript\\u003e" in html
    mallory = clients.as_user("mallory", "mallorys-password")
    html = mallory.get("/").text  # 403 or a scoped scorecard: the header shows the scope
    _inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_error_message_quoting_input_is_escaped(clients: Clients) -> None:
    admin = clients.as_user("admin")
    answer = admin.post(
        "/admin/users",
        data={"name": SCRIPT, "password": "long-enough-pw", "csrf_token": page_csrf(admin)},
    )
    assert answer.status_code == 400
    _inert(answer.text)
    assert "&lt;script&gt;" in answer.text
    missing = admin.get(f"/logs/{quote(SCRIPT, safe='')}/scorecard")
    assert missing.status_code == 404
    _inert(missing.text)


def test_javascript_links_are_never_rendered(clients: Clients) -> None:
    form = clients.anonymous().get(f"/login?next={quote(LINK)}")
    assert LINK not in form.text
    assert 'name="next" value="/"' in form.text
    assert safe_href(LINK) == "#"
    assert safe_href(" JavaScript:alert(1)") == "#"
    assert safe_href("//evil.example/x") == "#"
    assert safe_href("data:text/html,x") == "#"
    assert safe_href("/logs/x/scorecard") == "/logs/x/scorecard"
    assert safe_href("https://example.org/doc") == "https://example.org/doc"


def test_templates_autoescape_everywhere() -> None:
    from pdca.web.templating import ENV, TEMPLATES  # noqa: PLC0415

    for path in Path(TEMPLATES).glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text, path.name
        assert "autoescape false" not in text, path.name
        rendered = ENV.from_string("{{ x }}").render(x=SCRIPT)
        assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"
