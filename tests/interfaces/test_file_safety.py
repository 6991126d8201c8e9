"""pdca never deletes or writes over a file it did not write (issue 15): `pdca demo` and
`pdca simulate` refuse a folder holding someone else's files, the demo keeps its review in its own
folder, and `pdca report` names its file after the log and period and replaces only files it wrote
(or with --force)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca.errors import PdcaError
from pdca.interfaces.cli import demo as demo_cli
from pdca.interfaces.cli.app import app
from pdca.interfaces.demo import MARKER
from pdca.reports import review
from pdca.reports.html import Section

runner = CliRunner()
TICKETS = "2000"
LOG = "demo_service_desk"


def _user_folder(root: Path) -> Path:
    folder = root / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return folder


def _untouched(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "my notes\n"


def _generator(path: Path) -> str | None:
    return review.written_by(path)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A cheap demo in its own folder (the review inside it)."""
    store = tmp_path_factory.mktemp("safety") / "pdca-demo"
    result = runner.invoke(app, ["demo", "--store", str(store), "--tickets", TICKETS])
    assert result.exit_code == 0, result.output
    return store, result.output


def test_demo_refuses_a_folder_with_a_user_file(tmp_path: Path) -> None:
    folder = _user_folder(tmp_path)
    result = runner.invoke(app, ["demo", "--store", str(folder), "--tickets", TICKETS])
    assert result.exit_code == 1
    assert "did not make" in result.output
    assert "Traceback" not in result.output
    _untouched(folder)


def test_demo_refuses_a_store_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "pdca.duckdb").write_bytes(b"not ours")
    result = runner.invoke(app, ["demo", "--store", str(folder), "--tickets", TICKETS])
    assert result.exit_code == 1
    assert (folder / "pdca.duckdb").read_bytes() == b"not ours"
    assert not (folder / MARKER).exists()


def test_simulate_refuses_a_folder_with_a_user_file(tmp_path: Path) -> None:
    folder = _user_folder(tmp_path)
    args = ["simulate", "--store", str(folder), "--tickets", "200", "--days", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "not a pdca store" in result.output
    _untouched(folder)


def test_simulate_uses_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    args = ["simulate", "--store", str(folder), "--tickets", "200", "--days", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (folder / "pdca.duckdb").is_file()


def test_simulate_does_not_write_over_a_file(tmp_path: Path) -> None:
    out = tmp_path / "desk.csv"
    out.write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", "--out", str(out), "--tickets", "200", "--days", "10"])
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.csv"]


def test_the_demo_keeps_its_review_in_its_folder_and_prints_it(made: tuple[Path, str]) -> None:
    store, output = made
    kept = store / "review.html"
    assert kept.is_file()
    assert f"Review: {kept}" in output
    assert _generator(kept) == "pdca demo"
    mark = json.loads((store / MARKER).read_text(encoding="utf-8"))
    assert mark["made_by"] == "pdca demo"


def test_report_never_overwrites_the_demos_review(
    made: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = made
    kept = store / "review.html"
    before = kept.read_bytes()
    # by default the report names its file after the log and period, in the current directory
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", "--store", str(store)])
    assert result.exit_code == 0, result.output
    written = tmp_path / f"review-{LOG}-month.html"
    assert _generator(written) == "pdca report"
    week = runner.invoke(app, ["report", "--store", str(store), "--period", "week"])
    assert week.exit_code == 0, week.output
    assert (tmp_path / f"review-{LOG}-week.html").is_file()
    # asked to write over the demo's review, it refuses (a demo, not pdca report, wrote it)
    result = runner.invoke(app, ["report", "--store", str(store), "--out", str(kept)])
    assert result.exit_code == 1
    assert "left as it is" in result.output
    assert kept.read_bytes() == before


def test_report_refuses_a_foreign_file_without_force_and_replaces_its_own(
    made: tuple[Path, str], tmp_path: Path
) -> None:
    store, _ = made
    out = tmp_path / "review.html"
    out.write_text("<html><head></head><body>my own page</body></html>\n", encoding="utf-8")
    args = ["report", "--store", str(store), "--out", str(out)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert "my own page" in out.read_text(encoding="utf-8")
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert _generator(out) == "pdca report"
    first = out.read_text(encoding="utf-8")
    again = runner.invoke(app, args)  # its own file: replaced without --force
    assert again.exit_code == 0, again.output
    assert _generator(out) == "pdca report"
    assert "my own page" not in first


def test_a_reporting_period_it_cannot_compute_is_refused(
    made: tuple[Path, str], tmp_path: Path
) -> None:
    store, _ = made
    out = tmp_path / "quarter.html"
    result = runner.invoke(
        app, ["report", "--store", str(store), "--period", "quarter", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "quarter" in result.output
    assert not out.exists()


def test_a_section_left_out_is_named_at_the_top_and_fails_the_command(
    made: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = made

    def broken(_ctx: review.Context) -> Section:
        raise PdcaError("no data for this section")

    monkeypatch.setattr(review, "SECTIONS", [*review.SECTIONS, ("broken", broken)])
    out = tmp_path / "partial.html"
    result = runner.invoke(app, ["report", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 1
    assert "incomplete" in result.output
    html = out.read_text(encoding="utf-8")
    top = html.index('<section id="left-out">')
    assert top < html.index('<section id="scorecard">')
    assert "no data for this section" in html[top : html.index("</section>", top)]


def test_the_demo_replaces_only_a_folder_it_made(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()  # an empty folder is fine
    args = ["demo", "--store", str(folder), "--tickets", TICKETS]
    assert runner.invoke(app, args).exit_code == 0
    (folder / "notes.txt").write_text("my notes\n", encoding="utf-8")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "notes.txt" in refused.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert (folder / "pdca.duckdb").is_file()
    (folder / "notes.txt").unlink()
    again = runner.invoke(app, args)  # its own folder again: replaced
    assert again.exit_code == 0, again.output
    assert _generator(folder / "review.html") == "pdca demo"


@pytest.mark.parametrize(
    ("argv0", "shown"),
    [(".venv/bin/pdca", ".venv/bin/pdca"), ("pdca", "pdca"), ("/x/pytest", "pdca")],
)
def test_the_demo_hint_names_the_command_as_it_was_run(
    argv0: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [argv0, "demo"])
    assert demo_cli._program() == shown


def test_ingest_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    from pdca import api  # noqa: PLC0415
    from pdca.errors import StoreError  # noqa: PLC0415
    from tests.improve.logs import write_log  # noqa: PLC0415

    log = write_log(tmp_path / "log.csv", weeks=2, per_week=5, factor=1.0, change_week=9, seed=1)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="not a pdca store"):
        api.ingest(log, source="servicenow", store=precious)
    assert sorted(p.name for p in precious.iterdir()) == ["notes.txt"]
    # an empty or new folder, and a store, are fine
    api.ingest(log, source="servicenow", store=tmp_path / "new")
    api.ingest(log, source="servicenow", store=tmp_path / "new")
