"""`pdca problems`: text from the data is printed literally, bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pdca.interfaces.cli.app import app

runner = CliRunner()
NASTY = "[bold]vpn[/bold] <script>alert(1)</script> tunnel down"


def _file(tmp_path: Path) -> Path:
    rows = ["id,text,group,opened"]
    rows += [f'{i},"{NASTY} {i % 3}",A,2025-03-01 {i % 10:02d}:00' for i in range(1, 31)]
    rows += [f"{i},printer jam tray {i % 4},B,2025-03-02 {i % 10:02d}:00" for i in range(31, 61)]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_table_prints_ticket_text_literally(tmp_path: Path) -> None:
    path = _file(tmp_path)
    args = ["problems", "--file", str(path), "--text-column", "text", "--id-column", "id"]
    result = runner.invoke(app, [*args, "--min-size", "5", "--label-column", "group"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "[bold]vpn[/bold]" in flat
    assert "<script>alert(1)</script>" in flat
    assert "purity 1.000" in flat


def test_json_rows_and_facts(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = runner.invoke(
        app,
        ["problems", "--file", str(path), "--text-column", "text", "--min-size", "5", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["tickets"] == 60
    assert sorted(r["tickets"] for r in doc["rows"]) == [30, 30]
    assert doc["unclustered"] == 0


def test_missing_column_is_one_line(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = runner.invoke(app, ["problems", "--file", str(path), "--text-column", "nope"])
    assert result.exit_code == 1
    assert "no column 'nope'" in result.output
    assert "Traceback" not in result.output


def test_bursts_on_a_file_need_a_time_column(tmp_path: Path) -> None:
    path = _file(tmp_path)
    args = ["problems", "--bursts", "--file", str(path), "--text-column", "text"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "--time-column" in result.output
    ok = runner.invoke(app, [*args, "--time-column", "opened", "--min-size", "5", "-f", "json"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.output)
    assert doc["rule"]["window_hours"] == 4
    assert doc["groups"] == 2
