"""Imports page and API: history against pdca.api.imports, upload (size limit, background job,
report, quarantine, audit), pulls refused without a token variable, roles, scoping, escaping,
and a page answering while an import runs (the desk swap of pdca.web.jobs)."""

from __future__ import annotations

import csv as cs
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdca import api
from pdca.simulate.config import SimulationConfig
from pdca.simulate.run import simulate
from pdca.web import create_app
from pdca.web.jobs import jobs_of
from tests.web.conftest import PASSWORDS, add_users, log_in, page_csrf

GOOD_ROWS = 20
# a refused upload (403 before the handler runs) leaves the form's spooled file to the garbage
# collector: the CSRF guard parsed the form (pdca.web.auth), and nothing closes it then
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Path, Path]]:
    """A tiny store of its own (imports change it), its app, and a CSV of another desk."""
    root = tmp_path_factory.mktemp("imports")
    store = root / "store"
    simulate(SimulationConfig(tickets=30, days=10, seed=3), store=store)
    csv = root / "upload" / "other_desk.csv"
    csv.parent.mkdir()
    simulate(SimulationConfig(tickets=20, days=5, seed=4), out=csv, fmt="csv", hidden=False)
    app = create_app(store, records_url=f"sqlite:///{root / 'records.sqlite'}")
    add_users(app)
    yield app, store, csv
    desk = app.state.web.desk
    if desk is not None:
        desk.close()
    app.state.web.records.close()


def user(app: FastAPI, name: str) -> TestClient:
    pw = "pw-scoped-123" if name == "scoped" else PASSWORDS[name]
    return log_in(TestClient(app, raise_server_exceptions=False), name, pw)


def upload(client: TestClient, data: bytes, name: str = "x.csv", **form: str) -> object:
    token = page_csrf(client, "/imports")
    return client.post(
        "/imports/upload",
        data={"csrf_token": token, **form},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_history_equals_the_api(small: tuple[FastAPI, Path, Path]) -> None:
    app, store, _ = small
    viewer = user(app, "viewer")
    truth = api.imports(store=store)
    rows = viewer.get("/api/imports").json()
    assert sorted(r["import_id"] for r in rows) == sorted(truth["import_id"].tolist())
    for r in rows:
        t = truth[truth["import_id"] == r["import_id"]].iloc[0]
        assert (r["rows_read"], r["stored"], r["quarantined"]) == (
            t["rows_read"],
            t["stored"],
            t["quarantined"],
        )
    html = viewer.get("/imports").text
    first = rows[0]
    assert f'data-import="{first["import_id"]}"' in html
    assert viewer.get(f"/api/imports/{first['import_id']}").json() == first
    assert viewer.get("/api/imports/999999").status_code == 404
    assert viewer.get(f"/imports/{first['import_id']}").status_code == 200
    assert viewer.get("/imports/999999").status_code == 404
    quarantine = viewer.get(f"/api/imports/{first['import_id']}/quarantine").json()
    assert quarantine["total"] == int(
        api.quarantine(store=store, import_id=first["import_id"]).shape[0]
    )
    # viewers see the history but may not upload; the form is for analysts
    assert 'action="/imports/upload"' not in html
    assert 'action="/imports/upload"' in user(app, "analyst").get("/imports").text
    assert 'action="/imports/pull"' in user(app, "owner").get("/imports").text


def test_upload_runs_in_the_background_with_report_quarantine_and_audit(
    small: tuple[FastAPI, Path, Path],
) -> None:
    app, store, csv = small
    analyst = user(app, "analyst")
    with csv.open(encoding="utf-8", newline="") as handle:
        rows = list(cs.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        row[header.index("log")] = "other_desk"
    # one broken row (a time that is not a time) is quarantined, with markup in it
    bad = list(rows[1])
    bad[header.index("timestamp")] = "<script>alert(1)</script>"
    bad[header.index("case_id")] = '" onmouseover=alert(1) x="'
    out = io.StringIO()
    cs.writer(out).writerows([*rows, bad])
    body = out.getvalue()
    before = len(api.imports(store=store))
    answer = upload(analyst, body.encode(), "other_desk.csv", source="auto", dates="detect")
    assert answer.status_code == 303, answer.text
    job_id = int(answer.headers["location"].rsplit("/", 1)[1])
    job = jobs_of(app.state.web).wait(job_id)
    assert job.state == "done", job.error
    report = job.report or {}
    assert report["rows_read"] == report["stored"] + report["quarantined"] + report["duplicates"]
    assert report["quarantined"] >= 1
    # the store's file now holds the import (the CLI sees it), and the app reads it too
    truth = api.imports(store=store)
    assert len(truth) == before + 1
    assert int(truth["import_id"].max()) == report["import_id"]
    page = analyst.get(f"/imports/jobs/{job_id}")
    assert page.status_code == 200
    assert "Refresh" not in page.headers
    assert "<script>alert(1)" not in page.text
    detail = analyst.get(f"/imports/{report['import_id']}").text
    assert "<script>alert(1)" not in detail
    assert "&lt;script&gt;" in detail
    assert '" onmouseover' not in detail
    quarantined = analyst.get(f"/api/imports/{report['import_id']}/quarantine").json()
    assert quarantined["total"] == report["quarantined"]
    # the audit log says who, when, which file and the counts
    admin = user(app, "admin")
    entries = admin.get("/api/audit").json()
    mine = [e for e in entries if e["object"] == f"job:{job_id}"]
    assert mine
    assert mine[0]["who"] == "analyst"
    assert mine[0]["action"] == "import.done"
    assert mine[0]["details"]["stored"] == report["stored"]
    assert "other_desk.csv" in mine[0]["details"]["what"]
    assert mine[0]["at"]
    # the REST job view agrees
    assert analyst.get(f"/api/imports/jobs/{job_id}").json()["report"]["stored"] == report["stored"]
    assert any(j["id"] == job_id for j in analyst.get("/api/imports/jobs").json())
    assert analyst.get("/api/imports/jobs/99999").status_code == 404


def test_a_failed_upload_is_one_line_and_changes_nothing(small: tuple[FastAPI, Path, Path]) -> None:
    app, store, _ = small
    analyst = user(app, "analyst")
    before = api.imports(store=store)
    answer = upload(analyst, b"\x00\x01 not a log at all", "junk.bin", source="auto")
    job = jobs_of(app.state.web).wait(int(answer.headers["location"].rsplit("/", 1)[1]))
    assert job.state == "failed"
    assert job.error
    assert "\n" not in job.error
    assert len(api.imports(store=store)) == len(before)
    assert not list((store / ".web").glob("uploads/*/*"))  # the upload was removed


def test_the_size_limit(small: tuple[FastAPI, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, _ = small
    monkeypatch.setenv("PDCA_WEB_UPLOAD_MAX", "1000")
    analyst = user(app, "analyst")
    answer = upload(analyst, b"a,b\n" * 1000)
    assert answer.status_code == 413
    assert "limit" in answer.text


def test_roles_and_bad_forms(
    small: tuple[FastAPI, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _, _ = small
    viewer = user(app, "viewer")
    assert upload(viewer, b"x").status_code == 403
    analyst = user(app, "analyst")
    token = page_csrf(analyst, "/imports")
    pull_form = {
        "csrf_token": token,
        "source": "zammad",
        "url": "https://x.example",
        "token_env": "T",
    }
    assert analyst.post("/imports/pull", data=pull_form).status_code == 403
    assert upload(analyst, b"x", source="nope").status_code == 400
    assert upload(analyst, b"x", dates="sometimes").status_code == 400
    owner = user(app, "owner")
    form = {**pull_form, "csrf_token": page_csrf(owner, "/imports")}
    monkeypatch.delenv("PDCA_TEST_UNSET_TOKEN", raising=False)
    refused = owner.post("/imports/pull", data={**form, "token_env": "PDCA_TEST_UNSET_TOKEN"})
    assert refused.status_code == 400
    assert "is not set" in refused.text
    not_a_name = owner.post("/imports/pull", data={**form, "token_env": "abc def"})
    assert not_a_name.status_code == 400
    api_answer = owner.post(
        "/api/pulls",
        json={"source": "zammad", "url": "https://x.example", "token_env": "PDCA_TEST_UNSET_TOKEN"},
        headers={"X-CSRF-Token": page_csrf(owner)},
    )
    assert api_answer.status_code == 400


def test_scoped_account_does_not_read_quarantined_rows(small: tuple[FastAPI, Path, Path]) -> None:
    app, _, _ = small
    scoped = user(app, "scoped")
    first = scoped.get("/api/imports").json()[0]["import_id"]
    assert scoped.get(f"/api/imports/{first}/quarantine").status_code == 403
    assert "not shown" in scoped.get(f"/imports/{first}").text


def test_a_page_answers_while_an_import_runs(small: tuple[FastAPI, Path, Path]) -> None:
    """The import holds the writer (a slow work function on the staged copy); the scorecard
    and the imports page answer meanwhile, from the data as it was."""
    app, _, _ = small
    viewer = user(app, "viewer")
    assert viewer.get("/").status_code == 200  # the desk is open
    jobs = jobs_of(app.state.web)
    release = threading.Event()
    started = threading.Event()

    def slow(stage: Path, progress: object) -> dict[str, object]:
        from pdca.engine.store import Store  # noqa: PLC0415

        with Store.open(stage) as st:  # the writer holds the staged copy open
            started.set()
            release.wait(30)
            assert not st.read_only
        return {}

    job = jobs.submit("import", "test", "slow", slow)
    assert started.wait(30)
    times = []
    for path in ("/", "/imports", "/api/imports"):
        t0 = time.perf_counter()
        assert viewer.get(path).status_code == 200
        times.append(time.perf_counter() - t0)
    assert jobs.get(job.id).state == "running"  # type: ignore[union-attr]
    progress = viewer.get(f"/imports/jobs/{job.id}")
    assert progress.headers.get("Refresh") == "2"
    release.set()
    assert jobs.wait(job.id).state == "done"
    assert viewer.get("/").status_code == 200  # and after the swap
    assert max(times) < 10


def test_a_body_past_the_limit_is_refused_before_any_form_is_parsed(
    small: tuple[FastAPI, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent without a length (chunked) and with a wrong CSRF token: the CSRF check would parse
    the whole form first and answer 403; the body cap stops it at the limit with 413."""
    app, _, _ = small
    monkeypatch.setenv("PDCA_WEB_UPLOAD_MAX", "1000")
    analyst = user(app, "analyst")
    boundary = "pdcaboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nwrong\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(64):
            yield b"a,b\n" * 2**14  # 64 KiB each: 4 MiB in all, past 1,000 bytes + 1 MiB slack
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = analyst.post(
        "/imports/upload",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 413, answer.text
    assert "limit" in answer.text
    small_form = analyst.post(
        "/imports/upload",
        content=head + b"a,b\n" + f"\r\n--{boundary}--\r\n".encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert small_form.status_code == 403  # under the limit: the CSRF check answers
