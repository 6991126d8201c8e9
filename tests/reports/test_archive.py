"""The governance record: an archived pack keeps what it was computed from, and is rebuilt from
that record with identical text, even after the objectives file changed; a pack whose data has
changed since is not rebuilt."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.interfaces.cli.app import app
from pdca.reports.archive import build_and_archive, list_packs, regenerate, show_pack
from pdca.simulate import SimulationConfig, simulate
from pdca.version import __version__
from tests.reports.packcheck import pdf_pages

runner = CliRunner()
OBJECTIVES = """[[sla]]
priority = 1
resolution = "6h"
calendar = "24x7"

[[sla]]
priority = 2
resolution = "30h"
calendar = "24x7"

[[sla]]
priority = 3
resolution = "80h"
calendar = "24x7"

[[sla]]
priority = 4
resolution = "150h"
calendar = "24x7"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive") / "store"
    simulate(
        SimulationConfig(seed=11, start=date(2025, 1, 1), days=150, tickets=2_500, log="desk"),
        store=root,
    )
    return root


def test_an_archived_pack_records_its_inputs_and_is_rebuilt_identically(
    store: Path, tmp_path: Path
) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(OBJECTIVES, encoding="utf-8")
    out = tmp_path / "pack.html"
    result, pack = build_and_archive(store=store, objectives=goals, out=out)
    written = out.read_bytes()
    record = show_pack(pack, store=store)
    assert record["log"] == "desk"
    assert record["period"] == "month"
    assert record["format"] == "html"
    assert record["objectives"] == OBJECTIVES
    assert record["objectives_sha256"] == hashlib.sha256(OBJECTIVES.encode()).hexdigest()
    assert record["objectives_source"] == str(goals)
    assert record["html_sha256"] == hashlib.sha256(written).hexdigest()
    assert record["pdca_version"] == __version__
    assert record["sections"]["shown"] == result.sections
    with Store.open(store, read_only=True) as st:
        imports = st.imports()
        assert record["data_version"] == st.data_version()
    assert [i["import_id"] for i in record["imports"]] == imports["import_id"].tolist()
    assert "sections = [" in record["template"]
    listed = list_packs(store=store)
    assert pack in listed["id"].tolist()
    # the objectives file changes after the meeting: the pack is rebuilt from the recorded text
    goals.write_text(OBJECTIVES.replace('"6h"', '"1h"'), encoding="utf-8")
    again = regenerate(pack, store=store, out=tmp_path / "again.html")
    assert again.identical
    assert (tmp_path / "again.html").read_bytes() == written
    # a pack built from the changed file differs (the check above could fail)
    other, _ = build_and_archive(
        store=store, objectives=goals, out=tmp_path / "other.html", template="committee"
    )
    assert (tmp_path / "other.html").read_bytes() != written
    assert "P1 1 h" in other.objectives


def test_a_pdf_pack_is_rebuilt_to_identical_text(store: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed (pdca[pdf])")
    out = tmp_path / "weekly.pdf"
    result, pack = build_and_archive(store=store, out=out, template="team-weekly", pdf=True)
    assert result.pages > 1
    assert show_pack(pack, store=store)["format"] == "pdf"
    again = regenerate(pack, store=store, out=tmp_path / "again.pdf")
    assert again.identical
    assert pdf_pages(tmp_path / "again.pdf") == pdf_pages(out)


def test_a_pack_whose_data_changed_is_not_rebuilt(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    _, pack = build_and_archive(
        store=copy, log="desk", out=tmp_path / "p.html", template="team-weekly"
    )
    simulate(
        SimulationConfig(seed=2, start=date(2025, 1, 1), days=20, tickets=100, log="more"),
        store=copy,
    )
    with pytest.raises(InputError, match="changed since pack"):
        regenerate(pack, store=copy, out=tmp_path / "q.html")
    assert not (tmp_path / "q.html").exists()


def test_the_commands(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.html"
    made = runner.invoke(
        app,
        ["report", "--store", str(store), "--template", "team-weekly", "-o", str(out), "--archive"],
    )
    assert made.exit_code == 0, made.output
    pack = int(made.output.split("archived as pack ")[1].split()[0])
    listed = runner.invoke(app, ["reports", "list", "--store", str(store), "-f", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert rows[0]["id"] == pack  # newest first
    assert rows[0]["template"] == "team-weekly"
    assert rows[0]["period"] == "week"
    shown = runner.invoke(app, ["reports", "show", str(pack), "--store", str(store), "-f", "json"])
    assert json.loads(shown.stdout)["html_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    again = tmp_path / "again.html"
    rebuilt = runner.invoke(
        app, ["reports", "regenerate", str(pack), "--store", str(store), "-o", str(again)]
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "identical" in rebuilt.output
    assert again.read_bytes() == out.read_bytes()
    missing = runner.invoke(app, ["reports", "show", "999", "--store", str(store)])
    assert missing.exit_code == 1
    assert "no archived pack 999" in missing.output
    spark = runner.invoke(app, ["report", "--store", str(store), "--engine", "spark", "--archive"])
    assert spark.exit_code == 1
    assert "Traceback" not in spark.output
