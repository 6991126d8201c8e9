"""`pdca demo`: the planted changes are found — by the SPC monitor and by the register."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app
from pdca.interfaces.demo import FASTER, SLOWER, TRUTH
from pdca.interfaces.demo import demo as run_demo
from pdca.simulate.config import SimulationConfig

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("demo")
    store, out = root / "store", root / "report.html"
    result = runner.invoke(app, ["demo", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return store, out, result.output


def test_the_truth_is_written_beside_the_store(demo: tuple[Path, Path, str]) -> None:
    store, _, output = demo
    truth = json.loads((store / TRUTH).read_text(encoding="utf-8"))
    text = json.dumps(truth)
    assert SLOWER[0] in text
    assert FASTER[0] in text
    assert "50,000 incidents" in output


def test_the_monitor_finds_the_slower_service_and_the_report_says_so(
    demo: tuple[Path, Path, str],
) -> None:
    store, out, _ = demo
    signals = api.monitor(store=store, kpis=["mttr"], by="service")
    network = signals[(signals["group"] == SLOWER[0]) & (signals["effect"] == "worse")]
    assert not network.empty
    # the signal's points lie after the planted change
    assert (network["first"] >= f"{SLOWER[2]:%G-W%V}").all()
    html = out.read_text(encoding="utf-8")
    assert f"Mean time to resolve of service {SLOWER[0]}" in html


def test_the_register_verifies_the_improvement(demo: tuple[Path, Path, str]) -> None:
    store, out, output = demo
    register = api.initiatives(store=store)
    assert register["verdict"].tolist() == ["improved"]
    assert "improved" in output
    html = out.read_text(encoding="utf-8")
    assert "— improved</h3>" in html


def test_a_store_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "mine"
    (store).mkdir()
    (store / "pdca.duckdb").write_bytes(b"")
    result = runner.invoke(app, ["demo", "--store", str(store), "--tickets", "100"])
    assert result.exit_code == 1
    assert "did not make" in result.output
    assert (store / "pdca.duckdb").exists()


def _row(html: str, section: str, label: str) -> list[str]:
    """The cells of the row of ``section``'s table whose first cell is ``label``."""
    part = html[html.index(f'<section id="{section}">') :]
    part = part[: part.index("</section>")]
    found = re.search(r"<tr><td>" + re.escape(label) + r"</td>(.*?)</tr>", part)
    assert found, (section, label)
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


def test_the_review_of_a_small_demo_uses_the_objectives_the_demo_wrote(tmp_path: Path) -> None:
    """The review measures against the simulation's SLA targets, not the built-in ones, and
    says so (a demo of 6,000 tickets, made through the API)."""
    result = run_demo(store=tmp_path / "store", out=tmp_path / "review.html", tickets=6_000)
    kept = tmp_path / "store" / "objectives.toml"
    assert result.objectives == kept
    assert kept.is_file()
    # the oracle: the simulator's own targets, not read from any file pdca wrote
    hours = {p[0]: t.resolution for p, t in SimulationConfig().sla.items()}
    assert (hours["3"], hours["4"]) == (30.0, 50.0)  # differ from the built-in 72 h and 120 h
    html = result.report.read_text(encoding="utf-8")
    for priority in ("3 - Moderate", "4 - Low"):
        target = _row(html, "capability", priority)[1]
        assert float(target) == hours[priority[0]], priority
    note = f"P3 {hours['3']:g} h, P4 {hours['4']:g} h resolution"
    assert html.count(note) >= 2  # near the scorecard and the SLA capability
    assert str(kept) in html
    assert "built-in defaults (P1" not in html
    # the simulator judged made_sla by the same targets: pdca's verdict is the source's
    ours = _row(html, "scorecard", "Resolution SLA compliance")[0]
    source = _row(html, "scorecard", "SLA compliance as recorded by the source")[0]
    assert float(ours) == pytest.approx(float(source), abs=0.15)
    # any command on the demo store finds the file the store keeps
    card = api.scorecard(store=tmp_path / "store")
    assert card.attrs["objectives"]["source"] == str(kept)
    assert card.attrs["objectives"]["found_by"] == "store"
