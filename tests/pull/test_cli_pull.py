"""`pdca pull` on the command line: what it prints, one-line errors with exit code 1, and a
token that shows up nowhere (output, store files). The server replays ServiceNow's Table API
(REST API reference, "Table API"; see api_servicenow.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from tests.pull import api_servicenow as sn
from tests.pull.desk import Desk
from tests.pull.server import Loopback
from tests.pull.tools import ENV, SECRET

runner = CliRunner()


def _pull(url: str, store: Path, *extra: str) -> object:
    return runner.invoke(app, ["pull", "servicenow", "--url", url, "--token-env", ENV,
                               "--user", sn.USER, "--store", str(store), *extra])  # fmt: skip


def test_pull_prints_what_it_fetched_imported_and_the_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, SECRET)
    desk = Desk.seeded()
    with Loopback(sn.ServiceNow(desk, SECRET)) as server:
        first = _pull(server.url, tmp_path / "s")
        desk.move_on()
        second = _pull(server.url, tmp_path / "s")
        again = _pull(server.url, tmp_path / "s", "-f", "json")
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    out = first.output  # type: ignore[attr-defined]
    assert "Fetched 4 tickets and 14 history rows" in out
    assert "stored 12 new events" in out
    assert "Cursor: 2024-03-01T18:20:00Z" in out
    out2 = second.output  # type: ignore[attr-defined]
    assert "changes since 2024-03-01T18:20:00Z" in out2
    assert "Cursor: 2024-03-01T19:35:00Z" in out2
    assert '"cursor": "2024-03-01T19:35:00Z"' in again.output  # type: ignore[attr-defined]
    for result in (first, second, again):
        assert SECRET not in result.output  # type: ignore[attr-defined]
    for path in (tmp_path / "s").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("no variable", f"the environment variable {ENV} is not set"),
        ("bad url", "is not an http(s) URL"),
        ("refused", "answered HTTP 401 — the credentials were refused"),
        ("unknown tool", "pdca pull cannot pull from 'remedy'"),
        ("nobody there", "failed 1 time(s): ConnectError"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    case: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "wrong-" + SECRET if case == "refused" else SECRET)
    if case == "no variable":
        monkeypatch.delenv(ENV)
    with Loopback(sn.ServiceNow(Desk.seeded(), SECRET)) as server:
        url = {"bad url": "servicenow.example", "nobody there": "http://127.0.0.1:9"}.get(
            case, server.url
        )
        args = ["pull", "remedy" if case == "unknown tool" else "servicenow", "--url", url,
                "--token-env", ENV, "--user", sn.USER, "--store", str(tmp_path / "s"),
                "--retries", "0"]  # fmt: skip
        result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert said in " ".join(result.output.split())
    assert SECRET not in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "s").exists(), "a failed first pull creates no store"
