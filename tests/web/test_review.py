"""The review page and /api/logs/{log}/review: the document is the one pdca report writes, served
with its own policy (inline styles allowed, no script, framable by the app only), downloadable;
scoped accounts are refused."""

from __future__ import annotations

from tests.web.conftest import Clients

LOG = "simulated_incidents"


def test_review_page_and_document(clients: Clients) -> None:
    viewer = clients.as_user("viewer")
    page = viewer.get("/review")
    assert page.status_code == 200
    assert f"/api/logs/{LOG}/review?period=month" in page.text
    assert "<iframe" in page.text
    doc = viewer.get(f"/api/logs/{LOG}/review", params={"period": "month"})
    assert doc.status_code == 200, doc.text
    csp = doc.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in csp
    assert "script" not in csp
    assert "frame-ancestors 'self'" in csp
    assert "sandbox" in csp
    assert doc.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<style" in doc.text
    assert "<script" not in doc.text.lower()
    assert 'name="generator" content="pdca report"' in doc.text
    # the app's own pages keep the strict policy
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    download = viewer.get(f"/api/logs/{LOG}/review", params={"download": "true"})
    assert download.headers["content-disposition"].startswith("attachment;")
    assert viewer.get("/api/logs/nope/review").status_code == 404
    assert viewer.get("/review", params={"log": "nope"}).status_code == 404
    assert viewer.get("/review", params={"period": "year"}).status_code == 400


def test_scoped_accounts_are_refused(clients: Clients) -> None:
    scoped = clients.as_user("scoped", "pw-scoped-123")
    assert scoped.get("/review").status_code == 403
    assert scoped.get(f"/api/logs/{LOG}/review").status_code == 403
