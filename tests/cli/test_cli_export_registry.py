"""`pdca export --to` takes every registered exporter, and its help names the built-ins."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pdca.api import data
from pdca.interfaces.cli.app import app
from tests.improve.logs import write_log

runner = CliRunner()


def test_a_registered_exporter_is_reachable_from_the_cli(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv", weeks=2, per_week=5, factor=1.0, change_week=9, seed=2)
    store = tmp_path / "store"
    data.ingest(log, source="servicenow", store=store)
    calls: list[Path] = []

    def exporter(out: Path, store: Path | str | None, log: str | None) -> list[Path]:
        out.write_text("hello", encoding="utf-8")
        calls.append(out)
        return [out]

    data.register_exporter("hello", exporter)
    try:
        result = runner.invoke(
            app,
            ["export", "--to", "hello", "--out", str(tmp_path / "x.txt"), "--store", str(store)],
        )
        assert result.exit_code == 0, result.output
        assert calls == [tmp_path / "x.txt"]
    finally:
        data._EXPORTERS.pop("hello")
    refused = runner.invoke(
        app, ["export", "--to", "hello", "--out", str(tmp_path / "y"), "--store", str(store)]
    )
    assert refused.exit_code == 1
    assert "use one of: csv, ocel, parquet, xes" in refused.output


def test_the_help_names_every_built_in_exporter() -> None:
    shown = " ".join(runner.invoke(app, ["export", "--help"]).output.split())
    for name in data.exporter_names():
        assert name in shown, name
