"""`pdca user …` and `pdca serve` (a real server on 127.0.0.1 in a subprocess, bounded)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from pdca.records import accounts, open_records
from pdca.records.passwords import verify_password

runner = CliRunner()


def test_user_commands(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    env = {"PW": "first-password", "PW2": "second-password"}
    added = runner.invoke(
        app,
        ["user", "add", "ops", "--role", "admin", "--password-env", "PW", "--store", store],
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "added ops (admin; sees everything)" in added.stdout
    scoped = runner.invoke(
        app,
        [
            "user",
            "add",
            "net",
            "--role",
            "viewer",
            "--service",
            "Network",
            "--group",
            "L2",
            "--store",
            store,
        ],
        input="net-password\nnet-password\n",
    )
    assert scoped.exit_code == 0, scoped.output
    listed = runner.invoke(app, ["user", "list", "--store", store])
    assert "net" in listed.stdout
    assert "sees services Network; groups L2" in listed.stdout
    role = runner.invoke(app, ["user", "role", "net", "analyst", "--store", store])
    assert role.exit_code == 0
    assert "net is now analyst" in role.stdout
    changed = runner.invoke(
        app, ["user", "passwd", "ops", "--password-env", "PW2", "--store", store], env=env
    )
    assert changed.exit_code == 0, changed.output
    token = runner.invoke(app, ["user", "token", "ops", "--name", "cron", "--store", store])
    assert token.exit_code == 0
    secret = token.stdout.strip()
    assert secret.startswith("pdca_")
    records = open_records(Path(store))
    with records.session() as db:
        ops = accounts.get_user(db, "ops")
        assert verify_password(ops.password_hash, "second-password")
        assert secret not in str([t.token_hash for t in accounts.tokens_of(db, "ops")])
        from pdca.records import AuditEntry  # noqa: PLC0415

        who = {e.who for e in db.query(AuditEntry).all()}
        assert all(w.startswith("cli:") for w in who)
    records.close()


def test_user_command_errors_are_one_line(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    for args, said in [
        (["user", "role", "nobody", "admin"], "there is no user 'nobody'"),
        (["user", "add", "x", "--role", "boss", "--password-env", "PW"], "unknown role"),
        (["user", "add", "x", "--role", "viewer", "--password-env", "NOPE"], "NOPE is not set"),
        (["user", "add", "x", "--role", "viewer", "--password-env", "SHORT"], "shorter than 8"),
    ]:
        result = runner.invoke(
            app, [*args, "--store", store], env={"PW": "long-enough-pw", "SHORT": "abc"}
        )
        assert result.exit_code == 1, (args, result.output)
        assert said in result.stderr, result.stderr


def test_serve_refuses_a_non_loopback_host_and_says_why(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a loopback address" in result.stderr
    assert "TLS" in result.stderr
    assert "--allow-remote" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_pdca_serve_answers_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PDCA_STORE": str(tmp_path / "store")}
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "pdca.interfaces.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text(encoding="utf-8")
                time.sleep(0.2)
        assert answer is not None, "pdca serve did not answer within 60 s"
        assert answer.json()["status"] == "ok"
        assert "server" not in answer.headers
        login = httpx.get(f"http://127.0.0.1:{port}/", timeout=5, follow_redirects=False)
        assert login.status_code == 303
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
